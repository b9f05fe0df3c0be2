/**
 * Address-line comparison for dedupe: is "Flat 304, Sai Residency, MG Rd" the same home as
 * "304 Sai Residency M.G. Road, Shivaji Nagar"? Pure functions, no I/O.
 *
 * A line is read as house numbers (tokens with digits: "304", "45/2" → 45 and 2) and words,
 * with common abbreviations spelled out (Rd → road, Apts → apartment) and filler dropped ("no.",
 * "flat", "near"). Two lines are similar when their numbers agree and their words do:
 *   words   = mean of the Dice coefficient and the overlap coefficient of the word sets, counting
 *             words one typo apart (Jaro–Winkler ≥ ADDRESS_WORD_MATCH) as shared, so a line that
 *             drops its locality still reads as the same address while two lines sharing only a
 *             street name do not — or, when higher, the edit similarity of the two lines' words
 *             written together without spaces (1 − edit distance / length), so a word split or
 *             joined by a typist ("farrerplace", "bedford s treet") or several typos in one line
 *             still read as the same words;
 *   numbers = the share of the longer number set found in the other, a number one keying error
 *             from one of the other's counting half (two digits swapped, or a digit other than
 *             the last: not the house next door); 1 when both have none; 0.5, unknown, when only
 *             one side has any;
 *   similarity = words × (0.5 + 0.5 × numbers).
 * So neighbours on one street (same words, other house number) stay at ≤ 0.5, and the measure is
 * symmetric by construction.
 */
import { editSimilarity, jaroWinkler, oneTypoApart } from './similarity.js';

/** Words (after normalization) at least this Jaro–Winkler-similar count as the same word. */
export const ADDRESS_WORD_MATCH = 0.9;
/** Similarity from which two lines are read as the same address. */
export const ADDRESS_SAME_MIN = 0.8;
/**
 * Similarity from which two lines that are not the same address are read as near it: most words
 * and the house numbers agree, or all the words and part of the numbers (weights.ts,
 * ADDRESS_LINE_NEAR). Neighbours on one street (same words, another house number) stay below.
 */
export const ADDRESS_NEAR_MIN = 0.6;

/** Abbreviations as they are typed on Indian address forms → the word they stand for. */
const SPELLED_OUT: Record<string, string> = {
  rd: 'road',
  st: 'street',
  str: 'street',
  ln: 'lane',
  marg: 'road',
  apt: 'apartment',
  apts: 'apartment',
  apartments: 'apartment',
  appt: 'apartment',
  soc: 'society',
  socy: 'society',
  ngr: 'nagar',
  col: 'colony',
  sec: 'sector',
  sect: 'sector',
  ext: 'extension',
  extn: 'extension',
  blk: 'block',
  bldg: 'building',
  twr: 'tower',
  chs: 'society',
  mg: 'mahatma gandhi',
  ph: 'phase',
  opp: 'opposite',
  nr: 'near',
  crs: 'cross',
};

/** Words that say what a number is, or where, rather than which address it is. */
const FILLER = new Set(['no', 'number', 'flat', 'house', 'h', 'door', 'plot', 'near', 'opposite', 'behind', 'at', 'post', 'po', 'the', 'and', 'of', 'dist', 'district', 'india']);

export interface NormalizedAddressLine {
  /** House and flat numbers, without leading zeros. */
  numbers: Set<string>;
  /** Words, spelled out, filler removed. */
  words: string[];
}

/** Reads an address line into its numbers and words (see the module comment). */
export function normalizeAddressLine(line: string): NormalizedAddressLine {
  const numbers = new Set<string>();
  const words: string[] = [];
  // "M.G." → "mg", "H.No.12" → "h no 12"; "/" and "-" separate parts of a house number.
  const text = line.toLowerCase().replace(/(?<=\b[a-z])\.(?=[a-z]\b)/g, '');
  for (const raw of text.split(/[^a-z0-9]+/)) {
    if (raw === '') continue;
    if (/[0-9]/.test(raw)) {
      for (const part of raw.match(/[0-9]+|[a-z]+/g) ?? []) {
        if (/^[0-9]+$/.test(part)) numbers.add(part.replace(/^0+(?=.)/, ''));
        // "12a": the letter belongs to the number, not a word ("a-block" keeps its word below).
        else if (part.length > 1) words.push(...spellOut(part));
      }
      continue;
    }
    words.push(...spellOut(raw));
  }
  return { numbers, words: words.filter((w) => !FILLER.has(w)) };
}

function spellOut(word: string): string[] {
  const full = SPELLED_OUT[word];
  return full === undefined ? [word] : full.split(' ');
}

/** How many words of `a` have an equal or near-equal word in `b`. */
function sharedWords(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  for (const x of a) if (b.some((y) => x === y || (x.length >= 4 && y.length >= 4 && jaroWinkler(x, y) >= ADDRESS_WORD_MATCH))) n++;
  return n;
}

function numberAgreement(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  if (a.size === 0 || b.size === 0) return 0.5;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  const restA = [...a].filter((x) => !b.has(x)).sort();
  const restB = [...b].filter((y) => !a.has(y)).sort();
  // A mistyped house number counts half (as a number known on one side only does); both
  // directions are paired and the smaller count taken, so the measure stays symmetric.
  const mistyped = Math.min(typoPairs(restA, restB), typoPairs(restB, restA));
  return (shared + 0.5 * mistyped) / Math.max(a.size, b.size);
}

/** How many of `xs` pair off, greedily in order, with a distinct `ys` one house-number typo away. */
function typoPairs(xs: readonly string[], ys: readonly string[]): number {
  const used = new Set<number>();
  let n = 0;
  for (const x of xs) {
    const j = ys.findIndex((y, k) => !used.has(k) && houseNumberTypo(x, y));
    if (j >= 0) {
      used.add(j);
      n++;
    }
  }
  return n;
}

/**
 * Two house numbers one keying error apart that are not next-door numbers: two neighbouring digits
 * swapped ("342" ~ "324") or one digit other than the last replaced ("342" ~ "392"). A different
 * last digit ("12" ~ "14") is left out: that is the house down the street.
 */
export function houseNumberTypo(x: string, y: string): boolean {
  if (x.length !== y.length || x === y || !oneTypoApart(x, y)) return false;
  return x.slice(-1) === y.slice(-1) || x.slice(0, -2) + x.slice(-1) + x.slice(-2, -1) === y;
}

/** Similarity of two normalized address lines in [0, 1]; symmetric. 0 when either has no words. */
export function addressLineSimilarity(a: NormalizedAddressLine, b: NormalizedAddressLine): number {
  const wa = [...new Set(a.words)];
  const wb = [...new Set(b.words)];
  if (wa.length === 0 || wb.length === 0) return 0;
  const inA = sharedWords(wa, wb);
  const inB = sharedWords(wb, wa);
  const dice = (inA + inB) / (wa.length + wb.length);
  const overlap = Math.max(inA / wa.length, inB / wb.length);
  const words = Math.max((dice + Math.min(1, overlap)) / 2, editSimilarity(a.words.join(''), b.words.join('')));
  return words * (0.5 + 0.5 * numberAgreement(a.numbers, b.numbers));
}

/** Whether two lines read the same once normalized (same numbers, same words). */
export function sameAddressLine(a: NormalizedAddressLine, b: NormalizedAddressLine): boolean {
  const wa = new Set(a.words);
  const wb = new Set(b.words);
  return a.numbers.size === b.numbers.size && [...a.numbers].every((n) => b.numbers.has(n)) && wa.size === wb.size && [...wa].every((x) => wb.has(x));
}

/**
 * The house numbers of a line as one blocking key: its digit runs, in order, without leading
 * zeros, separated by single spaces ("H.No. 045/2, MG Rd" → "45 2"; no digits → ""). Migration
 * 0011 computes the same key in SQL for stored addresses (a generated column), so the two must
 * stay equal: test/api/dedupe.test.ts checks them against each other on both engines.
 */
export function addressLineNumbers(line: string): string {
  return (line.match(/[0-9]+/g) ?? []).map((n) => n.replace(/^0+(?=[0-9])/, '')).join(' ');
}

/**
 * The pincodes one keying error away from a six-digit pincode (one digit replaced by another, or
 * two neighbouring digits swapped): 54 + up to 5. Blocking looks for the same home at each of them
 * (dedupe.queries.ts, pass 4), so a mistyped pincode still finds the contact. Empty for anything
 * that is not six digits.
 */
export function pincodeTypoVariants(pincode: string): string[] {
  if (!/^[0-9]{6}$/.test(pincode)) return [];
  const out = new Set<string>();
  for (let i = 0; i < 6; i++) {
    for (let d = 0; d <= 9; d++) {
      const digit = String(d);
      if (digit !== pincode[i]) out.add(pincode.slice(0, i) + digit + pincode.slice(i + 1));
    }
    if (i < 5 && pincode[i] !== pincode[i + 1]) out.add(pincode.slice(0, i) + pincode[i + 1] + pincode[i] + pincode.slice(i + 2));
  }
  return [...out];
}
