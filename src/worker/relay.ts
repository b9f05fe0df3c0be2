import { ulid, ulidAfter } from '../ids.js';
import type { Database, Executor } from '../db/index.js';
import { matchesEventFilter } from '../resources/webhooks/event-filter.js';

// The relay publishes committed outbox rows into the feed (migration 0016 explains why the feed
// is gap-free this way) and fans each event out to the tenant's webhooks, in one transaction per
// tenant and batch. Any number of workers may run it: the per-tenant advisory lock makes them
// take turns on a tenant, and the relay of one tenant never waits for another's.

const BATCH = 500;

/** A write whose result is not read: with the COMMIT where the engine can (Executor.defer), else now. */
async function write(tx: Executor, sql: string, params: unknown[]): Promise<void> {
  if (tx.defer) tx.defer(sql, params, { prepare: true });
  else await tx.query(sql, params, { prepare: true });
}

/**
 * Publishes one batch of a tenant's outbox; returns how many events it published and how many
 * deliveries it queued. Three round trips on PostgreSQL: the tenant's lock with its endpoints; the
 * batch taken with the feed's last id; the COMMIT carrying the inserts. A tenant another worker
 * is publishing is skipped rather than waited for: that worker takes what is there.
 */
export async function publishTenantEvents(tx: Executor, tenantId: string, now = Date.now()): Promise<{ published: number; deliveries: number }> {
  const lock = await tx.query<{ locked: boolean; hooks: { id: string; events: string[] }[] | null }>(
    `SELECT pg_try_advisory_xact_lock(hashtextextended($2, 0)) AS locked,
            (SELECT json_agg(json_build_object('id', w.id, 'events', w.events)) FROM webhooks w WHERE w.tenant_id = $1 AND w.enabled AND NOT w.is_deleted) AS hooks`,
    [tenantId, `${tenantId}:events`],
    { prepare: true },
  );
  if (!lock.rows[0]?.locked) return { published: 0, deliveries: 0 };
  // The feed's last id is read after the lock was taken (a statement of its own snapshot): no
  // publisher of this tenant can have committed past it. Only the batch's positions and types
  // come to the worker: the events' data moves from the outbox to the feed inside the database
  // (below), never parsed and re-serialized on the way. The lock keeps other relays off these rows.
  const taken = await tx.query<{ seq: number; type: string; last_id: string | null }>(
    `SELECT o.seq, o.type, (SELECT max(id) FROM events WHERE tenant_id = $1) AS last_id
       FROM event_outbox o WHERE o.tenant_id = $1 ORDER BY o.seq LIMIT $2`,
    [tenantId, BATCH],
    { prepare: true },
  );
  if (taken.rows.length === 0) return { published: 0, deliveries: 0 };
  const rows = taken.rows;
  let prev = rows[0]!.last_id;
  const ids = rows.map(() => (prev = ulidAfter(prev, now)));
  await write(
    tx,
    `WITH m AS (SELECT * FROM unnest($2::bigint[], $3::text[]) AS m(seq, id)),
       taken AS (DELETE FROM event_outbox o USING m WHERE o.tenant_id = $1 AND o.seq = m.seq
                 RETURNING m.id, o.type, o.object_type, o.object_id, o.contact_id, o.data, o.request_id, o.user_id, o.created_at)
     INSERT INTO events (tenant_id, id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)
     SELECT $1, id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at FROM taken`,
    [tenantId, rows.map((r) => r.seq), ids],
  );
  const deliveries = await fanOut(tx, tenantId, lock.rows[0].hooks ?? [], rows.map((r, i) => ({ id: ids[i]!, type: r.type })), now);
  return { published: rows.length, deliveries };
}

/** One pending delivery per event and enabled webhook whose filter takes it; returns how many. */
async function fanOut(tx: Executor, tenantId: string, hooks: { id: string; events: string[] }[], events: { id: string; type: string }[], now: number): Promise<number> {
  const pairs = events.flatMap((e) => hooks.filter((h) => matchesEventFilter(h.events, e.type)).map((h) => ({ webhook: h.id, event: e.id })));
  if (pairs.length === 0) return 0;
  const at = new Date(now);
  await write(
    tx,
    `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
     SELECT $1, d.id, d.webhook_id, d.event_id, 'pending', $5, $5, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS d(id, webhook_id, event_id)`,
    [tenantId, pairs.map(() => ulid(now)), pairs.map((p) => p.webhook), pairs.map((p) => p.event), at],
  );
  return pairs.length;
}

/**
 * One pass over every tenant with unpublished events; returns how many events it published.
 * `onDeliveries` hears how many deliveries the pass queued (they are due at once).
 */
export async function relayOnce(db: Database, onDeliveries?: (n: number) => void): Promise<number> {
  const tenants = await db.query<{ tenant: string }>('SELECT outbox_tenants AS tenant FROM outbox_tenants(100)', [], { prepare: true });
  let published = 0;
  let deliveries = 0;
  for (const { tenant } of tenants.rows) {
    const done = await db.forTenant(tenant).transaction((tx) => publishTenantEvents(tx, tenant));
    published += done.published;
    deliveries += done.deliveries;
  }
  if (deliveries > 0) onDeliveries?.(deliveries);
  return published;
}
