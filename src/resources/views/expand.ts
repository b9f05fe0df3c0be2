import type { Executor } from '../../db/index.js';
import type { Contact } from '../contacts/contacts.schema.js';
import { toContact, type ContactRow } from '../contacts/contacts.queries.js';
import { propsOf, toProp } from '../contacts/props.queries.js';
import { addressesOf, toAddress } from '../addresses/addresses.queries.js';
import { banksOf, toBank } from '../banks/banks.queries.js';
import { relationsOf, toRelation } from '../relations/relations.queries.js';

export const CONTACT_EXPANDS = ['props', 'addresses', 'banks', 'relations'] as const;
export type ContactExpand = (typeof CONTACT_EXPANDS)[number];

/**
 * Loads each requested kind of related data for a whole page in one query per kind (never one per
 * row), then inlines it. Sub-resources come oldest first; `relations` are forward only (where the
 * contact is `contact`, CONTRACT §6a) and leave out relations to deleted contacts.
 */
export async function expandContacts(db: Executor, tenantId: string, rows: ContactRow[], expand: Set<ContactExpand>): Promise<Contact[]> {
  const ids = rows.map((r) => r.id);
  // Sequential on purpose: on PGlite every query shares one connection anyway, and on
  // PostgreSQL a list request should not take several pool connections at once.
  const props = expand.has('props') ? await propsOf(db, tenantId, ids) : undefined;
  const addresses = expand.has('addresses') ? await addressesOf(db, tenantId, ids) : undefined;
  const banks = expand.has('banks') ? await banksOf(db, tenantId, ids) : undefined;
  const relations = expand.has('relations') ? await relationsOf(db, tenantId, ids) : undefined;
  return rows.map((r) => {
    const c = toContact(r);
    if (props) c.props = (props.get(r.id) ?? []).map(toProp);
    if (addresses) c.addresses = (addresses.get(r.id) ?? []).map(toAddress);
    if (banks) c.banks = (banks.get(r.id) ?? []).map(toBank);
    if (relations) c.relations = (relations.get(r.id) ?? []).map(toRelation);
    return c;
  });
}
