/**
 * Per-kind normalization and validation of identifier values. Pure functions, no I/O.
 *
 * Normalization is what makes two spellings of one identifier compare equal ("abcpe 1234f" and
 * "ABCPE1234F"); validation decides whether a value may take part in exact matching and blocking at
 * all (CONTRACT §6a: malformed values are stored as given but never match).
 */
import { gstinChecksumValid, verhoeffValid } from './checksums.js';
import { compactIdentifier, hasForeignCharacters, unmask } from './disguise.js';

export type IdentifierKind = 'pan' | 'gstin' | 'aadhaar' | 'mobile' | 'email' | 'cin' | 'passport' | 'voter_id' | 'dob';

export type PanHolderKind = 'individual' | 'corporate';

/** Facts derived while normalizing, useful to scoring and blocking. */
export interface IdentifierExtra {
  /** PAN: holder kind from the 4th character. GSTIN: holder kind of the embedded PAN. */
  panHolder?: PanHolderKind;
  /** GSTIN only: the PAN embedded in characters 3–12. */
  embeddedPan?: string;
  /** GSTIN only: the 2-digit state code. */
  stateCode?: string;
  /** Aadhaar only: a display-safe mask, e.g. `XXXXXXXX2346`. */
  masked?: string;
}

export type NormalizeResult = { ok: true; value: string; extra?: IdentifierExtra } | { ok: false; reason: string };

const fail = (reason: string): NormalizeResult => ({ ok: false, reason });


// ---------------------------------------------------------------------------------------------
// PAN
// ---------------------------------------------------------------------------------------------

const PAN_RE = /^[A-Z]{5}[0-9]{4}[A-Z]$/;
/** 4th-character status codes for non-individual holders (company, firm, HUF, AOP, trust, BOI,
 * local authority, artificial juridical person, government). */
const NON_INDIVIDUAL_HOLDERS = new Set(['C', 'F', 'H', 'A', 'T', 'B', 'L', 'J', 'G']);

function holderOf(pan: string): PanHolderKind | null {
  const c = pan.charAt(3);
  if (c === 'P') return 'individual';
  if (NON_INDIVIDUAL_HOLDERS.has(c)) return 'corporate';
  return null;
}

/**
 * Holder kind from the 4th character of a PAN (any spelling; it is normalized first):
 * `P` → individual, `C F H A T B L J G` → corporate (any non-individual), else (or not a PAN) null.
 */
export function panHolderKind(pan: string): PanHolderKind | null {
  const p = compactIdentifier(pan);
  return PAN_RE.test(p) ? holderOf(p) : null;
}

export function normalizePan(raw: string): NormalizeResult {
  const v = compactIdentifier(raw);
  if (!PAN_RE.test(v)) return fail('PAN must be 5 letters, 4 digits, 1 letter');
  const holder = holderOf(v);
  if (holder === null) return fail('PAN 4th character is not a known holder type');
  return { ok: true, value: v, extra: { panHolder: holder } };
}

// ---------------------------------------------------------------------------------------------
// GSTIN: SS PPPPPPPPPP E Z C  (state, PAN, entity number, default 'Z', check character)
// ---------------------------------------------------------------------------------------------

// Position 14 is 'Z' for ordinary registrations, but other letters/digits are issued for special
// registrations, so it is not pinned; the check character still protects the whole string.
const GSTIN_RE = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][0-9A-Z][0-9A-Z]$/;

function validStateCode(code: string): boolean {
  const n = Number(code);
  return (n >= 1 && n <= 38) || n === 97 || n === 99;
}

/** The PAN embedded in a GSTIN (characters 3–12), or null when `gstin` is not a valid GSTIN. */
export function gstinEmbeddedPan(gstin: string): string | null {
  const r = normalizeGstin(gstin);
  return r.ok ? (r.extra?.embeddedPan ?? null) : null;
}

export function normalizeGstin(raw: string): NormalizeResult {
  const v = compactIdentifier(raw);
  if (!GSTIN_RE.test(v)) return fail('GSTIN must be 15 characters: state, PAN, entity, Z, check');
  const stateCode = v.slice(0, 2);
  if (!validStateCode(stateCode)) return fail('GSTIN state code is not 01-38, 97 or 99');
  const pan = normalizePan(v.slice(2, 12));
  if (!pan.ok) return fail('GSTIN does not embed a valid PAN');
  if (!gstinChecksumValid(v)) return fail('GSTIN check character is wrong');
  const extra: IdentifierExtra = { embeddedPan: pan.value, stateCode };
  if (pan.extra?.panHolder) extra.panHolder = pan.extra.panHolder;
  return { ok: true, value: v, extra };
}

// ---------------------------------------------------------------------------------------------
// Aadhaar: only the last four digits ever leave this function (CONTRACT §6).
// ---------------------------------------------------------------------------------------------

export function normalizeAadhaar(raw: string): NormalizeResult {
  const v = compactIdentifier(raw);
  if (!/^[0-9]{12}$/.test(v)) return fail('Aadhaar must be 12 digits');
  if (v.charAt(0) === '0' || v.charAt(0) === '1') return fail('Aadhaar cannot start with 0 or 1');
  if (!verhoeffValid(v)) return fail('Aadhaar check digit is wrong');
  const last4 = v.slice(8);
  return { ok: true, value: last4, extra: { masked: `XXXXXXXX${last4}` } };
}

// ---------------------------------------------------------------------------------------------
// Mobile / phone
// ---------------------------------------------------------------------------------------------

const INDIAN_MOBILE_RE = /^[6-9][0-9]{9}$/;

export function normalizeMobile(raw: string): NormalizeResult {
  const trimmed = unmask(raw).trim();
  // Only separators people actually type are dropped; letters or stray symbols make it invalid
  // rather than silently producing some other number.
  if (!/^\+?[0-9\s\p{Pd}().]+$/u.test(trimmed)) return fail('phone number has invalid characters');
  const plus = trimmed.startsWith('+');
  let digits = trimmed.replace(/[^0-9]/g, '');
  let international = plus;
  if (!plus && digits.startsWith('00')) {
    // International dialling prefix written out ("0091 98…") means the same as '+'.
    digits = digits.slice(2);
    international = true;
  }
  if (international) {
    if (digits.startsWith('91')) {
      const rest = digits.slice(2);
      return INDIAN_MOBILE_RE.test(rest) ? { ok: true, value: `+91${rest}` } : fail('+91 number is not a 10-digit Indian mobile');
    }
    if (digits.length < 8 || digits.length > 15) return fail('international number needs 8-15 digits');
    if (digits.startsWith('0')) return fail('country code cannot start with 0');
    return { ok: true, value: `+${digits}` };
  }
  if (INDIAN_MOBILE_RE.test(digits)) return { ok: true, value: `+91${digits}` };
  if (digits.length === 12 && digits.startsWith('91') && INDIAN_MOBILE_RE.test(digits.slice(2))) {
    return { ok: true, value: `+${digits}` };
  }
  if (digits.length === 11 && digits.startsWith('0') && INDIAN_MOBILE_RE.test(digits.slice(1))) {
    return { ok: true, value: `+91${digits.slice(1)}` };
  }
  return fail('not an Indian mobile number (or an international one with +)');
}

// ---------------------------------------------------------------------------------------------
// Email, CIN, passport, voter id
// ---------------------------------------------------------------------------------------------

// Deliberately simple: dot-atom local part, dotted host of LDH labels, alphabetic TLD ≥ 2.
const EMAIL_RE = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function normalizeEmail(raw: string): NormalizeResult {
  const v = unmask(raw).trim().toLowerCase();
  if (v.length > 254 || !EMAIL_RE.test(v)) return fail('not a valid email address');
  return { ok: true, value: v };
}

function byPattern(re: RegExp, reason: string): (raw: string) => NormalizeResult {
  return (raw) => {
    const v = compactIdentifier(raw);
    return re.test(v) ? { ok: true, value: v } : fail(reason);
  };
}

/** CIN: listing status, industry code, state, year, ownership, registration number. */
export const normalizeCin = byPattern(
  /^[LU][0-9]{5}[A-Z]{2}[0-9]{4}[A-Z]{3}[0-9]{6}$/,
  'CIN must be L/U, 5 digits, 2 letters, 4 digits, 3 letters, 6 digits',
);
/** Indian passport: one letter and seven digits. */
export const normalizePassport = byPattern(/^[A-Z][0-9]{7}$/, 'passport must be 1 letter, 7 digits');
/** Voter id (EPIC): three letters and seven digits. */
export const normalizeVoterId = byPattern(/^[A-Z]{3}[0-9]{7}$/, 'voter id must be 3 letters, 7 digits');

// ---------------------------------------------------------------------------------------------
// Date of birth: YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DDMMYYYY, YYYYMMDD, DD Mon YYYY → YYYY-MM-DD
// ---------------------------------------------------------------------------------------------

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11,
  dec: 12, december: 12,
};
/** Earliest accepted year: a date of birth before 1900 is a placeholder or a typo, not a borrower. */
export const DOB_MIN_YEAR = 1900;
const DOB_FORMATS = 'YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DDMMYYYY, YYYYMMDD or DD Mon YYYY';

type Ymd = [year: number, month: number, day: number];

/** The (year, month, day) a date of birth is written as, valid or not; null: no known format. */
function readDob(raw: string): Ymd | null {
  const v = unmask(raw).trim().toLowerCase();
  let m = /^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$/.exec(v);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  // Day first, as Indian documents write it ("05/08/1990" is 5 August).
  m = /^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$/.exec(v);
  if (m) return [Number(m[3]), Number(m[2]), Number(m[1])];
  m = /^([0-9]{1,2})(?:[\s\-/.]+|(?=[a-z]))([a-z]{3,9})\.?(?:[\s\-/.,]+|(?<=[a-z]))([0-9]{4})$/.exec(v);
  if (m) {
    const month = MONTHS[m[2]!];
    return month === undefined ? null : [Number(m[3]), month, Number(m[1])];
  }
  if (/^[0-9]{8}$/.test(v)) {
    // YYYYMMDD or DDMMYYYY: at most one reading is a real date (a real YYYYMMDD has its month,
    // 01-12, where a real DDMMYYYY has the first digits of its year, 19 or 20), so take that one.
    const ymd: Ymd = [Number(v.slice(0, 4)), Number(v.slice(4, 6)), Number(v.slice(6, 8))];
    const dmy: Ymd = [Number(v.slice(4, 8)), Number(v.slice(2, 4)), Number(v.slice(0, 2))];
    return dobProblem(dmy) === null ? dmy : ymd;
  }
  return null;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Why (year, month, day) is not an acceptable date of birth; null when it is one. */
function dobProblem([year, month, day]: Ymd, today = new Date()): string | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'date of birth is not a real date';
  if (year < DOB_MIN_YEAR) return `date of birth is before ${DOB_MIN_YEAR}`;
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  if (Date.UTC(year, month - 1, day) > todayUtc) return 'date of birth is in the future';
  return null;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * A date of birth in one of the formats people write, as YYYY-MM-DD. Impossible dates
 * (31/02/1990, 1990-13-01), dates in the future and dates before 1900 are malformed (CONTRACT §6a):
 * stored as given, no evidence, 400 under strict validation.
 */
export function normalizeDob(raw: string): NormalizeResult {
  const ymd = readDob(raw);
  if (ymd === null) return fail(`date of birth must be written ${DOB_FORMATS}`);
  const problem = dobProblem(ymd);
  if (problem !== null) return fail(problem);
  return { ok: true, value: `${pad(ymd[0], 4)}-${pad(ymd[1], 2)}-${pad(ymd[2], 2)}` };
}

const NORMALIZERS: Record<IdentifierKind, (raw: string) => NormalizeResult> = {
  pan: normalizePan,
  gstin: normalizeGstin,
  aadhaar: normalizeAadhaar,
  mobile: normalizeMobile,
  email: normalizeEmail,
  cin: normalizeCin,
  passport: normalizePassport,
  voter_id: normalizeVoterId,
  dob: normalizeDob,
};

/**
 * Normalizes and validates `value` as an identifier of `kind`.
 * Idempotent on `value` for every kind except aadhaar, whose match value (the last 4 digits) is a
 * deliberate one-way projection of the full number.
 */
export function normalizeIdentifier(kind: IdentifierKind, value: string): NormalizeResult {
  return NORMALIZERS[kind](value);
}

const PAN_INSIDE_RE = /[A-Z]{5}[0-9]{4}[A-Z]/g;
const GSTIN_INSIDE_RE = /[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]{3}/g;

/**
 * Why a malformed value on a blocking key (PAN, GSTIN) is refused even under lenient validation,
 * or null when it may be stored as given (CONTRACT §6a). Lenient storage exists for values that are
 * simply wrong (Crego's own example stores `pan_no` = `123254684`); a value that hides a valid
 * identifier — characters no identifier has, or a valid one with other text around it — would be
 * stored and never block, so it is refused instead.
 */
export function disguisedBlockingValue(kind: 'pan' | 'gstin', raw: string): string | null {
  const normalize = kind === 'pan' ? normalizePan : normalizeGstin;
  if (normalize(raw).ok) return null;
  const label = kind === 'pan' ? 'PAN' : 'GSTIN';
  if (hasForeignCharacters(raw)) return `holds characters a ${label} cannot contain (letters of other scripts or symbols)`;
  const inside = compactIdentifier(raw).match(kind === 'pan' ? PAN_INSIDE_RE : GSTIN_INSIDE_RE) ?? [];
  const found = inside.find((candidate) => normalize(candidate).ok);
  return found === undefined ? null : `holds the ${label} ${found} with other characters around it; send the ${label} alone`;
}
