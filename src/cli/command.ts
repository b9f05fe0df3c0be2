import type { parseArgs, ParseArgsConfig } from 'node:util';

// The shape of a CLI subcommand. A command is one small file under commands/, listed once in
// commands/index.ts. Command files import nothing heavy at the top: `--help` and `token` must not
// load Fastify, the database drivers or the resources (they import them inside `run`).

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** What `run` returns: an exit code, or `running` for a command that keeps the process alive (serve). */
export type CommandResult = number | 'running';

export interface Command<O extends Options = Options> {
  name: string;
  /** One line for the command list of `contact-registry --help`. */
  summary: string;
  /** The synopsis, e.g. `token --tenant <id> --sub <id> [--ttl <duration>]` (without the program name). */
  usage: string;
  /** The rest of `contact-registry <command> --help`. */
  details: string;
  options: O;
  /** Takes positional arguments (e.g. `import FILE`); they come as `run`'s third argument. */
  allowPositionals?: boolean;
  run(values: Values<O>, io: CliIo, positionals?: string[]): Promise<CommandResult>;
}

/** Keeps each command's `values` typed by its own options. */
export function defineCommand<O extends Options>(command: Command<O>): Command {
  return command as unknown as Command;
}

/** Bad input on the command line: one line, the usage, exit 2. */
export class UsageError extends Error {}
