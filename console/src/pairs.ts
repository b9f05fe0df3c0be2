import type { Address, Bank, Contact, Prop, Relation, Schemas } from './api';
import { identifierKind as kindOfKey } from '../../src/dedupe/identifiers';
import { normalizeIdentifier, type IdentifierKind } from '../../src/dedupe/normalize';
import { formatValue, humanize } from './format';

// Duplicate pairs (CONTRACT §8.1) in words: the dedupe reasons as an operations user reads them,
// and the side-by-side comparison of two contacts as rows marked same / different / one side only.
// Pure functions, so the screens stay about layout.

export type Pair = Schemas['DuplicatePair'];
export type PairReason = Pair['reasons'][number];

const KIND_WORDS: Record<IdentifierKind, string> = {
  pan: 'PAN',
  gstin: 'GSTIN',
  aadhaar: 'Aadhaar',
  mobile: 'mobile',
  email: 'email',
  cin: 'CIN',
  passport: 'passport',
  voter_id: 'voter id',
  dob: 'date of birth',
};

/** The identifier a prop key names, in words, by the service's own key rules (`PAN No.` → PAN). */
function identifierKind(key: string): string | null {
  const kind = kindOfKey(key);
  return kind ? KIND_WORDS[kind] : null;
}

const pct = (x: number | undefined) => (x === undefined ? '' : `${Math.round(x * 100)}%`);

/** For or against the two being one party; `note` for what says neither (an invalid identifier). */
export type Leaning = 'for' | 'against' | 'note';

/** One reason in plain words, and which way it points. */
export function describeReason(r: PairReason): { text: string; leaning: Leaning } {
  const leaning: Leaning = r.match === 'mismatch' ? 'against' : r.match === 'invalid_identifier' ? 'note' : 'for';
  switch (r.field) {
    case 'name':
      if (r.match === 'exact') return { text: 'Same name', leaning };
      if (r.match === 'fuzzy') return { text: `Names ${pct(r.similarity)} alike`, leaning };
      return { text: `Names differ (${pct(r.similarity)} alike)`, leaning };
    case 'dob':
      if (r.match === 'exact') return { text: 'Same date of birth', leaning };
      if (r.match === 'partial') return { text: `Date of birth partly the same${r.detail ? ` (${r.detail})` : ''}`, leaning };
      return { text: 'Different dates of birth', leaning };
    case 'type':
      return { text: r.match === 'exact' ? 'Same type' : 'One is an individual, the other a corporate', leaning };
    case 'pincode':
      if (r.match === 'exact') return { text: `Same pincode${r.detail ? ` ${r.detail}` : ''}`, leaning };
      if (r.match === 'partial') return { text: 'Pincodes one digit apart', leaning };
      return { text: 'Different pincodes', leaning };
    case 'address_line':
      if (r.match === 'exact') return { text: 'Same home: the same address line at the same pincode', leaning };
      if (r.match === 'fuzzy') {
        return (r.similarity ?? 0) >= 0.995
          ? { text: 'Same home: the same address line, written differently', leaning }
          : { text: `Likely the same home: address lines ${pct(r.similarity)} alike at the same pincode`, leaning };
      }
      return { text: `Different address lines at the same pincode (${pct(r.similarity)} alike)`, leaning };
  }
  const kind = identifierKind(r.field);
  // The prop key in brackets where it says more than the kind (`mobile_no`, not `mobile`).
  const what = kind ? (kind.toLowerCase() === r.field.toLowerCase() ? kind : `${kind} (${r.field})`) : r.field.replace(/_/g, ' ');
  if (r.match === 'invalid_identifier') return { text: `${what} is not a valid identifier${r.detail ? `: ${r.detail}` : ''}`, leaning };
  if (r.match === 'mismatch') return { text: r.detail === 'holder type' ? `${what}: its holder type contradicts the contact's type` : `Different ${what}`, leaning };
  if (r.match === 'partial') {
    if (kind === 'Aadhaar') return { text: `${what}: the same last four digits`, leaning };
    return { text: `${what} partly the same${r.detail ? ` (${r.detail})` : ''}`, leaning };
  }
  if (r.match === 'fuzzy') return { text: `Similar ${what}${r.similarity !== undefined ? ` (${pct(r.similarity)} alike)` : ''}`, leaning };
  return { text: `Same ${what}${r.detail ? `, ${r.detail}` : ''}`, leaning };
}

export const BAND_WORDS: Record<string, string> = {
  exact: 'Exact: the same PAN or GSTIN',
  probable: 'Probable: score 0.80 or more',
  possible: 'Possible: score 0.50 or more',
};

export const SOURCE_WORDS: Record<string, string> = {
  write: 'found after a write',
  scan: 'found by a scan',
  override: 'recorded by a save-anyway override',
};

/** How two values of one row relate. */
export type Mark = 'same' | 'differs' | 'only-a' | 'only-b';
export const MARK_WORDS: Record<Mark, string> = { same: 'Same', differs: 'Differs', 'only-a': 'Only in A', 'only-b': 'Only in B' };

export interface Row {
  label: string;
  a: string | null;
  b: string | null;
  mark: Mark | null;
}

const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
/** Compared as people compare them: case, spaces and punctuation do not make two values differ. */
const norm = (v: string) => v.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

function mark(a: string | null, b: string | null): Mark | null {
  if (a === null && b === null) return null;
  if (a === null) return 'only-b';
  if (b === null) return 'only-a';
  return norm(a) === norm(b) ? 'same' : 'differs';
}

function row(label: string, a: unknown, b: unknown, marked = true): Row {
  const av = empty(a) ? null : formatValue(a);
  const bv = empty(b) ? null : formatValue(b);
  return { label, a: av, b: bv, mark: marked ? mark(av, bv) : null };
}

export function fieldRows(a: Contact, b: Contact): Row[] {
  return [
    row('Name', a.name, b.name),
    row('Type', humanize(a.type), humanize(b.type)),
    row('Namespace', a.namespace, b.namespace),
    // Every contact has a ref id of its own: two that differ say nothing; shown, never marked.
    row('Ref id', a.ref_id, b.ref_id, false),
    row('Status', humanize(a.status), humanize(b.status)),
    row('Approval', humanize(a.approval_status), humanize(b.approval_status)),
    row('RM', a.rm_id, b.rm_id),
    row('Branch', a.branch_id, b.branch_id),
    row('Tags', [...a.tags].sort(), [...b.tags].sort()),
    // When each was created is the record's, not the party's: shown, never marked.
    row('Created', a.created_at, b.created_at, false),
  ];
}

const propsOf = (c: Contact) => c.props.filter((p): p is Prop => typeof p !== 'string');

/** A value as dedupe compares it: an identifier normalized by the service's own rules (a mobile by its digits). */
function normFor(key: string, value: string): string {
  const kind = kindOfKey(key);
  const n = kind ? normalizeIdentifier(kind, value) : null;
  return n?.ok ? n.value : norm(value);
}

/**
 * Props by identifier kind where the key names one (`pan` and `pan_no` hold the same PAN), else
 * by key; a kind or key held several times on one side is compared as the set of its values.
 */
export function propRows(a: Contact, b: Contact): Row[] {
  type Group = { keys: Set<string>; a: string[]; b: string[]; kind: string | null; normed: { a: string[]; b: string[] } };
  const groups = new Map<string, Group>();
  const add = (c: Contact, side: 'a' | 'b') => {
    for (const p of propsOf(c)) {
      const kind = identifierKind(p.key);
      const id = kind ? `kind:${kind}` : `key:${p.key}`;
      const g = groups.get(id) ?? { keys: new Set<string>(), a: [], b: [], kind, normed: { a: [], b: [] } };
      g.keys.add(p.key);
      g[side].push(p.value);
      g.normed[side].push(normFor(p.key, p.value));
      groups.set(id, g);
    }
  };
  add(a, 'a');
  add(b, 'b');
  const rows = [...groups.values()].map((g): Row => {
    const av = g.a.length ? g.a.join(', ') : null;
    const bv = g.b.length ? g.b.join(', ') : null;
    const set = (vs: string[]) => [...new Set(vs)].sort().join('|');
    const m: Mark = av === null ? 'only-b' : bv === null ? 'only-a' : set(g.normed.a) === set(g.normed.b) ? 'same' : 'differs';
    const keys = [...g.keys].sort().join(' · ');
    return { label: g.kind && g.kind !== keys ? `${keys} (${g.kind})` : keys, a: av, b: bv, mark: m };
  });
  return rows.sort((x, y) => x.label.localeCompare(y.label));
}

/**
 * Records matched across the two sides by a key; a match with different details differs, unless
 * the key is the record (`byKey`: one bank account held on both sides is the same account).
 */
function matchRecords<T>(as: T[], bs: T[], key: (x: T) => string, text: (x: T) => string, label: (x: T) => string, byKey = false): Row[] {
  const rows: Row[] = [];
  const left = [...bs];
  for (const x of as) {
    const i = left.findIndex((y) => key(y) === key(x));
    if (i < 0) {
      rows.push({ label: label(x), a: text(x), b: null, mark: 'only-a' });
      continue;
    }
    const y = left.splice(i, 1)[0]!;
    rows.push({ label: label(x), a: text(x), b: text(y), mark: byKey || norm(text(x)) === norm(text(y)) ? 'same' : 'differs' });
  }
  for (const y of left) rows.push({ label: label(y), a: null, b: text(y), mark: 'only-b' });
  return rows;
}

const addressText = (x: Address) => [x.address_line, x.city, x.state, x.pincode, x.country].filter((v) => !empty(v)).join(', ') || '—';

/** Addresses meet at a pincode (a home is where dedupe looks for it); a line differing there differs. */
export function addressRows(as: Address[], bs: Address[]): Row[] {
  return matchRecords(as, bs, (x) => (x.pincode ?? '').replace(/\s/g, '') || `id:${x.id}`, addressText, (x) => (x.pincode ? `Pincode ${x.pincode}` : 'Address'));
}

/**
 * An account is its IFSC and number: one account on both sides is the same account (the holder's
 * name as each side wrote it is shown); different accounts are each one-sided.
 */
export function bankRows(as: Bank[], bs: Bank[]): Row[] {
  const text = (x: Bank) => `holder ${x.account_holder_name}${x.bank_name ? `, ${x.bank_name}` : ''}${x.is_primary ? ', primary' : ''}`;
  return matchRecords(as, bs, (x) => `${x.ifsc.toUpperCase()}/${x.account_no}`, text, (x) => `${x.account_no} · ${x.ifsc}`, true);
}

const relatedName = (r: Relation) => (r.related_contact && typeof r.related_contact === 'object' ? r.related_contact.name : r.related_contact ?? 'a party not on file');
const relatedId = (r: Relation) => (r.related_contact && typeof r.related_contact === 'object' ? r.related_contact.id : r.related_contact ?? '');

/** A relation is its type and the related contact. */
export function relationRows(as: Relation[], bs: Relation[]): Row[] {
  return matchRecords(as, bs, (x) => `${x.type}/${relatedId(x) || `id:${x.id}`}`, (x) => relatedName(x), (x) => humanize(x.type));
}

export function countMarks(rows: Row[]): Record<Mark, number> {
  const out: Record<Mark, number> = { same: 0, differs: 0, 'only-a': 0, 'only-b': 0 };
  for (const r of rows) if (r.mark) out[r.mark] += 1;
  return out;
}
