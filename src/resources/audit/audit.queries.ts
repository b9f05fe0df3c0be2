import { ulid } from '../../ids.js';
import type { Executor } from '../../db/index.js';
import type { RequestContext } from '../../http/context.js';

export type ActionType = 'create' | 'update' | 'delete' | 'action';
export type ObjectType = 'namespace' | 'contact' | 'address' | 'bank' | 'prop' | 'relation';

export interface AuditInput {
  actionType: ActionType;
  objectType: ObjectType;
  objectId: string;
  /** The contact the entry belongs to (itself or the owner of a sub-resource). */
  contactId?: string | null;
  before: unknown;
  after: unknown;
  comment?: string | null;
  at: Date;
}

/**
 * Appends one audit entry. Always called with the transaction of the write it describes, so the
 * write and its entry commit together or not at all. There is no update or delete of entries.
 */
export async function recordAudit(tx: Executor, ctx: RequestContext, e: AuditInput): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp,
                            ip_address, user_agent, before_state, after_state, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      ctx.tenantId,
      ulid(e.at.getTime()),
      ctx.userId,
      e.actionType,
      e.objectType,
      e.objectId,
      e.contactId ?? null,
      e.at,
      ctx.ip,
      ctx.userAgent,
      e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
      e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
      e.comment ?? null,
    ],
    { prepare: true },
  );
}
