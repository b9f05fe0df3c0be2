import { nameKey, phoneticKey } from '../../dedupe/names.js';
import { compareMatches, dedupeSubject, prepareSubject, scorePrepared, type ContactType, type MatchResult, type PreparedSubject } from '../../dedupe/score.js';
import type { PropLike } from '../../dedupe/identifiers.js';
import type { CandidateQuery } from './dedupe.queries.js';

// The dedupe query's two halves around the database: what to fetch, and how the fetched rows are
// scored and ranked. Shared by POST /contacts/dedupe/ and bench/dedupe (which scores captured
// rows offline exactly as the endpoint does).

export interface DedupeInput {
  name: string;
  type: ContactType | null;
  props: readonly PropLike[];
  /** Pincodes of the candidate's addresses, as given. */
  pincodes: readonly string[];
  /** The namespace named in the request (id or name), or null. */
  namespace: string | null;
}

/**
 * What a dedupe query needs from its input: the prepared candidate (scored against every row) and
 * the blocking query that fetches the rows (findCandidates).
 */
export function planDedupe(input: DedupeInput): { candidate: PreparedSubject; query: CandidateQuery } {
  const subject = dedupeSubject({ name: input.name, type: input.type, props: input.props, pincodes: input.pincodes });
  const candidate = prepareSubject(subject);
  // Aadhaar's last four digits are shared by ~1 in 10,000 people: like PAN prefixes they fetch
  // only holders with a similar name (findCandidates, pass 3), never every holder.
  const keys = subject.identifiers.keys.filter((k) => k.kind !== 'aadhaar');
  const aadhaarLast4 = subject.identifiers.keys.filter((k) => k.kind === 'aadhaar').map((k) => k.value);
  const panPrefixes = [...new Set([...(candidate.values.get('pan') ?? [])].map((pan) => pan.slice(0, 5)))];
  const nameType = input.type ?? 'individual';
  // Pincodes as written and as the scorer normalizes them (stored values are compared as written).
  const pincodes = [...new Set([...input.pincodes.map((p) => p.trim()), ...candidate.pincodes])].filter((p) => p !== '');
  return {
    candidate,
    query: {
      namespace: input.namespace,
      keys,
      aadhaarLast4,
      panPrefixes,
      nameKey: nameKey(input.name, nameType),
      phonetic: phoneticKey(input.name, nameType),
      pincodes,
    },
  };
}

/** What ranking reads of a fetched row (CandidateRow has it all). */
export interface RankableRow {
  id: string;
  name: string;
  type: ContactType | null;
  /** Props as [id, key, value]. */
  props_kv: readonly (readonly [string, string, string])[];
  pincodes: readonly string[];
  name_count: number;
}

/**
 * Scores every row against the candidate and keeps the matches (band possible or better, score ≥
 * minScore), best first: band, then score, then id, so equal scores always come in one order.
 */
export function rankCandidates<R extends RankableRow>(candidate: PreparedSubject, rows: readonly R[], o: { minScore: number; limit: number }): { row: R; result: MatchResult }[] {
  return rows
    .map((row) => {
      const props = row.props_kv.map(([, key, value]) => ({ key, value }));
      const existing = prepareSubject(dedupeSubject({ name: row.name, type: row.type, props, pincodes: row.pincodes }));
      return { row, result: scorePrepared(candidate, existing, row.name_count) };
    })
    .filter((m) => m.result.band !== null && m.result.score >= o.minScore)
    .sort((a, b) => compareMatches(a.result, b.result) || (a.row.id < b.row.id ? -1 : 1))
    .slice(0, o.limit);
}
