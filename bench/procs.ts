// Child processes (the servers under test), /proc readings, and clean-up on exit or Ctrl-C.
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  output: string[];
}

const cleanups: (() => Promise<void> | void)[] = [];
const live = new Set<ChildProcess>();

/** Registers a clean-up step (drop a database, remove a directory); run in reverse order. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export async function cleanup(): Promise<void> {
  for (const child of live) child.kill('SIGKILL');
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (err) {
      console.error('cleanup:', (err as Error).message);
    }
  }
}

let interrupted = false;
/** True after Ctrl-C: the run's own errors (servers gone) are then expected. */
export const isInterrupted = (): boolean => interrupted;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${sig}: stopping servers and dropping bench databases…`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `node <args>` with the given environment and waits until GET readyPath answers 200. */
export function startProcess(name: string, args: string[], env: Record<string, string>, readyPath = '/healthz'): Promise<Proc> {
  return startCommand(name, process.execPath, args, env, readyPath);
}

/** Starts `command <args>` (PORT and HOST set in its environment) and waits until GET readyPath answers 200. */
export async function startCommand(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  readyPath = '/healthz',
  readyMs = 60_000,
): Promise<Proc> {
  const port = await freePort();
  const child = spawn(command, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => live.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      const res = await fetch(url + readyPath);
      if (res.ok) return { name, child, pid: child.pid!, port, url, output };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not become ready within ${readyMs / 1000} s:\n${output.join('')}`);
}

/** SIGTERM (graceful: lets a --cpu-prof profile be written), SIGKILL after 10 s. */
export async function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU time (user + system) the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is rest[0]: utime (14) and stime (15) are rest[11], rest[12].
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / ticksPerSecond();
}

/**
 * CPU time (user + system, ms) used so far by each PostgreSQL backend connected to `database`, by
 * pid, found by their process title ("postgres: … <user> <database> <client> <state>"), so other
 * databases' load on a shared server is not counted. Read it before and after a run and take
 * cpuSince(): a pool closes idle connections, and a backend that exits takes its time with it.
 */
export function databaseBackendsCpuMs(database: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.includes(` ${database} `)) byPid.set(Number(entry), cpuMs(Number(entry)));
    } catch {
      // The process exited while being read.
    }
  }
  return byPid;
}

/**
 * CPU time used between two readings of databaseBackendsCpuMs: by the backends alive at the
 * second (all of it for those started in between). One that exited in between is not counted: in
 * a pool it is an idle connection closed for idleness.
 */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** CPU time (ms) of a process and its descendants alive now (a gunicorn master and its workers). */
export function treeCpuMs(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      total += cpuMs(p);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (kids) stack.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // Exited while being read.
    }
  }
  return total;
}

/** Peak resident set size (VmHWM) in MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function sh(cmd: string): string {
  try {
    return execSync(cmd, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Waits until the servers are idle: a run's abandoned in-flight requests (a slow list query can
 * take seconds) must not spill into the next target's measurement.
 */
export async function settle(pids: number[], activeQueries?: () => Promise<number>, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = pids.map(cpuMs);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = pids.map(cpuMs);
    const quiet = now.every((c, i) => c - last[i]! < 15);
    last = now;
    if (quiet && (!activeQueries || (await activeQueries()) === 0)) return;
  }
}
