import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TEST_SECRET } from '../helpers/engines.js';
import { cliNodeArgs } from '../helpers/cli-process.js';

// Runs the real server (`contact-registry serve`) as a child process, for the crash tests.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP port that was free a moment ago (the server cannot listen on port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** stdout+stderr so far (JSON log lines), for failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnCli(command: string, databaseUrl: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...cliNodeArgs(), command], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
      AUTH_JWT_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `contact-registry worker` on its own (it has no HTTP port to wait for). */
export function startWorkerProcess(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawnCli('worker', databaseUrl, env);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

// A deadline, not a wait: a loaded machine (a CI runner shared with other jobs) can take tens of
// seconds to load tsx and the service in a fresh process.
const READY_SECONDS = 90;

export async function startServer(databaseUrl: string, port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawnCli('serve', databaseUrl, { PORT: String(port), ...env });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_SECONDS * 1000;
  let early: { code: number | null } | null = null;
  void exited.then((e) => (early = e));
  for (;;) {
    if (early) throw new Error(`server exited during start-up: ${JSON.stringify(early)}\n${out}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready in ${READY_SECONDS} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => out, exited };
}
