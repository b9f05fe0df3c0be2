import type { Readable } from 'node:stream';
import { ulid } from '../../ids.js';
import { AppError, notFound } from '../../errors/index.js';
import type { Database, Executor, TenantDatabase } from '../../db/index.js';
import { flushChanges, recordNotice, systemActor, type Actor } from '../../changes/index.js';
import { importRows as importRowsMetric } from '../../observability/metrics.js';
import { findNamespaceByIdOrName } from '../namespaces/namespaces.queries.js';
import type { ContactRules } from '../contacts/contacts.service.js';
import type { MatchOn, OnDuplicate } from './imports.schema.js';
import { stagedRows, type ImportFormat, type StagedRow } from './parse.js';
import { beginRows, importRow, type RowSettings } from './import-row.service.js';
import { importCreates } from './import-batch.service.js';
import {
  advanceJob,
  deleteImportJob,
  failStaleUpload,
  findStaleUploads,
  finishJob,
  findImportJob,
  insertImportJob,
  insertStagedRows,
  markReceived,
  nextRows,
  releaseJob,
  renewUpload,
  requestCancel,
  saveRowResults,
  toImportJob,
  type Counts,
  type ImportJobRow,
  type RowResult,
} from './imports.queries.js';

// Bulk import (CONTRACT §10): the upload stages the file's rows (receiveImport), a runner — the
// worker, or the CLI in-process — applies them in batches (runImportJob). Each batch is one
// transaction holding its rows' writes, their outcomes and the job's new position, so a runner
// killed mid-job loses nothing and repeats nothing: the next one starts after the last commit.

export interface ImportOptions {
  format: ImportFormat;
  dryRun: boolean;
  namespace: string | null;
  matchOn: MatchOn;
  onDuplicate: OnDuplicate;
  reason: string | null;
  maxBytes: number;
  /**
   * IMPORT_LEASE_MS: an upload that stages nothing for this long counts as dead (its process gone)
   * and the worker fails its job (expireStaleUploads). Rows are staged at least every quarter of it.
   */
  uploadTimeoutMs: number;
  /** Lease the job to this in-process runner as soon as it is received (the CLI). */
  leaseTo?: { owner: string; ms: number };
}

/** Staged rows are written this many per transaction while the upload streams in. */
const STAGE_BATCH = 500;

/**
 * Streams an upload into a new job's staged rows. A file that cannot be used at all (not UTF-8
 * text, empty, a bad CSV header, over IMPORT_MAX_BYTES, an unknown namespace) throws and leaves
 * no job behind. The job becomes visible (queued) only once the whole file is in.
 */
export async function receiveImport(db: TenantDatabase, actor: Actor, o: ImportOptions, input: Readable, at = new Date()): Promise<ImportJobRow> {
  const tenantId = actor.tenantId;
  if (o.namespace !== null && !(await findNamespaceByIdOrName(db, tenantId, o.namespace))) {
    const msg = `Unknown namespace "${o.namespace}".`;
    input.resume();
    throw new AppError('validation_error', msg, { errors: { namespace: [msg] } });
  }
  const rows = stagedRows(input, o.format, o.maxBytes);
  // The first row is read before the job exists: a bad header or an empty file fails right here.
  let next = await rows.next();
  const id = ulid(at.getTime());
  const job = { tenant_id: tenantId, id, format: o.format, dry_run: o.dryRun, namespace: o.namespace, match_on: o.matchOn, on_duplicate: o.onDuplicate, reason: o.reason, created_at: at, created_by: actor.userId };
  await db.transaction((tx) => insertImportJob(tx, job, o.uploadTimeoutMs));
  try {
    let batch: StagedRow[] = [];
    let count = 0;
    let staged = Date.now();
    for (; !next.done; next = await rows.next()) {
      batch.push(next.value);
      count++;
      // Also a slow upload stages (and so renews its job) well within its timeout.
      if (batch.length >= STAGE_BATCH || Date.now() - staged > o.uploadTimeoutMs / 4) {
        const full = batch;
        batch = [];
        staged = Date.now();
        await db.transaction(async (tx) => {
          if (!(await renewUpload(tx, tenantId, id, o.uploadTimeoutMs))) throw uploadExpired();
          await insertStagedRows(tx, tenantId, id, full);
        });
      }
    }
    const received = await db.transaction(async (tx) => {
      await insertStagedRows(tx, tenantId, id, batch);
      return markReceived(tx, tenantId, id, count, o.leaseTo);
    });
    if (!received) throw uploadExpired();
    return received;
  } catch (err) {
    await db.transaction((tx) => deleteImportJob(tx, tenantId, id)).catch(() => undefined);
    throw err;
  }
}

const UPLOAD_STALLED = 'upload_stalled';
const uploadExpired = () =>
  new AppError('request_timeout', 'The upload sent no rows for longer than IMPORT_LEASE_MS and its job was failed as stalled; upload the file again.');

/** Stalled uploads failed per worker pass (the rest wait for the next one). */
const EXPIRE_BATCH = 50;

/**
 * Fails the jobs of uploads that stopped mid-stream: `receiving` and nothing staged for
 * `timeoutMs` (IMPORT_LEASE_MS), because the process receiving them died (a live process that
 * loses its client deletes the job itself). Such a job becomes `failed` with the error
 * `upload_stalled`, its staged rows are dropped (no row was written to contacts), and it publishes
 * import.finished like any job that ends. Returns how many were failed.
 */
export async function expireStaleUploads(db: Database, timeoutMs: number, at = new Date()): Promise<number> {
  let failed = 0;
  for (const { tenant_id: tenantId, id } of await findStaleUploads(db, timeoutMs, EXPIRE_BATCH)) {
    const done = await db.forTenant(tenantId).transaction(async (tx) => {
      const error = {
        code: UPLOAD_STALLED,
        detail: `The upload stopped before the whole file was received (nothing arrived for ${Math.round(timeoutMs / 1000)} s); no row was imported. Upload the file again.`,
      };
      const job = await failStaleUpload(tx, tenantId, id, timeoutMs, at, error);
      if (job) await recordNotice(tx, importActor(job), { event: 'import.finished', objectId: id, contactId: null, object: toImportJob(job), at });
      return job !== undefined;
    });
    if (done) failed++;
  }
  return failed;
}

export async function cancelImport(tx: Executor, tenantId: string, id: string, at = new Date()): Promise<ImportJobRow> {
  const job = await findImportJob(tx, tenantId, id);
  if (!job) throw notFound('Import');
  if (job.status === 'cancelled') return job;
  if (job.status === 'succeeded' || job.status === 'failed') throw new AppError('invalid_state', `The import has already ${job.status === 'succeeded' ? 'succeeded' : 'failed'}; there is nothing to cancel.`);
  const cancelled = await requestCancel(tx, tenantId, id, at);
  if (!cancelled) return (await findImportJob(tx, tenantId, id))!;
  // A queued job ends here (a running one ends, and publishes, at its runner's next batch).
  if (cancelled.status === 'cancelled') await recordNotice(tx, importActor(cancelled), { event: 'import.finished', objectId: id, contactId: null, object: toImportJob(cancelled), at });
  return cancelled;
}

export interface RunSettings {
  owner: string;
  batchRows: number;
  leaseMs: number;
  rules: ContactRules;
  /** Stops between batches (worker shutdown); the job is handed back, not finished. */
  signal?: AbortSignal;
  onBatch?: (job: ImportJobRow) => void;
  /** Every row through importRow, none by the batch path: the reference the batch path is tested against. */
  rowByRow?: boolean;
  /**
   * Batches that write commit without waiting for their WAL to reach the disk, so the flush of one
   * batch overlaps the work of the next (100,000-row imports ran 1.2–1.4x faster). What a
   * PostgreSQL crash can take is the last fraction of a second of commits, and each batch commits
   * with the job position that records it, so a lost batch is lost together with its position and
   * the resumed job applies it again: nothing is lost for good and no row is written twice. Events
   * cannot escape a lost batch either: the relay's own commit is synchronous and WAL is flushed in
   * order, so the feed never holds an event of a batch that is not yet on disk. What a reader may
   * see in that fraction of a second is a contact whose id changes when its row is re-applied
   * (its ref id does not: the namespace counter is rolled back with it).
   */
  asyncCommit?: boolean;
}

const noCounts = (): Counts => ({ created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });

/** The actor of an import's writes: the user who uploaded it, noted `import <id>` on every audit entry. */
export const importActor = (job: Pick<ImportJobRow, 'tenant_id' | 'id' | 'created_by'>): Actor => ({
  ...systemActor(job.tenant_id, job.created_by, `import:${job.id}`),
  note: `import ${job.id}`,
});

type Step = { done: true; job: ImportJobRow | undefined } | { done: false; job: ImportJobRow; counts: Counts };

async function finish(tx: Executor, actor: Actor, job: ImportJobRow, owner: string, status: 'succeeded' | 'failed' | 'cancelled', error: ImportJobRow['error'] = null): Promise<ImportJobRow | undefined> {
  const at = new Date();
  const finished = await finishJob(tx, job.tenant_id, job.id, owner, status, at, error);
  if (finished) await recordNotice(tx, actor, { event: 'import.finished', objectId: job.id, contactId: null, object: toImportJob(finished), at });
  return finished;
}

/** One batch in one transaction: its rows' writes, their outcomes, the job's position and counts. */
async function runBatch(tx: Executor, s: RunSettings, tenantId: string, id: string): Promise<Step> {
  const job = await findImportJob(tx, tenantId, id);
  if (!job || job.status !== 'running' || job.lease_owner !== s.owner) return { done: true, job };
  const actor = importActor(job);
  if (job.cancel_requested) return { done: true, job: await finish(tx, actor, job, s.owner, 'cancelled') };
  const rows = await nextRows(tx, tenantId, id, job.position, s.batchRows);
  if (rows.length === 0) return { done: true, job: await finish(tx, actor, job, s.owner, 'succeeded') };
  const settings: RowSettings = {
    importId: id,
    dryRun: job.dry_run,
    namespace: job.namespace,
    matchOn: job.match_on,
    onDuplicate: job.on_duplicate,
    reason: job.reason,
    rules: s.rules,
    namespaces: new Map(),
  };
  const at = new Date();
  const results: RowResult[] = [];
  // The rows' audit entries and events are written together at the end of the batch (flushChanges).
  const writer: Actor = { ...actor, deferred: { entries: [] } };
  if (s.asyncCommit && !job.dry_run) await tx.query("SET LOCAL synchronous_commit = 'off'");
  await beginRows(tx);
  // A batch that only creates (no matching, written for real) is applied as a whole; others row by row.
  if (!job.dry_run && job.match_on === 'none' && !s.rowByRow) results.push(...(await importCreates(tx, writer, settings, rows, at)));
  else
    for (const r of rows) {
      if (r.outcome === 'failed' || r.data === null) results.push({ row: r.row, outcome: 'failed', contactId: null, errors: null, duplicateOf: null });
      else results.push(await importRow(tx, writer, settings, r.row, r.data, at));
    }
  await flushChanges(tx, writer);
  const counts = noCounts();
  for (const r of results) counts[r.outcome]++;
  await saveRowResults(tx, tenantId, id, results);
  const advanced = await advanceJob(tx, tenantId, id, s.owner, job.position, rows[rows.length - 1]!.row, counts, s.leaseMs);
  // The lease went to another runner meanwhile: this batch must not count (the caller rolls it back).
  if (!advanced) throw new LeaseLost();
  return { done: false, job: advanced, counts };
}

class LeaseLost extends Error {}

// The tables an import fills. A first import into a new database outgrows their statistics within
// seconds, long before autovacuum's analyze (up to a minute later, or never where autovacuum is
// off): the planner, still believing them empty, then answers the duplicate check of every row by
// walking all of the tenant's contacts (measured: 145 ms a row after 1,000 rows, quadratic). So a
// runner analyzes them itself each time its job's written rows double from ANALYZE_FIRST_AT on —
// a handful of times per file. Only the tables' owner may; under another role PostgreSQL skips it
// with a warning and autovacuum is what keeps the statistics.
const ANALYZE_SQL = 'ANALYZE contacts, contact_props, contact_match_keys, contact_addresses, contact_ref_ids';
const ANALYZE_FIRST_AT = 100;

async function analyzeGrownTables(db: Database): Promise<void> {
  try {
    await db.query(ANALYZE_SQL);
  } catch {
    // Statistics are an optimisation: a refusal (or the database being away) must not fail the import.
  }
}

/**
 * Runs a job leased to `s.owner` until it finishes, is cancelled, is taken over, or the signal
 * stops it between batches (then the lease is released for the next runner). Returns the job as
 * it ended.
 */
export async function runImportJob(db: Database, tenantId: string, id: string, s: RunSettings): Promise<ImportJobRow | undefined> {
  const tdb = db.forTenant(tenantId);
  let analyzeAt = ANALYZE_FIRST_AT;
  for (;;) {
    if (s.signal?.aborted) {
      await tdb.transaction((tx) => releaseJob(tx, tenantId, id, s.owner));
      return tdb.transaction((tx) => findImportJob(tx, tenantId, id));
    }
    let step: Step;
    try {
      step = await tdb.transaction((tx) => runBatch(tx, s, tenantId, id));
    } catch (err) {
      if (err instanceof LeaseLost) return tdb.transaction((tx) => findImportJob(tx, tenantId, id));
      if (err instanceof AppError && err.code === 'service_unavailable') throw err; // the database is away: retried later
      // Anything else would fail again on every retry: the job fails, naming the cause.
      const detail = `The import stopped on an unexpected error: ${(err as Error).message}`;
      return tdb.transaction(async (tx) => {
        const job = await findImportJob(tx, tenantId, id);
        return job && job.lease_owner === s.owner ? finish(tx, importActor(job), job, s.owner, 'failed', { code: 'internal', detail }) : job;
      });
    }
    if (!step.done) {
      // After the commit: the metric counts rows whose outcome is committed.
      for (const [outcome, n] of Object.entries(step.counts)) if (n > 0) importRowsMetric.inc({ outcome }, n);
      if (!step.job.dry_run && step.job.position >= analyzeAt) {
        analyzeAt = step.job.position * 2;
        await analyzeGrownTables(db);
      }
      s.onBatch?.(step.job);
      continue;
    }
    if (step.job) s.onBatch?.(step.job);
    return step.job;
  }
}
