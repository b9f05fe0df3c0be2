import { Params, pagedQuery, type Executor } from '../../db/index.js';
import { iso, setList } from '../common/subresource.js';
import type { Delivery, Webhook } from './webhooks.schema.js';

export interface WebhookRow {
  tenant_id: string;
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  secret: string;
  disabled_reason: string | null;
  failing_since: Date | null;
  is_deleted: boolean;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = `w.tenant_id, w.id, w.url, w.events, w.description, w.enabled, w.secret, w.disabled_reason, w.failing_since,
  w.is_deleted, w.version, w.created_at, w.created_by, w.updated_at, w.updated_by`;

/** The API representation; the secret only when asked for (create and rotation responses). */
export function toWebhook(r: WebhookRow, withSecret = false): Webhook {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    url: r.url,
    events: r.events,
    description: r.description,
    enabled: r.enabled,
    disabled_reason: r.disabled_reason,
    ...(withSecret ? { secret: r.secret } : {}),
  };
}

export async function findWebhook(db: Executor, tenantId: string, id: string, opts: { lock?: boolean } = {}): Promise<WebhookRow | undefined> {
  const res = await db.query<WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks w WHERE w.tenant_id = $1 AND w.id = $2 AND NOT w.is_deleted${opts.lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return res.rows[0];
}

export interface WebhookInsert {
  tenant_id: string;
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  secret: string;
  at: Date;
  user_id: string;
}

export async function insertWebhook(tx: Executor, w: WebhookInsert): Promise<WebhookRow> {
  const res = await tx.query<WebhookRow>(
    `INSERT INTO webhooks AS w (tenant_id, id, url, events, description, enabled, secret, created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8) RETURNING ${COLUMNS}`,
    [w.tenant_id, w.id, w.url, w.events, w.description, w.enabled, w.secret, w.at, w.user_id],
  );
  return res.rows[0]!;
}

export type WebhookChanges = Partial<{
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  secret: string;
  disabled_reason: string | null;
  failing_since: Date | null;
  is_deleted: boolean;
  deleted_at: Date;
}>;

export async function updateWebhook(tx: Executor, tenantId: string, id: string, changes: WebhookChanges, userId: string, at: Date): Promise<WebhookRow> {
  const p = new Params();
  const sets = setList(changes, (v) => p.add(v), userId, at);
  const res = await tx.query<WebhookRow>(`UPDATE webhooks w SET ${sets} WHERE w.tenant_id = ${p.add(tenantId)} AND w.id = ${p.add(id)} RETURNING ${COLUMNS}`, p.values);
  return res.rows[0]!;
}

/**
 * The endpoint's failure streak, kept by the worker. Delivery bookkeeping, not a change a client
 * made or can see: it moves neither `version` (the ETag) nor `updated_at`, so a console edit made
 * while deliveries are recorded is not refused with 412. Disabling is a real change and goes
 * through updateWebhook. Returns whether the row changed (a no-op when the streak is as asked).
 */
export async function setFailingSince(tx: Executor, tenantId: string, id: string, since: Date | null): Promise<boolean> {
  const res =
    since === null
      ? await tx.query('UPDATE webhooks SET failing_since = NULL WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL', [tenantId, id], { prepare: true })
      : await tx.query('UPDATE webhooks SET failing_since = $3 WHERE tenant_id = $1 AND id = $2 AND failing_since IS NULL AND enabled', [tenantId, id, since], {
          prepare: true,
        });
  return res.rowCount > 0;
}

export async function listWebhooks(db: Executor, tenantId: string, limit: number, offset: number): Promise<{ rows: WebhookRow[]; count: number }> {
  const p = new Params();
  const where = `w.tenant_id = ${p.add(tenantId)} AND NOT w.is_deleted`;
  return pagedQuery<WebhookRow>(db, { select: COLUMNS, from: 'webhooks w', where, orderBy: 'w.created_at DESC, w.id DESC' }, p, limit, offset);
}

export interface DeliveryRow {
  tenant_id: string;
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: Delivery['status'];
  attempt: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  last_attempt_at: Date | null;
  created_at: Date;
}

const DELIVERY_COLUMNS = `d.tenant_id, d.id, d.webhook_id, d.event_id, e.type AS event_type, d.status, d.attempt, d.next_attempt_at,
  d.last_status_code, d.last_error, d.last_latency_ms, d.last_attempt_at, d.created_at`;
const DELIVERY_FROM = 'webhook_deliveries d JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id';

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    webhook_id: r.webhook_id,
    event_id: r.event_id,
    event_type: r.event_type,
    status: r.status,
    attempt: r.attempt,
    status_code: r.last_status_code,
    latency_ms: r.last_latency_ms,
    error: r.last_error,
    last_attempt_at: iso(r.last_attempt_at),
    next_attempt_at: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    created_at: r.created_at.toISOString(),
  };
}

export async function listDeliveries(
  db: Executor,
  tenantId: string,
  webhookId: string,
  status: string | undefined,
  limit: number,
  offset: number,
): Promise<{ rows: DeliveryRow[]; count: number }> {
  const p = new Params();
  const where = [`d.tenant_id = ${p.add(tenantId)}`, `d.webhook_id = ${p.add(webhookId)}`];
  if (status) where.push(`d.status = ${p.add(status)}`);
  return pagedQuery<DeliveryRow>(db, { select: DELIVERY_COLUMNS, from: DELIVERY_FROM, where: where.join(' AND '), orderBy: 'd.id DESC' }, p, limit, offset);
}

export async function findDelivery(db: Executor, tenantId: string, webhookId: string, id: string, opts: { lock?: boolean } = {}): Promise<DeliveryRow | undefined> {
  const res = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM ${DELIVERY_FROM} WHERE d.tenant_id = $1 AND d.webhook_id = $2 AND d.id = $3${opts.lock ? ' FOR UPDATE OF d' : ''}`,
    [tenantId, webhookId, id],
  );
  return res.rows[0];
}

/** Makes a delivery due now (a manual retry): a failed one gets a fresh round of attempts. */
export async function scheduleDeliveryNow(tx: Executor, tenantId: string, id: string, at: Date): Promise<void> {
  await tx.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, lease_owner = NULL, lease_until = NULL, updated_at = $3
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, at],
  );
}

/** New pending deliveries of one event, one per webhook. */
export async function insertDeliveries(tx: Executor, tenantId: string, eventId: string, deliveries: { id: string; webhookId: string }[], at: Date): Promise<void> {
  if (deliveries.length === 0) return;
  await tx.query(
    `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
     SELECT $1, d.id, d.webhook_id, $2, 'pending', $5, $5, $5 FROM unnest($3::text[], $4::text[]) AS d(id, webhook_id)`,
    [tenantId, eventId, deliveries.map((d) => d.id), deliveries.map((d) => d.webhookId), at],
  );
}

/** The tenant's enabled webhooks with their filters (for fan-out and redelivery). */
export async function enabledWebhooks(db: Executor, tenantId: string): Promise<{ id: string; events: string[] }[]> {
  const res = await db.query<{ id: string; events: string[] }>('SELECT id, events FROM webhooks WHERE tenant_id = $1 AND enabled AND NOT is_deleted', [tenantId], {
    prepare: true,
  });
  return res.rows;
}
