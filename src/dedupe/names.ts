/**
 * Name normalization and similarity for fuzzy duplicate detection. Pure functions, no I/O.
 *
 * Pipeline (normalizeName):
 *   1. Unicode NFKD, diacritics removed, lower-case; "m/s" (messrs) becomes the honorific "ms";
 *      "&" becomes "and"; apostrophes vanish (D'Souza → dsouza); any other non-alphanumeric
 *      character separates tokens.
 *   2. Each token is mapped through a small table of common Indian transliteration variants
 *      (mohd/md/muhammad → mohammed, kr → kumar, laxmi → lakshmi …).
 *   3. Leading honorifics are removed (Mr, Mrs, Ms, Dr, Shri/Sri, Smt, Kumari, M/s …). Only leading
 *      ones: "Kumari" and "Kumar" are also ordinary name words ("Priya Kumari").
 *   4. For corporates: a leading "the" and trailing legal-form suffixes (pvt, ltd, llp, inc …).
 *   Steps 3–4 never remove the last remaining token, which keeps the function idempotent and
 *   never turns a name into nothing.
 */
import { phoneticCode } from './phonetic.js';
import { type Token, tokenSetSimilarity } from './similarity.js';

export { jaro, jaroWinkler, tokenSetSimilarity, type Token } from './similarity.js';
export { phoneticCode } from './phonetic.js';

export type NameType = 'individual' | 'corporate';

/** Variant spelling → canonical token. Every canonical value maps to itself (idempotence). */
const VARIANTS: Readonly<Record<string, string>> = buildVariants({
  mohammed: ['mohd', 'md', 'mohammad', 'muhammad', 'muhammed', 'mohamed', 'mohamad', 'mohammod'],
  kumar: ['kr'],
  shri: ['sri', 'shree', 'sree', 'shre'],
  smt: ['shrimati', 'srimati'],
  kumari: ['km', 'kum'],
  lakshmi: ['laxmi', 'lakshmee', 'luxmi'],
  chaudhary: ['choudhary', 'chaudhari', 'choudhari', 'chowdhury', 'choudhury', 'chaudhry', 'chowdhary', 'chaudhuri'],
  agarwal: ['agrawal', 'aggarwal', 'agarwala', 'aggrawal'],
  srivastava: ['shrivastava', 'srivastav', 'shrivastav'],
  mishra: ['misra'],
  pandey: ['pande', 'pandeya'],
  syed: ['sayed', 'sayyed', 'saiyed', 'sayyad', 'saiyad'],
  shaikh: ['sheikh', 'shaik', 'shekh'],
  ahmed: ['ahmad', 'ahamed', 'ahemad'],
  rahman: ['rehman'],
  chandra: ['chander', 'chandar'],
  prasad: ['prashad', 'parsad'],
  narayan: ['narayana'],
  venkata: ['venkat'],
  international: ['intl'],
  manufacturing: ['mfg'],
  brothers: ['bros'],
  enterprises: ['enterprise', 'ent'],
  industries: ['inds', 'industry'],
  associates: ['assoc'],
  services: ['svcs'],
});

function buildVariants(table: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [canonical, variants] of Object.entries(table)) {
    out[canonical] = canonical;
    for (const v of variants) out[v] = canonical;
  }
  return out;
}

/** Honorifics after variant mapping (so "sri" and "shree" arrive here as "shri"). */
const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'shri', 'smt', 'kumari']);
const CORPORATE_SUFFIXES = new Set([
  'pvt',
  'private',
  'ltd',
  'limited',
  'pvtltd',
  'llp',
  'inc',
  'incorporated',
  'co',
  'company',
  'corp',
  'corporation',
  'opc',
]);

function tokenize(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\bm\s*\/\s*s\b/g, ' ms ')
    .replace(/&/g, ' and ')
    .replace(/['\u2019`]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** The normalized tokens of `name`, in their original order. */
export function nameTokens(name: string, type?: NameType | null): string[] {
  const tokens = tokenize(name).map((t) => VARIANTS[t] ?? t);
  let start = 0;
  let end = tokens.length;
  const corporate = type === 'corporate';
  // One loop for honorifics and the corporate "the", in any order ("The M/s …"), so a second pass
  // finds nothing left to strip.
  const strippable = (t: string | undefined): boolean => t !== undefined && (HONORIFICS.has(t) || (corporate && t === 'the'));
  while (end - start > 1 && strippable(tokens[start])) start++;
  if (corporate) {
    while (end - start > 1 && CORPORATE_SUFFIXES.has(tokens[end - 1] ?? '')) end--;
  }
  return tokens.slice(start, end);
}

/** Normalized name: tokens in their original order joined by single spaces. Idempotent. */
export function normalizeName(name: string, type?: NameType | null): string {
  return nameTokens(name, type).join(' ');
}

/**
 * Order-independent key: normalized tokens sorted and joined by spaces ("Sharma Rahul" and
 * "Mr. Rahul Sharma" both give "rahul sharma"). Store it in an indexed column and search it with
 * pg_trgm (`name_key % $1` / `similarity(name_key, $1)`) to fetch fuzzy candidates.
 */
export function nameKey(name: string, type?: NameType | null): string {
  return [...nameTokens(name, type)].sort().join(' ');
}

/**
 * Order-independent phonetic key: the phonetic code of each normalized token (see phonetic.ts),
 * sorted and joined by spaces. Equal keys catch spellings trigrams miss ("Laxmi"/"Lakshmi").
 */
export function phoneticKey(name: string, type?: NameType | null): string {
  return nameTokens(name, type).map(phoneticCode).sort().join(' ');
}

/** A name prepared once for repeated comparison (scoring many candidates against one input). */
export interface PreparedName {
  /** Normalized tokens in original order. */
  tokens: string[];
  /** nameKey: sorted tokens joined by spaces. */
  key: string;
  /** Tokens with their phonetic codes, for tokenSetSimilarity. */
  coded: Token[];
  /** Lower-cased trimmed raw name, used only when normalization leaves no token at all. */
  raw: string;
}

export function prepareName(name: string, type?: NameType | null): PreparedName {
  const tokens = nameTokens(name, type);
  return {
    tokens,
    key: [...tokens].sort().join(' '),
    coded: tokens.map((text) => ({ text, code: phoneticCode(text) })),
    raw: name.trim().toLowerCase(),
  };
}

/** Similarity of a split and a joined spelling of the same words ("Ram Kumar" ~ "Ramkumar"). */
export const JOINED_SIMILARITY = 0.95;

/** nameSimilarity on prepared names (same contract). */
export function preparedNameSimilarity(a: PreparedName, b: PreparedName): number {
  if (a.tokens.length === 0 || b.tokens.length === 0) {
    return a.tokens.length === 0 && b.tokens.length === 0 && a.raw === b.raw ? 1 : 0;
  }
  if (a.key === b.key) return 1;
  let sim = tokenSetSimilarity(a.coded, b.coded);
  if (a.tokens.length !== b.tokens.length) {
    const joinedEqual = a.tokens.join('') === b.tokens.join('') || a.key.replace(/ /g, '') === b.key.replace(/ /g, '');
    if (joinedEqual) return Math.max(sim, JOINED_SIMILARITY);
    // A word split by a typist, with typos besides ("Katel Byn Colegte" ~ "Katelyn Colegate"):
    // two neighbouring words of the longer name read as one, at most JOINED_SIMILARITY. Never an
    // initial: "Sukumar P" is Sukumar with his father's initial, not a typo of "Sukumar".
    const [longer, shorter] = a.tokens.length > b.tokens.length ? [a, b] : [b, a];
    for (let i = 0; i + 1 < longer.tokens.length; i++) {
      if (longer.tokens[i]!.length < 2 || longer.tokens[i + 1]!.length < 2) continue;
      const text = longer.tokens[i]! + longer.tokens[i + 1]!;
      const joined = [...longer.coded.slice(0, i), { text, code: phoneticCode(text) }, ...longer.coded.slice(i + 2)];
      sim = Math.max(sim, JOINED_SIMILARITY * tokenSetSimilarity(joined, shorter.coded));
    }
  }
  return sim;
}

/**
 * Similarity of two names in [0, 1]: symmetric, 1 exactly when the normalized token multisets are
 * equal (so swapped order scores 1), high but below 1 for initials ("R Sharma" ~ "Rahul Sharma"
 * is 0.9) and small spelling variants. `type` applies the corporate rules to both names.
 */
export function nameSimilarity(a: string, b: string, type?: NameType | null): number {
  return preparedNameSimilarity(prepareName(a, type), prepareName(b, type));
}
