export * from './actor.js';
export * from './precondition.js';
export * from './record.js';
