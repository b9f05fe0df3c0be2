// `npm run bench:dedupe:outside`: dedupe accuracy on labelled data nobody on the team generated
// (FEBRL data sets 1 and 3, bench/dedupe/outside/febrl), used as a new user would: every record is
// loaded through the API (POST /contacts/, POST /contacts/addresses/) and POST /contacts/dedupe/ is
// asked about each one. Each data set is split by person into a training part (even N) and a
// held-out part (odd N), each loaded into a tenant of its own, with and without dates of birth.
// Tuning looks at the training tenants only (--splits train --examples); the report is the held-out
// one. Writes bench/dedupe/results/outside-latest.json and the outside section of docs/benchmarks/dedupe.md.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../../src/auth/token.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { ADMIN_URL, BENCH_SERVICE_ROLE, SERVICE_ROLE_SQL, admin } from '../db.js';
import { cleanup, onCleanup, startProcess, stopProcess } from '../procs.js';
import { type FebrlRecord, type FebrlSet, type Split, addressOf, nameOf, propsOf, readFebrl, splitOf, truePairs } from './febrl.js';
import { type Req, makeClient, percentile, runAll, runLoad } from './http.js';
import { type Answer, type Band, pairMetrics } from './outside-metrics.js';
import { type OutsideRun, type TenantResult, rerenderOutside, writeOutsideResults } from './outside-report.js';
import { machineFacts } from './report.js';
import { scoreMatch } from '../../src/dedupe/score.js';
import { subjectOf } from '../../src/resources/dedupe/dedupe.match.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const HELP = `Usage: npm run bench:dedupe:outside -- [options]

  --sets <list>       dataset1,dataset3 (default both)
  --splits <list>     train,heldout,full (default train,heldout; full = the whole set in one tenant,
                      for comparison with figures measured that way, training data included)
  --dob <list>        with,without (default both): load the date of birth or leave it out
  --latency <s>       seconds of closed-loop dedupe and GET per held-out tenant (default 8; 0: none)
  --examples          print false positives and misses (training tenants only, for tuning)
  --source            run the service from source (tsx) instead of dist/ (no build)
  --no-build          skip \`npm run build\`
  --write             write results/outside-latest.json and docs/benchmarks/dedupe.md
  --rerender          only re-render docs/benchmarks/dedupe.md's outside section from results/outside-latest.json
                      (beside the latest own-generator results)`;

const { values: args } = parseArgs({
  options: {
    sets: { type: 'string', default: 'dataset1,dataset3' },
    splits: { type: 'string', default: 'train,heldout' },
    dob: { type: 'string', default: 'with,without' },
    latency: { type: 'string', default: '8' },
    examples: { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    rerender: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const SETS = args.sets!.split(',') as FebrlSet[];
const SPLITS = args.splits!.split(',') as (Split | 'full')[];
const DOB = args.dob!.split(',').map((x) => x === 'with');
const LATENCY_SECONDS = Number(args.latency);
const CONCURRENCY = 4;
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

/** A fresh database, migrated, with the service role; dropped at the end. Returns the owner's and the service role's URLs. */
async function prepareDatabase(): Promise<{ owner: string; service: string }> {
  const name = `cr_dedupe_outside_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createPgDatabase({ connectionString: url.toString(), max: 2, statementTimeoutMs: 600_000, connectTimeoutMs: 5000 });
  await migrate(db);
  await db.exec(SERVICE_ROLE_SQL);
  await db.close();
  const owner = url.toString();
  url.username = BENCH_SERVICE_ROLE;
  return { owner, service: url.toString() };
}

/**
 * Statistics as autovacuum keeps them in production (it is off on the bench host, and a fresh
 * table without statistics gets plans made for an empty one): ANALYZE every ANALYZE_EVERY contacts.
 */
const ANALYZE_EVERY = 500;
async function analyze(ownerUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  try {
    await c.query('ANALYZE contacts, contact_props, contact_addresses, contact_match_keys');
  } finally {
    await c.end();
  }
}

const NAMESPACE = 'febrl';

function dedupeBody(r: FebrlRecord, withDob: boolean): Record<string, unknown> {
  const address = addressOf(r);
  return { name: nameOf(r), type: 'individual', namespace: NAMESPACE, props: propsOf(r, withDob), addresses: address ? [address] : [] };
}


async function runTenant(baseUrl: string, ownerUrl: string, set: FebrlSet, split: Split | 'full', withDob: boolean, all: readonly FebrlRecord[]): Promise<TenantResult> {
  const records = split === 'full' ? all : all.filter((r) => splitOf(r) === split);
  const tenant = `fb-${set}-${split}-${withDob ? 'dob' : 'nodob'}`;
  const token = await mintToken({ secret: SECRET, tenant, sub: 'bench-user', ttlSeconds: 86_400 });
  const send = makeClient(baseUrl, CONCURRENCY);
  const ok = async (r: Req, what: string) => {
    const reply = await send(r);
    if (reply.status < 200 || reply.status >= 300) throw new Error(`${what}: ${reply.status} ${reply.body.slice(0, 400)}`);
    return JSON.parse(reply.body) as Record<string, unknown>;
  };
  await ok({ method: 'POST', path: '/namespaces/', token, body: { name: NAMESPACE } }, 'namespace');

  // Load: one contact per record, then its address (the contact-create shape has no addresses).
  const t0 = Date.now();
  const loadable = records.filter((r) => nameOf(r) !== null);
  const contactOf = new Map<string, string>();
  const recordOf = new Map<string, string>();
  let next = 0;
  const loader = async () => {
    while (next < loadable.length) {
      const r = loadable[next++]!;
      const created = await ok({ method: 'POST', path: '/contacts/', token, body: { name: nameOf(r), type: 'individual', namespace: NAMESPACE, props: propsOf(r, withDob) } }, `create ${r.recId}`);
      const id = created.id as string;
      contactOf.set(r.recId, id);
      recordOf.set(id, r.recId);
      const address = addressOf(r);
      if (address) await ok({ method: 'POST', path: '/contacts/addresses/', token, body: { contact_id: id, ...address } }, `address ${r.recId}`);
      if (contactOf.size % ANALYZE_EVERY === 0) await analyze(ownerUrl);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loader));
  await analyze(ownerUrl);
  const loadSeconds = (Date.now() - t0) / 1000;

  // Ask about every loaded record.
  const reqs: Req[] = loadable.map((r) => ({ method: 'POST', path: '/contacts/dedupe/', token, body: dedupeBody(r, withDob) }));
  const replies = await runAll(baseUrl, reqs, CONCURRENCY);
  const answers: Answer[] = [];
  const returned = new Map<string, { result: string; band: Band; score: number; reasons: unknown }[]>();
  replies.forEach((reply, i) => {
    if (reply.status !== 200) throw new Error(`dedupe answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    const body = JSON.parse(reply.body) as { results: { contact: { id: string }; band: Band; score: number; reasons: unknown }[] };
    const query = loadable[i]!.recId;
    const list = body.results.map((x) => ({ result: recordOf.get(x.contact.id) ?? x.contact.id, band: x.band, score: x.score, reasons: x.reasons }));
    returned.set(query, list);
    for (const x of list) answers.push({ query, result: x.result, band: x.band, score: x.score });
  });
  const truth = truePairs(records);
  const metrics = pairMetrics(answers, truth);
  if (args.examples && split === 'train') printExamples(records, truth, returned, withDob);

  let latency: TenantResult['latency'];
  if (split === 'heldout' && LATENCY_SECONDS > 0) {
    const ids = [...contactOf.values()];
    let k = 0;
    const dedupe = await runLoad(baseUrl, { concurrency: 2, seconds: LATENCY_SECONDS, next: () => reqs[k++ % reqs.length]! });
    const get = await runLoad(baseUrl, { concurrency: 2, seconds: LATENCY_SECONDS, next: () => ({ method: 'GET', path: `/contacts/${ids[k++ % ids.length]}/`, token }) });
    const d = dedupe.latencies.sort((a, b) => a - b);
    const g = get.latencies.sort((a, b) => a - b);
    latency = { dedupeP50: percentile(d, 50), dedupeP95: percentile(d, 95), getP95: percentile(g, 95), dedupeRequests: d.length };
  }
  return { set, split, withDob, records: records.length, loaded: loadable.length, loadSeconds, metrics, latency };
}

/** For tuning on the training tenants: the false positives and the labelled pairs not found at possible+. */
function printExamples(records: readonly FebrlRecord[], truth: Set<string>, returned: Map<string, { result: string; band: Band; score: number; reasons: unknown }[]>, withDob: boolean): void {
  const byId = new Map(records.map((r) => [r.recId, r]));
  const show = (id: string) => {
    const r = byId.get(id);
    return r ? `${r.givenName} ${r.surname} | ${r.streetNumber} ${r.address1}, ${r.address2}, ${r.suburb} ${r.postcode}${withDob ? ` | ${r.dateOfBirth}` : ''}` : id;
  };
  const found = new Map<string, string>();
  for (const [q, list] of returned) {
    for (const x of list) {
      if (x.result === q) continue;
      const k = q < x.result ? `${q}|${x.result}` : `${x.result}|${q}`;
      if (!truth.has(k) && (x.band === 'probable' || x.band === 'exact')) console.log(`FP ${x.band} ${x.score}\n   ${show(q)}\n   ${show(x.result)}\n   ${JSON.stringify(x.reasons)}`);
      const had = found.get(k);
      if (had === undefined || had === 'possible') found.set(k, x.band);
    }
  }
  for (const k of truth) {
    if (found.get(k) === 'probable' || found.get(k) === 'exact') continue;
    const [a, b] = k.split('|') as [string, string];
    const hit = returned.get(a)?.find((x) => x.result === b) ?? returned.get(b)?.find((x) => x.result === a);
    // What the scorer alone says (both directions, the better): a miss it would have found is blocking's.
    const [ra, rb] = [byId.get(a), byId.get(b)];
    let offline = '';
    if (!hit && ra && rb && nameOf(ra) && nameOf(rb)) {
      const subject = (r: FebrlRecord) => subjectOf(nameOf(r)!, 'individual', propsOf(r, withDob), addressOf(r) ? [addressOf(r)!] : []);
      const [m1, m2] = [scoreMatch(subject(ra), subject(rb)), scoreMatch(subject(rb), subject(ra))];
      const m = m1.score >= m2.score ? m1 : m2;
      offline = m.band ? ` BLOCKING (scorer ${m.band} ${m.score})` : ` (scorer ${m.score})`;
    }
    console.log(`${found.has(k) ? 'POSSIBLE' : 'MISS'}${hit ? ` ${hit.score}` : ''}${offline}\n   ${show(a)}\n   ${show(b)}${hit ? `\n   ${JSON.stringify(hit.reasons)}` : ''}`);
  }
}

const pct = (x: number) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);

async function main(): Promise<void> {
  if (args.rerender) {
    rerenderOutside();
    return;
  }
  const started = Date.now();
  const machineBefore = machineFacts();
  if (!args.source && !args['no-build']) {
    log('npm run build');
    const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('build failed');
  }
  const { owner, service: url } = await prepareDatabase();
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', DATABASE_URL: url, AUTH_JWT_SECRET: SECRET };
  const server = await startProcess('dedupe-outside', args.source ? ['--import', 'tsx', 'src/cli/index.ts', 'serve'] : ['dist/cli/index.js', 'serve'], env);
  const results: TenantResult[] = [];
  try {
    for (const set of SETS) {
      const all = readFebrl(set);
      for (const withDob of DOB) {
        for (const split of SPLITS) {
          const r = await runTenant(server.url, owner, set, split, withDob, all);
          results.push(r);
          const m = r.metrics;
          log(
            `${set} ${split} ${withDob ? 'with DOB' : 'no DOB'}: ${r.loaded}/${r.records} loaded in ${r.loadSeconds.toFixed(0)} s, ${m.truePairs} pairs; ` +
              `probable+ P ${pct(m.probablePlus.precision)} R ${pct(m.probablePlus.recall)} F1 ${pct(m.probablePlus.f1)}; ` +
              `possible+ P ${pct(m.possiblePlus.precision)} R ${pct(m.possiblePlus.recall)} F1 ${pct(m.possiblePlus.f1)}` +
              (r.latency ? `; dedupe p50/p95 ${r.latency.dedupeP50.toFixed(1)}/${r.latency.dedupeP95.toFixed(1)} ms, GET p95 ${r.latency.getP95.toFixed(1)} ms` : ''),
          );
        }
      }
    }
  } finally {
    await stopProcess(server);
  }
  if (args.write) {
    const run: OutsideRun = {
      command: `npm run bench:dedupe:outside -- ${process.argv.slice(2).join(' ')}`.trim(),
      machineBefore,
      machineAfter: machineFacts(),
      totalSeconds: (Date.now() - started) / 1000,
      results,
    };
    writeOutsideResults(run);
    log('wrote bench/dedupe/results/outside-latest.json and docs/benchmarks/dedupe.md');
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
