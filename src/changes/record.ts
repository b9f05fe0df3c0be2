import { ulid } from '../ids.js';
import type { Executor } from '../db/index.js';
import type { Actor } from './actor.js';

export type ActionType = 'create' | 'update' | 'delete' | 'action';
export type ObjectType = 'namespace' | 'contact' | 'address' | 'bank' | 'prop' | 'relation';

/** What one write did to one object, as its audit entry (CONTRACT §5) records it. */
export interface Change {
  action: ActionType;
  objectType: ObjectType;
  objectId: string;
  /** The contact the change belongs to (itself, or the owner of a sub-resource); null for namespaces. */
  contactId: string | null;
  /** The object's API representation before and after the change (null before a create). */
  before: unknown;
  after: unknown;
  comment?: string | null;
  at: Date;
}

/**
 * The one seam every write passes: records the change in the transaction of the write it
 * describes, so the write and its record commit together or not at all. No-op writes must not call
 * it. Audit entries are append-only: nothing updates or deletes them.
 */
export async function recordChange(tx: Executor, actor: Actor, change: Change): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp,
                            ip_address, user_agent, before_state, after_state, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      actor.tenantId,
      ulid(change.at.getTime()),
      actor.userId,
      change.action,
      change.objectType,
      change.objectId,
      change.contactId,
      change.at,
      actor.ip,
      actor.userAgent,
      change.before === null || change.before === undefined ? null : JSON.stringify(change.before),
      change.after === null || change.after === undefined ? null : JSON.stringify(change.after),
      change.comment ?? null,
    ],
    { prepare: true },
  );
}
