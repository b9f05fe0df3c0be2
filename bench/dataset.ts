// The fixed benchmark data set: how tenants, contacts and props are named and numbered. The seed
// SQL (seed.ts) and the request generators (scenarios.ts) both derive ids from these formulas, so
// the harness never has to read ids back from the database.

export interface Sizes {
  /** Small tenants. */
  tenants: number;
  /** Contacts per small tenant. */
  perTenant: number;
  /** Contacts in the one large tenant. */
  large: number;
}

export const FULL_SIZES: Sizes = { tenants: 100, perTenant: 1000, large: 200_000 };
export const QUICK_SIZES: Sizes = { tenants: 10, perTenant: 200, large: 20_000 };
/** PGlite is single-connection and in-process: a smaller set, stated in the report. */
export const PGLITE_SIZES: Sizes = { tenants: 10, perTenant: 200, large: 20_000 };
export const PGLITE_QUICK_SIZES: Sizes = { tenants: 5, perTenant: 100, large: 5_000 };

/** Tenant index of the large tenant (small tenants are 0..tenants-1). */
export const LARGE_INDEX = 9999;
export const NAMESPACE = 'customer';
export const CONTACT_PATTERN = 'CUST-{seq:7}';
/** created_at of contact j is BASE_TIME + j minutes. */
export const BASE_TIME = '2025-01-01T00:00:00Z';

export const tenantId = (ti: number): string => (ti === LARGE_INDEX ? 'bench-large' : `bench-t${String(ti).padStart(3, '0')}`);

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
// Ids are valid ULIDs (upper-case hex digits are Crockford base32 digits): a 4-char prefix naming
// the kind, 4 hex digits of tenant index, 18 hex digits of sequence.
export const namespaceId = (ti: number): string => `01JA${hex(ti, 4)}${hex(0, 18)}`;
export const contactId = (ti: number, j: number): string => `01JB${hex(ti, 4)}${hex(j, 18)}`;

const letter = (n: number): string => String.fromCharCode(65 + (n % 26));
/** The seeded PAN of contact j in tenant ti (unique per tenant; matches ^[A-Z]{5}[0-9]{4}[A-Z]$). */
export const seededPan = (ti: number, j: number): string =>
  letter(Math.floor(j / 17576)) +
  letter(Math.floor(j / 676)) +
  letter(Math.floor(j / 26)) +
  letter(j) +
  'P' +
  String(j % 10000).padStart(4, '0') +
  letter(ti);

/**
 * The n-th PAN a bench run posts, tagged by one letter per target or engine: 3 letters + 'P' + 'Q' +
 * 4 digits + the tag, unique for n < 26³ × 10,000. The 4th character is a PAN's holder type and the
 * service rejects unknown ones (400), so it is fixed at 'P' (individual) rather than counted: counting
 * it ran into 'D' after 30,000 creates, and the floor's fixed-load POST run got 400s for its last
 * requests. The 5th is 'Q' so that no posted PAN equals a seeded one ('P' 5th).
 */
export const benchPan = (n: number, tag: string): string => {
  const hi = Math.floor(n / 10000);
  return letter(Math.floor(hi / 676)) + letter(Math.floor(hi / 26)) + letter(hi) + 'PQ' + String(n % 10000).padStart(4, '0') + tag;
};

export const FIRST_NAMES = [
  'Aarav',
  'Vivaan',
  'Aditya',
  'Vihaan',
  'Arjun',
  'Sai',
  'Reyansh',
  'Ayaan',
  'Krishna',
  'Ishaan',
  'Shaurya',
  'Atharv',
  'Advik',
  'Pranav',
  'Advaith',
  'Aaryan',
  'Dhruv',
  'Kabir',
  'Ritvik',
  'Anirudh',
  'Saanvi',
  'Aanya',
  'Aadhya',
  'Aaradhya',
  'Ananya',
  'Pari',
  'Anika',
  'Navya',
  'Angel',
  'Diya',
  'Myra',
  'Sara',
  'Iraa',
  'Ahana',
  'Anvi',
  'Prisha',
  'Riya',
  'Aarohi',
  'Anaya',
  'Meera',
];
export const LAST_NAMES = [
  'Sharma',
  'Verma',
  'Gupta',
  'Mehta',
  'Iyer',
  'Reddy',
  'Nair',
  'Menon',
  'Patel',
  'Shah',
  'Rao',
  'Kulkarni',
  'Deshpande',
  'Joshi',
  'Kapoor',
  'Khanna',
  'Malhotra',
  'Bhatia',
  'Chopra',
  'Sethi',
  'Banerjee',
  'Chatterjee',
  'Mukherjee',
  'Das',
  'Bose',
  'Ghosh',
  'Sen',
  'Dutta',
  'Pillai',
  'Naidu',
  'Agarwal',
  'Jain',
  'Bansal',
  'Mittal',
  'Goyal',
  'Singh',
  'Kaur',
  'Gill',
  'Sandhu',
  'Dhillon',
];

/**
 * Contacts [0, actionPerTenant) of each small tenant take the lifecycle actions (at most ~2,000 in
 * all: their state is read back before every run); PATCH uses the next slice.
 */
export function pools(s: Sizes): { actionPerTenant: number; patchPerTenant: number } {
  const slice = Math.max(1, Math.floor(s.perTenant / 4));
  return { actionPerTenant: Math.min(slice, Math.ceil(2000 / s.tenants)), patchPerTenant: slice };
}

/** mulberry32: a small deterministic PRNG, so every run sends the same request sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
