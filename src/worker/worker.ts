import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { Database } from '../db/index.js';
import { relayOnce } from './relay.js';
import { attemptDeliveries, claimDeliveries, type DeliverySettings } from './deliveries.js';
import { closeWebhookConnections } from '../resources/webhooks/webhook-send.js';
import { claimImportJob } from '../resources/imports/imports.queries.js';
import { expireStaleUploads, runImportJob } from '../resources/imports/imports.service.js';
import { processDuplicateChecks, type CheckSettings } from '../resources/duplicates/checks.service.js';
import { claimScanJob, runScanJob } from '../resources/duplicates/scans.service.js';

// The background worker: publishes the event outbox, delivers webhooks, runs imports, duplicate
// checks after writes and duplicate scans, purges old events. It
// runs inside `serve` (unless WORKER=off) or alone as `contact-registry worker`; any number of
// them share one PostgreSQL (advisory locks for the relay, leases with SKIP LOCKED for deliveries).

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Worker {
  /** Stops claiming work, lets attempts in flight finish (or releases them), and resolves. */
  stop(): Promise<void>;
}

const MAX_IN_FLIGHT = 16;
/** The relay's pause after a pass that published (a backlog is still taken 500 events a pass per tenant). */
const RELAY_GATHER_MS = 20;
const MAINTENANCE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 5000;
/** Duplicate checks claimed per step (each one is a dedupe query and a few writes). */
const CHECK_BATCH = 20;
/** Checks run at once on PostgreSQL (a few of the pool's connections; the API keeps the rest). */
const CHECK_PARALLEL = 3;
/** A claimed check or scan stays this worker's this long (a scan renews it as it progresses). */
const CHECK_LEASE_MS = 60_000;
const SCAN_LEASE_MS = 5 * 60_000;

/** Waits `ms`, or less when the worker is stopped meanwhile. */
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/** A sleep that `wake()` ends early: the relay wakes the delivery loop when it queued deliveries. */
function wakeable(signal: AbortSignal) {
  let wake: (() => void) | undefined;
  return {
    sleep: (ms: number) => {
      const waker = new AbortController();
      wake = () => waker.abort();
      return sleep(ms, AbortSignal.any([signal, waker.signal])).finally(() => (wake = undefined));
    },
    wake: () => wake?.(),
  };
}

export function startWorker(db: Database, config: Config, log: WorkerLog): Worker {
  const stopping = new AbortController();
  const settings: DeliverySettings = {
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    timeoutMs: config.webhooks.timeoutMs,
    allowPrivate: config.webhooks.allowPrivate,
    disableAfterDays: config.webhooks.disableAfterDays,
    // Longer than any attempt (timeout) and the recording of its outcome.
    leaseMs: config.webhooks.timeoutMs * 2 + 5_000,
  };
  const inFlight = new Set<Promise<void>>();

  /** Runs `step` until stopped; sleeps `idleMs` whenever it did nothing (or failed). */
  const loop = async (name: string, idleMs: number, step: () => Promise<boolean>, idle = (ms: number) => sleep(ms, stopping.signal)) => {
    while (!stopping.signal.aborted) {
      let busy = false;
      try {
        busy = await step();
      } catch (err) {
        log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, loop: name }, 'worker step failed');
      }
      if (!busy) await idle(idleMs);
    }
  };

  const deliveryIdle = wakeable(stopping.signal);
  const relay = loop('relay', config.workerPollMs, async () => {
    // New deliveries are due now: this worker claims them without waiting for its next poll.
    const published = await relayOnce(db, () => deliveryIdle.wake());
    // After a pass that found events, a short pause before the next: the events committed
    // meanwhile then share one pass (a transaction and its round trips) instead of one pass each,
    // which at a steady trickle cost the worker and the database more than the events themselves.
    if (published > 0) await sleep(RELAY_GATHER_MS, stopping.signal);
    return published > 0;
  });

  const deliveries = loop(
    'deliveries',
    config.workerPollMs,
    async () => {
      const room = MAX_IN_FLIGHT - inFlight.size;
      if (room <= 0) {
        await Promise.race(inFlight);
        return true;
      }
      const claimed = await claimDeliveries(db, settings, room);
      attemptDeliveries(db, claimed, settings).forEach((attempt, i) => {
        const p = attempt
          .catch((err) => log.warn({ err: { message: (err as Error).message }, delivery: claimed[i]!.id }, 'delivery attempt failed'))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      });
      return claimed.length > 0;
    },
    deliveryIdle.sleep,
  );

  // Imports: one job at a time per worker, batch by batch; a stop hands the job back between batches.
  const imports = loop('imports', config.workerPollMs, async () => {
    const claimed = await claimImportJob(db, settings.owner, config.imports.leaseMs);
    if (!claimed) return false;
    log.info({ import: claimed.id, tenant: claimed.tenant_id }, 'import started');
    const job = await runImportJob(db, claimed.tenant_id, claimed.id, {
      owner: settings.owner,
      batchRows: config.imports.batchRows,
      asyncCommit: config.imports.asyncCommit,
      leaseMs: config.imports.leaseMs,
      rules: { strictIdentifiers: config.identifierValidation === 'strict' },
      signal: stopping.signal,
    });
    log.info({ import: claimed.id, status: job?.status, processed: job?.position }, 'import stopped');
    return true;
  });

  // Pairs from writes (CONTRACT §8.1): within a poll interval of the write's commit.
  const checkSettings: CheckSettings = { owner: settings.owner, leaseMs: CHECK_LEASE_MS, maxAttempts: 5 };
  const duplicateChecks = loop('duplicate-checks', config.workerPollMs, async () => {
    const ran = await processDuplicateChecks(
      db,
      checkSettings,
      CHECK_BATCH,
      (err, c) => log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, tenant: c.tenant_id, contact: c.contact_id }, 'duplicate check failed'),
      db.engine === 'pglite' ? 1 : CHECK_PARALLEL,
    );
    return ran > 0;
  });

  const scans = loop('duplicate-scans', config.workerPollMs, async () => {
    const claimed = await claimScanJob(db, { owner: settings.owner, leaseMs: SCAN_LEASE_MS });
    if (!claimed) return false;
    log.info({ scan: claimed.id, tenant: claimed.tenant_id }, 'duplicate scan started');
    await runScanJob(db, claimed.tenant_id, claimed.id, { owner: settings.owner, leaseMs: SCAN_LEASE_MS });
    log.info({ scan: claimed.id, tenant: claimed.tenant_id }, 'duplicate scan finished');
    return true;
  });

  const maintenance = loop('maintenance', MAINTENANCE_INTERVAL_MS, async () => {
    const ttlMs = config.eventRetentionDays * 86_400_000;
    const res = await db.query<{ n: number }>('SELECT purge_old_events($1, $2) AS n', [ttlMs, PURGE_BATCH]);
    const purged = Number(res.rows[0]?.n ?? 0);
    if (purged > 0) log.info({ purged }, 'purged events past retention');
    // Uploads whose receiving process died: failed once nothing arrived for IMPORT_LEASE_MS.
    const stalled = await expireStaleUploads(db, config.imports.leaseMs);
    if (stalled > 0) log.warn({ stalled }, 'failed stalled import uploads');
    return purged === PURGE_BATCH;
  });

  log.info({ owner: settings.owner }, 'worker started');
  return {
    async stop() {
      stopping.abort();
      await Promise.all([relay, deliveries, imports, duplicateChecks, scans, maintenance]);
      // Attempts in flight finish within the webhook timeout; their outcomes are recorded.
      await Promise.allSettled([...inFlight]);
      closeWebhookConnections();
      log.info({ owner: settings.owner }, 'worker stopped');
    },
  };
}
