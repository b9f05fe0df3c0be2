/**
 * Check-character algorithms for Indian identifiers. Pure functions, no I/O.
 *
 * - Verhoeff (dihedral group D5): the Aadhaar check digit. It detects every single-digit error and
 *   every adjacent transposition, which is why UIDAI chose it over Luhn.
 * - GSTIN mod-36 (a Luhn "mod N" variant over base-36): the 15th character of a GSTIN.
 */

// Multiplication table of D5.
const VERHOEFF_D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

// Position-dependent permutations: row i is σ^i for σ = (0 1 5 8 9 4 2 7)(3 6), the permutation
// Verhoeff chose so that adjacent transpositions are caught. Derived rather than typed out: a
// single mistyped cell in the usual 8×10 literal silently lets some transpositions through.
const VERHOEFF_SIGMA: readonly number[] = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4];
const VERHOEFF_P: readonly (readonly number[])[] = (() => {
  const rows: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
  for (let i = 1; i < 8; i++) {
    const prev = rows[i - 1] ?? [];
    rows.push(prev.map((x) => VERHOEFF_SIGMA[x] ?? x));
  }
  return rows;
})();

// Inverse of each element of D5.
const VERHOEFF_INV: readonly number[] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** Table lookup that keeps `noUncheckedIndexedAccess` honest: the tables are total over 0..9. */
function at(table: readonly (readonly number[])[], row: number, col: number): number {
  const v = table[row]?.[col];
  if (v === undefined) throw new RangeError(`verhoeff table index out of range: ${row},${col}`);
  return v;
}

function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

/** Runs the Verhoeff accumulator over `digits` (right to left), positions shifted by `offset`. */
function verhoeffAccumulate(digits: string, offset: number): number {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = at(VERHOEFF_D, c, at(VERHOEFF_P, (i + offset) % 8, digit));
  }
  return c;
}

/** The Verhoeff check digit to append to `digits` (a non-empty decimal string). */
export function verhoeffCheckDigit(digits: string): string {
  if (!isDigits(digits)) throw new RangeError('verhoeffCheckDigit expects decimal digits');
  // Offset 1: the check digit will occupy position 0 once appended.
  const c = verhoeffAccumulate(digits, 1);
  return String(VERHOEFF_INV[c]);
}

/** True iff `digits` (check digit last) passes the Verhoeff check. */
export function verhoeffValid(digits: string): boolean {
  if (!isDigits(digits)) return false;
  return verhoeffAccumulate(digits, 0) === 0;
}

/** The GSTIN / base-36 alphabet: a character's value is its index. */
export const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * GSTIN check character for the first 14 characters (upper-case, base-36).
 * Factors alternate 1, 2, 1, 2 … from the left; each product p contributes floor(p/36) + p%36
 * (the base-36 analogue of Luhn's "add the digits"); check = (36 − sum mod 36) mod 36.
 * Returns null when the input is not 14 base-36 characters.
 */
export function gstinCheckChar(first14: string): string | null {
  if (!/^[0-9A-Z]{14}$/.test(first14)) return null;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const value = BASE36.indexOf(first14.charAt(i));
    const product = value * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return BASE36.charAt((36 - (sum % 36)) % 36);
}

/** True iff the 15th character of `gstin` is the correct check character for the first 14. */
export function gstinChecksumValid(gstin: string): boolean {
  if (gstin.length !== 15) return false;
  const expected = gstinCheckChar(gstin.slice(0, 14));
  return expected !== null && expected === gstin.charAt(14);
}
