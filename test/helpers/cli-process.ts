import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const COMPILED = join(ROOT, 'dist/cli/index.js');
const SOURCE = join(ROOT, 'src/cli/index.ts');

/** The newest modification time under a folder (the folder's own included). */
export function newestUnder(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(dir, f)).mtimeMs),
    statSync(dir).mtimeMs,
  );
}

let compiledIsCurrent: boolean | undefined;

/**
 * The node arguments that start the CLI in a child process: the compiled build when it is newer
 * than every source file — what `npm install` builds and users run, and it starts on a third of
 * the CPU that tsx needs to compile the sources on load — else the sources through tsx, so a test
 * never runs code older than the sources.
 */
export function cliNodeArgs(): string[] {
  compiledIsCurrent ??= existsSync(COMPILED) && statSync(COMPILED).mtimeMs >= newestUnder(join(ROOT, 'src'));
  return compiledIsCurrent ? [COMPILED] : ['--import', 'tsx', SOURCE];
}
