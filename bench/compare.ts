// `npm run bench`: our service against the one-statement floor (bench/floor.ts) and, when
// DRF_PEER_DIR is set and Django is installed, the Django/DRF peer — interleaved rounds on the same
// PostgreSQL and the same data shape, with latency, throughput and CPU per request (the server's
// processes plus its PostgreSQL backends, from /proc). Writes BENCHMARKS.md and
// bench/results/compare.json. `npm run bench -- --help` lists the options.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token.js';
import { LARGE_INDEX, benchPan, contactId, tenantId, type Sizes } from './dataset.js';
import { ADMIN_URL, admin, pgClient, postgresVersion, preparePostgres } from './db.js';
import { drfUnavailable, startDrfPeer } from './drf-peer.js';
import { runHttpLoad, type LoadRequest, type LoadResult } from './http-load.js';
import { startPgProxy } from './pgproxy.js';
import {
  cleanup,
  cpuSince,
  databaseBackendsCpuMs,
  isInterrupted,
  settle,
  sh,
  startProcess,
  stopProcess,
  treeCpuMs,
  type Proc,
} from './procs.js';
import { writeCompareReport, type CompareResults, type Measured } from './compare-report.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const FLOOR_ROLE = 'contact_registry_bench_floor';
export const SCENARIOS = ['get', 'list', 'post'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export type TargetName = 'ours' | 'floor' | 'drf' | 'ours_hooks';

const HELP = `Usage: npm run bench -- [options]

  --duration <s>      seconds per measured run (default 10; --quick 3)
  --rounds <n>        interleaved rounds, of the throughput and of the fixed-load runs (default 3; --quick 1)
  --warmup <s>        unrecorded warm-up per target and scenario (default 3; --quick 1)
  --connections <n>   concurrent connections (default 32)
  --tenants <n> --per-tenant <n> --large <n>
                      data set (default 20 x 1000 + 10000; --quick 5 x 200 + 2000); GET and list
                      use the large tenant, POST spreads over the small ones
  --no-hooks          skip the events-on variant (WORKER=on, one webhook per tenant)
  --scenarios <a,b>   only these scenarios (get, list, post; default all)
  --targets <a,b>     only these targets (ours, floor, drf; default all that can run). The fixed-load
                      runs need the floor (their rate is half its throughput)
  --cpu-prof <dir>    run ours with node --cpu-prof, profiles written to <dir> when it stops
  --quick             the small smoke run
  --no-build          skip \`npm run build\`
  --output <file>     report (default BENCHMARKS.md)

The DRF peer runs when DRF_PEER_DIR names its directory and /usr/bin/python3 has Django, DRF,
django-filter, psycopg2, PyJWT and gunicorn (Debian packages, see the peer's README).`;

function options(argv: string[]) {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      tenants: { type: 'string' },
      'per-tenant': { type: 'string' },
      large: { type: 'string' },
      'no-hooks': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      output: { type: 'string' },
      scenarios: { type: 'string' },
      targets: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (v.help) {
    console.log(HELP);
    process.exit(0);
  }
  const q = v.quick ?? false;
  const num = (name: string, raw: string | undefined, fallback: number, min = 1) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const list = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] => {
    if (raw === undefined) return [...allowed];
    const picked = raw
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const unknown = picked.filter((x) => !allowed.includes(x as T));
    if (unknown.length || !picked.length) throw new Error(`--${name} takes a comma list of ${allowed.join(', ')}`);
    return allowed.filter((x) => picked.includes(x));
  };
  return {
    scenarios: list('scenarios', v.scenarios, SCENARIOS),
    targets: list('targets', v.targets, ['ours', 'floor', 'drf'] as const),
    cpuProf: v['cpu-prof'] ?? null,
    duration: num('duration', v.duration, q ? 3 : 10),
    rounds: num('rounds', v.rounds, q ? 1 : 3),
    warmup: num('warmup', v.warmup, q ? 1 : 3, 0),
    connections: num('connections', v.connections, 32),
    sizes: {
      tenants: num('tenants', v.tenants, q ? 5 : 20),
      perTenant: num('per-tenant', v['per-tenant'], q ? 200 : 1000, 8),
      large: num('large', v.large, q ? 2000 : 10_000),
    } satisfies Sizes,
    hooks: !v['no-hooks'],
    build: !v['no-build'],
    output: v.output ?? 'BENCHMARKS.md',
    command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
  };
}
export type CompareOptions = ReturnType<typeof options>;

const median = (xs: number[]): number => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A deterministic PRNG (mulberry32), so every target sees the same request mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Target {
  name: TargetName;
  url: string;
  /** The process whose tree's CPU is the server's. */
  pid: number;
  /** Matches its PostgreSQL backends' titles: "<user> <database>". */
  backends: string;
  /** The ids GET picks from, with their tenant. */
  tenant: string;
  ids: string[];
  /** POST tenants (ours and the floor spread POSTs over the small tenants; the peer has one). */
  postTenants: string[];
  /** Distinguishes the PANs this target creates (one letter). */
  panLetter: string;
}

const posted = new Map<string, number>();

function requests(t: Target, tokens: Map<string, string>, scenario: ScenarioName): () => LoadRequest {
  const r = prng(scenario.length * 7919 + 17);
  const auth = (tenant: string) => `Bearer ${tokens.get(tenant)}`;
  if (scenario === 'get')
    return () => ({
      method: 'GET',
      path: `/contacts/${t.ids[Math.floor(r() * t.ids.length)]}/`,
      headers: { authorization: auth(t.tenant) },
    });
  if (scenario === 'list')
    return () => ({
      method: 'GET',
      path: `/contacts/?page_size=20&status=active&page=${1 + Math.floor(r() * 5)}`,
      headers: { authorization: auth(t.tenant) },
    });
  return () => {
    // Numbered per target over the whole run: a PAN is never posted twice (that would be a 409).
    const i = posted.get(t.panLetter) ?? 0;
    posted.set(t.panLetter, i + 1);
    const pan = benchPan(i, t.panLetter);
    const tenant = t.postTenants[Math.floor(r() * t.postTenants.length)]!;
    const body = JSON.stringify({
      name: `Asha Rao ${i}`,
      namespace: 'customer',
      type: 'individual',
      tags: ['bench', 'retail'],
      props: [
        { key: 'pan_no', value: pan, type: 'text' },
        { key: 'mobile', value: `8${String((i * 7919) % 1e9).padStart(9, '0')}`, type: 'text' },
        { key: 'segment', value: 'retail', type: 'text' },
      ],
    });
    return { method: 'POST', path: '/contacts/', headers: { authorization: auth(tenant), 'content-type': 'application/json' }, body };
  };
}

async function measure(
  t: Target,
  tokens: Map<string, string>,
  s: ScenarioName,
  o: CompareOptions,
  quiet: () => Promise<void>,
  extra: { seconds?: number; rate?: number; label?: string } = {},
): Promise<Measured> {
  const cpu0 = treeCpuMs(t.pid);
  const db0 = databaseBackendsCpuMs(t.backends);
  const res: LoadResult = await runHttpLoad({
    url: t.url,
    connections: o.connections,
    durationMs: (extra.seconds ?? o.duration) * 1000,
    rate: extra.rate,
    next: requests(t, tokens, s),
  });
  const app = treeCpuMs(t.pid) - cpu0;
  const db = cpuSince(db0, databaseBackendsCpuMs(t.backends));
  await quiet();
  const m: Measured = {
    ...res,
    appUsPerReq: (app * 1000) / Math.max(1, res.requests),
    dbUsPerReq: (db * 1000) / Math.max(1, res.requests),
  };
  const codes = Object.entries(res.statusCodes)
    .map(([c, k]) => `${c}:${k}`)
    .join(' ');
  console.log(
    `  ${s.padEnd(5)} ${t.name.padEnd(10)} ${res.rps.toFixed(0).padStart(6)} req/s  p50 ${res.p50.toFixed(1)} p95 ${res.p95.toFixed(1)} p99 ${res.p99.toFixed(1)} ms  cpu ${m.appUsPerReq.toFixed(0)}+${m.dbUsPerReq.toFixed(0)} µs/req  ${codes}${res.errors ? ` errors:${res.errors}` : ''}${extra.label ? `  (${extra.label})` : ''}`,
  );
  return m;
}

/** Round trips per request to PostgreSQL, counted by a wire-protocol proxy over a few sequential requests. */
async function roundTrips(
  o: CompareOptions,
  serviceUrl: string,
  floorUrl: string,
  tokens: Map<string, string>,
  ids: string[],
): Promise<Record<string, Record<string, number>>> {
  const proxy = await startPgProxy(ADMIN_URL);
  const servers = {
    ours: await startProcess('ours-probe', ['dist/cli/index.js', 'serve'], oursEnv(proxy.url(serviceUrl))),
    floor: await startProcess('floor-probe', ['--import', 'tsx', 'bench/floor.ts'], {
      DATABASE_URL: proxy.url(floorUrl),
      AUTH_JWT_SECRET: SECRET,
    }),
  };
  const out: Record<string, Record<string, number>> = {};
  for (const [name, p] of Object.entries(servers)) {
    const t = {
      name,
      url: p.url,
      tenant: tenantId(LARGE_INDEX),
      ids,
      postTenants: [tenantId(0)],
      panLetter: name === 'ours' ? 'X' : 'Y',
    } as Target;
    out[name] = {};
    for (const s of o.scenarios) {
      const next = requests(t, tokens, s);
      const N = 10;
      for (let i = 0; i < 2; i++) await send(p.url, next()); // connections and prepared statements warm
      const t0 = proxy.roundTrips();
      for (let i = 0; i < N; i++) await send(p.url, next());
      out[name]![s] = (proxy.roundTrips() - t0) / N;
    }
  }
  for (const p of Object.values(servers)) await stopProcess(p);
  await proxy.close();
  return out;
}

async function send(url: string, r: LoadRequest): Promise<void> {
  const res = await fetch(url + r.path, { method: r.method, headers: r.headers, body: r.body });
  await res.text();
  if (res.status >= 300) throw new Error(`probe ${r.method} ${r.path}: ${res.status}`);
}

function oursEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    WORKER: 'off',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...extra,
  };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  mkdirSync('bench/results', { recursive: true });
  if (o.build) {
    console.log('npm run build');
    if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  }
  const loadStart = sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' ');
  const started = new Date().toISOString();
  console.log(`seeding ${o.sizes.tenants} x ${o.sizes.perTenant} + ${o.sizes.large} contacts…`);
  const { url, serviceUrl, report: seeded } = await preparePostgres(o.sizes);
  const database = new URL(url).pathname.slice(1);
  await admin(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${FLOOR_ROLE}') THEN CREATE ROLE ${FLOOR_ROLE} LOGIN BYPASSRLS; END IF;
    EXCEPTION WHEN duplicate_object THEN NULL; END $$; GRANT contact_registry_app TO ${FLOOR_ROLE}`);
  const floorUrl = Object.assign(new URL(url), { username: FLOOR_ROLE }).toString();
  const large = tenantId(LARGE_INDEX);
  const small = Array.from({ length: o.sizes.tenants }, (_, i) => tenantId(i));
  const tokens = new Map<string, string>();
  for (const t of [...small, large]) tokens.set(t, await mintToken({ secret: SECRET, tenant: t, sub: 'bench-user', ttlSeconds: 86_400 }));
  const ids = Array.from({ length: o.sizes.large }, (_, j) => contactId(LARGE_INDEX, j));

  console.log('round trips per request (wire-protocol proxy)…');
  const trips = await roundTrips(o, serviceUrl, floorUrl, tokens, ids);
  console.log(`  ${JSON.stringify(trips)}`);

  const profile = o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProf] : [];
  const ours = await startProcess('ours', [...profile, 'dist/cli/index.js', 'serve'], oursEnv(serviceUrl));
  const floor = await startProcess('floor', ['--import', 'tsx', 'bench/floor.ts'], {
    DATABASE_URL: floorUrl,
    AUTH_JWT_SECRET: SECRET,
    NODE_ENV: 'production',
  });
  const svcUser = new URL(serviceUrl).username;
  const targets: Target[] = (
    [
      {
        name: 'ours',
        url: ours.url,
        pid: ours.pid,
        backends: `${svcUser} ${database}`,
        tenant: large,
        ids,
        postTenants: small,
        panLetter: 'A',
      },
      {
        name: 'floor',
        url: floor.url,
        pid: floor.pid,
        backends: `${FLOOR_ROLE} ${database}`,
        tenant: large,
        ids,
        postTenants: small,
        panLetter: 'B',
      },
    ] as Target[]
  ).filter((t) => o.targets.includes(t.name as 'ours' | 'floor'));
  const procs: Proc[] = [ours, floor];
  const drfDir = process.env.DRF_PEER_DIR;
  const drfSkipped = o.targets.includes('drf') ? drfUnavailable(drfDir) : 'not among --targets';
  let drfVersion: string | null = null;
  if (drfSkipped) console.log(`DRF peer skipped: ${drfSkipped}`);
  else {
    console.log('DRF peer: migrating, seeding, starting gunicorn…');
    const drfTenant = 'bench-drf';
    const peer = await startDrfPeer(drfDir!, {
      database: `${database}_drf`,
      tenant: drfTenant,
      count: o.sizes.large,
      secret: SECRET,
      workers: 4,
    });
    tokens.set(drfTenant, await mintToken({ secret: SECRET, tenant: drfTenant, sub: 'bench-user', ttlSeconds: 86_400 }));
    drfVersion = peer.version;
    procs.push(peer.proc);
    targets.push({
      name: 'drf',
      url: peer.proc.url,
      pid: peer.proc.pid,
      backends: `postgres ${peer.database}`,
      tenant: drfTenant,
      ids: peer.ids,
      postTenants: [drfTenant],
      panLetter: 'C',
    });
  }

  // Events on: a webhook per POST tenant to a local sink; the worker runs in the service process.
  let hooksTarget: Target | null = null;
  let sinkCount = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      sinkCount++;
      res.writeHead(204).end();
    });
  });
  if (o.hooks && o.targets.includes('ours') && o.scenarios.includes('post')) {
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
    for (const t of small) {
      const r = await fetch(`${ours.url}/webhooks/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(t)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: sinkUrl, events: ['contact.created'] }),
      });
      if (r.status !== 201) throw new Error(`webhook create: ${r.status} ${await r.text()}`);
    }
    hooksTarget = { ...targets[0]!, name: 'ours_hooks', panLetter: 'D' };
  }

  const db = await pgClient(url);
  const active = async () =>
    Number(
      (
        await db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname LIKE $1 AND state <> 'idle' AND pid <> pg_backend_pid()`, [
          `${database}%`,
        ])
      ).rows[0].n,
    );
  const quiet = () =>
    settle(
      procs.map((p) => p.pid),
      active,
    );

  /** The events-on variant runs alone: its worker would otherwise relay the other targets' events. */
  async function withHooks<T>(fn: (t: Target) => Promise<T>): Promise<T> {
    const p = await startProcess(
      'ours-hooks',
      ['dist/cli/index.js', 'serve'],
      oursEnv(serviceUrl, { WORKER: 'on', WEBHOOK_ALLOW_PRIVATE: 'true', WORKER_POLL_MS: '200' }),
    );
    const quietHooks = () => settle([...procs.map((x) => x.pid), p.pid], active);
    try {
      await quietHooks(); // the backlog of earlier runs is relayed before measuring
      return await fn({ ...hooksTarget!, url: p.url, pid: p.pid });
    } finally {
      await stopProcess(p);
    }
  }

  const runs: Record<string, Record<string, Measured[]>> = {};
  for (const s of o.scenarios) runs[s] = Object.fromEntries([...targets, ...(hooksTarget ? [hooksTarget] : [])].map((t) => [t.name, []]));
  if (o.warmup > 0)
    for (const s of o.scenarios) for (const t of targets) await measure(t, tokens, s, o, quiet, { seconds: o.warmup, label: 'warm-up' });
  for (let round = 0; round < o.rounds; round++) {
    console.log(`round ${round + 1}/${o.rounds}`);
    for (const s of o.scenarios) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(k + round) % targets.length]!;
        runs[s]![t.name]!.push(await measure(t, tokens, s, o, quiet));
      }
      if (hooksTarget && s === 'post')
        runs[s]!.ours_hooks!.push(await withHooks((t) => measure(t, tokens, s, o, quiet, { label: 'events on' })));
    }
  }
  // The fixed-load runs are interleaved rounds too: a machine-wide pause of half a second puts a
  // 10 s open-loop run's p99 at the pause's length, whichever target it hits; a median over
  // rounds is not decided by one such pause.
  const fixed: CompareResults['fixed'] = {};
  const fixedScenarios = o.targets.includes('floor') ? o.scenarios : [];
  const fixedTargets = targets.filter((t) => t.name !== 'drf');
  for (const s of fixedScenarios) {
    const rate = Math.max(1, Math.round(median(runs[s]!.floor!.map((r) => r.rps)) / 2));
    fixed[s] = { rate, runs: Object.fromEntries(fixedTargets.map((t) => [t.name, []])) };
  }
  for (let round = 0; round < o.rounds && fixedScenarios.length; round++) {
    console.log(`fixed offered load (50% of the floor’s median req/s), round ${round + 1}/${o.rounds}`);
    for (const s of fixedScenarios) {
      const { rate } = fixed[s]!;
      for (let k = 0; k < fixedTargets.length; k++) {
        const t = fixedTargets[(k + round) % fixedTargets.length]!;
        fixed[s]!.runs[t.name]!.push(await measure(t, tokens, s, o, quiet, { rate, label: `fixed ${rate} req/s` }));
      }
    }
  }
  for (const p of procs) await stopProcess(p);
  sink.close();
  const results: CompareResults = {
    meta: {
      started,
      finished: new Date().toISOString(),
      command: o.command,
      options: o,
      loadStart,
      loadEnd: sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' '),
      machine: `${sh('nproc')} CPUs (${sh("grep -m1 'model name' /proc/cpuinfo").replace(/^model name\s*:\s*/, '')}), Node ${process.version}, PostgreSQL ${await postgresVersion()}`,
      seededSeconds: seeded.seconds,
      drf: drfSkipped ? { skipped: drfSkipped } : { version: drfVersion! },
      webhookDeliveries: sinkCount,
    },
    roundTrips: trips,
    runs,
    fixed,
  };
  await cleanup();
  const json = writeCompareReport(results, o.output);
  console.log(`wrote ${o.output} and ${json}`);
}

main().catch(async (err: unknown) => {
  if (isInterrupted()) return;
  console.error(err);
  await cleanup();
  process.exit(1);
});
