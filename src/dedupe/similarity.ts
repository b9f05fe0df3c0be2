/**
 * String and token-set similarity measures used by name matching. Pure TS, no dependencies.
 */

/**
 * Jaro similarity in [0, 1]. The classic greedy matching is not perfectly symmetric for some
 * inputs (which character of a repeated letter gets claimed depends on the scan direction), so the
 * two strings are put in a canonical order first: jaro(a, b) === jaro(b, a) always.
 */
export function jaro(x: string, y: string): number {
  const a = x <= y ? x : y;
  const b = x <= y ? y : x;
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = matchedFlags(0, a.length);
  const bMatched = matchedFlags(1, b.length);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(b.length - 1, i + window);
    for (let j = lo; j <= hi; j++) {
      if (bMatched[j] || a.charCodeAt(i) !== b.charCodeAt(j)) continue;
      aMatched[i] = 1;
      bMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  // Count transpositions: matched characters of a and b, in order, that differ.
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[k]) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) transpositions++;
    k++;
  }
  const t = transpositions / 2;
  return (matches / a.length + matches / b.length + (matches - t) / matches) / 3;
}

// Scratch flags for jaro(), reused across calls: scoring compares every token pair of every
// candidate, and two fresh arrays per pair were the largest allocation of a dedupe request's
// ranking (bench/dedupe, item 35). jaro() never re-enters itself, so one pair of buffers serves.
const scratch: [Uint8Array, Uint8Array] = [new Uint8Array(64), new Uint8Array(64)];

/** The first `length` flags of scratch buffer `which`, cleared (grown when a word is longer). */
function matchedFlags(which: 0 | 1, length: number): Uint8Array {
  if (scratch[which].length < length) scratch[which] = new Uint8Array(Math.max(length, 2 * scratch[which].length));
  const flags = scratch[which];
  flags.fill(0, 0, length);
  return flags;
}

/**
 * Jaro–Winkler similarity in [0, 1]: Jaro boosted by a shared prefix of up to 4 characters
 * (scale 0.1, the standard value that keeps the result ≤ 1). Names typed by different people
 * agree most reliably at the start, which is why this suits them.
 */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  let prefix = 0;
  const max = Math.min(4, a.length, b.length);
  while (prefix < max && a.charAt(prefix) === b.charAt(prefix)) prefix++;
  return Math.min(1, j + prefix * 0.1 * (1 - j));
}

/** Token pairs scoring below this Jaro–Winkler value are treated as different words. */
export const TOKEN_MATCH_THRESHOLD = 0.85;
/** Similarity of an initial to a word it abbreviates ("r" ~ "rahul"): high, never certain. */
export const INITIAL_SIMILARITY = 0.8;
/** Floor for two words (≥ 4 letters) with the same phonetic code ("sarma" ~ "sharma"). */
export const PHONETIC_SIMILARITY = 0.9;

/** A normalized token together with its phonetic code (see phonetic.ts). */
export interface Token {
  text: string;
  code: string;
}

function tokenPairSimilarity(x: Token, y: Token): number {
  if (x.text === y.text) return 1;
  const [s, l] = x.text.length <= y.text.length ? [x.text, y.text] : [y.text, x.text];
  if (s.length === 1) return l.startsWith(s) ? INITIAL_SIMILARITY : 0;
  const jw = jaroWinkler(x.text, y.text);
  if (s.length >= 4 && x.code === y.code) return Math.max(jw, PHONETIC_SIMILARITY);
  return jw >= TOKEN_MATCH_THRESHOLD ? jw : 0;
}

/**
 * Similarity of two token multisets in [0, 1], independent of token order.
 * Tokens are paired greedily by best similarity (ties broken by the unordered pair's text, so the
 * result is symmetric); then
 *   fit      = sum of paired similarities / size of the smaller set   (how well the shorter name fits)
 *   coverage = smaller size / larger size                             (penalises missing words)
 *   result   = fit × (0.6 + 0.4 × coverage)
 * so "rahul sharma" ~ "rahul kumar sharma" is 0.87 while "rahul" ~ "rahul sharma" is 0.8. The result
 * is 1 only for equal multisets of tokens.
 */
export function tokenSetSimilarity(a: readonly Token[], b: readonly Token[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  // Ties are broken by the unordered pair's texts (the smaller, then the larger), so the result
  // does not depend on which side is a and which is b.
  const pairs: { i: number; j: number; sim: number; lo: string; hi: string }[] = [];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const x = a[i];
      const y = b[j];
      if (x === undefined || y === undefined) continue;
      const sim = tokenPairSimilarity(x, y);
      if (sim <= 0) continue;
      const xFirst = x.text <= y.text;
      pairs.push({ i, j, sim, lo: xFirst ? x.text : y.text, hi: xFirst ? y.text : x.text });
    }
  }
  const order = (u: string, v: string) => (u < v ? -1 : u > v ? 1 : 0);
  pairs.sort((p, q) => q.sim - p.sim || order(p.lo, q.lo) || order(p.hi, q.hi));
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let sum = 0;
  for (const p of pairs) {
    if (usedA.has(p.i) || usedB.has(p.j)) continue;
    usedA.add(p.i);
    usedB.add(p.j);
    sum += p.sim;
  }
  const small = Math.min(a.length, b.length);
  const large = Math.max(a.length, b.length);
  const fit = sum / small;
  return Math.min(1, Math.max(0, fit * (0.6 + 0.4 * (small / large))));
}

/**
 * True when two equally long codes (a PAN, a pincode) are one keying error apart: one substituted
 * character, or two adjacent characters swapped. Damerau (1964) found ~80% of keying errors to be
 * exactly one such edit.
 */
export function oneTypoApart(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  let first = -1;
  let diffs = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (++diffs > 2) return false;
    if (first < 0) first = i;
  }
  if (diffs === 1) return true;
  // Two differences: a transposition of neighbours ("1234" → "1324").
  return a[first + 1] !== b[first + 1] && a[first] === b[first + 1] && a[first + 1] === b[first];
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring):
 * insertions, deletions, substitutions and swaps of two neighbours each cost 1.
 */
export function osaDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/** 1 − osaDistance / the longer length: 1 for equal strings, 0 for nothing in common; symmetric. */
export function editSimilarity(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  return n === 0 ? 1 : 1 - osaDistance(a, b) / n;
}
