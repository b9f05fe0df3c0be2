// `npm run bench:import`: the import scenario of issue 20 on PostgreSQL. In one run, on one fresh
// database: POST /contacts/ with 32 connections for a fixed time (req/s), then a generated CSV of
// N rows (default 100,000) imported by `contact-registry import` in its own process (rows/s, the
// process's peak RSS). Rows have 2–4 props including a PAN; 10% of them repeat a PAN, half of
// those one a POSTed contact holds, half one an earlier row of the file holds; half the rows have
// one address; blocking is on. The ratio rows/s ÷ req/s is the figure (≥ 10). Both the
// server and the importer run compiled (dist/, built first unless --no-build), as in production.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token.js';
import { createPgDatabase } from '../src/db/pg.js';
import { migrate } from '../src/db/migrate.js';
import { admin, ADMIN_URL, BENCH_SERVICE_ROLE, postgresVersion, SERVICE_ROLE_SQL } from './db.js';
import { runHttpLoad } from './http-load.js';
import { cleanup, onCleanup, startProcess, stopProcess } from './procs.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const TENANT = 'bench-import';
const NAMESPACE = 'book';

const HELP = `Usage: npm run bench:import -- [--rows N] [--post-seconds S] [--connections C] [--batch-rows B] [--no-build]

  --rows <n>          rows in the generated CSV (default 100000)
  --post-seconds <s>  duration of the POST /contacts/ run (default 20)
  --connections <n>   connections of the POST run (default 32)
  --batch-rows <n>    IMPORT_BATCH_ROWS of the import (default: the service default)
  --profile <dir>     write a CPU profile of the importer (node --cpu-prof) into <dir>
  --no-build          skip \`npm run build\` (dist/ must be current)`;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '100000' },
      'post-seconds': { type: 'string', default: '20' },
      connections: { type: 'string', default: '32' },
      'batch-rows': { type: 'string' },
      profile: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  return {
    rows: Number(values.rows),
    postSeconds: Number(values['post-seconds']),
    connections: Number(values.connections),
    batchRows: values['batch-rows'] === undefined ? undefined : Number(values['batch-rows']),
    profile: values.profile,
    build: !values['no-build'],
  };
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** A valid-format individual PAN (AAAPA9999A) per number, distinct for distinct numbers; `series` keeps runs apart. */
function pan(series: number, n: number): string {
  let rest = Math.floor(n / 10_000) + series * 26 ** 3;
  const l: string[] = [];
  for (let i = 0; i < 5; i++) {
    l.push(LETTERS[rest % 26]!);
    rest = Math.floor(rest / 26);
  }
  return `${l[0]}${l[1]}${l[2]}P${l[3]}${String(n % 10_000).padStart(4, '0')}${l[4]}`;
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Writes the CSV; returns how many rows repeat a tenant PAN and how many an earlier row's. */
async function writeCsv(path: string, rows: number, tenantPans: readonly string[]): Promise<{ tenantDups: number; fileDups: number }> {
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  await write('name,type,ref_id,tags,prop:pan_no,prop:mobile,prop:email,prop:segment,address.address_line,address.city,address.state,address.pincode,address.country');
  let tenantDups = 0;
  let fileDups = 0;
  for (let i = 1; i <= rows; i++) {
    let p = pan(1, i);
    if (i % 20 === 0 && tenantPans.length > 0) {
      p = tenantPans[(i / 20) % tenantPans.length]!;
      tenantDups++;
    } else if (i % 20 === 10 && i > 10) {
      p = pan(1, i - 7);
      fileDups++;
    }
    const props = i % 3; // 2, 3 or 4 props: PAN + mobile, + email, + segment
    const cells = [
      `Borrower ${i} Kumar`,
      'individual',
      `LOS-${i}`,
      i % 4 === 0 ? 'legacy|book' : 'legacy',
      p,
      `9${String(800_000_000 + i).padStart(9, '0')}`,
      props >= 1 ? `borrower${i}@example.in` : '',
      props >= 2 ? 'retail' : '',
      ...(i % 2 === 0 ? [`${i % 500} MG Road, Sector ${i % 40}`, 'Pune', 'Maharashtra', String(411_000 + (i % 60)), 'India'] : ['', '', '', '', '']),
    ];
    await write(cells.map(csvCell).join(','));
  }
  out.end();
  await once(out, 'finish');
  return { tenantDups, fileDups };
}

/** Contacts POSTed so far in this run (each gets its own PAN). */
let posted = 0;

async function postRun(url: string, token: string, seconds: number, connections: number) {
  let reported = false;
  const pans: string[] = [];
  const result = await runHttpLoad({
    url,
    connections,
    durationMs: seconds * 1000,
    next: () => {
      const n = ++posted;
      return {
        method: 'POST',
        path: '/contacts/',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `Posted ${n} Sharma`,
          type: 'individual',
          namespace: NAMESPACE,
          props: [
            { key: 'pan_no', value: pan(2, n), type: 'text' },
            { key: 'mobile', value: `8${String(700_000_000 + n).padStart(9, '0')}`, type: 'text' },
            { key: 'email', value: `posted${n}@example.in`, type: 'text' },
          ],
        }),
      };
    },
    onResponse: (req, status, body) => {
      if (status !== 201 && !reported) {
        reported = true;
        console.error(`  first refusal: ${status} ${body.slice(0, 300)}`);
      }
      if (status === 201) pans.push((JSON.parse(req.body!) as { props: { value: string }[] }).props[0]!.value);
    },
  });
  return { result, pans };
}

async function analyze(url: string): Promise<void> {
  const c = createPgDatabase({ connectionString: url, max: 1, statementTimeoutMs: 600_000, connectTimeoutMs: 5000 });
  try {
    await c.query('ANALYZE');
  } finally {
    await c.close();
  }
}

/** How the import's wall clock splits: receiving (parse and stage the file) and applying its rows. */
async function phases(url: string): Promise<{ receive: number; apply: number }> {
  const c = createPgDatabase({ connectionString: url, max: 1, statementTimeoutMs: 60_000, connectTimeoutMs: 5000 });
  try {
    const res = await c.query<{ receive: number; apply: number }>(
      `SELECT extract(epoch FROM started_at - created_at)::float8 AS receive, extract(epoch FROM finished_at - started_at)::float8 AS apply
         FROM import_jobs WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [TENANT],
    );
    return res.rows[0]!;
  } finally {
    await c.close();
  }
}

/** Runs the CLI import in its own process; samples its peak RSS until it exits. */
async function cliImport(file: string, env: Record<string, string>, profileDir?: string): Promise<{ code: number; seconds: number; peakRss: number; summary: string }> {
  const started = performance.now();
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...profile, 'dist/cli/index.js', 'import', file, '--tenant', TENANT, '--namespace', NAMESPACE], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let peak = 0;
  let cpu = 0;
  const sample = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name), in clock ticks of 10 ms.
      const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu = (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      /* exited */
    }
  }, 200);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(sample);
  // The importer's own CPU (user + system) beside the wall clock: what the database and the wait took is the rest.
  out += `\nimporter CPU (user + system, sampled): ${cpu.toFixed(1)} s`;
  return { code, seconds: (performance.now() - started) / 1000, peakRss: peak, summary: out.trim() };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (o.build && spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  const loadStart = loadavg();
  const name = `cr_bench_import_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const ownerUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
  const db = createPgDatabase({ connectionString: ownerUrl, max: 2, statementTimeoutMs: 600_000, connectTimeoutMs: 5000 });
  try {
    await migrate(db);
    await db.exec(SERVICE_ROLE_SQL);
  } finally {
    await db.close();
  }
  const serviceUrl = Object.assign(new URL(ownerUrl), { username: BENCH_SERVICE_ROLE }).toString();
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', AUTH_JWT_SECRET: SECRET, DATABASE_URL: serviceUrl, WORKER: 'off' };
  const token = await mintToken({ secret: SECRET, tenant: TENANT, sub: 'bench-user', ttlSeconds: 86_400 });

  const server = await startProcess('server', ['dist/cli/index.js', 'serve'], env);
  let post;
  try {
    const ns = await fetch(`${server.url}/namespaces/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: NAMESPACE, contact_pattern: 'CUST-{seq:7}' }),
    });
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status} ${await ns.text()}`);
    // Autovacuum may be off (it is on this project's test PostgreSQL): the tables are analyzed
    // after a warm-up, so the measured creates are not planned against empty-table statistics.
    await postRun(server.url, token, 5, o.connections);
    await analyze(ownerUrl);
    console.log(`POST /contacts/: ${o.connections} connections, ${o.postSeconds} s…`);
    post = await postRun(server.url, token, o.postSeconds, o.connections);
    await analyze(ownerUrl);
  } finally {
    await stopProcess(server);
  }
  const r = post.result;
  console.log(`  ${r.ok} created in ${r.seconds.toFixed(1)} s: ${r.rps.toFixed(0)} req/s (p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms), status ${JSON.stringify(r.statusCodes)}`);

  const dir = mkdtempSync(join(tmpdir(), 'cr-bench-import-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, `rows-${o.rows}.csv`);
  const dups = await writeCsv(file, o.rows, post.pans);
  console.log(`CSV: ${o.rows} rows (${dups.tenantDups} repeat a tenant PAN, ${dups.fileDups} an earlier row's), importing…`);
  const loadBefore = loadavg();
  // The CLI is an operator's command (it migrates first): it connects as the tables' owner, so its
  // runner's ANALYZE of the growing tables takes effect (under the service role autovacuum does it).
  const imp = await cliImport(file, { ...env, DATABASE_URL: ownerUrl, ...(o.batchRows ? { IMPORT_BATCH_ROWS: String(o.batchRows) } : {}) }, o.profile);
  const loadEnd = loadavg();
  if (imp.code !== 0 && imp.code !== 3) throw new Error(`import exited ${imp.code}:\n${imp.summary}`);
  const rate = o.rows / imp.seconds;
  console.log(imp.summary);
  const split = await phases(ownerUrl);
  console.log(`process ${imp.seconds.toFixed(1)} s: received (parsed and staged) in ${split.receive.toFixed(1)} s, applied in ${split.apply.toFixed(1)} s`);
  console.log(
    [
      '',
      `| rows | import rows/s | POST /contacts/ req/s (${o.connections} conn.) | ratio | import peak RSS | load avg (start / before import / end) | PostgreSQL |`,
      '|---:|---:|---:|---:|---:|---|---|',
      `| ${o.rows.toLocaleString('en')} | ${rate.toFixed(0)} | ${r.rps.toFixed(0)} | ${(rate / r.rps).toFixed(1)}× | ${imp.peakRss.toFixed(0)} MiB | ${loadStart} / ${loadBefore} / ${loadEnd} | ${await postgresVersion()} |`,
    ].join('\n'),
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
