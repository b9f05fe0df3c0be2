import type { Executor } from '../../db/index.js';
import { Params, pagedQuery, orderBySql, type Ordering } from '../../db/index.js';
import type { HistoryEntry } from './history.schema.js';

const HISTORY_ORDER_COLUMNS = { timestamp: 'h.timestamp' };
/** The fields a history list may be ordered by. */
export const HISTORY_ORDERINGS = Object.keys(HISTORY_ORDER_COLUMNS) as (keyof typeof HISTORY_ORDER_COLUMNS)[];

// Read side of the audit log (written by audit/audit.queries.ts). Entries are append-only: there
// is no query here, or anywhere, that updates or deletes them.

export interface AuditRow {
  tenant_id: string;
  id: string;
  user_id: string;
  action_type: string;
  object_type: string;
  object_id: string;
  timestamp: Date;
  ip_address: string | null;
  user_agent: string | null;
  before_state: unknown;
  after_state: unknown;
  comment: string | null;
}

const COLUMNS = `h.tenant_id, h.id, h.user_id, h.action_type, h.object_type, h.object_id, h.timestamp,
  h.ip_address, h.user_agent, h.before_state, h.after_state, h.comment`;

export function toHistoryEntry(r: AuditRow): HistoryEntry {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    user_id: r.user_id,
    action_type: r.action_type,
    object_type: r.object_type,
    object_id: r.object_id,
    timestamp: r.timestamp.toISOString(),
    ip_address: r.ip_address,
    user_agent: r.user_agent,
    before_state: (r.before_state ?? null) as HistoryEntry['before_state'],
    after_state: (r.after_state ?? null) as HistoryEntry['after_state'],
    comment: r.comment,
  };
}

export interface HistoryFilter {
  /** Entries of this contact and its sub-resources (audit_log.contact_id). */
  contactId?: string;
  objectId?: string;
  objectType?: string;
  actionType?: string;
  userId?: string;
  after: Date | null;
  before: Date | null;
}

export async function listHistory(
  db: Executor,
  tenantId: string,
  f: HistoryFilter,
  ordering: Ordering<keyof typeof HISTORY_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: AuditRow[]; count: number }> {
  const p = new Params();
  const where = [`h.tenant_id = ${p.add(tenantId)}`];
  if (f.contactId) where.push(`h.contact_id = ${p.add(f.contactId)}`);
  if (f.objectId) where.push(`h.object_id = ${p.add(f.objectId)}`);
  if (f.objectType) where.push(`h.object_type = ${p.add(f.objectType)}`);
  if (f.actionType) where.push(`h.action_type = ${p.add(f.actionType)}`);
  if (f.userId) where.push(`h.user_id = ${p.add(f.userId)}`);
  if (f.after) where.push(`h.timestamp >= ${p.add(f.after)}`);
  if (f.before) where.push(`h.timestamp <= ${p.add(f.before)}`);
  return pagedQuery<AuditRow>(db, { select: COLUMNS, from: 'audit_log h', where: where.join(' AND '), orderBy: orderBySql(ordering, HISTORY_ORDER_COLUMNS, 'h') }, p, limit, offset);
}
