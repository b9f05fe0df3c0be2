import { AppError } from '../../errors/index.js';
import type { Database, Executor, TenantDatabase } from '../../db/index.js';
import { systemActor, type Actor } from '../../changes/index.js';
import { ulid } from '../../ids.js';
import { dedupeScan, type MinBand, type ScanCluster, type ScanProgress } from '../dedupe/scan.js';
import type { FoundPair } from './duplicates.queries.js';
import { persistPairs } from './duplicates.service.js';
import type { DuplicateScan } from './duplicates.schema.js';

// Whole-tenant scans that persist what they find (CONTRACT §8.1, source `scan`): the §6 scan
// (src/resources/dedupe/scan.ts), then every pair at min_band or better opened or refreshed,
// committed in batches. Run by the worker as a job (POST /duplicates/scan/) or in-process by
// `contact-registry dedupe-scan --persist`. One queued or running scan per tenant (migration 0032).
// A scan interrupted by a dying worker starts over when its lease runs out: opening a pair is
// idempotent, so nothing is opened twice.

/** Scans are batch jobs: their statements may outlast the per-request timeout. */
export const SCAN_STATEMENT_TIMEOUT_MS = 30 * 60_000;
const PERSIST_BATCH = 200;
const PROGRESS_EVERY_MS = 1000;

export interface ScanCounts {
  pairs_found: number;
  opened: number;
  refreshed: number;
  unchanged: number;
  kept: number;
}

interface ScanRow {
  tenant_id: string;
  id: string;
  status: DuplicateScan['status'];
  min_band: MinBand;
  progress: Partial<DuplicateScan['progress']>;
  counts: Partial<ScanCounts>;
  error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  created_by: string;
}

export function toScan(r: ScanRow): DuplicateScan {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    status: r.status,
    min_band: r.min_band,
    progress: { phase: r.progress.phase ?? null, done: r.progress.done ?? 0, total: r.progress.total ?? 0, pairs: r.progress.pairs ?? 0 },
    counts: { pairs_found: 0, opened: 0, refreshed: 0, unchanged: 0, kept: 0, ...r.counts },
    error: r.error,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
  };
}

export async function findScan(db: Executor, tenantId: string, id: string): Promise<ScanRow | undefined> {
  return (await db.query<ScanRow>('SELECT * FROM duplicate_scans WHERE tenant_id = $1 AND id = $2', [tenantId, id])).rows[0];
}

/** Queues a scan; 409 naming the tenant's queued or running scan when there is one. */
export async function queueScan(tx: Executor, actor: Actor, minBand: MinBand, at = new Date()): Promise<ScanRow> {
  const res = await tx.query<ScanRow>(
    `INSERT INTO duplicate_scans (tenant_id, id, status, min_band, created_at, created_by, updated_at)
     VALUES ($1, $2, 'queued', $3, $4, $5, $4) ON CONFLICT DO NOTHING RETURNING *`,
    [actor.tenantId, ulid(at.getTime()), minBand, at, actor.userId],
  );
  if (res.rows[0]) return res.rows[0];
  const running = await tx.query<{ id: string }>(`SELECT id FROM duplicate_scans WHERE tenant_id = $1 AND status IN ('queued', 'running')`, [actor.tenantId]);
  const id = running.rows[0]?.id ?? 'unknown';
  throw new AppError('conflict', `A scan of this tenant is already queued or running (${id}); one scan runs at a time.`, { extra: { running_scan: id } });
}

/** Opens or refreshes every pair the clusters hold, in batches of one transaction each. */
export async function persistScanPairs(db: TenantDatabase, actor: Actor, clusters: readonly ScanCluster[], onBatch?: (counts: ScanCounts) => Promise<void>): Promise<ScanCounts> {
  const pairs: FoundPair[] = clusters.flatMap((c) => c.pairs.map((p) => ({ a: p.a, b: p.b, score: p.score, band: p.band, reasons: p.reasons })));
  const counts: ScanCounts = { pairs_found: pairs.length, opened: 0, refreshed: 0, unchanged: 0, kept: 0 };
  for (let i = 0; i < pairs.length; i += PERSIST_BATCH) {
    const outcomes = await db.transaction((tx) => persistPairs(tx, actor, pairs.slice(i, i + PERSIST_BATCH), 'scan'));
    for (const o of outcomes) counts[o.kind]++;
    await onBatch?.(counts);
  }
  return counts;
}

export interface ScanJobSettings {
  owner: string;
  leaseMs: number;
}

/** Runs a claimed scan job to its end (succeeded or failed). */
export async function runScanJob(db: Database, tenantId: string, id: string, s: ScanJobSettings): Promise<void> {
  const tenantDb = db.forTenant(tenantId, { statementTimeoutMs: SCAN_STATEMENT_TIMEOUT_MS });
  const started = await tenantDb.query<ScanRow>(
    `UPDATE duplicate_scans SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND status IN ('queued', 'running') RETURNING *`,
    [tenantId, id, s.owner],
  );
  const job = started.rows[0];
  if (!job) return;
  // Progress (and the lease with it) is written at most once a second, never awaited by the scan:
  // on PGlite's one connection it waits for the scan's transaction to end.
  let last = 0;
  const save = (progress: object, counts?: ScanCounts) =>
    tenantDb
      .query(
        `UPDATE duplicate_scans SET progress = $4, counts = coalesce($5, counts), updated_at = now(), lease_until = now() + make_interval(secs => $6::double precision / 1000)
          WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3`,
        [tenantId, id, s.owner, JSON.stringify(progress), counts ? JSON.stringify(counts) : null, s.leaseMs],
      )
      .catch(() => undefined);
  const onProgress = (p: ScanProgress) => {
    if (Date.now() - last < PROGRESS_EVERY_MS) return;
    last = Date.now();
    void save(p);
  };
  const finish = (status: 'succeeded' | 'failed', error: string | null, progress: object, counts?: ScanCounts) =>
    tenantDb.query(
      `UPDATE duplicate_scans SET status = $4, error = $5, progress = $6, counts = coalesce($7, counts), finished_at = now(), updated_at = now(), lease_owner = NULL, lease_until = NULL
        WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3`,
      [tenantId, id, s.owner, status, error, JSON.stringify(progress), counts ? JSON.stringify(counts) : null],
    );
  try {
    const { clusters, stats } = await dedupeScan(tenantDb, { tenantId, minBand: job.min_band, onProgress });
    const actor = systemActor(tenantId, job.created_by, `scan:${id}`);
    const found = clusters.reduce((n, c) => n + c.pairs.length, 0);
    const counts = await persistScanPairs(tenantDb, actor, clusters, async (c) => {
      await save({ phase: 'persist', done: c.opened + c.refreshed + c.unchanged + c.kept, total: found, pairs: found }, c);
    });
    await finish('succeeded', null, { phase: 'done', done: stats.contacts, total: stats.contacts, pairs: found }, counts);
  } catch (err) {
    await finish('failed', 'The scan failed; see the worker log.', { phase: 'done', done: 0, total: 0, pairs: 0 });
    throw err;
  }
}

/** Claims the oldest due scan of any tenant for this worker, or null. */
export async function claimScanJob(db: Database, s: ScanJobSettings, maxAttempts = 3): Promise<{ tenant_id: string; id: string } | null> {
  const res = await db.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM claim_duplicate_scan($1, $2, $3)', [s.owner, s.leaseMs, maxAttempts]);
  return res.rows[0] ?? null;
}
