import type { Executor } from '../../db/index.js';
import { findContactsByIds, toContact } from '../contacts/contacts.queries.js';
import type { Contact } from '../contacts/contacts.schema.js';
import type { Relation, RelationExpand } from './relations.schema.js';
import { toRelation, type RelationRow } from './relations.queries.js';

/**
 * Inlines the contact objects of a page of relations. All the contacts named by the requested
 * kinds are loaded in one query, whatever the page size. Visible relations only name live
 * contacts, so every id resolves.
 */
export async function expandRelations(
  db: Executor,
  tenantId: string,
  rows: RelationRow[],
  expand: Set<RelationExpand>,
): Promise<Relation[]> {
  if (expand.size === 0) return rows.map(toRelation);
  const ids = new Set<string>();
  for (const r of rows) {
    if (expand.has('contact')) ids.add(r.contact_id);
    if (expand.has('related_contact') && r.related_contact_id) ids.add(r.related_contact_id);
  }
  const byId = new Map<string, Contact>((await findContactsByIds(db, tenantId, [...ids])).map((c) => [c.id, toContact(c)]));
  return rows.map((r) => {
    const rel = toRelation(r);
    if (expand.has('contact')) rel.contact = byId.get(r.contact_id) ?? r.contact_id;
    if (expand.has('related_contact') && r.related_contact_id) rel.related_contact = byId.get(r.related_contact_id) ?? r.related_contact_id;
    return rel;
  });
}
