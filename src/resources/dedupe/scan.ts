/**
 * Tenant-wide duplicate scan (`contact-registry dedupe-scan`): finds clusters of contacts that are
 * probably one party, with the same pure scorer as `POST /contacts/dedupe/` (src/dedupe/score.ts).
 *
 * Near-linear in the tenant, never all pairs, and read in sequential passes (hash joins under a
 * cursor), never contact by contact, so the cost per contact does not grow once the tenant
 * outgrows shared_buffers:
 *   1. exact: contacts holding a PAN (own or embedded in a GSTIN) that another contact holds too,
 *      streamed group by group with their props and addresses (scan.queries.ts, openGroupStream);
 *   2. shared evidence: the same for mobiles, emails, CINs, passports and voter ids (catches
 *      transliterations whose phonetic keys differ, e.g. "Mohd Iqbal" / "Mohammed Ikbal");
 *   3. names: every contact streamed in (name_phonetic, id) order with its pincodes and Aadhaar
 *      fragments; only contacts with the same phonetic name key (one "block") are compared with
 *      each other, and at band probable only those that also share a pincode or Aadhaar last four
 *      (see pairsOfBlock). Names and props are loaded (by id, one query each per batch) only for
 *      the contacts that end up in a pair to score, a few percent of them.
 * Blocks are bounded (pairsOfBlock splits large ones) so the work per contact stays bounded.
 * Pairs at `minBand` or better are joined into clusters by union-find.
 *
 * Known gap (by design, to stay linear): a pair whose only agreeing evidence is a pincode or an
 * Aadhaar fragment, and whose names have different phonetic keys (a typo that changes a consonant),
 * is not compared. POST /contacts/dedupe/ still finds it (similar names at the same pincode).
 */
import type { TenantDatabase } from '../../db/index.js';
import { type Band, type MatchResult, POSSIBLE_THRESHOLD, PROBABLE_THRESHOLD, scorePrepared } from '../../dedupe/score.js';
import { PRIOR_LOG2_ODDS, TYPE, nameWeight, oddsToProbability } from '../../dedupe/weights.js';
import { type ScanCluster, type ScanContact, type ScanPair, DisjointSets, buildClusters } from './scan.clusters.js';
import { type ScanRow, type ScanScope, countContacts, hasAddressTable, openContactStream, openGroupStream } from './scan.queries.js';
import { type Entry, groupEntry, prepareEntries, streamEntries } from './scan.entries.js';

export type MinBand = 'probable' | 'possible';
export { type ScanCluster, type ScanContact, type ScanPair, bestPairs } from './scan.clusters.js';

export interface ScanOptions {
  tenantId: string;
  /** Namespace id (already resolved), or null for the whole tenant. */
  namespaceId?: string | null;
  minBand?: MinBand;
  /** Contacts per keyset page and per subject-loading query (default 5,000). */
  batchSize?: number;
  /** Blocks larger than this are split (default 200). */
  blockMax?: number;
  onProgress?: (p: ScanProgress) => void;
}

export interface ScanProgress {
  phase: 'exact' | 'names' | 'shared' | 'done';
  /** Contacts streamed so far in the names phase; groups done in the others. */
  done: number;
  /** Contacts in scope; 0 in the identifier phases, whose groups are not counted in advance. */
  total: number;
  pairs: number;
}

export interface ScanStats {
  contacts: number;
  blocks: number;
  splitBlocks: number;
  pairsScored: number;
  pairsAccepted: number;
}

export const SCAN_BATCH = 5_000;
export const BLOCK_MAX = 200;
/** Sorted-neighbourhood window inside a split block: each member meets its next WINDOW by name_key. */
export const WINDOW = 20;
/** An exact-identifier group up to this size is compared pairwise; a larger one as a star. */
const EXACT_ALL_PAIRS_MAX = 8;

/**
 * The best score two contacts can reach on name and type alone (identical names, same type, no
 * other field on either side). Below PROBABLE_THRESHOLD it means a probable pair always has some
 * other agreeing field, which is what lets band-probable name blocks pair only on shared keys.
 */
export const NAME_ONLY_MAX = oddsToProbability(PRIOR_LOG2_ODDS + nameWeight(1) + TYPE.agree);

/** Identifier kinds whose shared values are the evidence pass (PAN has its own, exact, pass). */
const EVIDENCE_KINDS = ['mobile', 'email', 'cin', 'passport', 'voter_id'];

const BAND_RANK: Record<Band, number> = { exact: 0, probable: 1, possible: 2 };

/** What a block member offers to pairing: its row (id, name_key) and its secondary keys. */
export interface BlockMember {
  row: ScanRow;
  /** Secondary blocking keys: pincodes, Aadhaar last four digits, … (see secondaryKeys). */
  keys: readonly string[];
}

/**
 * Calls `each` for the pairs of a block worth scoring.
 *
 * `evidenceOnly` (band probable): only members sharing a secondary key are paired. This loses
 * nothing: with the weights in weights.ts an identical name and type with no other agreeing field
 * stays below PROBABLE_THRESHOLD (see NAME_ONLY_MAX), and the agreeing fields that are not
 * secondary keys (PAN, mobile, email, CIN, passport, voter id) are found by the identifier group
 * passes instead. The cost is the size of the shared-key sub-blocks, a handful per member.
 *
 * Otherwise (band possible, where two namesakes already qualify): up to `blockMax` members, every
 * pair. A larger block (a very common name such as "Rahul Kumar", or a placeholder mobile shared
 * by hundreds) would cost O(k²), so it is split instead:
 *   - members sharing a secondary key are paired (a sub-block over blockMax is itself windowed), and
 *   - a sorted-neighbourhood pass: members sorted by name_key meet their next WINDOW neighbours,
 *     which keeps identical and near-identical spellings together whatever their other fields
 *     (at band probable, where names are loaded only for pairs, by id instead).
 * Cost per member: O(blockMax + WINDOW) scorings, so the scan stays linear in the tenant.
 * Returns true when the block was split.
 */
export function pairsOfBlock<T extends BlockMember>(members: readonly T[], blockMax: number, evidenceOnly: boolean, each: (x: T, y: T) => void): boolean {
  if (!evidenceOnly && members.length <= blockMax) {
    for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) each(members[i]!, members[j]!);
    return false;
  }
  const seen = new Set<string>();
  const once = (x: T, y: T) => {
    const k = x.row.id < y.row.id ? `${x.row.id}|${y.row.id}` : `${y.row.id}|${x.row.id}`;
    if (seen.has(k)) return;
    seen.add(k);
    each(x, y);
  };
  const windowed = (list: T[]) => {
    list.sort((x, y) => (x.row.name_key < y.row.name_key ? -1 : x.row.name_key > y.row.name_key ? 1 : x.row.id < y.row.id ? -1 : 1));
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j <= i + WINDOW && j < list.length; j++) once(list[i]!, list[j]!);
  };
  const byKey = new Map<string, T[]>();
  for (const m of members) {
    for (const key of new Set(m.keys)) {
      const list = byKey.get(key);
      if (list) list.push(m);
      else byKey.set(key, [m]);
    }
  }
  for (const list of byKey.values()) {
    if (list.length > blockMax) windowed(list);
    else for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) once(list[i]!, list[j]!);
  }
  if (evidenceOnly) return members.length > blockMax;
  windowed([...members]);
  return true;
}

/** Runs the scan and returns its clusters, largest first (ties by smallest contact id). */
export async function dedupeScan(db: TenantDatabase, opts: ScanOptions): Promise<{ clusters: ScanCluster[]; stats: ScanStats }> {
  const scope: ScanScope = { tenantId: opts.tenantId, namespaceId: opts.namespaceId ?? null };
  const maxRank = BAND_RANK[opts.minBand ?? 'probable'];
  const evidenceOnly = NAME_ONLY_MAX < ((opts.minBand ?? 'probable') === 'probable' ? PROBABLE_THRESHOLD : POSSIBLE_THRESHOLD);
  const batch = opts.batchSize ?? SCAN_BATCH;
  const blockMax = opts.blockMax ?? BLOCK_MAX;
  const withAddresses = await hasAddressTable(db);
  const total = await countContacts(db, scope);
  const stats: ScanStats = { contacts: total, blocks: 0, splitBlocks: 0, pairsScored: 0, pairsAccepted: 0 };
  const accepted = new Map<string, ScanPair>();
  const info = new Map<string, ScanContact>();
  const sets = new DisjointSets();
  const progress = (phase: ScanProgress['phase'], done: number, of: number) => opts.onProgress?.({ phase, done, total: of, pairs: accepted.size });

  /**
   * `nameCount`: size of the phonetic block both are in, when known (the name-frequency weight;
   * in a namespace-scoped scan, the namespace's part of the block).
   */
  const score = (x: Entry, y: Entry, nameCount?: number): void => {
    if (x.row.id === y.row.id || !x.subject || !y.subject) return;
    const [a, b] = x.row.id < y.row.id ? [x, y] : [y, x];
    stats.pairsScored++;
    // The newer contact (larger ULID) is the candidate, as if it were being created after the older.
    const r: MatchResult = scorePrepared(b.subject!, a.subject!, nameCount);
    if (r.band === null || BAND_RANK[r.band] > maxRank) return;
    // A pair compared in more than one phase (an identifier group and a name block, where the
    // name's frequency lowers the score) keeps its best result, whatever the order of the phases.
    const key = `${a.row.id}|${b.row.id}`;
    const seen = accepted.get(key);
    if (seen && (BAND_RANK[seen.band] < BAND_RANK[r.band] || (seen.band === r.band && seen.score >= r.score))) return;
    accepted.set(key, { a: a.row.id, b: b.row.id, score: r.score, band: r.band, reasons: r.reasons });
    for (const e of [a, b]) info.set(e.row.id, { id: e.row.id, ref_id: e.row.ref_id, name: e.row.name });
    sets.union(a.row.id, b.row.id);
  };

  // Phases 1 and 2: groups of contacts sharing an identifier, PANs first, streamed group after
  // group with everything scoring needs (the next batch is requested before the current one is
  // scored). A batch ends mid-group, so the last group is carried over to the next batch.
  const scoreGroup = (kind: string, members: Entry[]) => {
    if (members.length < 2) return;
    if (kind === 'pan' && members.length > EXACT_ALL_PAIRS_MAX) {
      // One PAN already proves the cluster: a star from the oldest member is enough evidence.
      for (const m of members.slice(1)) score(members[0]!, m);
      return;
    }
    // The shared identifier is the evidence, so every pair counts; an oversized group (a
    // placeholder phone) is split by phonetic name key as well as the usual secondary keys.
    const withNames = members.map((e) => ({ ...e, keys: [...e.keys, `ph:${e.row.name_phonetic}`] }));
    if (pairsOfBlock(withNames, blockMax, false, (x, y) => score(x, y))) stats.splitBlocks++;
  };
  await db.transaction(async (tx) => {
    const fetch = await openGroupStream(tx, scope, ['pan', ...EVIDENCE_KINDS], withAddresses);
    let group: { kind: string; value: string; members: Entry[] } | null = null;
    const groupsDone = { exact: 0, shared: 0 };
    let next = fetch(batch);
    for (;;) {
      const rows = await next;
      const more = rows.length === batch;
      if (more) next = fetch(batch);
      for (const row of rows) {
        if (group === null || row.kind !== group.kind || row.value !== group.value) {
          if (group !== null) {
            scoreGroup(group.kind, group.members);
            groupsDone[group.kind === 'pan' ? 'exact' : 'shared']++;
          }
          group = { kind: row.kind, value: row.value, members: [] };
        }
        group.members.push(groupEntry(row));
      }
      if (group !== null) progress(group.kind === 'pan' ? 'exact' : 'shared', group.kind === 'pan' ? groupsDone.exact : groupsDone.shared, 0);
      if (!more) break;
    }
    if (group !== null) scoreGroup(group.kind, group.members);
  });

  // Phase 3: one cursor over the scope in (name_phonetic, id) order, fetched a batch at a time. A
  // batch ends mid-block, so the last (possibly incomplete) block is carried over to the next batch
  // before it is compared. Props are loaded only for the contacts in a pair (at band probable a few
  // percent of them). Every statement of the phase runs in the cursor's transaction: on PGlite's
  // single connection a statement from outside would wait for the transaction to end.
  await db.transaction(async (tx) => {
    let pending: Entry[] = [];
    let streamed = 0;
    const flushBlocks = async (upTo: number) => {
      const pairs: [Entry, Entry, number][] = [];
      let start = 0;
      for (let i = 1; i <= upTo; i++) {
        if (i < upTo && pending[i]!.row.name_phonetic === pending[start]!.row.name_phonetic) continue;
        const block = pending.slice(start, i);
        stats.blocks++;
        if (block.length > 1 && pairsOfBlock(block, blockMax, evidenceOnly, (x, y) => pairs.push([x, y, block.length]))) stats.splitBlocks++;
        start = i;
      }
      await prepareEntries(tx, scope, pairs.flatMap(([x, y]) => [x, y]));
      for (const [x, y, blockSize] of pairs) score(x, y, blockSize);
    };
    // At band probable only contacts that land in a pair need their name and props.
    const fetch = await openContactStream(tx, scope, { keysOnly: evidenceOnly, withAddresses });
    // The next batch is requested before the current one is compared: the connection sends it
    // while this process scores.
    let next = fetch(batch);
    for (;;) {
      const rows = await next;
      if (rows.length === 0) break;
      const more = rows.length === batch;
      if (more) next = fetch(batch);
      const last = rows[rows.length - 1]!;
      pending.push(...streamEntries(rows));
      streamed += rows.length;
      // Everything before the last block of the buffer is complete.
      let cut = pending.length;
      while (cut > 0 && pending[cut - 1]!.row.name_phonetic === last.name_phonetic) cut--;
      await flushBlocks(cut);
      pending = pending.slice(cut);
      progress('names', streamed, total);
      if (!more) break;
    }
    await flushBlocks(pending.length);
  });

  stats.pairsAccepted = accepted.size;
  progress('done', total, total);
  return { clusters: buildClusters(sets, accepted, info), stats };
}
