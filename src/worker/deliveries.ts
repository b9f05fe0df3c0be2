import type { Database, Executor } from '../db/index.js';
import { recordNotice, systemActor } from '../changes/index.js';
import { toEvent, type EventRow } from '../resources/events/events.queries.js';
import { setFailingSince, toWebhook, updateWebhook, type WebhookRow } from '../resources/webhooks/webhooks.queries.js';
import { sendWebhook, type SendOutcome } from '../resources/webhooks/webhook-send.js';
import { webhookDeliveries } from '../observability/metrics.js';

// One delivery attempt: claimed by lease (claim_webhook_deliveries), sent outside any
// transaction, its outcome recorded only while the lease is still this worker's. A worker that
// dies mid-attempt loses nothing: its lease runs out and another worker sends it again (at least
// once, as promised; receivers dedupe on webhook-id, the event id).

/** Delay after the n-th failed attempt (n from 1): 5 s, 30 s, 2 min, 10 min, 1 h, 6 h, 12 h, 24 h; then failed. */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 43_200_000, 86_400_000];

/** ±20% so that endpoints recovering from an outage are not hit by every retry at once. */
const jittered = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));

export interface DeliverySettings {
  owner: string;
  timeoutMs: number;
  allowPrivate: boolean;
  disableAfterDays: number;
  /** How long a claimed delivery stays this worker's (longer than any attempt). */
  leaseMs: number;
}

interface Job {
  attempt: number;
  event: EventRow;
  webhook: WebhookRow;
}

/** The delivery's event and endpoint, if the lease is still ours and the delivery still pending. */
async function loadJob(tx: Executor, tenantId: string, id: string, owner: string): Promise<Job | null> {
  const res = await tx.query<{ attempt: number; event: EventRow; webhook: WebhookRow }>(
    `SELECT d.attempt, row_to_json(e) AS event, row_to_json(w) AS webhook
       FROM webhook_deliveries d
       JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
       JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
      WHERE d.tenant_id = $1 AND d.id = $2 AND d.lease_owner = $3 AND d.status = 'pending'`,
    [tenantId, id, owner],
  );
  const row = res.rows[0];
  if (!row) return null;
  const e = row.event as unknown as Record<string, unknown>;
  const w = row.webhook as unknown as Record<string, unknown>;
  return {
    attempt: row.attempt,
    event: { ...row.event, created_at: new Date(e.created_at as string) },
    webhook: { ...row.webhook, failing_since: w.failing_since ? new Date(w.failing_since as string) : null, created_at: new Date(w.created_at as string), updated_at: new Date(w.updated_at as string) },
  };
}

type Result = { status: 'succeeded' | 'failed' | 'pending'; nextAttemptAt: Date | null };

function resultOf(outcome: SendOutcome, attempt: number, now: number): Result {
  if (outcome.delivered) return { status: 'succeeded', nextAttemptAt: null };
  const delay = RETRY_DELAYS_MS[attempt - 1];
  if (outcome.gone || delay === undefined) return { status: 'failed', nextAttemptAt: null };
  return { status: 'pending', nextAttemptAt: new Date(now + jittered(delay)) };
}

async function finish(tx: Executor, tenantId: string, id: string, owner: string, attempt: number, r: Result, o: SendOutcome | null, at: Date): Promise<boolean> {
  const res = await tx.query(
    `UPDATE webhook_deliveries SET status = $4, attempt = $5, next_attempt_at = $6, lease_owner = NULL, lease_until = NULL,
            last_status_code = $7, last_error = $8, last_latency_ms = $9, last_attempt_at = CASE WHEN $10 THEN $11 ELSE last_attempt_at END, updated_at = $11
      WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3`,
    [tenantId, id, owner, r.status, attempt, r.nextAttemptAt, o?.statusCode ?? null, o?.error ?? null, o ? o.latencyMs : null, o !== null, at],
  );
  return res.rowCount > 0;
}

/**
 * The endpoint's health after an attempt: a success clears its failure streak; 410 or a streak too
 * long disables it. The streak is bookkeeping (setFailingSince leaves the ETag alone); disabling is
 * a change a client must see, so it moves the version and publishes `webhook.disabled`.
 */
async function updateEndpoint(tx: Executor, webhook: WebhookRow, outcome: SendOutcome, s: DeliverySettings, at: Date): Promise<void> {
  if (outcome.delivered) {
    if (webhook.failing_since) await setFailingSince(tx, webhook.tenant_id, webhook.id, null);
    return;
  }
  const since = webhook.failing_since ?? at;
  const tooLong = at.getTime() - since.getTime() >= s.disableAfterDays * 86_400_000;
  if (!outcome.gone && !tooLong) {
    if (!webhook.failing_since) await setFailingSince(tx, webhook.tenant_id, webhook.id, at);
    return;
  }
  const actor = systemActor(webhook.tenant_id, 'system', 'worker');
  const reason = outcome.gone ? 'The endpoint answered 410 Gone.' : `Every delivery failed since ${since.toISOString()}.`;
  const disabled = await updateWebhook(tx, webhook.tenant_id, webhook.id, { enabled: false, disabled_reason: reason, failing_since: since }, actor.userId, at);
  await recordNotice(tx, actor, { event: 'webhook.disabled', objectId: webhook.id, contactId: null, object: toWebhook(disabled), at });
}

/** One attempt of a claimed delivery. */
export async function attemptDelivery(db: Database, tenantId: string, id: string, s: DeliverySettings): Promise<void> {
  const tenantDb = db.forTenant(tenantId);
  const job = await tenantDb.transaction((tx) => loadJob(tx, tenantId, id, s.owner));
  if (!job) return;
  if (job.webhook.is_deleted || !job.webhook.enabled) {
    const error = job.webhook.is_deleted ? 'The webhook was deleted.' : 'The webhook is disabled.';
    await tenantDb.transaction((tx) => finish(tx, tenantId, id, s.owner, job.attempt, { status: 'failed', nextAttemptAt: null }, { delivered: false, statusCode: null, latencyMs: 0, error, gone: false }, new Date()));
    return;
  }
  const outcome = await sendWebhook({
    url: job.webhook.url,
    secret: job.webhook.secret,
    messageId: job.event.id,
    payload: JSON.stringify(toEvent(job.event)),
    timeoutMs: s.timeoutMs,
    allowPrivate: s.allowPrivate,
  });
  const at = new Date();
  const attempt = job.attempt + 1;
  await tenantDb.transaction(async (tx) => {
    // A lease that ran out meanwhile belongs to another worker now: its attempt counts, not ours.
    const result = resultOf(outcome, attempt, at.getTime());
    if (!(await finish(tx, tenantId, id, s.owner, attempt, result, outcome, at))) return;
    webhookDeliveries.inc({ outcome: result.status === 'pending' ? 'retry' : result.status });
    const current = await tx.query<WebhookRow>('SELECT * FROM webhooks WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, job.webhook.id]);
    if (current.rows[0]?.enabled) await updateEndpoint(tx, current.rows[0], outcome, s, at);
  });
}

/** Leases due deliveries to this worker. */
export async function claimDeliveries(db: Database, s: DeliverySettings, limit: number): Promise<{ tenant_id: string; id: string }[]> {
  const res = await db.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM claim_webhook_deliveries($1, $2, $3)', [s.owner, limit, s.leaseMs]);
  return res.rows;
}
