import { addressLineNumbers, pincodeTypoVariants } from '../../dedupe/address.js';
import { nameKey, phoneticKey } from '../../dedupe/names.js';
import { type AddressLine, type DedupeSubject, NAME_ONLY_CONTRADICTING_KINDS, compareMatches, dedupeSubject, prepareSubject, scorePrepared, type ContactType, type MatchResult, type PreparedSubject } from '../../dedupe/score.js';
import type { PropLike } from '../../dedupe/identifiers.js';
import type { CandidateQuery } from './dedupe.queries.js';

// The dedupe query's two halves around the database: what to fetch, and how the fetched rows are
// scored and ranked. Shared by POST /contacts/dedupe/ and bench/dedupe (which scores captured
// rows offline exactly as the endpoint does).

export interface DedupeInput {
  name: string;
  type: ContactType | null;
  props: readonly PropLike[];
  /** The candidate's addresses (pincode and line, as given; either may be missing). */
  addresses: readonly AddressFields[];
  /** The namespace named in the request (id or name), or null. */
  namespace: string | null;
}

/**
 * What a dedupe query needs from its input: the prepared candidate (scored against every row) and
 * the blocking query that fetches the rows (findCandidates).
 */
export function planDedupe(input: DedupeInput): { candidate: PreparedSubject; query: CandidateQuery } {
  const subject = subjectOf(input.name, input.type, input.props, input.addresses);
  const candidate = prepareSubject(subject);
  // Aadhaar's last four digits are shared by ~1 in 10,000 people, a birth date by ~1 in 15,000:
  // like PAN prefixes they fetch only holders with a similar name (findCandidates, passes 3 and
  // 6), never every holder.
  const keys = subject.identifiers.keys.filter((k) => k.kind !== 'aadhaar' && k.kind !== 'dob');
  const aadhaarLast4 = subject.identifiers.keys.filter((k) => k.kind === 'aadhaar').map((k) => k.value);
  const dobs = [...(candidate.values.get('dob') ?? [])];
  const contradictingKinds = [...new Set(keys.map((k) => k.kind).filter((kind) => NAME_ONLY_CONTRADICTING_KINDS.includes(kind)))];
  const panPrefixes = [...new Set([...(candidate.values.get('pan') ?? [])].map((pan) => pan.slice(0, 5)))];
  const nameType = input.type ?? 'individual';
  // Pincodes as written and as the scorer normalizes them (stored values are compared as written).
  const given = input.addresses.map((a) => a.pincode?.trim() ?? '');
  const pincodes = [...new Set([...given, ...candidate.pincodes])].filter((p) => p !== '');
  const addressKeys = new Map<string, { pincode: string; numbers: string }>();
  for (const a of input.addresses) {
    if (typeof a.pincode !== 'string' || typeof a.address_line !== 'string') continue;
    const numbers = addressLineNumbers(a.address_line);
    if (numbers === '') continue;
    // As written and without spaces, like the pincodes above (stored values are compared as written).
    const compact = a.pincode.replace(/\s+/g, '');
    for (const pincode of new Set([a.pincode.trim(), compact])) addressKeys.set(`${pincode}|${numbers}`, { pincode, numbers });
    // And at every pincode one keying error away: the same home under a mistyped pincode.
    for (const pincode of pincodeTypoVariants(compact)) addressKeys.set(`${pincode}|${numbers}`, { pincode, numbers });
  }
  return {
    candidate,
    query: {
      namespace: input.namespace,
      keys,
      contradictingKinds,
      aadhaarLast4,
      dobs,
      panPrefixes,
      nameKey: nameKey(input.name, nameType),
      phonetic: phoneticKey(input.name, nameType),
      pincodes,
      addressKeys: [...addressKeys.values()],
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
  /** Live addresses with a pincode, as [pincode, address_line]. */
  addresses: readonly (readonly [string, string | null])[];
  name_count: number;
}

/** An address as a request or a row carries it. */
export interface AddressFields {
  pincode?: string | null;
  address_line?: string | null;
}

/** The scoring subject of a contact-shaped record: its pincodes, and its lines with their pincodes. */
export function subjectOf(name: string, type: ContactType | null, props: readonly PropLike[], addresses: readonly AddressFields[]): DedupeSubject {
  const pincodes: string[] = [];
  const addressLines: AddressLine[] = [];
  for (const a of addresses) {
    if (typeof a.pincode !== 'string') continue;
    pincodes.push(a.pincode);
    if (typeof a.address_line === 'string') addressLines.push({ pincode: a.pincode, line: a.address_line });
  }
  return dedupeSubject({ name, type, props, pincodes, addressLines });
}

/**
 * Scores every row against the candidate and keeps the matches (band possible or better, score ≥
 * minScore), best first: band, then score, then id, so equal scores always come in one order.
 */
export function rankCandidates<R extends RankableRow>(candidate: PreparedSubject, rows: readonly R[], o: { minScore: number; limit: number }): { row: R; result: MatchResult }[] {
  return rows
    .map((row) => {
      const props = row.props_kv.map(([, key, value]) => ({ key, value }));
      const addresses = row.addresses.map(([pincode, address_line]) => ({ pincode, address_line }));
      const existing = prepareSubject(subjectOf(row.name, row.type, props, addresses));
      return { row, result: scorePrepared(candidate, existing, row.name_count) };
    })
    .filter((m) => m.result.band !== null && m.result.score >= o.minScore)
    .sort((a, b) => compareMatches(a.result, b.result) || (a.row.id < b.row.id ? -1 : 1))
    .slice(0, o.limit);
}
