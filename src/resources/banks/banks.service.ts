import { ulid } from '../../ids.js';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { checkPrecondition, recordChange, type Actor, type Precondition } from '../../changes/index.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import { bodyContactId, checkOwnerUnchanged, lockLiveContact, UNKNOWN_CONTACT } from '../common/subresource.js';
import type { BankCreateBody, BankPatchBody } from './banks.schema.js';
import { findBank, findOtherPrimary, insertBank, toBank, updateBank, type BankChanges, type BankRow } from './banks.queries.js';

// Bank writes lock their contact `exclusive` (see OwnerLock), so two requests making different
// accounts primary cannot interleave; the unique index on the primary is the last guard.

/** Finds a visible bank account and locks it for a write, owner first. */
async function lockBank(tx: Executor, tenantId: string, id: string, precondition?: Precondition): Promise<BankRow> {
  const seen = await findBank(tx, tenantId, id);
  if (!seen || !(await lockLiveContact(tx, tenantId, seen.contact_id, 'exclusive'))) throw notFound('Bank account');
  const row = await findBank(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Bank account');
  checkPrecondition(precondition, row.version);
  return row;
}

/**
 * Makes room for a new primary account: the contact's current primary (if another) is demoted in
 * the same transaction. The demotion is a write to that other account, so it is a change of its
 * own: that account's history must explain why its is_primary went false.
 */
async function demoteOtherPrimary(tx: Executor, actor: Actor, contactId: string, newPrimaryId: string, at: Date): Promise<void> {
  const other = await findOtherPrimary(tx, actor.tenantId, contactId, newPrimaryId);
  if (!other) return;
  const demoted = await updateBank(tx, actor.tenantId, other.id, { is_primary: false }, actor.userId, at);
  await recordChange(tx, actor, {
    event: 'bank.updated', action: 'update', objectType: 'bank',
    objectId: other.id,
    contactId,
    before: toBank(other),
    after: toBank(demoted),
    comment: `is_primary cleared: bank ${newPrimaryId} became primary`,
    at,
  });
}

export async function createBank(tx: Executor, actor: Actor, body: BankCreateBody, at = new Date()): Promise<BankRow> {
  const errors = new FieldErrorCollector();
  const contactId = bodyContactId(errors, 'contact_id', body.contact_id);
  errors.throwIfAny();
  if (!(await lockLiveContact(tx, actor.tenantId, contactId!, 'exclusive'))) errors.add('contact_id', UNKNOWN_CONTACT);
  errors.throwIfAny();
  const id = ulid(at.getTime());
  if (body.is_primary) await demoteOtherPrimary(tx, actor, contactId!, id, at);
  const created = await insertBank(tx, {
    tenant_id: actor.tenantId,
    id,
    contact_id: contactId!,
    account_holder_name: body.account_holder_name,
    account_no: body.account_no,
    ifsc: body.ifsc.toUpperCase(),
    bank_name: body.bank_name ?? null,
    branch_name: body.branch_name ?? null,
    account_type: body.account_type ?? 'savings',
    is_primary: body.is_primary ?? false,
    tags: uniqueTags(body.tags ?? []),
    at,
    user_id: actor.userId,
  });
  await recordChange(tx, actor, { event: 'bank.created', action: 'create', objectType: 'bank', objectId: id, contactId: created.contact_id, before: null, after: toBank(created), at });
  return created;
}

export async function patchBank(tx: Executor, actor: Actor, id: string, body: BankPatchBody, precondition?: Precondition, at = new Date()): Promise<BankRow> {
  const errors = new FieldErrorCollector();
  const contactId = body.contact_id === undefined ? undefined : bodyContactId(errors, 'contact_id', body.contact_id);
  errors.throwIfAny();
  const current = await lockBank(tx, actor.tenantId, id, precondition);
  checkOwnerUnchanged(errors, contactId, current.contact_id, 'contact_id', 'The owning contact of a bank account cannot be changed; create a new one instead.');
  errors.throwIfAny();
  if (body.is_primary && !current.is_primary) await demoteOtherPrimary(tx, actor, current.contact_id, id, at);
  const changes: BankChanges = {
    account_holder_name: body.account_holder_name,
    account_no: body.account_no,
    ifsc: body.ifsc?.toUpperCase(),
    bank_name: body.bank_name,
    branch_name: body.branch_name,
    account_type: body.account_type,
    is_primary: body.is_primary,
    tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
  };
  const updated = await updateBank(tx, actor.tenantId, id, changes, actor.userId, at);
  await recordChange(tx, actor, { event: 'bank.updated', action: 'update', objectType: 'bank', objectId: id, contactId: current.contact_id, before: toBank(current), after: toBank(updated), at });
  return updated;
}

/** A deleted primary stays flagged in its own record; the contact simply has no primary now. */
export async function deleteBank(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<void> {
  const current = await lockBank(tx, actor.tenantId, id, precondition);
  const deleted = await updateBank(tx, actor.tenantId, id, { is_deleted: true, deleted_at: at }, actor.userId, at);
  await recordChange(tx, actor, { event: 'bank.deleted', action: 'delete', objectType: 'bank', objectId: id, contactId: current.contact_id, before: toBank(current), after: toBank(deleted), at });
}
