import { Params, type Executor } from '../../db/index.js';
import type { Event } from './events.schema.js';

export interface EventRow {
  tenant_id: string;
  id: string;
  type: string;
  object_type: string;
  object_id: string;
  contact_id: string | null;
  data: Event['data'];
  request_id: string | null;
  user_id: string;
  created_at: Date;
}

const COLUMNS = 'id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at';

export function toEvent(r: EventRow): Event {
  return {
    id: r.id,
    type: r.type,
    created_at: r.created_at.toISOString(),
    object_type: r.object_type,
    object_id: r.object_id,
    contact_id: r.contact_id,
    data: r.data,
    request_id: r.request_id,
    user_id: r.user_id,
  };
}

export interface FeedFilter {
  after?: string;
  types?: string[];
  objectId?: string;
}

/** Published events after a cursor, in feed (id) order; one more than `limit` tells whether there are more. */
export async function readFeed(db: Executor, tenantId: string, f: FeedFilter, limit: number): Promise<EventRow[]> {
  const p = new Params();
  const where = [`tenant_id = ${p.add(tenantId)}`];
  if (f.after) where.push(`id > ${p.add(f.after)}`);
  if (f.types && f.types.length > 0) where.push(`type = ANY(${p.add(f.types)}::text[])`);
  if (f.objectId) where.push(`object_id = ${p.add(f.objectId)}`);
  const res = await db.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${p.add(limit + 1)}`, p.values);
  return res.rows;
}

export async function findEvent(db: Executor, tenantId: string, id: string): Promise<EventRow | undefined> {
  const res = await db.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE tenant_id = $1 AND id = $2`, [tenantId, id], { prepare: true });
  return res.rows[0];
}
