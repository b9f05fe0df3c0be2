/**
 * Undoing the ways one identifier can be written so that it no longer looks like itself
 * (issue: PAN blocking escaped by "ABCPE-1234F", "ＡＢＣＰＥ１２３４Ｆ", a zero-width space, or a
 * Cyrillic "А"). Identifier alphabets are ASCII letters and digits, so every other character in a
 * value is either a disguise of one of them (folded here) or a sign that the value is not an
 * identifier at all (left in place, so validation refuses it). Pure functions, no I/O.
 */

/**
 * Letters of other scripts drawn exactly like a Latin capital or small letter in common fonts
 * (Unicode's confusables data, restricted to the Cyrillic and Greek letters that map to one Latin
 * letter). Only these scripts: they are the ones Indian keyboards, transliteration tools and
 * copy-paste from PDFs actually produce.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  // Cyrillic capitals
  А: 'A', В: 'B', С: 'C', Е: 'E', Н: 'H', І: 'I', Ј: 'J', К: 'K', М: 'M', О: 'O', Р: 'P', Ѕ: 'S', Т: 'T', Х: 'X', У: 'Y', Ү: 'Y', Ԛ: 'Q', Ԝ: 'W',
  // Cyrillic small letters
  а: 'a', с: 'c', е: 'e', і: 'i', ј: 'j', о: 'o', р: 'p', ѕ: 's', х: 'x', у: 'y', ԁ: 'd', һ: 'h', ӏ: 'l', ԛ: 'q', ԝ: 'w',
  // Greek capitals
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  // Greek small letters
  ο: 'o', ι: 'i', κ: 'k', ν: 'v', ρ: 'p', χ: 'x',
};
const LOOK_ALIKE_RE = new RegExp(`[${Object.keys(LOOK_ALIKES).join('')}]`, 'gu');

/**
 * Invisible characters: format controls (zero-width space and joiners, word joiner, BOM, soft
 * hyphen, bidirectional marks and isolates) and the variation selectors. NFKC keeps them all.
 */
const INVISIBLE_RE = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}\u{034F}\u{115F}\u{1160}\u{3164}\u{FFA0}]/gu;

/** What people put between the groups of an identifier: spaces, dashes, dots, slashes, underscores. */
const SEPARATOR_RE = /[\s\p{Pd}\u2212._/\\]+/gu;

/**
 * The value as the characters it shows: compatibility forms folded (full-width "Ａ１" → "A1",
 * ligatures, circled and superscript digits), invisible characters removed, Cyrillic and Greek
 * look-alikes replaced by their Latin letter. Separators are kept (see {@link compactIdentifier}).
 */
export function unmask(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(INVISIBLE_RE, '')
    .replace(LOOK_ALIKE_RE, (c) => LOOK_ALIKES[c]!);
}

/**
 * An identifier made of letters and digits only (PAN, GSTIN, CIN, passport, voter id, Aadhaar):
 * unmasked, every separator removed, upper-cased.
 */
export function compactIdentifier(raw: string): string {
  return unmask(raw).replace(SEPARATOR_RE, '').toUpperCase();
}

/** True when `raw` holds a character no spelling of an ASCII identifier needs (after unmasking). */
export function hasForeignCharacters(raw: string): boolean {
  return /[^\x20-\x7E]/u.test(unmask(raw).replace(SEPARATOR_RE, ''));
}
