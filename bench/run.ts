// `npm run bench`: builds the service, seeds a fresh database, starts our service and the two
// baselines as production processes, and drives them with autocannon, round by round. Writes
// BENCHMARKS.md and bench/results/latest.json. See `npm run bench -- --help`.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mintToken } from '../src/auth/token.js';
import { parseBenchArgs, type BenchOptions } from './args.js';
import { LARGE_INDEX, contactId, tenantId, type Sizes } from './dataset.js';
import { ADMIN_URL, pgClient, postgresVersion, preparePglite, preparePostgres } from './db.js';
import { runLoad, type RunResult, type Target, type TargetName } from './load.js';
import { startPgProxy } from './pgproxy.js';
import { probe, resyncActions, send, type ProbeResult } from './probe.js';
import { cleanup, isInterrupted, peakRssMiB, settle, sh, startProcess, stopProcess, type Proc } from './procs.js';
import { writeReport, type EngineResult, type Results, type ScenarioResult } from './report.js';
import { makeScenarios, type Scenario } from './scenarios.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const FULL_EXPAND = 'props,addresses,banks';
const PROBE_REQUESTS = 10;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function oursEnv(db: { url?: string; dataDir?: string }): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: db.url ?? '',
    DATA_DIR: db.dataDir ?? '',
  };
}

let cpuProf = false;
/**
 * With --cpu-prof every measured server writes its profile to bench/results/prof/<name>/ on exit
 * (servers run through tsx also leave one for the loader thread: the largest file is the server).
 */
const prof = (name: string): string[] => (cpuProf ? ['--cpu-prof', '--cpu-prof-dir', `bench/results/prof/${name}`] : []);
const startOurs = (name: string, env: Record<string, string>): Promise<Proc> =>
  startProcess(name, [...prof(name), 'dist/cli/index.js', 'serve'], env);
const startRaw = (name: string, url: string): Promise<Proc> =>
  startProcess(name, [...prof(name), '--import', 'tsx', 'bench/baseline-raw.ts'], { DATABASE_URL: url, NODE_ENV: 'production' });
const startHello = (): Promise<Proc> => startProcess('hello', [...prof('hello'), '--import', 'tsx', 'bench/baseline-hello.ts'], {});

async function mintTokens(sizes: Sizes): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const ti of [...Array.from({ length: sizes.tenants }, (_, i) => i), LARGE_INDEX]) {
    tokens.set(tenantId(ti), await mintToken({ secret: SECRET, tenant: tenantId(ti), sub: 'bench-user', ttlSeconds: 86_400 }));
  }
  return tokens;
}

/** Asks the running service whether it accepts `expand=props,addresses,banks`. */
async function chooseExpand(url: string, tokens: Map<string, string>): Promise<string> {
  const r = await send(url, { method: 'GET', path: `/contacts/${contactId(0, 0)}/?expand=${FULL_EXPAND}`, tenant: tenantId(0) }, tokens);
  return r.status === 200 ? FULL_EXPAND : 'props';
}

function selectScenarios(all: Scenario[], o: BenchOptions): Scenario[] {
  if (!o.scenarios) return all;
  const unknown = o.scenarios.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`);
  return all.filter((s) => o.scenarios!.includes(s.name));
}

interface Env {
  o: BenchOptions;
  tokens: Map<string, string>;
  /** Our service's URL (action state is re-read through it). */
  oursUrl: string;
  /** Waits until servers and database are idle again. */
  settle: () => Promise<void>;
}

async function measure(
  e: Env,
  t: Target,
  s: Scenario,
  duration: number,
  extra: { overallRate?: number; helloBytes?: number; warmup?: boolean } = {},
): Promise<RunResult> {
  if (s.actions) await resyncActions(s.actions, e.oursUrl, e.tokens);
  const r = await runLoad(t, s, { duration, connections: e.o.connections, tokens: e.tokens, ...extra });
  await e.settle();
  const codes = Object.entries(r.statusCodes)
    .map(([c, n]) => `${c}:${n}`)
    .join(' ');
  console.log(
    `  ${s.name.padEnd(14)} ${t.name.padEnd(5)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ${codes}${extra.overallRate ? `  (fixed ${extra.overallRate} req/s)` : ''}${extra.warmup ? '  (warm-up)' : ''}`,
  );
  return r;
}

async function benchPostgres(o: BenchOptions): Promise<EngineResult> {
  console.log(`PostgreSQL: seeding ${o.sizes.tenants} x ${o.sizes.perTenant} + ${o.sizes.large} contacts…`);
  // The servers connect as the service role (row-level security applies); the harness reads and
  // resyncs state as the owner (`url`).
  const { url, serviceUrl, report } = await preparePostgres(o.sizes);
  console.log(`  seeded in ${report.seconds.toFixed(1)} s (${Object.values(report.optional).join('; ')})`);
  const tokens = await mintTokens(o.sizes);
  const env = oursEnv({ url: serviceUrl });

  // Probe phase: both servers behind the counting proxy, a few sequential requests each.
  const proxy = await startPgProxy(ADMIN_URL);
  const probing = cpuProf;
  cpuProf = false; // probes are not profiled
  const oursProbe = await startOurs('ours-probe', oursEnv({ url: proxy.url(serviceUrl) }));
  const rawProbe = await startRaw('raw-probe', proxy.url(serviceUrl));
  const expand = await chooseExpand(oursProbe.url, tokens);
  const scenarios = selectScenarios(makeScenarios({ sizes: o.sizes, expand, panSeed: 0 }), o);
  const probes = new Map<string, { ours: ProbeResult; raw: ProbeResult }>();
  for (const s of scenarios) {
    const ours = await probe(oursProbe.url, s, tokens, PROBE_REQUESTS, proxy.roundTrips);
    const raw = await probe(rawProbe.url, s, tokens, PROBE_REQUESTS, proxy.roundTrips);
    probes.set(s.name, { ours, raw });
    console.log(
      `  probe ${s.name}: ${ours.bytes} B, round trips ours ${ours.roundTrips} raw ${raw.roundTrips}${ours.errorSample ? `\n    ours error: ${ours.errorSample}` : ''}${raw.errorSample ? `\n    raw error: ${raw.errorSample}` : ''}`,
    );
  }
  await stopProcess(oursProbe);
  await stopProcess(rawProbe);
  await proxy.close();
  cpuProf = probing;

  const ours = await startOurs('ours', env);
  const raw = await startRaw('raw', serviceUrl);
  const hello = await startHello();
  const db = await pgClient(url);
  const active = async () =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid()`,
        )
      ).rows[0].n,
    );
  const e: Env = { o, tokens, oursUrl: ours.url, settle: () => settle([ours.pid, raw.pid, hello.pid], active) };
  const targets: Record<TargetName, Target> = {
    ours: { name: 'ours', url: ours.url, pid: ours.pid },
    raw: { name: 'raw', url: raw.url, pid: raw.pid },
    hello: { name: 'hello', url: hello.url, pid: hello.pid },
  };
  const results: ScenarioResult[] = scenarios.map((s) => ({
    name: s.name,
    title: s.title,
    target: s.target,
    runs: { ours: [], raw: [], hello: [] },
    probe: probes.get(s.name)!,
  }));
  const order: TargetName[] = ['ours', 'raw', 'hello'];
  const helloBytes = (s: Scenario) => probes.get(s.name)!.ours.bytes;

  if (o.warmup > 0) {
    for (const s of scenarios)
      for (const t of order) await measure(e, targets[t], s, o.warmup, { helloBytes: helloBytes(s), warmup: true });
  }
  for (let round = 0; round < o.rounds; round++) {
    console.log(`round ${round + 1}/${o.rounds}`);
    for (const [i, s] of scenarios.entries()) {
      // Rotate the order so no target always runs first (or last) after a write scenario.
      for (let k = 0; k < order.length; k++) {
        const t = order[(k + round) % order.length]!;
        results[i]!.runs[t].push(await measure(e, targets[t], s, o.duration, { helloBytes: helloBytes(s) }));
      }
    }
  }
  console.log('fixed offered load: 50% of our median req/s');
  for (const [i, s] of scenarios.entries()) {
    const rate = Math.max(1, Math.round(median(results[i]!.runs.ours.map((r) => r.rps)) / 2));
    const fixedOurs = await measure(e, targets.ours, s, o.duration, { overallRate: rate });
    const fixedRaw = await measure(e, targets.raw, s, o.duration, { overallRate: rate });
    results[i]!.fixed = { rate, ours: fixedOurs, raw: fixedRaw };
  }
  const peak = peakRssMiB(ours.pid);
  for (const p of [ours, raw, hello]) await stopProcess(p);
  return { engine: 'postgres', sizes: o.sizes, seed: report, expand, scenarios: results, peakRssMiB: peak };
}

async function benchPglite(o: BenchOptions, pgScenarios: string[] | null): Promise<EngineResult> {
  const sizes = o.pgliteSizes;
  console.log(`PGlite: seeding ${sizes.tenants} x ${sizes.perTenant} + ${sizes.large} contacts…`);
  const { dataDir, report } = await preparePglite(sizes);
  console.log(`  seeded in ${report.seconds.toFixed(1)} s`);
  const tokens = await mintTokens(sizes);
  const ours = await startOurs('ours-pglite', oursEnv({ dataDir }));
  const expand = await chooseExpand(ours.url, tokens);
  let scenarios = selectScenarios(makeScenarios({ sizes, expand, panSeed: 1 }), o);
  if (pgScenarios) scenarios = scenarios.filter((s) => pgScenarios.includes(s.name));
  const target: Target = { name: 'ours', url: ours.url, pid: ours.pid };
  const e: Env = { o, tokens, oursUrl: ours.url, settle: () => settle([ours.pid]) };
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const p = await probe(ours.url, s, tokens, 3);
    results.push({ name: s.name, title: s.title, target: s.target, runs: { ours: [], raw: [], hello: [] }, probe: { ours: p, raw: p } });
    if (p.errorSample) console.log(`  probe ${s.name} error: ${p.errorSample}`);
  }
  if (o.warmup > 0) for (const s of scenarios) await measure(e, target, s, o.warmup, { warmup: true });
  for (let round = 0; round < o.rounds; round++) {
    console.log(`PGlite round ${round + 1}/${o.rounds}`);
    for (const [i, s] of scenarios.entries()) results[i]!.runs.ours.push(await measure(e, target, s, o.duration));
  }
  const peak = peakRssMiB(ours.pid);
  await stopProcess(ours);
  return { engine: 'pglite', sizes, seed: report, expand, scenarios: results, peakRssMiB: peak };
}

function machine(pgVersion: string) {
  const mem = Number(/MemTotal:\s+(\d+)/.exec(sh('cat /proc/meminfo'))?.[1] ?? 0);
  return {
    nproc: Number(sh('nproc')),
    cpu: sh("grep -m1 'model name' /proc/cpuinfo").replace(/^model name\s*:\s*/, ''),
    memoryGiB: Math.round((mem / 1024 / 1024) * 10) / 10,
    node: process.version,
    postgres: pgVersion,
    pglite: sh('node -p "require(\'./node_modules/@electric-sql/pglite/package.json\').version"'),
    autocannon: sh('node -p "require(\'./node_modules/autocannon/package.json\').version"'),
    os: sh('uname -sr'),
    loadAverage: sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' '),
  };
}

async function main(): Promise<void> {
  const o = parseBenchArgs(process.argv.slice(2));
  mkdirSync('bench/results', { recursive: true });
  cpuProf = o.cpuProf;
  if (o.build) {
    console.log('npm run build');
    const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      command: o.command,
      machine: machine(await postgresVersion().catch(() => 'unreachable')),
      options: o,
    },
  };
  if (o.engine !== 'pglite') results.postgres = await benchPostgres(o);
  await cleanup(); // drops the PostgreSQL bench database before the PGlite part
  if (o.engine !== 'postgres')
    results.pglite = await benchPglite(o, results.postgres ? results.postgres.scenarios.map((s) => s.name) : null);
  await cleanup();
  writeReport(results, o.output);
  console.log(`wrote ${o.output} and bench/results/latest.json`);
}

main().catch(async (err: unknown) => {
  if (isInterrupted()) return; // the signal handler cleans up and exits
  console.error(err);
  await cleanup();
  process.exit(1);
});
