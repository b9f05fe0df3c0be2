import type { Executor } from '../../db/index.js';
import { analyzeIdentifiers, type MatchKey, type PropLike } from '../../dedupe/identifiers.js';
import { nameKey, phoneticKey } from '../../dedupe/names.js';

// The one owner of a contact's derived data: everything dedupe reads that is computed from what
// clients write. Every write path takes the values from here and calls the sync functions below
// in its own transaction; merge, undo and import rebuild through rebuildDerived. No trigger keeps
// any of it (migration 0015 dropped those of 0008 and 0012), so code is the only writer, and
// verifyDerived (the `verify` command) checks all of it against its sources. (The list's contact
// counts are not a contact's derived data but the table's: triggers keep them, migration 0040,
// and verifyContactCounts checks them.)
//
//   item                              source                        written by
//   contacts.name_key, name_phonetic  name, type                    nameColumns() in the contact insert / update
//   contact_match_keys                props (analyzeIdentifiers)    the create statement; writeMatchKeys()
//   contact_match_keys.name_key       contacts.name_key             the same, and syncNameKeyCopies()
//   contacts.match_props              props                         matchPropsJson() at insert; MATCH_PROPS_SQL in the version bump
//   contacts.match_addresses          live addresses with pincode   syncAddressCopies(); matchAddressesJson() in a bulk create
//   contact_addresses.name_key        contacts.name_key             syncAddressCopies(), syncNameKeyCopies(); a bulk create's insert
//   contact_addresses.line_numbers    address_line                  a generated column (migration 0011): never written by code
//
// Every writer locks the contact row first (FOR UPDATE, or FOR NO KEY UPDATE for sub-resources),
// so a rebuild's snapshot is taken after any other writer of that contact has committed: two
// concurrent writers cannot each rebuild from a view that misses the other's rows.

/** The columns that index a contact's name for fuzzy matching. */
export function nameColumns(name: string, type: string): { name_key: string; name_phonetic: string } {
  const t = type === 'corporate' ? 'corporate' : 'individual';
  return { name_key: nameKey(name, t), name_phonetic: phoneticKey(name, t) };
}

/** The match keys a contact with these props holds (identifier props, normalized). */
export function identifierKeys(props: readonly PropLike[]): MatchKey[] {
  return analyzeIdentifiers(props).keys;
}

/** The contact's props as [id, key, value], in key order (code points), as SQL over the row `contacts`. */
export const MATCH_PROPS_SQL = `COALESCE((SELECT json_agg(json_build_array(p.id, p.key, p.value) ORDER BY p.key COLLATE "C")
   FROM contact_props p WHERE p.tenant_id = contacts.tenant_id AND p.contact_id = contacts.id), '[]')`;

/** The contact's live addresses that have a pincode as [pincode, address_line], oldest first, as SQL over the row `contacts`. */
export const MATCH_ADDRESSES_SQL = `COALESCE((SELECT json_agg(json_build_array(a.pincode, a.address_line) ORDER BY a.id)
   FROM contact_addresses a
  WHERE a.tenant_id = contacts.tenant_id AND a.contact_id = contacts.id AND NOT a.is_deleted AND a.pincode IS NOT NULL), '[]')`;

/** A new contact's props copy, from the props it is created with (keys are unique by validation). */
export function matchPropsJson(props: readonly { id: string; key: string; value: string }[]): string {
  const rows = props.map((p) => [p.id, p.key, p.value] as const);
  // Code-point order, as COLLATE "C" (keys are ASCII by pattern).
  rows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return JSON.stringify(rows);
}

/**
 * A new contact's addresses copy, from the addresses it is created with: what MATCH_ADDRESSES_SQL
 * gives for them (those with a pincode, by id in code-point order — ids are ASCII). A bulk create
 * writes it with the contact, and each address the contact's name key, so no sync statement
 * (syncAddressCopies) has to rewrite the rows it just inserted.
 */
export function matchAddressesJson(addresses: readonly { id: string; pincode: string | null; address_line: string | null }[]): string {
  const rows = addresses.filter((a) => a.pincode !== null).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify(rows.map((a) => [a.pincode, a.address_line]));
}

/** The match-key arrays a statement inserts with unnest (kind, value, prop_key, via). */
export function matchKeyArrays(keys: readonly MatchKey[]): [string[], string[], string[], (string | null)[]] {
  return [keys.map((k) => k.kind), keys.map((k) => k.value), keys.map((k) => k.key), keys.map((k) => k.via ?? null)];
}

// The keys the props no longer yield go; new ones come in; kept ones get the current name key.
// (A DELETE of all of them plus an INSERT in one statement would not work: a data-modifying CTE
// nobody reads runs after the main statement, and would delete the rows the INSERT kept.)
const WRITE_MATCH_KEYS_SQL = `WITH k AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS k(kind, value, prop_key, via)),
  gone AS (
    DELETE FROM contact_match_keys m WHERE m.tenant_id = $1 AND m.contact_id = $2
       AND NOT EXISTS (SELECT 1 FROM k WHERE k.kind = m.kind AND k.value = m.value AND k.prop_key = m.prop_key))
  INSERT INTO contact_match_keys AS m (tenant_id, contact_id, kind, value, prop_key, via, name_key)
  SELECT $1, $2, k.kind, k.value, k.prop_key, k.via, $7 FROM k
  ON CONFLICT (tenant_id, contact_id, kind, value, prop_key) DO UPDATE SET via = EXCLUDED.via, name_key = EXCLUDED.name_key
   WHERE m.via IS DISTINCT FROM EXCLUDED.via OR m.name_key <> EXCLUDED.name_key`;

/** Makes a contact's match keys those of its props (after any props write). */
export async function writeMatchKeys(tx: Executor, tenantId: string, contactId: string, props: readonly PropLike[], contactNameKey: string): Promise<void> {
  await tx.query(WRITE_MATCH_KEYS_SQL, [tenantId, contactId, ...matchKeyArrays(identifierKeys(props)), contactNameKey], { prepare: true });
}

const SYNC_NAME_KEY_SQL = `WITH addresses AS (
    UPDATE contact_addresses SET name_key = $3 WHERE tenant_id = $1 AND contact_id = $2 AND name_key <> $3)
  UPDATE contact_match_keys SET name_key = $3 WHERE tenant_id = $1 AND contact_id = $2 AND name_key <> $3`;

/** After a contact's name key changed: its addresses and match keys carry the new one. */
export async function syncNameKeyCopies(tx: Executor, tenantId: string, contactId: string, contactNameKey: string): Promise<void> {
  await tx.query(SYNC_NAME_KEY_SQL, [tenantId, contactId, contactNameKey], { prepare: true });
}

const SYNC_ADDRESSES_SQL = `WITH named AS (
    UPDATE contact_addresses a SET name_key = c.name_key FROM contacts c
     WHERE a.tenant_id = $1 AND a.contact_id = $2 AND c.tenant_id = $1 AND c.id = $2 AND a.name_key <> c.name_key)
  UPDATE contacts SET match_addresses = ${MATCH_ADDRESSES_SQL} WHERE tenant_id = $1 AND id = $2`;

/**
 * After a write to any address of the contact: every address carries the contact's name key, and
 * the contact row's copy of its addresses is rebuilt.
 */
export async function syncAddressCopies(tx: Executor, tenantId: string, contactId: string): Promise<void> {
  await tx.query(SYNC_ADDRESSES_SQL, [tenantId, contactId], { prepare: true });
}

/**
 * Recomputes every derived item of a contact from its name, type, props and addresses: for writes
 * that move data between contacts (merge, undo) or load it in bulk, and for repairs.
 */
export async function rebuildDerived(tx: Executor, tenantId: string, contactId: string): Promise<void> {
  const res = await tx.query<{ name: string; type: string; props: { key: string; value: string }[] | null }>(
    `SELECT c.name, c.type, (SELECT json_agg(json_build_object('key', p.key, 'value', p.value))
                               FROM contact_props p WHERE p.tenant_id = c.tenant_id AND p.contact_id = c.id) AS props
       FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2`,
    [tenantId, contactId],
  );
  const row = res.rows[0];
  if (!row) return;
  const names = nameColumns(row.name, row.type);
  await tx.query(
    `UPDATE contacts SET name_key = $3, name_phonetic = $4, match_props = ${MATCH_PROPS_SQL} WHERE tenant_id = $1 AND id = $2`,
    [tenantId, contactId, names.name_key, names.name_phonetic],
  );
  await writeMatchKeys(tx, tenantId, contactId, row.props ?? [], names.name_key);
  await syncNameKeyCopies(tx, tenantId, contactId, names.name_key);
  await syncAddressCopies(tx, tenantId, contactId);
}
