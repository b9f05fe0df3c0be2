import { ulid } from '../../ids.js';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { checkPrecondition, recordChange, type Actor, type Precondition } from '../../changes/index.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import { bodyContactId, checkJsonSize, checkOwnerUnchanged, lockLiveContact, UNKNOWN_CONTACT } from '../common/subresource.js';
import type { RelationCreateBody, RelationPatchBody } from './relations.schema.js';
import { findRelation, insertRelation, toRelation, updateRelation, type RelationChanges, type RelationRow } from './relations.queries.js';

const SELF = 'Must differ from contact: a contact cannot be related to itself.';

/** Finds a visible relation and locks it for a write, owner first (see OwnerLock). */
async function lockRelation(tx: Executor, tenantId: string, id: string, precondition?: Precondition): Promise<RelationRow> {
  const seen = await findRelation(tx, tenantId, id);
  if (!seen || !(await lockLiveContact(tx, tenantId, seen.contact_id, 'share'))) throw notFound('Relation');
  const row = await findRelation(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Relation');
  checkPrecondition(precondition, row.version);
  return row;
}

/** Both parties must be live in the tenant for the whole write (CONTRACT §4.4, §6a). */
async function checkParty(tx: Executor, errors: FieldErrorCollector, tenantId: string, field: string, id: string | null | undefined): Promise<void> {
  if (id && !(await lockLiveContact(tx, tenantId, id, 'share'))) errors.add(field, UNKNOWN_CONTACT);
}

export async function createRelation(tx: Executor, actor: Actor, body: RelationCreateBody, at = new Date()): Promise<RelationRow> {
  const errors = new FieldErrorCollector();
  const contactId = bodyContactId(errors, 'contact', body.contact);
  const relatedId = body.related_contact == null ? null : bodyContactId(errors, 'related_contact', body.related_contact);
  if (contactId && relatedId === contactId) errors.add('related_contact', SELF);
  checkJsonSize(errors, 'refs', body.refs);
  errors.throwIfAny();
  await checkParty(tx, errors, actor.tenantId, 'contact', contactId);
  await checkParty(tx, errors, actor.tenantId, 'related_contact', relatedId);
  errors.throwIfAny();
  const created = await insertRelation(tx, {
    tenant_id: actor.tenantId,
    id: ulid(at.getTime()),
    contact_id: contactId!,
    related_contact_id: relatedId ?? null,
    type: body.type,
    tags: uniqueTags(body.tags ?? []),
    refs: body.refs ?? {},
    at,
    user_id: actor.userId,
  });
  await recordChange(tx, actor, { event: 'relation.created', action: 'create', objectType: 'relation', objectId: created.id, contactId: created.contact_id, before: null, after: toRelation(created), at });
  return created;
}

export async function patchRelation(tx: Executor, actor: Actor, id: string, body: RelationPatchBody, precondition?: Precondition, at = new Date()): Promise<RelationRow> {
  const errors = new FieldErrorCollector();
  const contactId = body.contact === undefined ? undefined : bodyContactId(errors, 'contact', body.contact);
  const relatedId = body.related_contact == null ? body.related_contact : bodyContactId(errors, 'related_contact', body.related_contact);
  checkJsonSize(errors, 'refs', body.refs);
  errors.throwIfAny();
  const current = await lockRelation(tx, actor.tenantId, id, precondition);
  checkOwnerUnchanged(errors, contactId, current.contact_id, 'contact', 'The contact of a relation cannot be changed; create a new relation instead.');
  if (relatedId && relatedId === current.contact_id) errors.add('related_contact', SELF);
  else if (relatedId && relatedId !== current.related_contact_id) await checkParty(tx, errors, actor.tenantId, 'related_contact', relatedId);
  errors.throwIfAny();
  const changes: RelationChanges = {
    type: body.type,
    related_contact_id: relatedId,
    tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
    refs: body.refs === undefined ? undefined : JSON.stringify(body.refs),
  };
  const updated = await updateRelation(tx, actor.tenantId, id, changes, actor.userId, at);
  await recordChange(tx, actor, { event: 'relation.updated', action: 'update', objectType: 'relation', objectId: id, contactId: current.contact_id, before: toRelation(current), after: toRelation(updated), at });
  return updated;
}

export async function deleteRelation(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<void> {
  const current = await lockRelation(tx, actor.tenantId, id, precondition);
  const deleted = await updateRelation(tx, actor.tenantId, id, { is_deleted: true, deleted_at: at }, actor.userId, at);
  await recordChange(tx, actor, { event: 'relation.deleted', action: 'delete', objectType: 'relation', objectId: id, contactId: current.contact_id, before: toRelation(current), after: toRelation(deleted), at });
}
