/**
 * Deterministic Fellegi–Sunter-style duplicate scoring of a candidate against one existing contact
 * (CONTRACT §6, §6a). Pure functions, no I/O.
 *
 * score = logistic₂(PRIOR + Σ field weights), weights in weights.ts. Then:
 * - an identical normalized PAN (own, or embedded in a GSTIN, on either side) makes the match
 *   band `exact` with score 0.99 + 0.01 × (the score of the remaining evidence): exact matches
 *   always rank first, and among themselves by how well everything else agrees;
 * - PANs one keying error apart (a substituted character or swapped neighbours) are partial
 *   agreement, reason `partial`, weighed like a strong identifier (W.PAN_ONE_TYPO); any other
 *   difference between valid PANs is the strongest disagreement (W.PAN_DIFFERENT);
 * - pincodes agree, are one keying error apart (partial, weaker) or differ; where the two share a
 *   pincode (or have two one typo apart), their address lines there are compared too (address.ts):
 *   the same home is strong evidence (unless the mobile already agrees: one household, counted
 *   once), another home there weak evidence against;
 * - dates of birth (dob.ts) agree exactly, partially (a keying error apart) or not at all;
 * - any other match is capped at 0.98 (0.79, at most `possible`, when the names do not agree, see
 *   NAME_FUZZY_MIN) and banded `probable` (≥ 0.80) / `possible` (≥ 0.50) / null.
 * Every agreement weight is positive and every disagreement weight negative, so adding agreeing
 * evidence never lowers the score. Scores are rounded to 4 decimals (a monotone operation).
 */
import { type NormalizedAddressLine, ADDRESS_NEAR_MIN, ADDRESS_SAME_MIN, addressLineSimilarity, normalizeAddressLine, sameAddressLine } from './address.js';
import { compareDobs } from './dob.js';
import { oneTypoApart } from './similarity.js';
import { type IdentifierAnalysis, type IdentifierKind, type PropLike, analyzeIdentifiers, panHolderKind, panOneTypoApart } from './identifiers.js';
import { type PreparedName, prepareName, preparedNameSimilarity } from './names.js';
import * as W from './weights.js';

export type ContactType = 'individual' | 'corporate';
export type Band = 'exact' | 'probable' | 'possible';
export type ReasonMatch = 'exact' | 'fuzzy' | 'mismatch' | 'partial' | 'invalid_identifier';

export interface Reason {
  /** The candidate's prop key, or 'name', 'type', 'pincode', 'address_line', 'dob'. */
  field: string;
  match: ReasonMatch;
  similarity?: number;
  detail?: string;
}

export interface MatchResult {
  score: number;
  band: Band | null;
  reasons: Reason[];
}

/** One side of a comparison: the candidate, or an existing contact. */
export interface DedupeSubject {
  name: string;
  type?: ContactType | null;
  identifiers: IdentifierAnalysis;
  /** Pincodes of the contact's addresses; malformed ones are ignored. */
  pincodes?: readonly string[];
  /** Address lines with their pincodes (lines are compared only at a shared pincode). */
  addressLines?: readonly AddressLine[];
}

export interface AddressLine {
  pincode: string;
  line: string;
}

export const PROBABLE_THRESHOLD = 0.8;
export const POSSIBLE_THRESHOLD = 0.5;
/** Lowest score of an `exact` match; every non-exact score is ≤ NON_EXACT_MAX_SCORE. */
export const EXACT_MIN_SCORE = 0.99;
export const NON_EXACT_MAX_SCORE = 0.98;
/**
 * Name similarity from which the name reason reads `fuzzy` rather than `mismatch`; below it a
 * match is at most `possible` (score ≤ NAME_MISMATCH_MAX_SCORE) whatever else agrees: a household
 * shares a home and a phone, twins a birth date too, so without a name that agrees the evidence
 * never says "one party" on its own (an identical PAN excepted: that is `exact`).
 */
export const NAME_FUZZY_MIN = 0.75;
export const NAME_MISMATCH_MAX_SCORE = 0.79;

/** Builds a subject from the contact-create shape (props as `{key, value}`). */
export function dedupeSubject(input: {
  name: string;
  type?: ContactType | null;
  props?: readonly PropLike[];
  pincodes?: readonly string[];
  addressLines?: readonly AddressLine[];
}): DedupeSubject {
  return {
    name: input.name,
    type: input.type ?? null,
    identifiers: analyzeIdentifiers(input.props ?? []),
    pincodes: input.pincodes ?? [],
    addressLines: input.addressLines ?? [],
  };
}

/** A subject with its name and identifiers pre-processed, for scoring against many contacts. */
export interface PreparedSubject {
  subject: DedupeSubject;
  /** The name under individual rules, and under corporate rules (legal suffixes stripped), prepared on first use. */
  name: { readonly plain: PreparedName; readonly corporate: PreparedName };
  pincodes: Set<string>;
  /** Normalized address lines by (normalized) pincode, read on first use. */
  readonly lines: Map<string, NormalizedAddressLine[]>;
  /** Normalized values per kind ('pan' includes PANs embedded in GSTINs). */
  values: Map<IdentifierKind, Set<string>>;
}

export function prepareSubject(subject: DedupeSubject): PreparedSubject {
  const values = new Map<IdentifierKind, Set<string>>();
  for (const k of subject.identifiers.keys) {
    let set = values.get(k.kind);
    if (set === undefined) values.set(k.kind, (set = new Set()));
    set.add(k.value);
  }
  const pincodes = new Set<string>();
  for (const p of subject.pincodes ?? []) {
    const v = normalPincode(p);
    if (v !== null) pincodes.add(v);
  }
  let lines: Map<string, NormalizedAddressLine[]> | undefined;
  return {
    subject,
    name: lazyNames(subject.name),
    pincodes,
    values,
    get lines() {
      return (lines ??= normalizedLines(subject.addressLines ?? []));
    },
  };
}

/** A pincode as compared: six digits, spaces removed; null when malformed. */
function normalPincode(p: string): string | null {
  const v = p.replace(/\s+/g, '');
  return /^[0-9]{6}$/.test(v) ? v : null;
}

function normalizedLines(addresses: readonly AddressLine[]): Map<string, NormalizedAddressLine[]> {
  const out = new Map<string, NormalizedAddressLine[]>();
  for (const a of addresses) {
    const pin = normalPincode(a.pincode);
    const line = normalizeAddressLine(a.line);
    // A line without words ("#5") says nothing comparable.
    if (pin === null || line.words.length === 0) continue;
    const list = out.get(pin);
    if (list) list.push(line);
    else out.set(pin, [line]);
  }
  return out;
}

type PincodeLevel = { level: 'shared'; pincodes: string[] } | { level: 'one_typo' } | { level: 'different' };

/**
 * How the two sides' pincodes agree: some pincode shared (listed, sorted), else some pair one
 * keying error apart (a mistyped digit, two neighbours swapped), else different; null when either
 * side has none.
 */
function pincodeLevel(c: PreparedSubject, e: PreparedSubject): PincodeLevel | null {
  if (c.pincodes.size === 0 || e.pincodes.size === 0) return null;
  const shared = [...c.pincodes].filter((p) => e.pincodes.has(p));
  if (shared.length > 0) return { level: 'shared', pincodes: shared.sort() };
  for (const x of c.pincodes) for (const y of e.pincodes) if (oneTypoApart(x, y)) return { level: 'one_typo' };
  return { level: 'different' };
}

/**
 * The best similarity between the two sides' address lines at a pincode both have or at two
 * pincodes one keying error apart, and whether some pair reads the same once normalized; null: no
 * such pair.
 */
function addressLineLevel(c: PreparedSubject, e: PreparedSubject): { similarity: number; same: boolean } | null {
  if (!c.subject.addressLines?.length || !e.subject.addressLines?.length) return null;
  let level: { similarity: number; same: boolean } | null = null;
  for (const [pin, cLines] of c.lines) {
    const eLines = [...e.lines].filter(([p]) => p === pin || oneTypoApart(pin, p)).flatMap(([, lines]) => lines);
    for (const x of cLines) {
      for (const y of eLines) {
        const similarity = addressLineSimilarity(x, y);
        const same = sameAddressLine(x, y);
        if (level === null || similarity > level.similarity || (similarity === level.similarity && same)) level = { similarity, same };
      }
    }
  }
  return level;
}

/**
 * Both forms of a name, each prepared when first read: a comparison reads one, and only a pair
 * involving a corporate needs the corporate form, so most candidates never prepare it.
 */
function lazyNames(name: string): PreparedSubject['name'] {
  let plain: PreparedName | undefined;
  let corporate: PreparedName | undefined;
  return {
    get plain() {
      return (plain ??= prepareName(name, 'individual'));
    },
    get corporate() {
      return (corporate ??= prepareName(name, 'corporate'));
    },
  };
}

const OTHER_KINDS: readonly [IdentifierKind, W.FieldWeights, ReasonMatch][] = [
  ['aadhaar', W.AADHAAR_LAST4, 'partial'],
  ['mobile', W.MOBILE, 'exact'],
  ['email', W.EMAIL, 'exact'],
  ['cin', W.STRONG_ID, 'exact'],
  ['passport', W.STRONG_ID, 'exact'],
  ['voter_id', W.STRONG_ID, 'exact'],
];

/**
 * Name-only candidates (blocking's phonetic pass, dedupe.queries.ts) are fetched to be scored on
 * name and type alone, and most cannot reach `possible`: the bounds below say which, so blocking
 * can leave them unread. Both follow from the weights, so a weight change moves them with it.
 *
 * The best a name and a type can do: identical name, agreeing type, nothing else known.
 */
const NAME_ONLY_BEST_LOG2_ODDS = W.PRIOR_LOG2_ODDS + W.nameWeight(1) + W.TYPE.agree;
/** The log2-odds from which a score rounds (round4) to POSSIBLE_THRESHOLD or more. */
const POSSIBLE_MIN_LOG2_ODDS = Math.log2((POSSIBLE_THRESHOLD - 0.00005) / (1 - POSSIBLE_THRESHOLD + 0.00005));

/**
 * The largest phonetic block (W.NAME_COUNT_CAP when there is no such bound) in which an identical
 * name and type can still score `possible`: above it the name-frequency shift alone keeps a
 * name-only candidate below `possible` (840 with the current weights).
 */
export const NAME_ONLY_MAX_BLOCK = ((): number => {
  let k = W.NAME_TYPICAL_COUNT;
  while (k < W.NAME_COUNT_CAP && NAME_ONLY_BEST_LOG2_ODDS - W.nameWeight(1) + W.frequencyNameWeight(1, k + 1) >= POSSIBLE_MIN_LOG2_ODDS) k++;
  return k;
})();

/**
 * Identifier kinds whose disagreement alone keeps a name-only candidate below `possible` (a
 * different mobile, CIN, passport or voter id; not an email, whose disagreement weighs less). Only
 * kinds that blocking's shared-identifier pass fetches on: a candidate sharing one of the query's
 * values is fetched by that pass whatever the name pass does. (PAN is left out: a PAN one typo
 * from the query's is evidence *for* the match, and the partial pass may not fetch it.)
 */
export const NAME_ONLY_CONTRADICTING_KINDS: readonly IdentifierKind[] = OTHER_KINDS.filter(
  ([kind, fw]) => kind !== 'aadhaar' && NAME_ONLY_BEST_LOG2_ODDS + fw.disagree < POSSIBLE_MIN_LOG2_ODDS,
).map(([kind]) => kind);

/** Adds `reason` unless one with the same field and detail was already given. */
function pushOnce(reasons: Reason[], reason: Reason): void {
  if (!reasons.some((r) => r.field === reason.field && r.detail === reason.detail)) reasons.push(reason);
}

function intersects(a: Set<string> | undefined, b: Set<string> | undefined): boolean | null {
  if (a === undefined || b === undefined || a.size === 0 || b.size === 0) return null;
  for (const v of a) if (b.has(v)) return true;
  return false;
}

/** PAN comparison level: identical (some PAN shared), one typo apart, or different. */
type PanLevel = 'identical' | 'one_typo' | 'different';

function panLevel(c: PreparedSubject, e: PreparedSubject): PanLevel | null {
  const agree = intersects(c.values.get('pan'), e.values.get('pan'));
  if (agree === null) return null;
  if (agree) return 'identical';
  return typoPans(c, e).size > 0 ? 'one_typo' : 'different';
}

/** The candidate's PANs that are one typo away from one of the existing contact's. */
function typoPans(c: PreparedSubject, e: PreparedSubject): Set<string> {
  const out = new Set<string>();
  for (const x of c.values.get('pan') ?? []) {
    for (const y of e.values.get('pan') ?? []) if (panOneTypoApart(x, y)) out.add(x);
  }
  return out;
}

function panReasons(c: PreparedSubject, e: PreparedSubject, agree: boolean): Reason[] {
  const out: Reason[] = [];
  const ePans = e.values.get('pan') ?? new Set<string>();
  const eGstins = e.values.get('gstin') ?? new Set<string>();
  const eDirectPans = new Set(e.subject.identifiers.keys.filter((k) => k.kind === 'pan' && k.via === undefined).map((k) => k.value));
  const gstinOf = new Map<string, string>(); // candidate key → its GSTIN value
  for (const k of c.subject.identifiers.keys) if (k.kind === 'gstin') gstinOf.set(k.key, k.value);
  const typos = agree ? new Set<string>() : typoPans(c, e);
  for (const k of c.subject.identifiers.keys) {
    if (k.kind !== 'pan') continue;
    if (!agree) {
      pushOnce(out, typos.has(k.value) ? { field: k.key, match: 'partial', detail: 'one character differs' } : { field: k.key, match: 'mismatch' });
      continue;
    }
    if (!ePans.has(k.value)) continue;
    const reason: Reason = { field: k.key, match: 'exact' };
    if (k.via === 'gstin') {
      const g = gstinOf.get(k.key);
      if (g === undefined || !eGstins.has(g)) reason.detail = 'PAN embedded in GSTIN';
    } else if (!eDirectPans.has(k.value)) {
      reason.detail = 'PAN embedded in existing GSTIN';
    }
    pushOnce(out, reason);
  }
  return out;
}

/** Candidate PAN holder types that contradict the existing contact's declared type. */
function holderMismatches(c: PreparedSubject, e: PreparedSubject): Reason[] {
  const out: Reason[] = [];
  const eType = e.subject.type;
  if (!eType) return out;
  for (const k of c.subject.identifiers.keys) {
    if (k.kind !== 'pan') continue;
    const holder = panHolderKind(k.value);
    if (holder !== null && holder !== eType) {
      pushOnce(out, { field: k.key, match: 'mismatch', detail: 'holder type' });
    }
  }
  return out;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export function bandFor(score: number, exact: boolean): Band | null {
  if (exact) return 'exact';
  if (score >= PROBABLE_THRESHOLD) return 'probable';
  if (score >= POSSIBLE_THRESHOLD) return 'possible';
  return null;
}

/**
 * Scores prepared subjects (same result as scoreMatch; prepare the candidate once). `nameCount`
 * is how many contacts of the tenant carry the name (weights.ts, name frequency); unknown → none.
 */
export function scorePrepared(c: PreparedSubject, e: PreparedSubject, nameCount?: number): MatchResult {
  let weight = W.PRIOR_LOG2_ODDS;
  const idReasons: Reason[] = [];

  const pan = panLevel(c, e);
  const panAgree = pan === null ? null : pan === 'identical';
  if (panAgree !== null) idReasons.push(...panReasons(c, e, panAgree));
  if (pan === 'one_typo') weight += W.PAN_ONE_TYPO;
  if (pan === 'different') weight += W.PAN_DIFFERENT;
  const holder = holderMismatches(c, e);
  for (const r of holder) pushOnce(idReasons, r);

  let mobileAgrees = false;
  for (const [kind, fw, agreeMatch] of OTHER_KINDS) {
    const agree = intersects(c.values.get(kind), e.values.get(kind));
    if (agree === null) continue;
    weight += agree ? fw.agree : fw.disagree;
    if (kind === 'mobile' && agree) mobileAgrees = true;
    const eValues = e.values.get(kind);
    for (const k of c.subject.identifiers.keys) {
      if (k.kind !== kind) continue;
      const same = eValues?.has(k.value) ?? false;
      if (agree && !same) continue; // report only the keys that agree
      pushOnce(idReasons, { field: k.key, match: agree ? agreeMatch : 'mismatch' });
    }
  }

  // Date of birth (dob.ts): one reason, field `dob` whatever the prop's key (CONTRACT §6a).
  const dob = compareDobs(c.values.get('dob'), e.values.get('dob'));
  if (dob !== null) {
    if (dob.level === 'exact') weight += W.DOB_EXACT;
    else if (dob.level === 'partial') weight += W.DOB_PARTIAL;
    else weight += W.DOB_DIFFERENT;
    idReasons.push(dob.level === 'partial' ? { field: 'dob', match: 'partial', detail: dob.detail } : { field: 'dob', match: dob.level === 'exact' ? 'exact' : 'mismatch' });
  }

  const reasons: Reason[] = [...idReasons];
  // Both names are read under corporate rules when either side is a corporate, so "Acme Pvt Ltd"
  // ~ "Acme" however the two are typed, and filling in a missing type never changes the names.
  const corp = c.subject.type === 'corporate' || e.subject.type === 'corporate';
  const sim = corp ? preparedNameSimilarity(c.name.corporate, e.name.corporate) : preparedNameSimilarity(c.name.plain, e.name.plain);
  weight += W.frequencyNameWeight(sim, nameCount);
  const nameMatch: ReasonMatch = sim === 1 ? 'exact' : sim >= NAME_FUZZY_MIN ? 'fuzzy' : 'mismatch';
  reasons.push({ field: 'name', match: nameMatch, similarity: round4(sim) });

  const cType = c.subject.type;
  const eType = e.subject.type;
  if (cType && eType) {
    // A candidate PAN whose holder type contradicts the (agreeing) declared types cancels the
    // type agreement: one of the two records is mistyped, so type says nothing. Not applied in the
    // exact regime, where an extra agreeing PAN must never lower the score (monotonicity).
    const contradicted = holder.length > 0 && panAgree !== true;
    if (cType !== eType) weight += W.TYPE.disagree;
    else if (!contradicted) weight += W.TYPE.agree;
    reasons.push({ field: 'type', match: cType === eType ? 'exact' : 'mismatch' });
  }

  const pin = pincodeLevel(c, e);
  if (pin !== null) {
    weight += pin.level === 'shared' ? W.PINCODE.agree : pin.level === 'one_typo' ? W.PINCODE_ONE_TYPO : W.PINCODE.disagree;
    if (pin.level === 'shared') reasons.push({ field: 'pincode', match: 'exact', detail: pin.pincodes[0]! });
    else if (pin.level === 'one_typo') reasons.push({ field: 'pincode', match: 'partial', detail: 'one digit differs' });
    else reasons.push({ field: 'pincode', match: 'mismatch' });
  }
  if (pin !== null && pin.level !== 'different') {
    const line = addressLineLevel(c, e);
    if (line !== null) {
      const agree = line.similarity >= ADDRESS_SAME_MIN;
      const near = !agree && line.similarity >= ADDRESS_NEAR_MIN;
      // The same home, or a line near it, under a pincode one digit off: the pincode was mistyped
      // (two post offices do not share a street address), so it counts as shared.
      if ((agree || near) && pin.level === 'one_typo') weight += W.PINCODE.agree - W.PINCODE_ONE_TYPO;
      // A home and a phone are both what a household shares: relatives on one mobile mostly live
      // at one address, so with the mobile agreeing the same home (or one near it) is no further
      // evidence (the two are not independent). The household counts once, at the larger weight
      // (the mobile's).
      if (!agree && !near) weight += W.ADDRESS_LINE.disagree;
      else if (!mobileAgrees) weight += agree ? W.ADDRESS_LINE.agree : W.ADDRESS_LINE_NEAR;
      reasons.push({ field: 'address_line', match: line.same ? 'exact' : agree || near ? 'fuzzy' : 'mismatch', similarity: round4(line.similarity) });
    }
  }

  for (const inv of c.subject.identifiers.invalid) {
    pushOnce(reasons, { field: inv.key, match: 'invalid_identifier', detail: inv.reason });
  }

  const p = W.oddsToProbability(weight);
  const exact = panAgree === true;
  const cap = sim < NAME_FUZZY_MIN ? NAME_MISMATCH_MAX_SCORE : NON_EXACT_MAX_SCORE;
  const score = round4(exact ? EXACT_MIN_SCORE + (1 - EXACT_MIN_SCORE) * p : Math.min(p, cap));
  return { score, band: bandFor(score, exact), reasons };
}

/** Scores `candidate` against one `existing` contact. */
export function scoreMatch(candidate: DedupeSubject, existing: DedupeSubject, nameCount?: number): MatchResult {
  return scorePrepared(prepareSubject(candidate), prepareSubject(existing), nameCount);
}

const BAND_RANK: Record<Band, number> = { exact: 0, probable: 1, possible: 2 };

/** Sort order for results: band (exact first), then score descending. Ties: caller's tie-break. */
export function compareMatches(a: MatchResult, b: MatchResult): number {
  const ra = a.band === null ? 3 : BAND_RANK[a.band];
  const rb = b.band === null ? 3 : BAND_RANK[b.band];
  return ra - rb || b.score - a.score;
}
