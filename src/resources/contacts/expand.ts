import type { Executor } from '../../db/index.js';
import type { Contact } from './contacts.schema.js';
import { propsOf, toContact, toProp, type ContactRow } from './contacts.queries.js';

export const CONTACT_EXPANDS = ['props'] as const;
export type ContactExpand = (typeof CONTACT_EXPANDS)[number];

/**
 * Loads each requested kind of related data for a whole page in one query per kind (never one per
 * row), then inlines it.
 */
export async function expandContacts(db: Executor, tenantId: string, rows: ContactRow[], expand: Set<ContactExpand>): Promise<Contact[]> {
  const ids = rows.map((r) => r.id);
  const props = expand.has('props') ? await propsOf(db, tenantId, ids) : undefined;
  return rows.map((r) => {
    const c = toContact(r);
    if (props) c.props = (props.get(r.id) ?? []).map(toProp);
    return c;
  });
}
