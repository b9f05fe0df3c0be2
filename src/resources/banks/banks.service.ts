import { AppError } from '../../errors/index.js';
import { isUniqueViolation, type Executor } from '../../db/index.js';
import type { RequestContext } from '../../http/context.js';
import { recordAudit } from '../audit/audit.queries.js';
import { BANK_ACCOUNT_KEY, BANK_PRIMARY_KEY, findOtherPrimary, toBank, updateBank } from './banks.queries.js';

/**
 * Makes room for a new primary account: the contact's current primary (if another) is demoted in
 * the same transaction. The demotion is a write to that other account, so it gets its own `update`
 * entry: that account's history must explain why its is_primary went false. Callers hold the
 * owner lock (`exclusive`), so no concurrent writer can promote a third account meanwhile.
 */
export async function demoteOtherPrimary(
  tx: Executor,
  ctx: RequestContext,
  contactId: string,
  newPrimaryId: string,
  at: Date,
): Promise<void> {
  const other = await findOtherPrimary(tx, ctx.tenantId, contactId, newPrimaryId);
  if (!other) return;
  const demoted = await updateBank(tx, ctx.tenantId, other.id, { is_primary: false }, ctx.userId, at);
  await recordAudit(tx, ctx, {
    actionType: 'update',
    objectType: 'bank',
    objectId: other.id,
    contactId,
    before: toBank(other),
    after: toBank(demoted),
    comment: `is_primary cleared: bank ${newPrimaryId} became primary`,
    at,
  });
}

/** Unique-index violations of bank writes as the 409s the client can act on. */
export function bankConflict(err: unknown): unknown {
  if (isUniqueViolation(err, BANK_ACCOUNT_KEY)) {
    const msg = 'This contact already has a bank account with this ifsc and account_no.';
    return new AppError('conflict', msg, { errors: { account_no: [msg] } });
  }
  if (isUniqueViolation(err, BANK_PRIMARY_KEY)) {
    const msg = 'Another bank account of this contact became primary concurrently; retry.';
    return new AppError('conflict', msg, { errors: { is_primary: [msg] } });
  }
  return err;
}
