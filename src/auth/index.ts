export * from './verifier.js';
export * from './token.js';
export * from './dev-secret.js';
export * from './claims.js';
