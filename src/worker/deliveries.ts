import type { Database, Executor } from '../db/index.js';
import { recordNotice, systemActor } from '../changes/index.js';
import { toEvent, type EventRow } from '../resources/events/events.queries.js';
import { setFailingSince, toWebhook, updateWebhook, type WebhookRow } from '../resources/webhooks/webhooks.queries.js';
import { sendWebhook, type SendOutcome } from '../resources/webhooks/webhook-send.js';
import { webhookDeliveries } from '../observability/metrics.js';

// Delivery attempts: claimed by lease (claim_webhook_deliveries), sent outside any transaction,
// their outcomes recorded only while the lease is still this worker's. A worker that dies
// mid-attempt loses nothing: its lease runs out and another worker sends it again (at least
// once, as promised; receivers dedupe on webhook-id, the event id).
//
// The database work is batched per tenant, because it cost the worker more CPU than the sending:
// a claimed batch's jobs are loaded with one statement per tenant, and outcomes are recorded by
// a per-tenant group commit (one statement records every outcome that finished while the previous
// statement ran, with the endpoints' failure streaks). Only a disable, rare, has a transaction of
// its own. Each attempt is still sent on its own, so a slow receiver delays no other.

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

export interface Claimed {
  tenant_id: string;
  id: string;
}

interface Job {
  id: string;
  attempt: number;
  event: EventRow;
  webhook: Pick<WebhookRow, 'id' | 'url' | 'secret' | 'enabled' | 'is_deleted' | 'failing_since'>;
}

interface JobRow extends Omit<EventRow, 'id' | 'tenant_id'> {
  id: string;
  attempt: number;
  event_id: string;
  webhook_id: string;
  url: string;
  secret: string;
  enabled: boolean;
  is_deleted: boolean;
  failing_since: Date | null;
}

/** The claimed deliveries of one tenant still leased to us and pending, with their events and endpoints: one statement. */
async function loadJobs(db: Database, tenantId: string, ids: string[], owner: string): Promise<Job[]> {
  const res = await db.forTenant(tenantId).query<JobRow>(
    `SELECT d.id, d.attempt, e.id AS event_id, e.type, e.object_type, e.object_id, e.contact_id, e.data, e.request_id, e.user_id, e.created_at,
            w.id AS webhook_id, w.url, w.secret, w.enabled, w.is_deleted, w.failing_since
       FROM webhook_deliveries d
       JOIN events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
       JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
      WHERE d.tenant_id = $1 AND d.id = ANY($2::text[]) AND d.lease_owner = $3 AND d.status = 'pending'`,
    [tenantId, ids, owner],
    { prepare: true },
  );
  return res.rows.map((r) => ({
    id: r.id,
    attempt: r.attempt,
    event: {
      tenant_id: tenantId,
      id: r.event_id,
      type: r.type,
      object_type: r.object_type,
      object_id: r.object_id,
      contact_id: r.contact_id,
      data: r.data,
      request_id: r.request_id,
      user_id: r.user_id,
      created_at: new Date(r.created_at),
    },
    webhook: { id: r.webhook_id, url: r.url, secret: r.secret, enabled: r.enabled, is_deleted: r.is_deleted, failing_since: r.failing_since === null ? null : new Date(r.failing_since) },
  }));
}

type Result = { status: 'succeeded' | 'failed' | 'pending'; nextAttemptAt: Date | null };

function resultOf(outcome: SendOutcome, attempt: number, now: number): Result {
  if (outcome.delivered) return { status: 'succeeded', nextAttemptAt: null };
  const delay = RETRY_DELAYS_MS[attempt - 1];
  if (outcome.gone || delay === undefined) return { status: 'failed', nextAttemptAt: null };
  return { status: 'pending', nextAttemptAt: new Date(now + jittered(delay)) };
}

/** One finished attempt, to be recorded. */
interface Finished {
  job: Job;
  attempt: number;
  result: Result;
  outcome: SendOutcome;
  at: Date;
  /** The attempt reached the endpoint (not skipped for a disabled or deleted one): it moves the failure streak. */
  health: boolean;
}

// Every outcome in one statement: the deliveries whose lease is still ours (a lease that ran out
// meanwhile belongs to another worker now: its attempt counts, not ours), then each endpoint's
// failure streak from its latest recorded outcome — bookkeeping that leaves the webhook's version
// (its ETag) alone. Data-modifying WITH parts all run, to completion, whether read or not.
const RECORD_SQL = `WITH r AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::int[], $9::text[], $10::int[], $11::timestamptz[], $12::boolean[], $13::boolean[])
      AS r(id, webhook_id, status, attempt, next_attempt_at, status_code, error, latency_ms, at, delivered, health)
  ), done AS (
    UPDATE webhook_deliveries d
       SET status = r.status, attempt = r.attempt, next_attempt_at = r.next_attempt_at, lease_owner = NULL, lease_until = NULL,
           last_status_code = r.status_code, last_error = r.error, last_latency_ms = r.latency_ms, last_attempt_at = r.at, updated_at = r.at
      FROM r
     WHERE d.tenant_id = $1 AND d.id = r.id AND d.lease_owner = $2
    RETURNING d.id
  ), latest AS (
    SELECT DISTINCT ON (r.webhook_id) r.webhook_id, r.delivered, r.at FROM r JOIN done ON done.id = r.id WHERE r.health ORDER BY r.webhook_id, r.at DESC
  ), streak AS (
    UPDATE webhooks w SET failing_since = CASE WHEN l.delivered THEN NULL ELSE l.at END
      FROM latest l
     WHERE w.tenant_id = $1 AND w.id = l.webhook_id AND w.enabled AND (w.failing_since IS NULL) = NOT l.delivered
  )
  SELECT id FROM done`;

/** Records a tenant's finished attempts; returns the ids recorded (still leased to us). */
async function recordFinished(db: Database, tenantId: string, owner: string, batch: Finished[]): Promise<Set<string>> {
  const res = await db.forTenant(tenantId).query<{ id: string }>(
    RECORD_SQL,
    [
      tenantId,
      owner,
      batch.map((f) => f.job.id),
      batch.map((f) => f.job.webhook.id),
      batch.map((f) => f.result.status),
      batch.map((f) => f.attempt),
      batch.map((f) => f.result.nextAttemptAt),
      batch.map((f) => f.outcome.statusCode),
      batch.map((f) => f.outcome.error),
      batch.map((f) => f.outcome.latencyMs),
      batch.map((f) => f.at),
      batch.map((f) => f.outcome.delivered),
      batch.map((f) => f.health),
    ],
    { prepare: true },
  );
  return new Set(res.rows.map((r) => r.id));
}

/** Whether an endpoint may have to be disabled after this failed attempt: 410, or a failure streak already long enough. */
function mayDisable(f: Finished, s: DeliverySettings): boolean {
  if (!f.health || f.outcome.delivered) return false;
  if (f.outcome.gone) return true;
  const since = f.job.webhook.failing_since;
  return since !== null && f.at.getTime() - since.getTime() >= s.disableAfterDays * 86_400_000;
}

/**
 * 410 or a streak too long disables the endpoint, under its row lock and on its current state. A
 * change a client must see: it moves the version and publishes `webhook.disabled`.
 */
async function updateEndpoint(tx: Executor, webhook: WebhookRow, outcome: SendOutcome, s: DeliverySettings, at: Date): Promise<void> {
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

/**
 * Outcomes wait here to be recorded, per tenant: the first one starts a write at the next turn of
 * the event loop, and those finishing while it runs go together in the next one (group commit).
 * At a trickle each outcome is written at once; under load the writes grow instead of multiplying.
 */
class Recorder {
  private readonly queues = new Map<string, { f: Finished; done: (err?: unknown) => void }[]>();

  constructor(
    private readonly db: Database,
    private readonly s: DeliverySettings,
  ) {}

  record(tenantId: string, f: Finished): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = { f, done: (err?: unknown) => (err === undefined ? resolve() : reject(err)) };
      const queue = this.queues.get(tenantId);
      if (queue) return void queue.push(entry);
      this.queues.set(tenantId, [entry]);
      setImmediate(() => void this.drain(tenantId));
    });
  }

  /** Writes the tenant's queue in batches until it is empty. */
  private async drain(tenantId: string): Promise<void> {
    for (;;) {
      const batch = this.queues.get(tenantId) ?? [];
      if (batch.length === 0) {
        this.queues.delete(tenantId);
        return;
      }
      this.queues.set(tenantId, []);
      try {
        const recorded = await recordFinished(this.db, tenantId, this.s.owner, batch.map((b) => b.f));
        for (const { f } of batch) if (recorded.has(f.job.id)) webhookDeliveries.inc({ outcome: f.result.status === 'pending' ? 'retry' : f.result.status });
        await this.disableWhereDue(tenantId, batch.map((b) => b.f).filter((f) => recorded.has(f.job.id) && mayDisable(f, this.s)));
        for (const b of batch) b.done();
      } catch (err) {
        // Not recorded: the leases run out and the deliveries are attempted again.
        for (const b of batch) b.done(err);
      }
    }
  }

  private async disableWhereDue(tenantId: string, candidates: Finished[]): Promise<void> {
    for (const f of candidates) {
      await this.db.forTenant(tenantId).transaction(async (tx) => {
        const current = await tx.query<WebhookRow>('SELECT * FROM webhooks WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, f.job.webhook.id]);
        if (current.rows[0]?.enabled) await updateEndpoint(tx, current.rows[0], f.outcome, this.s, f.at);
      });
    }
  }
}

/** One recorder per database and worker (its settings name the lease owner). */
const recorders = new WeakMap<Database, WeakMap<DeliverySettings, Recorder>>();
function recorderFor(db: Database, s: DeliverySettings): Recorder {
  let bySettings = recorders.get(db);
  if (!bySettings) recorders.set(db, (bySettings = new WeakMap()));
  let r = bySettings.get(s);
  if (!r) bySettings.set(s, (r = new Recorder(db, s)));
  return r;
}

/** One attempt of a loaded job, then its outcome recorded. */
async function attempt(recorder: Recorder, tenantId: string, job: Job, s: DeliverySettings): Promise<void> {
  if (job.webhook.is_deleted || !job.webhook.enabled) {
    const error = job.webhook.is_deleted ? 'The webhook was deleted.' : 'The webhook is disabled.';
    const outcome: SendOutcome = { delivered: false, statusCode: null, latencyMs: 0, error, gone: false };
    await recorder.record(tenantId, { job, attempt: job.attempt, result: { status: 'failed', nextAttemptAt: null }, outcome, at: new Date(), health: false });
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
  const n = job.attempt + 1;
  await recorder.record(tenantId, { job, attempt: n, result: resultOf(outcome, n, at.getTime()), outcome, at, health: true });
}

/**
 * Attempts claimed deliveries: their jobs loaded with one statement per tenant, each sent on its
 * own, outcomes recorded in groups. One promise per claimed delivery, settled once its outcome
 * is recorded (or it turned out not to be ours any more); a rejection is this delivery's failure
 * to load or record, which its lease running out repairs.
 */
export function attemptDeliveries(db: Database, claimed: Claimed[], s: DeliverySettings): Promise<void>[] {
  const recorder = recorderFor(db, s);
  const byTenant = new Map<string, string[]>();
  for (const c of claimed) byTenant.set(c.tenant_id, [...(byTenant.get(c.tenant_id) ?? []), c.id]);
  const out: Promise<void>[] = [];
  for (const [tenantId, ids] of byTenant) {
    const jobs = loadJobs(db, tenantId, ids, s.owner);
    for (const id of ids) {
      out.push(
        jobs.then((loaded) => {
          const job = loaded.find((j) => j.id === id);
          return job ? attempt(recorder, tenantId, job, s) : undefined;
        }),
      );
    }
  }
  return out;
}

/** One attempt of one claimed delivery (tests and tools; the worker attempts batches). */
export async function attemptDelivery(db: Database, tenantId: string, id: string, s: DeliverySettings): Promise<void> {
  await Promise.all(attemptDeliveries(db, [{ tenant_id: tenantId, id }], s));
}

/** Leases due deliveries to this worker. */
export async function claimDeliveries(db: Database, s: DeliverySettings, limit: number): Promise<Claimed[]> {
  const res = await db.query<Claimed>('SELECT tenant_id, id FROM claim_webhook_deliveries($1, $2, $3)', [s.owner, limit, s.leaseMs], { prepare: true });
  return res.rows;
}
