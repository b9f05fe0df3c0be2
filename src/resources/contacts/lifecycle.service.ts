import { AppError, fieldError } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { recordChange, type Actor, type Precondition } from '../../changes/index.js';
import { findNamespaceById } from '../namespaces/namespaces.queries.js';
import type { ContactChanges, ContactRow } from './contacts.queries.js';
import { assertCanActivate, contactView, lockContact, saveContact, type ContactState } from './contacts.service.js';
import { BLOCK_DUPLICATES, checkRestoreBlocking, overrideComment, rememberOverride, type DuplicatePolicy } from './blocking.js';

export const CONTACT_ACTIONS = ['active', 'inactive', 'approve', 'reject'] as const;
export type ContactAction = (typeof CONTACT_ACTIONS)[number];

const ACTION_EVENTS = { active: 'contact.activated', inactive: 'contact.deactivated', approve: 'contact.approved', reject: 'contact.rejected' } as const;

/**
 * The lifecycle state machine (CONTRACT §3.2, §6a). Returns the changes to apply, or null when the
 * action is already in effect (a no-op: no write, no audit entry, ETag unchanged).
 */
export function planAction(row: ContactRow, action: ContactAction, comment: string | null, userId: string, at: Date): ContactChanges | null {
  switch (action) {
    case 'active':
      if (row.status === 'active') return null;
      assertCanActivate(row);
      return { status: 'active' };
    case 'inactive':
      return row.status === 'inactive' ? null : { status: 'inactive' };
    case 'approve':
      if (row.approval_status === 'approved') return null;
      return { approval_status: 'approved', status: 'active', approval_comment: comment, approval_by: userId, approval_at: at };
    case 'reject':
      if (row.approval_status === 'rejected') return null;
      return { approval_status: 'rejected', status: 'inactive', approval_comment: comment, approval_by: userId, approval_at: at };
  }
}

/** A reject needs a reason (Crego's approval module makes reject comments mandatory). */
export function checkActionComment(action: ContactAction, comment: string | null): void {
  if (action === 'reject' && !comment) {
    throw fieldError('comment', 'A comment is required to reject a contact.');
  }
}

/** Applies a lifecycle action; returns the contact as it is afterwards (unchanged for a no-op). */
export async function applyAction(
  tx: Executor,
  actor: Actor,
  id: string,
  action: ContactAction,
  comment: string | null,
  precondition?: Precondition,
  at = new Date(),
): Promise<ContactState> {
  checkActionComment(action, comment);
  const current = await lockContact(tx, actor.tenantId, id, precondition);
  const changes = planAction(current.row, action, comment, actor.userId, at);
  if (!changes) return current;
  const next = await saveContact(tx, actor, current, changes, at);
  await recordChange(tx, actor, {
    event: ACTION_EVENTS[action],
    action: 'action',
    objectType: 'contact',
    objectId: id,
    contactId: id,
    before: contactView(current),
    after: contactView(next),
    comment: comment ? `${action}: ${comment}` : action,
    at,
  });
  return next;
}

/** Brings a soft-deleted contact back; a live contact is a no-op. */
export async function restoreContact(
  tx: Executor,
  actor: Actor,
  id: string,
  o: { policy?: DuplicatePolicy; precondition?: Precondition } = {},
  at = new Date(),
): Promise<ContactState> {
  const current = await lockContact(tx, actor.tenantId, id, o.precondition, { includeDeleted: true });
  if (!current.row.is_deleted) return current;
  if (!(await findNamespaceById(tx, actor.tenantId, current.row.namespace_id))) {
    throw new AppError('conflict', "The contact's namespace has been deleted; recreate it before restoring the contact.");
  }
  const policy = o.policy ?? BLOCK_DUPLICATES;
  const duplicateOf = await checkRestoreBlocking(tx, actor.tenantId, id, current.props, policy);
  const next = await saveContact(tx, actor, current, { is_deleted: false, deleted_at: null }, at);
  const override = overrideComment(policy, duplicateOf);
  await recordChange(tx, actor, {
    event: 'contact.restored',
    action: 'action',
    objectType: 'contact',
    objectId: id,
    contactId: id,
    before: contactView(current),
    after: contactView(next),
    comment: override ? `restore: ${override}` : 'restore',
    at,
  });
  await rememberOverride(tx, actor, id, policy, duplicateOf, at);
  return next;
}
