// Scan entries (scan.ts): a contact as the scan holds it, and its loading in batches: the secondary
// blocking keys first, the name and props (the scoring subject) only when it is in a pair to score.
import type { Executor } from '../../db/index.js';
import { type PreparedSubject, prepareSubject } from '../../dedupe/score.js';
import { subjectOf } from './dedupe.match.js';
import { type ScanAddress, type ScanRow, type ScanScope, contactsByIds, scanAadhaarOf, scanAddressesOf, scanPropsOf } from './scan.queries.js';

export interface Entry {
  /** Only id and name_phonetic until `detailed` (band probable streams keys only). */
  row: ScanRow;
  detailed: boolean;
  /** Deleted while the scan ran: never scored. */
  gone?: boolean;
  addresses: ScanAddress[];
  /** Secondary blocking keys: `pin:<pincode>`, `aadhaar:<last four>`. */
  keys: string[];
  /** Loaded (with the props) only once the contact is in a pair to score. */
  subject?: PreparedSubject;
}

/** Pincodes as the scorer compares them (prepareSubject): no spaces, six digits. */
const pinKey = (p: string): string | null => {
  const v = p.replace(/\s+/g, '');
  return /^[0-9]{6}$/.test(v) ? `pin:${v}` : null;
};

/** Addresses (their pincodes) and Aadhaar fragments (the secondary keys) of a batch of contacts: one query each. */
export async function loadEntries(db: Executor, scope: ScanScope, rows: Pick<ScanRow, 'id' | 'name_phonetic'>[], withAddresses: boolean): Promise<Entry[]> {
  const ids = rows.map((r) => r.id);
  const [addresses, aadhaar] = await Promise.all([withAddresses ? scanAddressesOf(db, scope.tenantId, ids) : new Map<string, ScanAddress[]>(), scanAadhaarOf(db, scope.tenantId, ids)]);
  return rows.map((r) => entryOf(r, addresses.get(r.id) ?? [], aadhaar.get(r.id) ?? []));
}

function entryOf(r: Pick<ScanRow, 'id' | 'name_phonetic'>, addresses: ScanAddress[], aadhaar: string[]): Entry {
  const keys = [...addresses.map((a) => pinKey(a.pincode)).filter((k): k is string => k !== null), ...aadhaar.map((a) => `aadhaar:${a}`)];
  const detailed = 'name' in r;
  const row: ScanRow = detailed ? (r as ScanRow) : { id: r.id, name_phonetic: r.name_phonetic, ref_id: null, name: '', type: 'individual', name_key: '' };
  return { row, detailed, addresses, keys };
}

/** Builds the scoring subjects of entries that have none yet: rows and props in one query each. */
export async function prepareEntries(db: Executor, scope: ScanScope, entries: Iterable<Entry>): Promise<void> {
  const todo = [...new Set(entries)].filter((e) => e.subject === undefined && !e.gone);
  if (todo.length === 0) return;
  const bare = todo.filter((e) => !e.detailed);
  const [rows, props] = await Promise.all([contactsByIds(db, scope, bare.map((e) => e.row.id)), scanPropsOf(db, scope.tenantId, todo.map((e) => e.row.id))]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const e of bare) {
    const row = byId.get(e.row.id);
    if (row) e.row = row;
    else e.gone = true;
    e.detailed = true;
  }
  for (const e of todo) {
    if (e.gone) continue;
    e.subject = prepareSubject(subjectOf(e.row.name, e.row.type, props.get(e.row.id) ?? [], e.addresses));
  }
}

/** Rows, keys and subjects of contacts by id, the four queries at once (the identifier group passes). */
export async function loadFullEntries(db: Executor, scope: ScanScope, ids: string[], withAddresses: boolean): Promise<Entry[]> {
  const [rows, addresses, aadhaar, props] = await Promise.all([
    contactsByIds(db, scope, ids),
    withAddresses ? scanAddressesOf(db, scope.tenantId, ids) : new Map<string, ScanAddress[]>(),
    scanAadhaarOf(db, scope.tenantId, ids),
    scanPropsOf(db, scope.tenantId, ids),
  ]);
  return rows.map((row) => {
    const e = entryOf(row, addresses.get(row.id) ?? [], aadhaar.get(row.id) ?? []);
    e.subject = prepareSubject(subjectOf(row.name, row.type, props.get(row.id) ?? [], e.addresses));
    return e;
  });
}
