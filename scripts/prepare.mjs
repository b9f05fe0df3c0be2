// npm's `prepare` step: `npm run build` (dist/, the client types, the console).
//
// `npx contact-registry …` in a checkout finds the command in the project's own package.json, not
// in node_modules/.bin, so npm links the checkout into its npx cache — and runs `prepare` there,
// once per checkout path (npm_command "exec"). That was a full build (a minute) that first deletes
// dist/ under a server already running from it: the walk-through's first step rebuilt the project
// while `npm start` served. Under npx the build is skipped when dist/ exists; `npm install` and
// `npm ci` always build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.npm_command === 'exec' && existsSync('dist/cli/index.js')) process.exit(0);
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
