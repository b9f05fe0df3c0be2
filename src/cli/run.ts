import { parseArgs } from 'node:util';
import { UsageError, type CliIo, type Command, type CommandResult } from './command.js';
import { COMMANDS } from './commands/index.js';
import { explainFailure } from './failures.js';

// The dispatcher: picks the command, parses its options strictly, and turns every mistake on the
// command line into one line plus the usage (exit 2) and every known start-up failure into one
// line (exit 1). Anything else is a bug and keeps its stack trace.

const PROGRAM = 'contact-registry';

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export function mainHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n');
  return `Usage: ${PROGRAM} <command> [options]\n\nCommands:\n${list}\n\nRun "${PROGRAM} <command> --help" for a command's options.\n`;
}

function commandHelp(c: Command): string {
  return `Usage: ${PROGRAM} ${c.usage}\n\n${c.details.trimEnd()}\n`;
}

function usageFailure(io: CliIo, message: string, command?: Command): number {
  const usage = command
    ? `usage: ${PROGRAM} ${command.usage}\n(run "${PROGRAM} ${command.name} --help" for details)`
    : `usage: ${PROGRAM} <command> [options]\n(run "${PROGRAM} --help" for the commands)`;
  io.err(`error: ${message}\n${usage}\n`);
  return 2;
}

/** node:util's parse errors, reworded as one short line each. */
function parseErrorMessage(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  const message = (err as Error)?.message ?? '';
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '--tenant <value>' argument missing", "Option '-h, --help' does not take an argument"
      const option = /--[A-Za-z0-9-]+/.exec(quoted)?.[0] ?? quoted;
      return /does not take an argument/.test(message) ? `${option} takes no value` : `${option} needs a value`;
    }
    default:
      return null;
  }
}

function parse(command: Command, args: string[]) {
  const options = { ...command.options, help: { type: 'boolean', short: 'h' } } as const;
  const { values, positionals, tokens } = parseArgs({ args, options, strict: true, allowPositionals: command.allowPositionals === true, tokens: true });
  // A repeated option would silently keep its last value.
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
    seen.add(t.name);
  }
  return { values, positionals };
}

export async function runCli(argv: string[], io: CliIo = processIo): Promise<CommandResult> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(mainHelp());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !topic) return usageFailure(io, `unknown command "${rest[0]}"`);
    io.out(topic ? commandHelp(topic) : mainHelp());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command)
    return usageFailure(io, name.startsWith('-') ? `unknown option ${name} (options follow the command)` : `unknown command "${name}"`);

  try {
    const { values, positionals } = parse(command, rest);
    if (values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    return await command.run(values, io, positionals);
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, err.message, command);
    const parseMessage = parseErrorMessage(err);
    if (parseMessage) return usageFailure(io, parseMessage, command);
    const line = explainFailure(err);
    if (line === null) throw err;
    io.err(`error: ${line}\n`);
    return 1;
  }
}
