import { ulid, ulidAfter } from '../ids.js';
import type { Database, Executor } from '../db/index.js';
import { matchesEventFilter } from '../resources/webhooks/event-filter.js';
import { enabledWebhooks } from '../resources/webhooks/webhooks.queries.js';

// The relay publishes committed outbox rows into the feed (migration 0016 explains why the feed
// is gap-free this way) and fans each event out to the tenant's webhooks, in one transaction per
// tenant and batch. Any number of workers may run it: the per-tenant advisory lock makes them
// take turns on a tenant, and the relay of one tenant never waits for another's.

const BATCH = 500;

interface OutboxRow {
  seq: number;
  type: string;
  object_type: string;
  object_id: string;
  contact_id: string | null;
  data: unknown;
  request_id: string | null;
  user_id: string;
  created_at: Date;
}

/** Publishes one batch of a tenant's outbox; returns how many events it published. */
export async function publishTenantEvents(tx: Executor, tenantId: string, now = Date.now()): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${tenantId}:events`], { prepare: true });
  const taken = await tx.query<OutboxRow>(
    `DELETE FROM event_outbox WHERE tenant_id = $1 AND seq IN (SELECT seq FROM event_outbox WHERE tenant_id = $1 ORDER BY seq LIMIT $2)
     RETURNING seq, type, object_type, object_id, contact_id, data, request_id, user_id, created_at`,
    [tenantId, BATCH],
    { prepare: true },
  );
  if (taken.rows.length === 0) return 0;
  const rows = taken.rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  const last = await tx.query<{ id: string | null }>('SELECT max(id) AS id FROM events WHERE tenant_id = $1', [tenantId], { prepare: true });
  let prev = last.rows[0]?.id ?? null;
  const ids = rows.map(() => (prev = ulidAfter(prev, now)));
  await tx.query(
    `INSERT INTO events (tenant_id, id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)
     SELECT $1, e.id, e.type, e.object_type, e.object_id, e.contact_id, e.data, e.request_id, e.user_id, e.created_at
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::text[], $9::text[], $10::timestamptz[])
         AS e(id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)`,
    [
      tenantId,
      ids,
      rows.map((r) => r.type),
      rows.map((r) => r.object_type),
      rows.map((r) => r.object_id),
      rows.map((r) => r.contact_id),
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => r.request_id),
      rows.map((r) => r.user_id),
      rows.map((r) => r.created_at),
    ],
    { prepare: true },
  );
  await fanOut(tx, tenantId, rows.map((r, i) => ({ id: ids[i]!, type: r.type })), now);
  return rows.length;
}

/** One pending delivery per event and enabled webhook whose filter takes it. */
async function fanOut(tx: Executor, tenantId: string, events: { id: string; type: string }[], now: number): Promise<void> {
  const hooks = await enabledWebhooks(tx, tenantId);
  const pairs = events.flatMap((e) => hooks.filter((h) => matchesEventFilter(h.events, e.type)).map((h) => ({ webhook: h.id, event: e.id })));
  if (pairs.length === 0) return;
  const at = new Date(now);
  await tx.query(
    `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
     SELECT $1, d.id, d.webhook_id, d.event_id, 'pending', $5, $5, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS d(id, webhook_id, event_id)`,
    [tenantId, pairs.map(() => ulid(now)), pairs.map((p) => p.webhook), pairs.map((p) => p.event), at],
  );
}

/** One pass over every tenant with unpublished events; returns how many events it published. */
export async function relayOnce(db: Database): Promise<number> {
  const tenants = await db.query<{ tenant: string }>('SELECT outbox_tenants AS tenant FROM outbox_tenants(100)');
  let published = 0;
  for (const { tenant } of tenants.rows) {
    published += await db.forTenant(tenant).transaction((tx) => publishTenantEvents(tx, tenant));
  }
  return published;
}
