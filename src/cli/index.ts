import { runCli } from './run.js';

// The process entry of `contact-registry` (bin/contact-registry.js runs the compiled copy).
runCli(process.argv.slice(2)).then(
  (result) => {
    if (result !== 'running') process.exitCode = result;
  },
  (err: unknown) => {
    // Not a usage mistake nor a known start-up failure: a bug, shown with its stack.
    console.error(err);
    process.exitCode = 1;
  },
);
