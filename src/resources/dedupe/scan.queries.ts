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

/** A contact of the names stream with its blocking keys: addresses as [pincode, line], Aadhaar last four digits. */
export interface StreamRow extends Pick<ScanRow, 'id' | 'name_phonetic'>, Partial<Omit<ScanRow, 'id' | 'name_phonetic'>> {
  addresses: [string, string | null][] | null;
  aadhaar: string[] | null;
}

/**
 * Opens, in the transaction `tx`, a cursor over every live contact in scope with a phonetic key,
 * in (name_phonetic, id) order, each with its live addresses that have a pincode and its Aadhaar
 * fragments; returns a function fetching the next `n` rows (none at the end). Contacts with an
 * empty phonetic key (names without letters or digits) form no block and are left out, as in the
 * dedupe endpoint. With `keysOnly`, a row has only (id, name_phonetic) of the contact's columns.
 *
 * One sorted pass with hash joins, not a keyset page per batch with its keys looked up by id: at a
 * million contacts those lookups (one index descent per contact for addresses and another for
 * match keys, mostly outside shared_buffers) cost ~170 ms per 5,000 contacts, about 35 s of the
 * scan, against ~6 s for the pass.
 */
export async function openContactStream(tx: Executor, scope: ScanScope, o: { keysOnly: boolean; withAddresses: boolean }): Promise<(n: number) => Promise<StreamRow[]>> {
  const p = new Params();
  const where = `${scopeWhere(p, scope)} AND c.name_phonetic <> ''`;
  const columns = o.keysOnly ? 'c.id, c.name_phonetic' : COLUMNS;
  return openCursor(
    tx,
    'scan_contacts',
    `SELECT ${columns}, a.addresses, m.aadhaar
       FROM contacts c
       ${keyJoins(o.withAddresses, null)}
      WHERE ${where}
      ORDER BY c.name_phonetic, c.id`,
    p.values,
  );
}

/** A row of the identifier-group stream: one holder of a shared value, with everything the scan scores. */
export interface GroupRow extends ScanRow {
  kind: string;
  value: string;
  addresses: [string, string | null][] | null;
  aadhaar: string[] | null;
  props: [string, string][] | null;
}

/**
 * Opens, in the transaction `tx`, a cursor over the holders of every value of the given match-key
 * kinds that two or more contacts of the tenant share, ordered by kind (`pan` first), value and
 * contact id: each row one live holder in scope with its row, props, addresses and Aadhaar
 * fragments, so a group's rows come together. A group can have a single row (the other holders are
 * deleted or outside the namespace); the caller skips it.
 *
 * The shared values come from an index-only GROUP BY over (tenant_id, kind, value); their holders'
 * props, addresses and fragments from one pass over each table, hash-joined with the holders (a
 * fifth of the contacts in the bench's tenant). Loading them by id instead, 5,000 at a time, meant
 * four index descents per holder, mostly outside shared_buffers at a million contacts: the two
 * identifier phases took 24 s there against 1.4 s at 100,000.
 */
export async function openGroupStream(tx: Executor, scope: ScanScope, kinds: readonly string[], withAddresses: boolean): Promise<(n: number) => Promise<GroupRow[]>> {
  const p = new Params();
  const where = scopeWhere(p, scope);
  const k = p.add(kinds);
  return openCursor(
    tx,
    'scan_groups',
    `WITH shared AS MATERIALIZED (
       SELECT kind, value FROM contact_match_keys WHERE tenant_id = $1 AND kind = ANY(${k})
        GROUP BY kind, value HAVING count(*) > 1),
     held AS MATERIALIZED (
       SELECT DISTINCT kind, value, contact_id FROM contact_match_keys
        WHERE tenant_id = $1 AND kind = ANY(${k}) AND (kind, value) IN (SELECT kind, value FROM shared)),
     members AS MATERIALIZED (SELECT DISTINCT contact_id AS id FROM held)
     SELECT h.kind, h.value, ${COLUMNS}, a.addresses, m.aadhaar, pr.props
       FROM held h
       JOIN contacts c ON c.tenant_id = $1 AND c.id = h.contact_id
       ${keyJoins(withAddresses, 'members')}
       LEFT JOIN (SELECT contact_id, json_agg(json_build_array(key, value) ORDER BY key COLLATE "C", id) AS props
                    FROM contact_props WHERE tenant_id = $1 AND contact_id IN (SELECT id FROM members) GROUP BY contact_id) pr ON pr.contact_id = c.id
      WHERE ${where}
      ORDER BY h.kind <> 'pan', h.kind, h.value, c.id COLLATE "C"`,
    p.values,
    // It guesses 200 holders (192,066 at a million contacts) and looks up each one's props,
    // addresses and fragments by id: 16 s instead of 12 s there.
    { hashJoins: true },
  );
}

/** The joins that give a contact `c` its addresses (as [pincode, line]) and Aadhaar fragments, for the contacts of `only` if named. */
function keyJoins(withAddresses: boolean, only: string | null): string {
  const among = only === null ? '' : ` AND contact_id IN (SELECT id FROM ${only})`;
  const addresses = withAddresses
    ? `LEFT JOIN (SELECT contact_id, json_agg(json_build_array(pincode, address_line) ORDER BY created_at, id) AS addresses
                    FROM contact_addresses WHERE tenant_id = $1 AND NOT is_deleted AND pincode IS NOT NULL${among} GROUP BY contact_id) a ON a.contact_id = c.id`
    : 'LEFT JOIN (SELECT NULL::text AS contact_id, NULL::json AS addresses) a ON false';
  return `${addresses}
       LEFT JOIN (SELECT contact_id, array_agg(value ORDER BY value) AS aadhaar
                    FROM contact_match_keys WHERE tenant_id = $1 AND kind = 'aadhaar'${among} GROUP BY contact_id) m ON m.contact_id = c.id`;
}

/**
 * DECLAREs `name` for `sql` in the transaction `tx` and returns a function fetching its next `n`
 * rows (none at the end). The transaction-local settings make the planner cost the cursor for all
 * of its rows (by default it optimizes for the first 10%, which picks by-id lookups again) and let
 * the hashes and sorts of a scan stay in memory. `hashJoins` forbids nested loops: the planner
 * cannot estimate a materialized CTE's size and costs a join with it as a handful of lookups.
 */
async function openCursor<T>(tx: Executor, name: string, sql: string, params: unknown[], o: { hashJoins?: boolean } = {}): Promise<(n: number) => Promise<T[]>> {
  const noNestedLoops = o.hashJoins ? `, set_config('enable_nestloop', 'off', true)` : '';
  await tx.query(`SELECT set_config('cursor_tuple_fraction', '1', true), set_config('work_mem', '64MB', true)${noNestedLoops}`);
  await tx.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
  return async (n) => (await tx.query<T>(`FETCH ${Math.max(1, Math.floor(n))} FROM ${name}`)).rows;
}

/** Live contacts in scope by id, in one query. */
export async function contactsByIds(db: Executor, scope: ScanScope, ids: readonly string[]): Promise<ScanRow[]> {
  if (ids.length === 0) return [];
  const p = new Params();
  const res = await db.query<ScanRow>(`SELECT ${COLUMNS} FROM contacts c WHERE ${scopeWhere(p, scope)} AND c.id = ANY(${p.add(ids)})`, p.values);
  return res.rows;
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
