#!/usr/bin/env node
// Runs the compiled CLI. `npm install` compiles src/ into dist/ (the prepare script); after
// editing the sources, `npm run build` (or `npm run dev` to serve straight from the sources).
try {
  await import('../dist/cli/index.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/index.js')) throw err;
  console.error('error: contact-registry is not built (dist/ is missing): run `npm run build`, or `npm install`, which builds it');
  process.exitCode = 1;
}
