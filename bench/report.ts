// Writes bench/results/latest.json and BENCHMARKS.md (keeping its Optimization log section).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchOptions } from './args.js';
import type { Sizes } from './dataset.js';
import type { RunResult, TargetName } from './load.js';
import type { ProbeResult } from './probe.js';
import type { TargetKind } from './scenarios.js';
import type { SeedReport } from './seed.js';

export interface ScenarioResult {
  name: string;
  title: string;
  target?: TargetKind;
  runs: Record<TargetName, RunResult[]>;
  fixed?: { rate: number; ours: RunResult; raw: RunResult };
  probe: { ours: ProbeResult; raw: ProbeResult };
}

export interface EngineResult {
  engine: 'postgres' | 'pglite';
  sizes: Sizes;
  seed: SeedReport;
  expand: string;
  scenarios: ScenarioResult[];
  peakRssMiB: number;
}

export interface Results {
  meta: { date: string; command: string; machine: Record<string, string | number>; options: BenchOptions };
  postgres?: EngineResult;
  pglite?: EngineResult;
}

const LOG_START = '<!-- optimization-log:start -->';
const LOG_END = '<!-- optimization-log:end -->';
const LOG_DEFAULT = '_Lead: record each optimization here (date, change, scenario, before → after req/s and p99, commit)._';

export const TARGETS: Record<TargetKind, number> = { get: 0.8, list: 0.7, post: 0.7 };
export const P99_LIMIT = 1.5;
export const RSS_LIMIT_MIB = 250;

const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const med = (runs: RunResult[], k: 'rps' | 'p50' | 'p99' | 'cpuMsPerReq') => median(runs.map((r) => r[k]));
const sum = (runs: RunResult[], k: 'non2xx' | 'errors' | 'timeouts') => runs.reduce((a, r) => a + r[k], 0);
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) => (!Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : String(Math.round(n)));
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const met = (ok: boolean) => (ok ? '✅ met' : '❌ missed');
const sizesText = (s: Sizes, total: number) =>
  `${s.tenants} tenants × ${s.perTenant.toLocaleString('en-US')} contacts + 1 tenant × ${s.large.toLocaleString('en-US')} = ${total.toLocaleString('en-US')} contacts, 3 props each`;

function failures(runs: RunResult[]): number {
  return sum(runs, 'non2xx') + sum(runs, 'errors') + sum(runs, 'timeouts');
}

function postgresTables(e: EngineResult): string[] {
  const out = [
    '| scenario | ours req/s | raw req/s | hello req/s | ours/raw | p50 ms ours / raw | p99 ms ours / raw | non-2xx+errors ours (raw) | CPU ms/req ours (raw) | DB round trips ours / raw | response bytes |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const s of e.scenarios) {
    const { ours, raw, hello } = s.runs;
    const rt = (p: ProbeResult) => (p.roundTrips === null ? '–' : String(Math.round(p.roundTrips * 10) / 10));
    const drift = s.probe.ours.roundTrips !== s.probe.raw.roundTrips ? ' ⚠' : '';
    out.push(
      `| ${s.name} | ${int(med(ours, 'rps'))} | ${int(med(raw, 'rps'))} | ${int(med(hello, 'rps'))} | ${x(med(ours, 'rps') / med(raw, 'rps'))} | ${ms(med(ours, 'p50'))} / ${ms(med(raw, 'p50'))} | ${ms(med(ours, 'p99'))} / ${ms(med(raw, 'p99'))} | ${failures(ours)} (${failures(raw)}) | ${med(ours, 'cpuMsPerReq').toFixed(2)} (${med(raw, 'cpuMsPerReq').toFixed(2)}) | ${rt(s.probe.ours)} / ${rt(s.probe.raw)}${drift} | ${int(s.probe.ours.bytes)} |`,
    );
  }
  out.push('', '**p99 at a fixed offered load** (autocannon `overallRate` = 50% of our median req/s, same for both):', '');
  out.push('| scenario | offered req/s | p99 ms ours | p99 ms raw | ratio | ≤ 1.5× |', '|---|--:|--:|--:|--:|---|');
  for (const s of e.scenarios) {
    if (!s.fixed) continue;
    const ratio = s.fixed.ours.p99 / s.fixed.raw.p99;
    out.push(
      `| ${s.name} | ${int(s.fixed.rate)} | ${ms(s.fixed.ours.p99)} | ${ms(s.fixed.raw.p99)} | ${x(ratio)} | ${met(ratio <= P99_LIMIT)} |`,
    );
  }
  return out;
}

function targetRows(e: EngineResult): string[] {
  const out = ['| target | measured | result |', '|---|--:|---|'];
  for (const s of e.scenarios) {
    if (!s.target) continue;
    const ratio = med(s.runs.ours, 'rps') / med(s.runs.raw, 'rps');
    out.push(`| ${s.name}: req/s ≥ ${TARGETS[s.target]}× raw | ${x(ratio)} | ${met(ratio >= TARGETS[s.target])} |`);
  }
  for (const s of e.scenarios) {
    if (!s.fixed) continue;
    const ratio = s.fixed.ours.p99 / s.fixed.raw.p99;
    out.push(`| ${s.name}: p99 at fixed load ≤ ${P99_LIMIT}× raw | ${x(ratio)} | ${met(ratio <= P99_LIMIT)} |`);
  }
  out.push(`| peak RSS of our server ≤ ${RSS_LIMIT_MIB} MB | ${e.peakRssMiB.toFixed(0)} MiB | ${met(e.peakRssMiB <= RSS_LIMIT_MIB)} |`);
  const all = e.scenarios.flatMap((s) => [...s.runs.ours, ...(s.fixed ? [s.fixed.ours] : [])]);
  const bad = failures(all);
  out.push(`| zero non-2xx (ours, all measured runs) | ${bad} | ${met(bad === 0)} |`);
  return out;
}

function pgliteTable(p: EngineResult, pg: EngineResult | undefined): string[] {
  const out = [
    '| scenario | PGlite req/s | PostgreSQL req/s | PGlite / PostgreSQL | p50 / p99 ms | non-2xx+errors | CPU ms/req (incl. database) |',
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const s of p.scenarios) {
    const pgRuns = pg?.scenarios.find((t) => t.name === s.name)?.runs.ours ?? [];
    const rps = med(s.runs.ours, 'rps');
    out.push(
      `| ${s.name} | ${int(rps)} | ${int(med(pgRuns, 'rps'))} | ${x(rps / med(pgRuns, 'rps'))} | ${ms(med(s.runs.ours, 'p50'))} / ${ms(med(s.runs.ours, 'p99'))} | ${failures(s.runs.ours)} | ${med(s.runs.ours, 'cpuMsPerReq').toFixed(2)} |`,
    );
  }
  return out;
}

function keptLog(path: string): string {
  if (!existsSync(path)) return LOG_DEFAULT;
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(LOG_START);
  const b = text.indexOf(LOG_END);
  return a >= 0 && b > a ? text.slice(a + LOG_START.length, b).trim() || LOG_DEFAULT : LOG_DEFAULT;
}

export function renderReport(r: Results, log: string): string {
  const m = r.meta.machine;
  const o = r.meta.options;
  const L: string[] = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` (bench/run.ts) on ${r.meta.date}. The harness rewrites this file on every run and keeps only the text between the optimization-log markers.`,
    '',
    '## How to run',
    '',
    '```sh',
    'npm run bench                       # full: both engines, 3 rounds × 10 s, 100 × 1,000 + 200,000 contacts',
    'npm run bench -- --quick            # smoke run: 1 round × 3 s, 10 × 200 + 20,000 contacts',
    'npm run bench -- --engine postgres --scenarios get_by_id,post --duration 5 --rounds 2',
    'npm run bench -- --quick --cpu-prof # then: node --import tsx bench/profile-summary.ts <profile> 30 3',
    'node --import tsx bench/explain.ts  # EXPLAIN ANALYZE of the contact queries on a seeded database',
    '```',
    '',
    'Needs PostgreSQL at 127.0.0.1:5432 (user postgres; `BENCH_ADMIN_URL` overrides) for `--engine postgres|both`. The harness creates `cr_bench_<pid>` and drops it at the end (also on Ctrl-C). Run it on a quiet machine: other load changes the absolute numbers and, less so, the ratios.',
    '',
    '## Run',
    '',
    `- Command: \`${r.meta.command}\``,
    `- Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB RAM, ${m.os}; load average at start ${m.loadAverage}`,
    `- Software: Node ${m.node}, PostgreSQL ${m.postgres}, PGlite ${m.pglite}, autocannon ${m.autocannon}`,
    `- Method: ${o.connections} connections, ${o.rounds} round(s) × ${o.duration} s per target and scenario after ${o.warmup} s warm-up; in each round every scenario runs against our service, the raw baseline and the hello-world baseline, in an order rotated per round. Figures are medians over rounds. The load generator runs in the harness process on the same machine, so absolute numbers are machine-bound; ratios within one run are what the targets use.`,
    '- Our service runs as in production: `node dist/cli/index.js serve`, NODE_ENV=production, LOG_LEVEL=warn, RATE_LIMIT_PER_MINUTE=0, HS256 tokens. The raw baseline (bench/baseline-raw.ts: node:http + pg, no auth, no validation) runs the same SQL statements in the same transactions; "DB round trips" is counted by a wire-protocol proxy on probe requests and must be equal for both (⚠ marks a drift: update bench/baseline-raw-sql.ts). The hello-world baseline (bench/baseline-hello.ts) answers with a body of our response size.',
  ];
  if (r.postgres) {
    const e = r.postgres;
    L.push(
      `- PostgreSQL data set: ${sizesText(e.sizes, e.seed.contacts)}; sub-resources: ${Object.values(e.seed.optional).join('; ')}; derived: ${e.seed.derived.join(', ') || 'none'}; seeded in ${e.seed.seconds.toFixed(1)} s. Expand scenario uses \`expand=${e.expand}\`.`,
    );
  }
  if (r.pglite)
    L.push(
      `- PGlite data set (smaller; single connection, in-process): ${sizesText(r.pglite.sizes, r.pglite.seed.contacts)}; seeded in ${r.pglite.seed.seconds.toFixed(1)} s.`,
    );
  if (r.postgres) {
    L.push('', '## Results — PostgreSQL', '', ...postgresTables(r.postgres), '', '## Targets', '', ...targetRows(r.postgres));
  }
  if (r.pglite) {
    L.push(
      '',
      '## Results — embedded PGlite (our service only)',
      '',
      ...pgliteTable(r.pglite, r.postgres),
      '',
      `Peak RSS with PGlite: ${r.pglite.peakRssMiB.toFixed(0)} MiB (the database runs inside the process).`,
    );
  }
  const scen = r.postgres ?? r.pglite;
  if (scen)
    L.push('', '## Scenarios', '', ...scen.scenarios.map((s) => `- **${s.name}** — ${s.title}${s.target ? ` (target: ${s.target})` : ''}`));
  L.push(
    '',
    '## Reading the numbers',
    '',
    '- req/s counts 2xx responses only; non-2xx, socket errors and time-outs (60 s) are listed separately.',
    '- CPU ms/req is user + system time of the server process (from /proc/<pid>/stat) over the requests it answered; it excludes PostgreSQL. With PGlite it includes the database, which runs in-process.',
    '- The service caches verified tokens; the harness uses one token per tenant, so JWT signature checks are off the hot path, as for a busy client.',
    '- Write scenarios change the data as they go (POST adds contacts; PATCH and actions bump versions and add audit rows), identically for our service and the raw baseline.',
  );
  L.push('', '## Optimization log', '', LOG_START, log, LOG_END, '');
  return L.join('\n');
}

const DEDUPE_START = '<!-- dedupe:start -->';
const DEDUPE_END = '<!-- dedupe:end -->';

/** The dedupe benchmark (bench/dedupe) owns its own section of the same file: carried over verbatim. */
function keptDedupeSection(path: string): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(DEDUPE_START);
  const b = text.indexOf(DEDUPE_END);
  return a >= 0 && b > a ? text.slice(a, b + DEDUPE_END.length) + '\n' : '';
}

export function writeReport(r: Results, path: string): void {
  writeFileSync('bench/results/latest.json', JSON.stringify(r, null, 2) + '\n');
  writeFileSync(path, renderReport(r, keptLog(path)) + keptDedupeSection(path));
}
