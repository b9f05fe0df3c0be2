// SQL of the tenant-wide duplicate scan (scan.ts). Every query is either one GROUP BY over the
// tenant's match keys, a keyset page of contacts in name_phonetic order, or a lookup by an explicit
// list of ids: nothing here is quadratic in the tenant.
import type { Executor } from '../../db/index.js';
import { Params } from '../../db/index.js';
import type { ContactType } from '../../dedupe/score.js';

/** What the scan reads of a contact. */
export interface ScanRow {
  id: string;
  ref_id: string | null;
  name: string;
  type: ContactType;
  name_phonetic: string;
  name_key: string;
}

/** A tenant, optionally narrowed to one namespace (by id). */
export interface ScanScope {
  tenantId: string;
  namespaceId: string | null;
}

const COLUMNS = 'c.id, c.ref_id, c.name, c.type, c.name_phonetic, c.name_key';

function scopeWhere(p: Params, scope: ScanScope): string {
  const where = [`c.tenant_id = ${p.add(scope.tenantId)}`, 'NOT c.is_deleted'];
  if (scope.namespaceId !== null) where.push(`c.namespace_id = ${p.add(scope.namespaceId)}`);
  return where.join(' AND ');
}

/** Live contacts in scope (for the progress bar). */
export async function countContacts(db: Executor, scope: ScanScope): Promise<number> {
  const p = new Params();
  const res = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts c WHERE ${scopeWhere(p, scope)}`, p.values);
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * The next page of contacts in (name_phonetic, id) order after the keyset `after`. Contacts with
 * an empty phonetic key (names without letters or digits) form no block and are skipped, as in the
 * dedupe endpoint. The keyset is spelled `ph >= $a AND (ph > $a OR id > $b)`: the leading
 * inequality is an index condition on contacts_name_phonetic_idx (tenant_id, name_phonetic, id),
 * whose order is the requested one (migration 0005), so each page reads only its own rows.
 */
export async function contactPage(db: Executor, scope: ScanScope, after: { phonetic: string; id: string } | null, limit: number): Promise<ScanRow[]>;
/** With `keysOnly`, only (id, name_phonetic): an index-only scan, no heap access for a whole tenant. */
export async function contactPage(db: Executor, scope: ScanScope, after: { phonetic: string; id: string } | null, limit: number, keysOnly: true): Promise<Pick<ScanRow, 'id' | 'name_phonetic'>[]>;
export async function contactPage(db: Executor, scope: ScanScope, after: { phonetic: string; id: string } | null, limit: number, keysOnly = false): Promise<Pick<ScanRow, 'id' | 'name_phonetic'>[]> {
  const p = new Params();
  let where = `${scopeWhere(p, scope)} AND c.name_phonetic <> ''`;
  if (after !== null) {
    const ph = p.add(after.phonetic);
    where += ` AND c.name_phonetic >= ${ph} AND (c.name_phonetic > ${ph} OR c.id > ${p.add(after.id)})`;
  }
  const columns = keysOnly ? 'c.id, c.name_phonetic' : COLUMNS;
  const res = await db.query<ScanRow>(`SELECT ${columns} FROM contacts c WHERE ${where} ORDER BY c.name_phonetic, c.id LIMIT ${p.add(limit)}`, p.values);
  return res.rows;
}

/** Live contacts in scope by id, in one query. */
export async function contactsByIds(db: Executor, scope: ScanScope, ids: readonly string[]): Promise<ScanRow[]> {
  if (ids.length === 0) return [];
  const p = new Params();
  const res = await db.query<ScanRow>(`SELECT ${COLUMNS} FROM contacts c WHERE ${scopeWhere(p, scope)} AND c.id = ANY(${p.add(ids)})`, p.values);
  return res.rows;
}

/**
 * Groups of ≥ 2 live contacts in scope that share one normalized match key of the given kinds.
 * The grouping reads the (tenant_id, kind, value) index in order (no sort of the tenant's keys);
 * only the members of shared values are then joined to contacts for liveness and scope.
 */
export async function sharedKeyGroups(db: Executor, scope: ScanScope, kinds: readonly string[]): Promise<{ kind: string; value: string; ids: string[] }[]> {
  const p = new Params();
  const where = scopeWhere(p, scope);
  const res = await db.query<{ kind: string; value: string; ids: string[] }>(
    `WITH shared AS MATERIALIZED (
       SELECT kind, value FROM contact_match_keys WHERE tenant_id = $1 AND kind = ANY(${p.add(kinds)})
        GROUP BY kind, value HAVING count(*) > 1)
     SELECT mk.kind, mk.value, array_agg(DISTINCT mk.contact_id) AS ids
       FROM shared s
       JOIN contact_match_keys mk ON mk.tenant_id = $1 AND mk.kind = s.kind AND mk.value = s.value
       JOIN contacts c ON c.tenant_id = mk.tenant_id AND c.id = mk.contact_id
      WHERE ${where}
      GROUP BY mk.kind, mk.value
     HAVING count(DISTINCT mk.contact_id) > 1`,
    p.values,
  );
  // Deterministic order whatever plan ran: by kind, value; members by id.
  for (const r of res.rows) r.ids.sort();
  return res.rows.sort((x, y) => (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
}

/** Props (key, value) of each contact, in one query. */
export async function scanPropsOf(db: Executor, tenantId: string, ids: readonly string[]): Promise<Map<string, { key: string; value: string }[]>> {
  const out = new Map<string, { key: string; value: string }[]>();
  if (ids.length === 0) return out;
  const res = await db.query<{ contact_id: string; key: string; value: string }>(
    'SELECT contact_id, key, value FROM contact_props WHERE tenant_id = $1 AND contact_id = ANY($2)',
    [tenantId, ids],
  );
  for (const r of res.rows) {
    const list = out.get(r.contact_id);
    if (list) list.push({ key: r.key, value: r.value });
    else out.set(r.contact_id, [{ key: r.key, value: r.value }]);
  }
  return out;
}

/** Aadhaar last four digits of each contact, from its match keys (an index-only lookup). */
export async function scanAadhaarOf(db: Executor, tenantId: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const res = await db.query<{ contact_id: string; value: string }>(
    `SELECT contact_id, value FROM contact_match_keys WHERE tenant_id = $1 AND kind = 'aadhaar' AND contact_id = ANY($2)`,
    [tenantId, ids],
  );
  for (const r of res.rows) {
    const list = out.get(r.contact_id);
    if (list) list.push(r.value);
    else out.set(r.contact_id, [r.value]);
  }
  return out;
}

/** Whether the addresses table exists (pincodes are then supporting evidence). */
export async function hasAddressTable(db: Executor): Promise<boolean> {
  const res = await db.query<{ t: string | null }>(`SELECT to_regclass('contact_addresses')::text AS t`);
  return res.rows[0]?.t != null;
}

/** A live address with a pincode, as the scan reads it. */
export interface ScanAddress {
  pincode: string;
  address_line: string | null;
}

/** Pincodes and lines of each contact's live addresses that have a pincode, in one query. */
export async function scanAddressesOf(db: Executor, tenantId: string, ids: readonly string[]): Promise<Map<string, ScanAddress[]>> {
  const out = new Map<string, ScanAddress[]>();
  if (ids.length === 0) return out;
  const res = await db.query<{ contact_id: string } & ScanAddress>(
    'SELECT contact_id, pincode, address_line FROM contact_addresses WHERE tenant_id = $1 AND contact_id = ANY($2) AND NOT is_deleted AND pincode IS NOT NULL',
    [tenantId, ids],
  );
  for (const r of res.rows) {
    const a = { pincode: r.pincode, address_line: r.address_line };
    const list = out.get(r.contact_id);
    if (list) list.push(a);
    else out.set(r.contact_id, [a]);
  }
  return out;
}
