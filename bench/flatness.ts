// `npm run bench:flatness`: issue 24's "flat in tenant size" targets. Seeds a 10k, a 200k and a
// 1M-contact tenant (set-based SQL, the data shape of bench/seed.ts and seed-derived.ts), runs the
// compiled service as in production (a non-owner role under row-level security), and measures in
// interleaved rounds, closed loop at modest concurrency:
//   - each list (default, each structured filter, each ordering): p99 at 1M ≤ 2× its p99 at 10k;
//   - page 5,000 (page_size 20) of the 200k tenant: p99 ≤ 3× page 1's;
//   - search at 1M: reported.
// Next to the load, EXPLAIN (ANALYZE, BUFFERS) of each list statement splits its time into the
// count and the page. Writes the flatness section of BENCHMARKS.md (between its markers; the other
// harnesses keep it) and bench/results/flatness.json. `npm run bench:flatness -- --help`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth/token.js';
import type { Executor } from '../src/db/index.js';
import { identifierSearchKeys } from '../src/dedupe/identifiers.js';
import { listContacts, type ContactFilter } from '../src/resources/contacts/contacts.queries.js';
import { namespaceId, seededPan, tenantId } from './dataset.js';
import { admin, ADMIN_URL, BENCH_SERVICE_ROLE, postgresVersion, SERVICE_ROLE_SQL } from './db.js';
import { runHttpLoad, type LoadResult } from './http-load.js';
import { cleanup, cpuSince, databaseBackendsCpuMs, isInterrupted, onCleanup, settle, sh, startProcess, stopProcess, treeCpuMs } from './procs.js';
import { nameKeyTable, seedDerived } from './seed-derived.js';
import { seedGroup, seedOptional, type SeedExecutor } from './seed.js';
import { migrate } from '../src/db/migrate.js';
import { createPgDatabase } from '../src/db/pg.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const START = '<!-- flatness:start -->';
const END = '<!-- flatness:end -->';
const PAGE_SIZE = 20;

const HELP = `Usage: npm run bench:flatness -- [options]

  --duration <s>      seconds per measured run (default 3; --quick 2)
  --rounds <n>        interleaved rounds (default 3)
  --connections <n>   concurrent connections, closed loop (default 6)
  --sizes <a,b,c>     contacts of the small, middle and large tenant (default 10000,200000,1000000;
                      --quick 2000,20000,100000); the deep page is the middle tenant's middle page
  --quick             the small sizes and short runs, for development
  --no-build          skip \`npm run build\` (dist/ must be current)
  --output <file>     report (default BENCHMARKS.md; its flatness section only)`;

function options(argv: string[]) {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (v.help) {
    console.log(HELP);
    process.exit(0);
  }
  const q = v.quick ?? false;
  const num = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const sizes = (v.sizes ?? (q ? '2000,20000,100000' : '10000,200000,1000000')).split(',').map((s) => num('sizes', s, 0));
  if (sizes.length !== 3 || sizes.some((s) => s < 2 * PAGE_SIZE)) throw new Error('--sizes takes three sizes of at least 40');
  return {
    duration: num('duration', v.duration, q ? 2 : 3),
    rounds: num('rounds', v.rounds, 3),
    connections: num('connections', v.connections, 6),
    sizes: { small: sizes[0]!, mid: sizes[1]!, large: sizes[2]! },
    build: !v['no-build'],
    output: v.output ?? 'BENCHMARKS.md',
    command: `npm run bench:flatness${argv.length ? ' -- ' + argv.join(' ') : ''}`,
  };
}
type Options = ReturnType<typeof options>;
type SizeName = 'small' | 'mid' | 'large';

/** Tenant index per size (tenant ids and contact ids derive from it, bench/dataset.ts). */
const TENANT_INDEX: Record<SizeName, number> = { small: 0, mid: 1, large: 2 };

// ---------------------------------------------------------------------------------------------
// Seeding

/** Tables the seed fills: their secondary indexes are dropped for the bulk insert and rebuilt after. */
const SEEDED_TABLES = ['contacts', 'contact_props', 'contact_match_keys', 'contact_ref_ids', 'contact_addresses', 'contact_banks'];

async function seedDatabase(o: Options): Promise<{ url: string; serviceUrl: string; seconds: number; derived: string[]; optional: string[] }> {
  const t0 = Date.now();
  const name = `cr_bench_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createPgDatabase({ connectionString: url.toString(), max: 1, statementTimeoutMs: 0, connectTimeoutMs: 5000 });
  try {
    await migrate(db);
    await db.exec(SERVICE_ROLE_SQL);
  } finally {
    await db.close();
  }
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  const exec: SeedExecutor = { query: (sql, params) => c.query(sql, params as unknown[]) };
  try {
    // Foreign-key triggers off (the rows are consistent by construction), and room for the index builds.
    await c.query(`SET session_replication_role = replica; SET maintenance_work_mem = '256MB'`);
    const idx = (
      await c.query<{ name: string; def: string; table: string }>(
        `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, t.relname AS table
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
          WHERE t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace
            AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
        [SEEDED_TABLES],
      )
    ).rows;
    for (const i of idx) await c.query(`DROP INDEX ${i.name}`);
    const rebuild = async (which: (table: string) => boolean) => {
      for (const i of idx.filter((x) => which(x.table))) await c.query(i.def);
    };
    const nk = await nameKeyTable(exec);
    for (const s of ['small', 'mid', 'large'] as const) {
      const t1 = Date.now();
      await seedGroup(exec, [TENANT_INDEX[s]], o.sizes[s], nk);
      console.log(`  ${tenantId(TENANT_INDEX[s])}: ${o.sizes[s].toLocaleString('en-US')} contacts in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    }
    const optional = [
      await seedOptional(exec, ['contact_addresses', 'addresses'], '01JD'),
      await seedOptional(exec, ['contact_banks', 'banks'], '01JE'),
    ];
    // The contacts' copy of their addresses looks them up per contact: those indexes first.
    await rebuild((t) => t === 'contact_addresses');
    const derived = await seedDerived(exec);
    await rebuild((t) => t !== 'contact_addresses');
    // Triggers were off, so the list's contact counters (migration 0040) are built here.
    for (const s of ['small', 'mid', 'large'] as const) {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId(TENANT_INDEX[s])]);
      await c.query('SELECT contact_counts_rebuild($1)', [tenantId(TENANT_INDEX[s])]);
      await c.query('COMMIT');
    }
    await c.query('VACUUM ANALYZE');
    const serviceUrl = new URL(url);
    serviceUrl.username = BENCH_SERVICE_ROLE;
    return { url: url.toString(), serviceUrl: serviceUrl.toString(), seconds: (Date.now() - t0) / 1000, derived, optional };
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

type Kind = 'flat' | 'deep' | 'search';

interface Scenario {
  name: string;
  kind: Kind;
  /** Query string of the request (page chosen by the caller). */
  query: string;
  /** The same list as listContacts arguments, for EXPLAIN. */
  filter: (ti: number) => Partial<ContactFilter>;
  ordering: { field: 'created_at' | 'updated_at' | 'name' | 'ref_id'; desc: boolean };
}

const DEFAULT_ORDER = { field: 'created_at', desc: true } as const;

function scenarios(): Scenario[] {
  const out: Scenario[] = [
    { name: 'default', kind: 'flat', query: '', filter: () => ({}), ordering: DEFAULT_ORDER },
    { name: 'status=active', kind: 'flat', query: 'status=active', filter: () => ({ status: 'active' }), ordering: DEFAULT_ORDER },
    { name: 'type=corporate', kind: 'flat', query: 'type=corporate', filter: () => ({ type: 'corporate' }), ordering: DEFAULT_ORDER },
    {
      name: 'approval_status=approved',
      kind: 'flat',
      query: 'approval_status=approved',
      filter: () => ({ approvalStatus: 'approved' }),
      ordering: DEFAULT_ORDER,
    },
    { name: 'namespace=customer', kind: 'flat', query: 'namespace=customer', filter: (ti) => ({ namespaceId: namespaceId(ti) }), ordering: DEFAULT_ORDER },
  ];
  for (const field of ['created_at', 'updated_at', 'name', 'ref_id'] as const) {
    for (const desc of [false, true]) {
      if (field === 'created_at' && desc) continue; // the default
      const o = `${desc ? '-' : ''}${field}`;
      out.push({ name: `ordering=${o}`, kind: 'flat', query: `ordering=${o}`, filter: () => ({}), ordering: { field, desc } });
    }
  }
  out.push(
    { name: 'search=sharma (surname)', kind: 'search', query: 'search=sharma', filter: () => ({ search: 'sharma' }), ordering: DEFAULT_ORDER },
    { name: 'search=<PAN>', kind: 'search', query: 'search=PAN', filter: () => ({ search: 'PAN' }), ordering: DEFAULT_ORDER },
  );
  return out;
}

/** Cells: a scenario at a tenant size and page. */
interface Cell {
  key: string;
  scenario: Scenario;
  size: SizeName;
  /** Fixed page, or null for a random page of the first five. */
  page: number | null;
}

function cells(o: Options): Cell[] {
  const out: Cell[] = [];
  for (const s of scenarios()) {
    for (const size of ['small', 'large'] as const) out.push({ key: `${s.name}@${size}`, scenario: s, size, page: null });
  }
  const deep = Math.floor(o.sizes.mid / PAGE_SIZE / 2);
  const def = scenarios()[0]!;
  out.push({ key: 'page1@mid', scenario: { ...def, kind: 'deep' }, size: 'mid', page: 1 });
  out.push({ key: `page${deep}@mid`, scenario: { ...def, kind: 'deep' }, size: 'mid', page: deep });
  return out;
}

function pathFor(cell: Cell, o: Options, r: () => number): string {
  const ti = TENANT_INDEX[cell.size];
  const page = cell.page ?? 1 + Math.floor(r() * 5);
  let q = cell.scenario.query;
  if (q === 'search=PAN') q = `search=${seededPan(ti, Math.floor(r() * o.sizes[cell.size]))}`;
  return `/contacts/?page_size=${PAGE_SIZE}&page=${page}${q ? '&' + q : ''}`;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN: the list statement the service sends, split into its count and its page

interface Explained {
  totalMs: number;
  planningMs: number;
  countMs: number | null;
  pageMs: number | null;
  countBuffers: number | null;
  pageBuffers: number | null;
  jitMs: number;
  plan: string;
}

/** The statement listContacts sends, captured by an executor that runs nothing. */
async function listStatement(cell: Cell, o: Options): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | null = null;
  const capture: Executor = {
    query: async <T,>(sql: string, params?: readonly unknown[]) => {
      captured = { sql, params: [...(params ?? [])] };
      return { rows: [] as T[], rowCount: 0 };
    },
    exec: async () => {},
  };
  const ti = TENANT_INDEX[cell.size];
  const f = cell.scenario.filter(ti);
  if (f.search === 'PAN') f.search = seededPan(ti, Math.floor(o.sizes[cell.size] / 3));
  const filter: ContactFilter = { after: null, before: null, ...f, searchIdentifiers: f.search ? identifierSearchKeys(f.search) : undefined };
  const page = cell.page ?? 1;
  await listContacts(capture, tenantId(ti), filter, cell.scenario.ordering, PAGE_SIZE, (page - 1) * PAGE_SIZE);
  return captured!;
}

type PlanNode = { 'Node Type': string; 'Actual Total Time': number; 'Actual Loops': number; Plans?: PlanNode[]; [k: string]: unknown };
const buffers = (n: PlanNode) => Number(n['Shared Hit Blocks'] ?? 0) + Number(n['Shared Read Blocks'] ?? 0);

async function explain(serviceUrl: string, cell: Cell, o: Options): Promise<Explained> {
  const { sql, params } = await listStatement(cell, o);
  const c = new pg.Client({ connectionString: serviceUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId(TENANT_INDEX[cell.size])]);
    await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params); // caches warm, as under load
    const json = (await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params)).rows[0]['QUERY PLAN'][0];
    const text = (await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    await c.query('ROLLBACK');
    const root = json.Plan as PlanNode;
    // pagedQuery's shape: the count (outer) LEFT JOIN LATERAL the page (inner).
    const [count, page] = root['Node Type'] === 'Nested Loop' && root.Plans?.length === 2 ? root.Plans : [null, null];
    const t = (n: PlanNode | null) => (n ? n['Actual Total Time'] * n['Actual Loops'] : null);
    return {
      totalMs: json['Execution Time'],
      planningMs: json['Planning Time'],
      countMs: t(count),
      pageMs: t(page),
      countBuffers: count ? buffers(count) : null,
      pageBuffers: page ? buffers(page) : null,
      jitMs: Number(json.JIT?.Timing?.Total ?? 0),
      plan: text,
    };
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Run extends LoadResult {
  appUsPerReq: number;
  dbUsPerReq: number;
}

interface Results {
  meta: {
    started: string;
    finished: string;
    command: string;
    loadStart: string;
    loadEnd: string;
    machine: string;
    sizes: Options['sizes'];
    options: { duration: number; rounds: number; connections: number };
    seededSeconds: number;
    derived: string[];
    optional: string[];
  };
  runs: Record<string, Run[]>;
  explain: Record<string, Explained>;
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  mkdirSync('bench/results', { recursive: true });
  if (o.build) {
    console.log('npm run build');
    if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  }
  const loadStart = sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' ');
  const started = new Date().toISOString();
  console.log(`seeding ${o.sizes.small} / ${o.sizes.mid} / ${o.sizes.large} contacts…`);
  const seeded = await seedDatabase(o);
  console.log(`seeded in ${seeded.seconds.toFixed(0)} s (${seeded.derived.join(', ')})`);
  const database = new URL(seeded.url).pathname.slice(1);

  const tokens = new Map<SizeName, string>();
  for (const s of ['small', 'mid', 'large'] as const)
    tokens.set(s, await mintToken({ secret: SECRET, tenant: tenantId(TENANT_INDEX[s]), sub: 'bench-user', ttlSeconds: 86_400 }));

  const all = cells(o);
  console.log('EXPLAIN (ANALYZE, BUFFERS) of each list statement…');
  const explained: Record<string, Explained> = {};
  for (const cell of all) {
    explained[cell.key] = await explain(seeded.serviceUrl, cell, o);
    const e = explained[cell.key]!;
    console.log(
      `  ${cell.key.padEnd(34)} total ${e.totalMs.toFixed(1)} ms = count ${e.countMs?.toFixed(1)} + page ${e.pageMs?.toFixed(1)} (plan ${e.planningMs.toFixed(1)}, jit ${e.jitMs.toFixed(0)})`,
    );
  }

  // As bench/compare.ts starts "ours": compiled, production settings, the non-owner role.
  const ours = await startProcess('ours', ['dist/cli/index.js', 'serve'], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: seeded.serviceUrl,
    WORKER: 'off',
  });
  const watch = new pg.Client({ connectionString: seeded.url });
  watch.on('error', () => {}); // the DROP at clean-up terminates it
  await watch.connect();
  onCleanup(() => watch.end().catch(() => {}));
  const active = async () =>
    Number(
      (await watch.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND state <> 'idle' AND pid <> pg_backend_pid()`, [database])).rows[0]
        .n,
    );
  const backends = `${BENCH_SERVICE_ROLE} ${database}`;

  const measure = async (cell: Cell, seconds: number, label = ''): Promise<Run> => {
    const r = prng(cell.key.length * 7919 + 17);
    const cpu0 = treeCpuMs(ours.pid);
    const db0 = databaseBackendsCpuMs(backends);
    const res = await runHttpLoad({
      url: ours.url,
      connections: o.connections,
      durationMs: seconds * 1000,
      next: () => ({ method: 'GET', path: pathFor(cell, o, r), headers: { authorization: `Bearer ${tokens.get(cell.size)}` } }),
    });
    const app = treeCpuMs(ours.pid) - cpu0;
    const db = cpuSince(db0, databaseBackendsCpuMs(backends));
    await settle([ours.pid], active);
    const run: Run = { ...res, appUsPerReq: (app * 1000) / Math.max(1, res.requests), dbUsPerReq: (db * 1000) / Math.max(1, res.requests) };
    const codes = Object.entries(res.statusCodes)
      .map(([c, k]) => `${c}:${k}`)
      .join(' ');
    console.log(
      `  ${cell.key.padEnd(34)} ${res.rps.toFixed(0).padStart(5)} req/s  p50 ${res.p50.toFixed(1)} p99 ${res.p99.toFixed(1)} ms  cpu ${run.appUsPerReq.toFixed(0)}+${run.dbUsPerReq.toFixed(0)} µs/req  ${codes}${res.errors ? ` errors:${res.errors}` : ''}${label}`,
    );
    return run;
  };

  console.log('warm-up');
  for (const cell of all) await measure(cell, 1, '  (warm-up)');
  const runs: Record<string, Run[]> = Object.fromEntries(all.map((c) => [c.key, []]));
  // Per round, each scenario's cells run back to back in an order rotated per round.
  const groups = new Map<string, Cell[]>();
  for (const c of all) groups.set(c.scenario.kind === 'deep' ? 'deep' : c.scenario.name, [...(groups.get(c.scenario.kind === 'deep' ? 'deep' : c.scenario.name) ?? []), c]);
  for (let round = 0; round < o.rounds; round++) {
    console.log(`round ${round + 1}/${o.rounds}`);
    for (const group of groups.values()) {
      for (let k = 0; k < group.length; k++) {
        const cell = group[(k + round) % group.length]!;
        runs[cell.key]!.push(await measure(cell, o.duration));
      }
    }
  }
  await stopProcess(ours);
  const results: Results = {
    meta: {
      started,
      finished: new Date().toISOString(),
      command: o.command,
      loadStart,
      loadEnd: sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' '),
      machine: `${sh('nproc')} CPUs (${sh("grep -m1 'model name' /proc/cpuinfo").replace(/^model name\s*:\s*/, '')}), Node ${process.version}, PostgreSQL ${await postgresVersion()}`,
      sizes: o.sizes,
      options: { duration: o.duration, rounds: o.rounds, connections: o.connections },
      seededSeconds: seeded.seconds,
      derived: seeded.derived,
      optional: seeded.optional,
    },
    runs,
    explain: explained,
  };
  await cleanup();
  writeFileSync('bench/results/flatness.json', JSON.stringify(results, null, 2) + '\n');
  writeSection(o.output, render(results, all));
  console.log(`wrote the flatness section of ${o.output} and bench/results/flatness.json`);
}

// ---------------------------------------------------------------------------------------------
// Report

const f = (n: number | null, d = 0) =>
  n !== null && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '–';
const ms = (n: number | null) => f(n, n !== null && n < 10 ? 1 : 0);
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');

function render(r: Results, all: Cell[]): string {
  const m = r.meta;
  const agg = (key: string) => {
    const rs = r.runs[key] ?? [];
    return {
      p50: median(rs.map((z) => z.p50)),
      p99: median(rs.map((z) => z.p99)),
      rps: median(rs.map((z) => z.rps)),
      cpu: median(rs.map((z) => z.appUsPerReq + z.dbUsPerReq)),
      bad: rs.reduce((n, z) => n + z.requests - z.ok, 0),
    };
  };
  const k = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
  const [S, L, M] = [k(m.sizes.small), k(m.sizes.large), k(m.sizes.mid)];
  const L0: string[] = [START, "## Flat in tenant size (issue 24's targets 2–3)", ''];
  L0.push(
    `Generated by \`${m.command}\` (bench/flatness.ts) from ${m.started} to ${m.finished}; load average at start ${m.loadStart}, at end ${m.loadEnd}. ${m.machine}.`,
    '',
    `One database, three tenants of ${f(m.sizes.small)}, ${f(m.sizes.mid)} and ${f(m.sizes.large)} contacts (bench/seed.ts's data shape: 3 props each, an address and a bank account each, match keys and the contacts' copies; ${m.optional.join('; ')}), seeded with set-based SQL and VACUUM ANALYZEd in ${m.seededSeconds.toFixed(0)} s. The compiled service as in production (non-owner role under row-level security, default pool). Closed loop, ${m.options.connections} connections, ${m.options.rounds} rounds × ${m.options.duration} s per cell after a 1 s warm-up, cells of one scenario back to back in an order rotated per round; figures are medians over rounds. Lists ask for page_size=20 and a random page of the first five; "page N" is fixed. CPU per request = service process + its PostgreSQL backends.`,
    '',
    `The EXPLAIN columns are one \`EXPLAIN (ANALYZE, BUFFERS)\` of the statement the service sends (captured from listContacts), run as the service role with the tenant set, caches warm: "count" is the \`count(*)\` side of the statement, "page" the side that chooses and reads the 20 rows.`,
    '',
  );
  L0.push(
    `| list | p50 ms ${S} | p99 ms ${S} | p50 ms ${L} | p99 ms ${L} | p99 ${L} ÷ ${S} (target ≤ 2×) | CPU µs/req ${S} / ${L} | EXPLAIN ${L}: count + page ms | page buffers ${S} / ${L} | non-2xx |`,
    '|---|--:|--:|--:|--:|---|--:|--:|--:|--:|',
  );
  const names = [...new Set(all.filter((c) => c.scenario.kind !== 'deep').map((c) => c.scenario.name))];
  for (const name of names) {
    const a = agg(`${name}@small`);
    const b = agg(`${name}@large`);
    const e = r.explain[`${name}@large`];
    const es = r.explain[`${name}@small`];
    const kind = all.find((c) => c.scenario.name === name)!.scenario.kind;
    const ratio = b.p99 / a.p99;
    const verdict = kind === 'search' ? ' (reported)' : ratio <= 2 ? ' ✅' : ' ❌';
    L0.push(
      `| ${name} | ${ms(a.p50)} | ${ms(a.p99)} | ${ms(b.p50)} | ${ms(b.p99)} | ${x(ratio)}${verdict} | ${f(a.cpu)} / ${f(b.cpu)} | ${e ? `${ms(e.countMs)} + ${ms(e.pageMs)}` : '–'} | ${f(es?.pageBuffers ?? null)} / ${f(e?.pageBuffers ?? null)} | ${a.bad + b.bad} |`,
    );
  }
  const deep = all.filter((c) => c.scenario.kind === 'deep');
  L0.push('', `**Deep page** (${M} tenant, default ordering; target: page ${deep[1]!.page} p99 ≤ 3× page 1):`, '');
  L0.push('| page | p50 ms | p99 ms | CPU µs/req | EXPLAIN: count + page ms | page buffers | non-2xx |', '|---|--:|--:|--:|--:|--:|--:|');
  for (const c of deep) {
    const a = agg(c.key);
    const e = r.explain[c.key];
    L0.push(`| ${c.page} | ${ms(a.p50)} | ${ms(a.p99)} | ${f(a.cpu)} | ${e ? `${ms(e.countMs)} + ${ms(e.pageMs)}` : '–'} | ${f(e?.pageBuffers ?? null)} | ${a.bad} |`);
  }
  const d = agg(deep[1]!.key).p99 / agg(deep[0]!.key).p99;
  const de = r.explain[deep[1]!.key]?.pageMs ?? NaN;
  const d0 = r.explain[deep[0]!.key]?.pageMs ?? NaN;
  L0.push('', `Page ${deep[1]!.page} ÷ page 1, p99: **${x(d)}** ${d <= 3 ? '✅' : '❌'}; page part alone (EXPLAIN): ${x(de / d0)}.`, END);
  return L0.join('\n');
}

/** Replaces the flatness section of the report (or appends it); the rest of the file stays as it is. */
function writeSection(path: string, section: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  const out = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, out);
}

main().catch(async (err: unknown) => {
  if (isInterrupted()) return;
  console.error(err);
  await cleanup();
  process.exit(1);
});
