// Precision and recall of POST /contacts/dedupe/ (and of the scan) on the generator's labels.
import { readFileSync } from 'node:fs';
import { phoneticKey } from '../../src/dedupe/names.js';
import { scoreMatch } from '../../src/dedupe/score.js';
import { type AddressFields, subjectOf } from '../../src/resources/dedupe/dedupe.match.js';
import type { GenRecord } from './generator.js';
import { type Req, runAll } from './http.js';
import { contactId, seqOf, type SeededTenant } from './seed.js';
import type { Rng } from './generator.js';

export interface Accuracy {
  queries: number;
  /** Twin found at band probable or better. */
  hits: number;
  recall: number;
  /** Results at band ≥ probable that are the same base person (self excluded). */
  truePositives: number;
  falsePositives: number;
  precision: number;
  /** Twin returned, but only at band possible. */
  possibleOnly: number;
  /** Twin not returned at all. */
  notReturned: number;
  /** Recall the pure scorer reaches on the same pairs with perfect blocking (an upper bound). */
  scorerCeiling: number;
  exactHits: number;
  /**
   * Queried pairs that agree on something besides name and type (an identifier, exactly or one
   * typo apart, an Aadhaar fragment, a pincode): the recall bound of any scorer that, like ours,
   * never rates a name alone `probable`.
   */
  corroborated: number;
  /** Recall and precision had the probable threshold been `threshold` (same responses; `exact` always counts). */
  sweep: { threshold: number; recall: number; precision: number }[];
  /** A few false positives, misses, and misses the scorer alone would have found (blocking losses). */
  examples: { falsePositives: string[]; misses: string[]; blockingMisses: string[] };
}

/** Probable thresholds the report sweeps (the endpoint returns every result at score ≥ POSSIBLE_THRESHOLD). */
export const SWEEP_THRESHOLDS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

export function dedupeBody(r: GenRecord): Record<string, unknown> {
  return {
    name: r.name,
    type: r.type,
    namespace: 'borrowers',
    props: r.props.map((p) => ({ ...p, type: 'text' })),
    addresses: addressesOf(r).map((a) => ({ ...a, city: r.city, state: r.state })),
  };
}

/** The record's address as the dedupe body and the scorer take it. */
export const addressesOf = (r: GenRecord): AddressFields[] => (r.pincode ? [{ pincode: r.pincode, address_line: r.addressLine }] : []);

const subjectOfRecord = (r: GenRecord) => subjectOf(r.name, r.type, r.props, addressesOf(r));

/** Samples up to `n` labelled pairs (seeded), each as (original, duplicate). */
export function samplePairs(t: SeededTenant, n: number, rng: Rng): [GenRecord, GenRecord][] {
  const idx = t.pairs.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, n).map((i) => {
    const [o, d] = t.pairs[i]!;
    return [t.labelled.get(o)!, t.labelled.get(d)!];
  });
}

/** For each duplicate record, queries the endpoint with it and looks for its original. */
export async function measureAccuracy(url: string, token: string, t: SeededTenant, sample: [GenRecord, GenRecord][], concurrency: number): Promise<Accuracy> {
  const reqs: Req[] = sample.map(([, dup]) => ({ method: 'POST', path: '/contacts/dedupe/', token, body: dedupeBody(dup) }));
  const replies = await runAll(url, reqs, concurrency);
  const a: Accuracy = { queries: sample.length, hits: 0, recall: 0, truePositives: 0, falsePositives: 0, precision: 0, possibleOnly: 0, notReturned: 0, scorerCeiling: 0, exactHits: 0, corroborated: 0, sweep: [], examples: { falsePositives: [], misses: [], blockingMisses: [] } };
  let ceiling = 0;
  let corroborated = 0;
  const sweep = SWEEP_THRESHOLDS.map((threshold) => ({ threshold, hits: 0, tp: 0, fp: 0 }));
  sample.forEach(([orig, dup], i) => {
    const reply = replies[i]!;
    if (reply.status !== 200) throw new Error(`dedupe answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    const body = JSON.parse(reply.body) as { results: { contact: { id: string; name: string }; band: string; score: number }[] };
    const self = contactId(t.index, dup.seq);
    const twin = contactId(t.index, orig.seq);
    const person = t.personOf[dup.seq];
    const strong = (b: string) => b === 'exact' || b === 'probable';
    const hit = body.results.find((r) => r.contact.id === twin);
    if (hit && strong(hit.band)) {
      a.hits++;
      if (hit.band === 'exact') a.exactHits++;
    } else {
      if (hit) a.possibleOnly++;
      else a.notReturned++;
      if (a.examples.misses.length < 12) a.examples.misses.push(`${orig.name} ~ ${dup.name}: ${hit ? `${hit.band} ${hit.score}` : 'not returned'}`);
    }
    const samePerson = (id: string) => id.startsWith(self.slice(0, 8)) && t.personOf[seqOf(id)] === person;
    for (const r of body.results) {
      if (r.contact.id === self || !strong(r.band)) continue;
      if (samePerson(r.contact.id)) a.truePositives++;
      else {
        a.falsePositives++;
        if (a.examples.falsePositives.length < 12) a.examples.falsePositives.push(`${dup.name} ~ ${r.contact.name}: ${r.band} ${r.score}`);
      }
    }
    for (const level of sweep) {
      const atLeast = (r: { band: string; score: number }) => r.band === 'exact' || r.score >= level.threshold;
      if (hit && atLeast(hit)) level.hits++;
      for (const r of body.results) {
        if (r.contact.id === self || !atLeast(r)) continue;
        if (samePerson(r.contact.id)) level.tp++;
        else level.fp++;
      }
    }
    const m = scoreMatch(subjectOfRecord(dup), subjectOfRecord(orig), t.phoneticCounts.get(phoneticKey(dup.name, dup.type)));
    if (m.reasons.some((r) => r.field !== 'name' && r.field !== 'type' && (r.match === 'exact' || r.match === 'partial'))) corroborated++;
    if (m.band === 'exact' || m.band === 'probable') {
      ceiling++;
      if (!(hit && strong(hit.band)) && a.examples.blockingMisses.length < 30) {
        const why = m.reasons.map((r) => `${r.field}:${r.match}${r.similarity === undefined ? '' : ` ${r.similarity}`}`).join(', ');
        a.examples.blockingMisses.push(`${orig.name} ~ ${dup.name}: ${hit ? `${hit.band} ${hit.score}` : 'not returned'}, scorer ${m.band} ${m.score} (${why})`);
      }
    }
  });
  a.recall = a.hits / Math.max(1, a.queries);
  a.precision = a.truePositives / Math.max(1, a.truePositives + a.falsePositives);
  a.scorerCeiling = ceiling / Math.max(1, a.queries);
  a.corroborated = corroborated / Math.max(1, a.queries);
  a.sweep = sweep.map((l) => ({ threshold: l.threshold, recall: l.hits / Math.max(1, a.queries), precision: l.tp / Math.max(1, l.tp + l.fp) }));
  return a;
}

export interface ScanAccuracy {
  clusters: number;
  clusteredContacts: number;
  pairs: number;
  /** Output pairs linking two records of one base person. */
  pairPrecision: number;
  /** Labelled (original, duplicate) pairs that ended in one cluster. */
  labelRecall: number;
}

/** Reads a JSON-lines scan output and checks it against the tenant's labels. */
export function scanAccuracy(file: string, t: SeededTenant): ScanAccuracy {
  const clusterOf = new Map<string, number>();
  let clusters = 0;
  let pairs = 0;
  let good = 0;
  const personOf = (id: string) => (id.startsWith(contactId(t.index, 0).slice(0, 8)) ? t.personOf[seqOf(id)] : -1 - seqOf(id));
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const c = JSON.parse(line) as { cluster: number; contacts: { id: string }[]; pairs: { a: string; b: string }[] };
    clusters++;
    for (const m of c.contacts) clusterOf.set(m.id, c.cluster);
    for (const p of c.pairs) {
      pairs++;
      if (personOf(p.a) === personOf(p.b)) good++;
    }
  }
  let found = 0;
  for (const [o, d] of t.pairs) {
    const co = clusterOf.get(contactId(t.index, o));
    if (co !== undefined && co === clusterOf.get(contactId(t.index, d))) found++;
  }
  return { clusters, clusteredContacts: clusterOf.size, pairs, pairPrecision: good / Math.max(1, pairs), labelRecall: found / Math.max(1, t.pairs.length) };
}
