// Scan entries (scan.ts): a contact as the scan holds it. The identifier groups stream everything
// at once; the names stream brings the secondary blocking keys, and the name and props (the scoring
// subject) are loaded only for a contact in a pair to score.
import type { Executor } from '../../db/index.js';
import { type PreparedSubject, prepareSubject } from '../../dedupe/score.js';
import { subjectOf } from './dedupe.match.js';
import { type GroupRow, type ScanAddress, type ScanRow, type ScanScope, type StreamRow, contactsByIds, scanPropsOf } from './scan.queries.js';

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

/** Entries of rows of the names stream, which carry their addresses and Aadhaar fragments. */
export function streamEntries(rows: readonly StreamRow[]): Entry[] {
  return rows.map(({ addresses, aadhaar, ...row }) =>
    entryOf(row, (addresses ?? []).map(([pincode, address_line]) => ({ pincode, address_line })), aadhaar ?? []),
  );
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

/** An entry with its scoring subject from a row of the identifier-group stream. */
export function groupEntry({ kind: _kind, value: _value, addresses, aadhaar, props, ...row }: GroupRow): Entry {
  const e = entryOf(row, (addresses ?? []).map(([pincode, address_line]) => ({ pincode, address_line })), aadhaar ?? []);
  e.subject = prepareSubject(subjectOf(row.name, row.type, (props ?? []).map(([key, value]) => ({ key, value })), e.addresses));
  return e;
}
