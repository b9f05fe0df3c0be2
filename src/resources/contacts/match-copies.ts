import type { Executor } from '../../db/index.js';

// Every contact row carries copies of its props and of its addresses with a pincode, in the form
// the dedupe candidate statement returns them (migration 0014): a candidate is then one row read,
// not three. Like the match keys, the copies are written by the service in the transaction of
// every write that changes them:
//   - a create writes its props' copy in the contact insert (matchPropsJson);
//   - a props write (PUT/DELETE props, PATCH with props) refreshes it in the version bump of the
//     contact that follows it (updateContact's `refreshMatchProps`);
//   - an address write refreshes the addresses' copy (refreshMatchAddresses).
// Every such write locks the contact row first (FOR UPDATE, or FOR NO KEY UPDATE for addresses),
// so a rebuild's snapshot is taken after any other writer of that contact has committed: two
// concurrent writers cannot each rebuild from a view that misses the other's rows.
// Statement triggers would keep them with no help from the write paths, but measured on a 1M
// database they took a create from 0.51 to 0.85 ms of backend CPU; a missed path is caught by the
// integrity check every fuzzed and crashed test run ends with (test/helpers/integrity.ts).

/** The contact's props as [id, key, value], in key order (code points), as SQL over the row `contacts`. */
export const MATCH_PROPS_OF_CONTACT = `COALESCE((SELECT json_agg(json_build_array(p.id, p.key, p.value) ORDER BY p.key COLLATE "C")
   FROM contact_props p WHERE p.tenant_id = contacts.tenant_id AND p.contact_id = contacts.id), '[]')`;

/** The contact's live addresses that have a pincode as [pincode, address_line], oldest first, as SQL over the row `contacts`. */
export const MATCH_ADDRESSES_OF_CONTACT = `COALESCE((SELECT json_agg(json_build_array(a.pincode, a.address_line) ORDER BY a.id)
   FROM contact_addresses a
  WHERE a.tenant_id = contacts.tenant_id AND a.contact_id = contacts.id AND NOT a.is_deleted AND a.pincode IS NOT NULL), '[]')`;

/** A new contact's props copy, from the props it is created with (keys are unique by validation). */
export function matchPropsJson(props: readonly { id: string; key: string; value: string }[]): string {
  const rows = props.map((p) => [p.id, p.key, p.value] as const);
  // Code-point order, as COLLATE "C" (keys are ASCII by pattern).
  rows.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return JSON.stringify(rows);
}

/** Rebuilds a contact's addresses copy after a write to one of its addresses. */
export async function refreshMatchAddresses(tx: Executor, tenantId: string, contactId: string): Promise<void> {
  await tx.query(`UPDATE contacts SET match_addresses = ${MATCH_ADDRESSES_OF_CONTACT} WHERE tenant_id = $1 AND id = $2`, [tenantId, contactId], {
    prepare: true,
  });
}
