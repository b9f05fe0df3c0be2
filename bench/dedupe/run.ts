// `npm run bench:dedupe`: seeds a fresh PostgreSQL database with synthetic Indian contacts and
// labelled duplicates, starts the built service as a production process, and measures the dedupe
// endpoint, blocking on create, GET, the dedupe-scan command, and precision/recall.
// Writes bench/dedupe/results/latest.json and the dedupe section of docs/benchmarks/dedupe.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../../src/auth/token.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { BENCH_SERVICE_ROLE, SERVICE_ROLE_SQL } from '../db.js';
import { identifierKind } from '../../src/dedupe/identifiers.js';
import { cleanup, cpuMs, cpuSince, databaseBackendsCpuMs, onCleanup, startProcess, stopProcess } from '../procs.js';
import { type Accuracy, dedupeBody, measureAccuracy, samplePairs, scanAccuracy, type ScanAccuracy } from './accuracy.js';
import { ContactGenerator, Rng } from './generator.js';
import { type LoadResult, type Req, percentile, runLoad } from './http.js';
import { type Measured, machineFacts, writeResults } from './report.js';
import { contactId, dropSecondaryIndexes, finishLoad, loaderClient, seedTenant, type SeededTenant, type TenantSpec } from './seed.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HELP = `Usage: npm run bench:dedupe -- [options]

  --size <n>          contacts in the large tenant (default 1000000; --quick 100000)
  --small <n>         contacts in the small tenant (default 10000)
  --scan-small <n>    contacts in the tenant for the small scan (default size/10; reuses the small
                      tenant when equal)
  --duration <s>      seconds per measured run (default 15; --quick 6)
  --rounds <n>        rounds, scenarios interleaved (default 3; --quick 1)
  --latency-connections <n>   concurrency of the latency runs (default 2)
  --create-connections <n>    concurrency of the create-throughput runs (default 8)
  --accuracy <n>      labelled pairs queried in the large tenant (default 10000)
  --quick             --size 100000 and short runs
  --no-build          skip \`npm run build\` (dist/ must be current)
  --phases <list>     accuracy,load,scan (default all three; docs/benchmarks/dedupe.md is written only then)
  --keep-db           keep the database at the end (its name is printed)
  --reuse-db <name>   measure a database kept earlier with the same sizes instead of seeding one
                      (the labels are regenerated; earlier create runs have added contacts)`;

const { values: args } = parseArgs({
  options: {
    size: { type: 'string' },
    small: { type: 'string' },
    'scan-small': { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    'latency-connections': { type: 'string' },
    'create-connections': { type: 'string' },
    accuracy: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    phases: { type: 'string', default: 'accuracy,load,scan' },
    'keep-db': { type: 'boolean', default: false },
    'reuse-db': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v.replace(/_/g, '')));
const quick = args.quick ?? false;
const SIZE = num(args.size, quick ? 100_000 : 1_000_000);
const SMALL = num(args.small, 10_000);
const SCAN_SMALL = num(args['scan-small'], Math.round(SIZE / 10));
const DURATION = num(args.duration, quick ? 6 : 15);
const ROUNDS = num(args.rounds, quick ? 1 : 3);
const LAT_CONN = num(args['latency-connections'], 2);
const CREATE_CONN = num(args['create-connections'], 8);
const ACCURACY_N = num(args.accuracy, 10_000);
const PHASES = new Set(args.phases!.split(','));
const ALL_PHASES = ['accuracy', 'load', 'scan'].every((p) => PHASES.has(p));
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function prepareDatabase(): Promise<{ url: string; tenants: { big: SeededTenant; small: SeededTenant; scanSmall: SeededTenant }; seedSeconds: number; indexSeconds: number }> {
  const reuse = args['reuse-db'];
  const name = reuse ?? `cr_dedupe_bench_${process.pid}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (reuse) return { url: url.toString(), tenants: await generateOnly(), seedSeconds: 0, indexSeconds: 0 };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  if (args['keep-db']) log(`keeping database ${name} (--reuse-db ${name})`);
  else onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const db = createPgDatabase({ connectionString: url.toString(), max: 2, statementTimeoutMs: 3_600_000, connectTimeoutMs: 5000 });
  await migrate(db);
  // The service and the scan connect as a role under row-level security, as in production.
  await db.exec(SERVICE_ROLE_SQL);
  await db.close();
  const c = await loaderClient(url.toString());
  const t0 = Date.now();
  try {
    const defs = await dropSecondaryIndexes(c);
    const seeded: SeededTenant[] = [];
    for (const spec of tenantSpecs()) {
      let last = 0;
      seeded.push(
        await seedTenant(c, spec, (done) => {
          if (done - last >= 100_000 || (done === spec.size && done !== last)) {
            last = done;
            log(`seed ${spec.tenant}: ${done}/${spec.size}`);
          }
        }),
      );
    }
    const seedSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    log(`seeded ${seedSeconds.toFixed(0)} s; building ${defs.length} indexes`);
    await finishLoad(c, defs, log);
    const indexSeconds = (Date.now() - t1) / 1000;
    const [big, small] = seeded as [SeededTenant, SeededTenant];
    return { url: url.toString(), tenants: { big, small, scanSmall: seeded[2] ?? small }, seedSeconds, indexSeconds };
  } finally {
    await c.end();
  }
}

function tenantSpecs(): TenantSpec[] {
  const specs: TenantSpec[] = [
    { index: 1, tenant: 'dd-large', size: SIZE, seed: 1 },
    { index: 2, tenant: 'dd-small', size: SMALL, seed: 2 },
  ];
  if (SCAN_SMALL !== SMALL) specs.push({ index: 3, tenant: 'dd-scan', size: SCAN_SMALL, seed: 3 });
  return specs;
}

/** The labels of a kept database, regenerated (the generator is deterministic). */
async function generateOnly(): Promise<{ big: SeededTenant; small: SeededTenant; scanSmall: SeededTenant }> {
  const seeded: SeededTenant[] = [];
  for (const spec of tenantSpecs()) seeded.push(await seedTenant(null, spec, () => {}));
  const [big, small] = seeded as [SeededTenant, SeededTenant];
  return { big, small, scanSmall: seeded[2] ?? small };
}

function createBodies(withIdentifiers: boolean): () => Record<string, unknown> {
  // On a reused database the previous run's creates are still there: new seeds keep PANs fresh.
  const offset = args['reuse-db'] ? Date.now() % 1_000_000 : 0;
  const g = new ContactGenerator((withIdentifiers ? 101 : 202) + offset * 1000);
  // The PAN series (first three letters) comes from the offset too: the rest of the PAN is the
  // request number, which every run counts from 1.
  const series = offset === 0 ? 'QZX' : `Q${String.fromCharCode(65 + (offset % 26))}${String.fromCharCode(65 + (Math.floor(offset / 26) % 26))}`;
  let n = 0;
  return () => {
    const p = g.person();
    n++;
    const props = withIdentifiers
      ? [
          { key: 'pan', value: `${series}${p.type === 'corporate' ? 'C' : 'P'}${String.fromCharCode(65 + (n % 26))}${String(n % 10_000).padStart(4, '0')}${String.fromCharCode(65 + (Math.floor(n / 10_000) % 26))}` },
          { key: 'mobile', value: g.mobile() },
          { key: 'email', value: g.email(`bench.create.${n}`) },
          { key: 'occupation', value: 'salaried' },
        ]
      : [
          { key: 'customer_ref', value: `QZX${String(n).padStart(7, '0')}` },
          { key: 'channel', value: `branch-${String(n % 1_000_000).padStart(6, '0')}` },
          { key: 'segment', value: `bench.create.${n}@segment` },
          { key: 'occupation', value: 'salaried' },
        ];
    if (!withIdentifiers && props.some((x) => identifierKind(x.key) !== null)) throw new Error('blocking-off body has an identifier prop');
    return { name: p.tokens.join(' '), type: p.type, namespace: 'borrowers', props: props.map((x) => ({ ...x, type: 'text' })) };
  };
}

async function timeScan(url: string, t: SeededTenant, dir: string): Promise<{ seconds: number; accuracy: ScanAccuracy }> {
  const out = join(dir, `${t.tenant}.jsonl`);
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['dist/cli/index.js', 'dedupe-scan', '--tenant', t.tenant, '--out', out], {
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: url, AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', resolve);
  });
  const seconds = (Date.now() - t0) / 1000;
  if (code !== 0) throw new Error(`dedupe-scan exited with ${code}`);
  return { seconds, accuracy: scanAccuracy(out, t) };
}

/** CPU time (ms) spent over a scenario's measured runs, by process. */
interface CpuUse {
  service: number;
  database: number;
  loadGenerator: number;
}

function summarize(rs: LoadResult[], cpu: CpuUse): Measured {
  const lat = rs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const ok = rs.reduce((s, r) => s + r.ok, 0);
  const secs = rs.reduce((s, r) => s + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const perRequest = (x: number) => (lat.length > 0 ? x / lat.length : NaN);
  return {
    requests: lat.length, ok, rps: ok / secs, p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), statuses, errors: rs.reduce((s, r) => s + r.errors, 0),
    cpuMsPerRequest: { service: perRequest(cpu.service), database: perRequest(cpu.database), loadGenerator: perRequest(cpu.loadGenerator) },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const machineBefore = machineFacts();
  if (!args['no-build']) {
    log('npm run build');
    const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  log(`preparing database: ${SIZE} + ${SMALL}${SCAN_SMALL !== SMALL ? ` + ${SCAN_SMALL}` : ''} contacts`);
  const { url: ownerUrl, tenants, seedSeconds, indexSeconds } = await prepareDatabase();
  const service = new URL(ownerUrl);
  service.username = BENCH_SERVICE_ROLE;
  const url = service.toString();
  const { big, small, scanSmall } = tenants;
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', DATABASE_URL: url, AUTH_JWT_SECRET: SECRET };
  const server = await startProcess('dedupe-bench', ['dist/cli/index.js', 'serve'], env);
  const token = async (t: string) => mintToken({ secret: SECRET, tenant: t, sub: 'bench-user', ttlSeconds: 86_400 });
  const [bigToken, smallToken] = [await token(big.tenant), await token(small.tenant)];
  const rng = new Rng(7);

  let accBig: Accuracy | undefined;
  let accSmall: Accuracy | undefined;
  if (PHASES.has('accuracy')) {
    log('precision/recall');
    accBig = await measureAccuracy(server.url, bigToken, big, samplePairs(big, ACCURACY_N, rng), 4);
    accSmall = await measureAccuracy(server.url, smallToken, small, samplePairs(small, small.pairs.length, rng), 4);
    log(`large: recall ${accBig.recall.toFixed(4)} precision ${accBig.precision.toFixed(4)} (${accBig.truePositives} TP / ${accBig.falsePositives} FP, ceiling ${accBig.scorerCeiling.toFixed(4)}, corroborated ${accBig.corroborated.toFixed(4)}); ` +
      `small: recall ${accSmall.recall.toFixed(4)} precision ${accSmall.precision.toFixed(4)}`);
    log(`large, by probable threshold: ${accBig.sweep.map((l) => `${l.threshold} ${(l.recall * 100).toFixed(2)}%/${(l.precision * 100).toFixed(2)}%`).join(', ')}`);
    if (process.env.DEDUPE_BENCH_EXAMPLES) log(JSON.stringify(accBig.examples, null, 1));
  }

  const dupBodies = (t: SeededTenant) => [...t.pairs.map(([, d]) => dedupeBody(t.labelled.get(d)!))];
  const bigDups = dupBodies(big);
  const smallDups = dupBodies(small);
  const withIds = createBodies(true);
  const withoutIds = createBodies(false);
  const scenarios: { name: string; connections: number; next: () => Req }[] = [
    { name: 'get', connections: LAT_CONN, next: () => ({ method: 'GET', path: `/contacts/${contactId(big.index, rng.int(big.size))}/`, token: bigToken }) },
    { name: 'dedupe_large', connections: LAT_CONN, next: () => ({ method: 'POST', path: '/contacts/dedupe/', token: bigToken, body: rng.pick(bigDups) }) },
    { name: 'dedupe_small', connections: LAT_CONN, next: () => ({ method: 'POST', path: '/contacts/dedupe/', token: smallToken, body: rng.pick(smallDups) }) },
    { name: 'create_blocking', connections: CREATE_CONN, next: () => ({ method: 'POST', path: '/contacts/', token: bigToken, body: withIds() }) },
    { name: 'create_no_identifiers', connections: CREATE_CONN, next: () => ({ method: 'POST', path: '/contacts/', token: bigToken, body: withoutIds() }) },
  ];
  const runs = new Map<string, LoadResult[]>(scenarios.map((s) => [s.name, []]));
  const cpu = new Map<string, CpuUse>(scenarios.map((s) => [s.name, { service: 0, database: 0, loadGenerator: 0 }]));
  const databaseName = new URL(url).pathname.slice(1);
  for (let round = 0; round < (PHASES.has('load') ? ROUNDS : 0); round++) {
    for (const s of round % 2 === 0 ? scenarios : [...scenarios].reverse()) {
      if (round === 0) await runLoad(server.url, { concurrency: s.connections, seconds: 2, next: s.next });
      const [service0, database0, harness0] = [cpuMs(server.pid), databaseBackendsCpuMs(databaseName), process.cpuUsage()];
      const r = await runLoad(server.url, { concurrency: s.connections, seconds: DURATION, next: s.next });
      const harness = process.cpuUsage(harness0);
      const c = cpu.get(s.name)!;
      c.service += cpuMs(server.pid) - service0;
      c.database += cpuSince(database0, databaseBackendsCpuMs(databaseName));
      c.loadGenerator += (harness.user + harness.system) / 1000;
      runs.get(s.name)!.push(r);
      log(`round ${round + 1} ${s.name}: ${(r.ok / r.seconds).toFixed(0)} req/s, ${JSON.stringify(r.statuses)}`);
    }
  }
  await stopProcess(server);
  const measured = Object.fromEntries([...runs].map(([k, v]) => [k, summarize(v, cpu.get(k)!)])) as Record<string, Measured>;
  if (PHASES.has('load')) {
    for (const [k, m] of Object.entries(measured)) log(`${k}: ${m.rps.toFixed(0)} req/s p50 ${m.p50.toFixed(1)} p95 ${m.p95.toFixed(1)} p99 ${m.p99.toFixed(1)} ms`);
    for (const [k, m] of Object.entries(measured)) log(`${k}: CPU ms/request service ${m.cpuMsPerRequest!.service.toFixed(3)} PostgreSQL ${m.cpuMsPerRequest!.database.toFixed(3)} load generator ${m.cpuMsPerRequest!.loadGenerator.toFixed(3)}`);
    log(`dedupe p95 ÷ GET p95 ${(measured.dedupe_large!.p95 / measured.get!.p95).toFixed(2)}; large ÷ small ${(measured.dedupe_large!.p95 / measured.dedupe_small!.p95).toFixed(2)}; create on ÷ off ${(measured.create_blocking!.rps / measured.create_no_identifiers!.rps).toFixed(2)}`);
  }
  if (!PHASES.has('scan')) return;

  log('dedupe-scan');
  const dir = mkdtempSync(join(tmpdir(), 'cr-dedupe-scan-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const scanSmallResult = await timeScan(url, scanSmall, dir);
  log(`scan ${scanSmall.size}: ${scanSmallResult.seconds.toFixed(1)} s`);
  const scanBigResult = await timeScan(url, big, dir);
  log(`scan ${big.size}: ${scanBigResult.seconds.toFixed(1)} s`);
  if (!ALL_PHASES || !accBig || !accSmall) return;

  writeResults({
    command: process.argv.length > 2 ? `npm run bench:dedupe -- ${process.argv.slice(2).join(' ')}` : 'npm run bench:dedupe',
    machineBefore,
    machineAfter: machineFacts(),
    sizes: { large: big.size, small: small.size, scanSmall: scanSmall.size, labelledPairsLarge: big.pairs.length, labelledPairsSmall: small.pairs.length },
    settings: { duration: DURATION, rounds: ROUNDS, latencyConnections: LAT_CONN, createConnections: CREATE_CONN },
    seedSeconds,
    indexSeconds,
    measured,
    accuracy: { large: accBig, small: accSmall },
    scan: { small: { contacts: scanSmall.size, ...scanSmallResult }, large: { contacts: big.size, ...scanBigResult } },
    totalSeconds: (Date.now() - started) / 1000,
  });
  log('wrote bench/dedupe/results/latest.json and docs/benchmarks/dedupe.md');
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
