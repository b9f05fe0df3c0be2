/**
 * Identifier props: which prop keys name an identifier, what each identifier is worth to dedupe,
 * and the match keys a contact's props yield. Pure functions, no I/O.
 *
 * Value normalization itself lives in ./normalize.ts and is re-exported here, so callers need
 * only this module.
 */
import { type IdentifierKind, type NormalizeResult, normalizeIdentifier } from './normalize.js';
import { oneTypoApart } from './similarity.js';
import { unmask } from './disguise.js';

export {
  type IdentifierExtra,
  type IdentifierKind,
  type NormalizeResult,
  type PanHolderKind,
  disguisedBlockingValue,
  gstinEmbeddedPan,
  normalizeIdentifier,
  panHolderKind,
} from './normalize.js';

/** Every identifier kind, in the order reasons are reported. */
export const IDENTIFIER_KINDS: readonly IdentifierKind[] = ['pan', 'gstin', 'aadhaar', 'mobile', 'email', 'cin', 'passport', 'voter_id', 'dob'];

/**
 * What an agreeing identifier can prove (CONTRACT §6a "Which identifiers block", "Identifier bands"):
 * - `blocking`: PAN and GSTIN. An identical PAN (a GSTIN counts through the PAN it embeds) is band
 *   `exact` and blocks creation with 409. PAN is the legal tax identity of the holder, so two live
 *   records with one PAN are the same party by definition.
 * - `strong`: CIN, passport, voter id. They are unique per holder too, but the contract pins `exact`
 *   to PAN/GSTIN, they are typed by hand far more often (no check digit), and a CIN survives
 *   renames and amalgamations, so agreement gives at most `probable`.
 * - `evidence`: mobile, email and date of birth. Families and employees share a mobile or an email,
 *   and about one person in 15,000 shares any given birth date; at most `probable`.
 * - `partial`: Aadhaar. Only its last four digits are compared (1 in 10 000 collide by chance);
 *   supporting evidence only, never `exact`.
 */
export type IdentifierStrength = 'blocking' | 'strong' | 'evidence' | 'partial';

export const IDENTIFIER_STRENGTH: Readonly<Record<IdentifierKind, IdentifierStrength>> = {
  pan: 'blocking',
  gstin: 'blocking',
  aadhaar: 'partial',
  mobile: 'evidence',
  email: 'evidence',
  cin: 'strong',
  passport: 'strong',
  voter_id: 'strong',
  dob: 'evidence',
};

/** Kinds whose identical value blocks a write; the blocking key is always a PAN. */
export const BLOCKING_KINDS: readonly IdentifierKind[] = ['pan', 'gstin'];
/** Kinds that only add evidence to a score and never make a match `exact`. */
export const EVIDENCE_KINDS: readonly IdentifierKind[] = ['aadhaar', 'mobile', 'email', 'cin', 'passport', 'voter_id', 'dob'];

/**
 * Prop keys naming an identifier, in canonical spelling (see {@link canonicalKey}) with the
 * trailing words of KEY_SUFFIXES removed: "PAN No.", "pan_number", "Pan Card" and "PANNumber" all
 * look up `pan`.
 */
const KEY_ALIASES: Readonly<Record<string, IdentifierKind>> = {
  pan: 'pan',
  permanent_account: 'pan',
  pancard: 'pan',
  income_tax_pan: 'pan',
  gstin: 'gstin',
  gst: 'gstin',
  gstn: 'gstin',
  gst_in: 'gstin',
  gstin_uin: 'gstin',
  gst_registration: 'gstin',
  gst_identification: 'gstin',
  aadhaar: 'aadhaar',
  aadhar: 'aadhaar',
  adhaar: 'aadhaar',
  adhar: 'aadhaar',
  uid: 'aadhaar',
  uidai: 'aadhaar',
  mobile: 'mobile',
  mob: 'mobile',
  mobile_phone: 'mobile',
  phone: 'mobile',
  cell: 'mobile',
  cellphone: 'mobile',
  cell_phone: 'mobile',
  email: 'email',
  e_mail: 'email',
  email_id: 'email',
  email_address: 'email',
  cin: 'cin',
  corporate_identification: 'cin',
  passport: 'passport',
  voter_id: 'voter_id',
  voterid: 'voter_id',
  voter: 'voter_id',
  epic: 'voter_id',
  election_card: 'voter_id',
  dob: 'dob',
  d_o_b: 'dob',
  date_of_birth: 'dob',
  dateofbirth: 'dob',
  date_birth: 'dob',
  birth_date: 'dob',
  birthdate: 'dob',
  dob_date: 'dob',
};

/** Words that say "the value of" and nothing about which identifier: `pan_no`, `gst_number`, `pan_card`. */
const KEY_SUFFIXES = new Set(['no', 'nr', 'nbr', 'num', 'number', 'card']);

/**
 * Canonical spelling of a prop key for alias lookup: disguises undone (src/dedupe/disguise.ts),
 * camelCase split into words, lower-case, and every run of other characters (spaces, hyphens, dots,
 * `#`, `:`) one `_`.
 */
export function canonicalKey(key: string): string {
  return unmask(key)
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The identifier kind a prop key names, or null for an ordinary prop. */
export function identifierKind(key: string): IdentifierKind | null {
  const words = canonicalKey(key).split('_');
  while (words.length > 1 && KEY_SUFFIXES.has(words.at(-1)!)) words.pop();
  return KEY_ALIASES[words.join('_')] ?? KEY_ALIASES[words.join('')] ?? null;
}

/** One normalized identifier of a contact, comparable across contacts by (kind, value). */
export interface MatchKey {
  kind: IdentifierKind;
  /** Normalized value; for aadhaar only the last 4 digits. */
  value: string;
  /** The prop key it came from, as the client wrote it. */
  key: string;
  /** Set on the PAN key derived from a GSTIN's embedded PAN. */
  via?: 'gstin';
}

export interface InvalidIdentifier {
  key: string;
  kind: IdentifierKind;
  reason: string;
}

export interface IdentifierAnalysis {
  keys: MatchKey[];
  invalid: InvalidIdentifier[];
}

export interface PropLike {
  key: string;
  value: string;
}

/**
 * Match keys and invalid identifier props of a contact's props. Ordinary props are ignored.
 * A GSTIN yields two keys: the GSTIN itself and `{kind: 'pan', via: 'gstin'}` for its embedded PAN.
 */
export function analyzeIdentifiers(props: readonly PropLike[]): IdentifierAnalysis {
  const keys: MatchKey[] = [];
  const invalid: InvalidIdentifier[] = [];
  for (const prop of props) {
    const kind = identifierKind(prop.key);
    if (kind === null) continue;
    const r: NormalizeResult = normalizeIdentifier(kind, prop.value);
    if (!r.ok) {
      invalid.push({ key: prop.key, kind, reason: r.reason });
      continue;
    }
    keys.push({ kind, value: r.value, key: prop.key });
    const embedded = r.extra?.embeddedPan;
    if (kind === 'gstin' && embedded !== undefined) {
      keys.push({ kind: 'pan', value: embedded, key: prop.key, via: 'gstin' });
    }
  }
  return { keys, invalid };
}

/** Convenience: match keys only (see analyzeIdentifiers). */
export function matchKeysForProps(props: readonly PropLike[]): MatchKey[] {
  return analyzeIdentifiers(props).keys;
}

/**
 * The distinct PANs that block a write (own PANs and PANs embedded in GSTINs), sorted.
 * A create/update must 409 when a live contact of the tenant holds any of them.
 */
export function blockingPans(keys: readonly MatchKey[]): string[] {
  const pans = new Set<string>();
  for (const k of keys) if (k.kind === 'pan') pans.add(k.value);
  return [...pans].sort();
}

/**
 * Normalized forms a free-text search term could stand for (for `GET /contacts/?search=`), one per
 * kind whose format it satisfies. Aadhaar is left out: full numbers are never stored in match keys.
 */
export function identifierSearchKeys(term: string): { kind: IdentifierKind; value: string }[] {
  const out: { kind: IdentifierKind; value: string }[] = [];
  for (const kind of IDENTIFIER_KINDS) {
    if (kind === 'aadhaar') continue;
    const r = normalizeIdentifier(kind, term);
    if (r.ok) out.push({ kind, value: r.value });
  }
  return out;
}

/**
 * True when two normalized PANs are one keying error apart: one substituted character, or two
 * adjacent characters swapped. Such a pair is a typo of one PAN far more often than two holders:
 * Damerau (1964) found ~80% of keying errors to be exactly one such edit, while two real PANs one
 * edit apart would also need the same check letter by chance. Used as partial agreement in scoring
 * (weights.ts, PAN_ONE_TYPO), never for blocking or `exact`.
 */
export function panOneTypoApart(a: string, b: string): boolean {
  return oneTypoApart(a, b);
}
