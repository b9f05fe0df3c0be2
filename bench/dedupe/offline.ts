// Scorer experiments in seconds instead of a bench run: capture the candidate rows the endpoint's
// blocking fetches for the labelled queries once, then score them offline with the service's own
// ranking (src/resources/dedupe/dedupe.match.ts). On the same sample the offline numbers equal the
// endpoint's, so a change to weights.ts or score.ts can be judged by re-running `score` alone.
//
//   node --import tsx bench/dedupe/offline.ts capture --db cr_dedupe_bench_<pid> --out /tmp/cand.jsonl
//   node --import tsx bench/dedupe/offline.ts score /tmp/cand.jsonl [--threshold 0.8]
//
// The database is one kept by `npm run bench:dedupe -- --keep-db`; the sample is the accuracy
// phase's (same seeds), so `score` reproduces that phase's recall and precision for the large tenant.
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createPgDatabase } from '../../src/db/pg.js';
import { findCandidates } from '../../src/resources/dedupe/dedupe.queries.js';
import { planDedupe, rankCandidates, type DedupeInput, type RankableRow } from '../../src/resources/dedupe/dedupe.match.js';
import { PROBABLE_THRESHOLD } from '../../src/dedupe/score.js';
import { BENCH_SERVICE_ROLE } from '../db.js';
import { addressesOf, samplePairs } from './accuracy.js';
import { Rng, type GenRecord } from './generator.js';
import { contactId, seedTenant, seqOf } from './seed.js';

interface Captured {
  /** Contact ids of the query (duplicate) record and of its original; the base person of both. */
  selfId: string;
  twinId: string;
  person: number;
  input: DedupeInput;
  rows: (RankableRow & { person: number })[];
}

const LIMIT = 10;

const inputOf = (r: GenRecord): DedupeInput => ({ name: r.name, type: r.type, props: r.props, addresses: addressesOf(r), namespace: 'borrowers' });

async function capture(db: string, out: string, size: number, queries: number): Promise<void> {
  const tenant = await seedTenant(null, { index: 1, tenant: 'dd-large', size, seed: 1 }, () => {});
  // run.ts draws the large tenant's accuracy sample first from Rng(7): the same pairs.
  const sample = samplePairs(tenant, queries, new Rng(7));
  const url = new URL(process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.username = BENCH_SERVICE_ROLE;
  url.pathname = `/${db}`;
  const database = createPgDatabase({ connectionString: url.toString(), max: 4, statementTimeoutMs: 0, connectTimeoutMs: 5000 });
  const tdb = database.forTenant(tenant.tenant);
  const file = createWriteStream(out);
  const ourPrefix = contactId(tenant.index, 0).slice(0, 8);
  let next = 0;
  const worker = async () => {
    while (next < sample.length) {
      const [orig, dup] = sample[next++]!;
      const input = inputOf(dup);
      const { rows } = await findCandidates(tdb, tenant.tenant, planDedupe(input).query);
      const c: Captured = {
        selfId: contactId(tenant.index, dup.seq),
        twinId: contactId(tenant.index, orig.seq),
        person: tenant.personOf[dup.seq]!,
        input,
        rows: rows.map((r) => ({ id: r.id, name: r.name, type: r.type, props_kv: r.props_kv, addresses: r.addresses, name_count: r.name_count, person: r.id.startsWith(ourPrefix) ? tenant.personOf[seqOf(r.id)]! : -1 })),
      };
      file.write(`${JSON.stringify(c)}\n`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await new Promise((resolve) => file.end(resolve));
  await database.close();
  console.log(`captured ${sample.length} queries into ${out}`);
}

function score(file: string, threshold: number): void {
  let queries = 0;
  let hits = 0;
  let tp = 0;
  let fp = 0;
  let rows = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const c = JSON.parse(line) as Captured;
    queries++;
    rows += c.rows.length;
    const matches = rankCandidates(planDedupe(c.input).candidate, c.rows, { minScore: 0, limit: LIMIT });
    const strong = (m: (typeof matches)[number]) => m.result.band === 'exact' || m.result.score >= threshold;
    if (matches.some((m) => m.row.id === c.twinId && strong(m))) hits++;
    for (const m of matches) {
      if (m.row.id === c.selfId || !strong(m)) continue;
      if (m.row.person === c.person) tp++;
      else fp++;
    }
  }
  console.log(
    `${queries} queries, ${(rows / Math.max(1, queries)).toFixed(2)} candidate rows each; probable threshold ${threshold}: ` +
      `recall ${((hits / Math.max(1, queries)) * 100).toFixed(2)}%, precision ${((tp / Math.max(1, tp + fp)) * 100).toFixed(2)}% (${tp} TP / ${fp} FP)`,
  );
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { db: { type: 'string' }, out: { type: 'string' }, size: { type: 'string' }, queries: { type: 'string' }, threshold: { type: 'string' } },
});
const [command, file] = positionals;
if (command === 'capture' && values.db && values.out) {
  await capture(values.db, values.out, Number(values.size ?? 1_000_000), Number(values.queries ?? 10_000));
} else if (command === 'score' && file) {
  score(file, Number(values.threshold ?? PROBABLE_THRESHOLD));
} else {
  console.error('usage: offline.ts capture --db <name> --out <file> [--size 1000000] [--queries 10000]\n       offline.ts score <file> [--threshold 0.8]');
  process.exitCode = 2;
}
