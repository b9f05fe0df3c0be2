import { notFound } from '../../errors/index.js';
import type { Executor, Ordering } from '../../db/index.js';
import { identifierSearchKeys } from '../../dedupe/identifiers.js';
import { findNamespaceByIdOrName } from '../namespaces/namespaces.queries.js';
import type { Contact } from '../contacts/contacts.schema.js';
import { findContact, listContacts, type CONTACT_ORDERINGS, type ContactFilter, type ContactRow } from '../contacts/contacts.queries.js';
import { expandContacts, type ContactExpand, type ExpansionGate } from './expand.js';
import { finalSurvivor } from '../common/merged.js';

// The read side of contacts: what GET /contacts/ and GET /contacts/{id}/ (and the console through
// them) see. The routes run these in a tenant's `read` scope: each statement one round trip.

export interface ContactListParams extends Omit<ContactFilter, 'namespaceId' | 'search' | 'searchIdentifiers'> {
  /** A namespace name or id; an unknown one matches no contact (a filter, not a reference). */
  namespace?: string;
  /** Case-insensitive substring of name or ref id, or an exact prop value or identifier. */
  search?: string;
  ordering: Ordering<(typeof CONTACT_ORDERINGS)[number]>;
  limit: number;
  offset: number;
  expand: Set<ContactExpand>;
  /** Where a heavy expansion waits for room (see HEAVY_EXPANSION_ITEMS). */
  gate?: ExpansionGate;
}

export async function contactsPage(tx: Executor, tenantId: string, p: ContactListParams): Promise<{ results: Contact[]; count: number }> {
  const { namespace, search, ordering, limit, offset, expand, gate, ...filter } = p;
  let namespaceId: string | undefined;
  if (namespace) {
    const ns = await findNamespaceByIdOrName(tx, tenantId, namespace);
    if (!ns) return { results: [], count: 0 };
    namespaceId = ns.id;
  }
  const term = search?.trim() || undefined;
  const { rows, count } = await listContacts(
    tx,
    tenantId,
    {
      ...filter,
      namespaceId,
      search: term,
      searchIdentifiers: term ? identifierSearchKeys(term) : undefined,
    },
    ordering,
    limit,
    offset,
  );
  return { results: await expandContacts(tx, tenantId, rows, expand, gate), count };
}

/** A live contact with the expands asked for; 404 when there is none. */
export async function retrieveContact(
  tx: Executor,
  tenantId: string,
  id: string,
  expand: Set<ContactExpand>,
  gate?: ExpansionGate,
): Promise<{ row: ContactRow; contact: Contact }> {
  const row = await findContact(tx, tenantId, id);
  if (!row) throw notFound('Contact');
  return { row, contact: (await expandContacts(tx, tenantId, [row], expand, gate))[0]! };
}

/**
 * GET by id: a live contact, or for a merged id the survivor its data now lives in (CONTRACT
 * §8.2: old ids held by other systems keep working for readers); `survivor` says which.
 */
export async function retrieveContactOrSurvivor(
  tx: Executor,
  tenantId: string,
  id: string,
  expand: Set<ContactExpand>,
  gate?: ExpansionGate,
): Promise<{ row: ContactRow; contact: Contact; survivor: boolean }> {
  const row = await findContact(tx, tenantId, id);
  if (row) return { row, contact: (await expandContacts(tx, tenantId, [row], expand, gate))[0]!, survivor: false };
  const survivorId = await finalSurvivor(tx, tenantId, id);
  if (!survivorId) throw notFound('Contact');
  return { ...(await retrieveContact(tx, tenantId, survivorId, expand, gate)), survivor: true };
}
