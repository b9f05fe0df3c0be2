import { AppError } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import type { RequestContext } from '../../http/context.js';
import { recordAudit } from '../audit/audit.queries.js';
import { findNamespaceById } from '../namespaces/namespaces.queries.js';
import { updateContact, type ContactChanges, type ContactRow } from './contacts.queries.js';
import { assertCanActivate, loadContactState } from './contacts.service.js';
import { BLOCK_DUPLICATES, checkRestoreBlocking, overrideComment, type DuplicatePolicy } from '../dedupe/blocking.js';

export const CONTACT_ACTIONS = ['active', 'inactive', 'approve', 'reject'] as const;
export type ContactAction = (typeof CONTACT_ACTIONS)[number];

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

export async function applyAction(
  tx: Executor,
  ctx: RequestContext,
  row: ContactRow,
  action: ContactAction,
  comment: string | null,
  at: Date,
): Promise<boolean> {
  const changes = planAction(row, action, comment, ctx.userId, at);
  if (!changes) return false;
  const before = (await loadContactState(tx, ctx.tenantId, row.id)).state;
  await updateContact(tx, ctx.tenantId, row.id, changes, ctx.userId, at);
  const after = (await loadContactState(tx, ctx.tenantId, row.id)).state;
  await recordAudit(tx, ctx, {
    actionType: 'action',
    objectType: 'contact',
    objectId: row.id,
    contactId: row.id,
    before,
    after,
    comment: comment ? `${action}: ${comment}` : action,
    at,
  });
  return true;
}

/** Brings a soft-deleted contact back. A live contact is a no-op (returns false). */
export async function restoreContact(
  tx: Executor,
  ctx: RequestContext,
  row: ContactRow,
  at: Date,
  policy: DuplicatePolicy = BLOCK_DUPLICATES,
): Promise<boolean> {
  if (!row.is_deleted) return false;
  if (!(await findNamespaceById(tx, ctx.tenantId, row.namespace_id))) {
    throw new AppError('conflict', 'The contact\'s namespace has been deleted; recreate it before restoring the contact.');
  }
  const duplicateOf = await checkRestoreBlocking(tx, ctx.tenantId, row.id, policy);
  const auditComment = overrideComment(policy, duplicateOf);
  const before = (await loadContactState(tx, ctx.tenantId, row.id, true)).state;
  await updateContact(tx, ctx.tenantId, row.id, { is_deleted: false, deleted_at: null }, ctx.userId, at);
  const after = (await loadContactState(tx, ctx.tenantId, row.id)).state;
  await recordAudit(tx, ctx, {
    actionType: 'action',
    objectType: 'contact',
    objectId: row.id,
    contactId: row.id,
    before,
    after,
    comment: auditComment ? `restore: ${auditComment}` : 'restore',
    at,
  });
  return true;
}
