/**
 * A small phonetic code for romanized Indian names ("Soundex-lite"). Pure TS.
 *
 * Romanized Indian names vary mostly in vowels (Ishwar/Eshwar, Rama/Raama), aspiration
 * (Bharat/Barat, Sudhir/Sudir), sibilants (Sharma/Sarma, Shrivastava/Srivastava), and a few letter
 * swaps (Laxmi/Lakshmi, Zakir/Jakir, Qureshi/Kureshi, Chowdhury/Choudhury). Soundex handles these
 * poorly (it groups consonants by English sounds and truncates at 4), so the code is:
 *
 *   1. rewrite letter groups: x→ks, q→k, z→j, ph→f, ck→k, ee→i, oo→u;
 *      w after a vowel is a vowel glide (ow, aw), otherwise w→v;
 *   2. drop aspiration: kh→k, gh→g, jh→j, th→t, dh→d, bh→b, sh→s, and ch stays distinct from k;
 *      a bare c (not ch) is k;
 *   3. a leading vowel becomes "a" (initial vowels are the least stable part of a transliteration);
 *      other vowels (a e i o u y) and any remaining h (not leading) are dropped;
 *   4. runs of the same letter collapse (Aggarwal/Agarwal).
 *
 * Digits are kept as they are. The code is never empty for a non-empty token.
 * Examples: sharma→srm, sarma→srm, lakshmi→lksm, laxmi→lksm, chowdhury→cdr, choudhary→cdr.
 */

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);

/**
 * Codes of tokens seen before. A code costs ~20 regular-expression passes, and names repeat (a
 * dedupe request codes every token of ~8 candidate names, most of them common). With the lazily
 * prepared name forms of score.ts, preparing a request's candidates went from 0.14–0.21 to
 * 0.04 ms (bench/dedupe, 1M contacts). Bounded by clearing it when full; long tokens (not names)
 * are not kept.
 */
const CACHE_MAX_ENTRIES = 50_000;
const CACHE_MAX_TOKEN_LENGTH = 40;
const cache = new Map<string, string>();

export function phoneticCode(token: string): string {
  const cached = cache.get(token);
  if (cached !== undefined) return cached;
  const code = computePhoneticCode(token);
  if (token.length <= CACHE_MAX_TOKEN_LENGTH) {
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
    cache.set(token, code);
  }
  return code;
}

function computePhoneticCode(token: string): string {
  let s = token.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (s.length === 0) return '';
  // Step 1.
  s = s
    .replace(/x/g, 'ks')
    .replace(/q/g, 'k')
    .replace(/z/g, 'j')
    .replace(/ph/g, 'f')
    .replace(/ck/g, 'k')
    .replace(/ee/g, 'i')
    .replace(/oo/g, 'u')
    .replace(/([aeiou])w/g, '$1u')
    .replace(/w/g, 'v');
  // Step 2. 'ch' becomes the placeholder 'C' so the bare-c rule below cannot touch it.
  s = s
    .replace(/ch/g, 'C')
    .replace(/kh/g, 'k')
    .replace(/gh/g, 'g')
    .replace(/jh/g, 'j')
    .replace(/th/g, 't')
    .replace(/dh/g, 'd')
    .replace(/bh/g, 'b')
    .replace(/sh/g, 's')
    .replace(/c/g, 'k')
    .replace(/C/g, 'c');
  // Step 3.
  const first = s.charAt(0);
  let out = VOWELS.has(first) ? 'a' : first;
  for (const ch of s.slice(1)) {
    if (VOWELS.has(ch) || ch === 'h') continue;
    // Step 4.
    if (out.charAt(out.length - 1) !== ch) out += ch;
  }
  return out;
}
