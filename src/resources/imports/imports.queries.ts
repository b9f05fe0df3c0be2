import type { Executor } from '../../db/index.js';
import type { FieldErrors } from '../../errors/index.js';
import type { ImportJob, ImportRow, ImportStatus, MatchOn, OnDuplicate, RowOutcome } from './imports.schema.js';
import type { ImportFormat, StagedRow } from './parse.js';

export interface ImportJobRow {
  tenant_id: string;
  id: string;
  status: ImportStatus | 'receiving';
  format: ImportFormat;
  dry_run: boolean;
  namespace: string | null;
  match_on: MatchOn;
  on_duplicate: OnDuplicate;
  reason: string | null;
  rows: number;
  position: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  cancel_requested: boolean;
  error: { code: string; detail: string; errors?: FieldErrors } | null;
  lease_owner: string | null;
  lease_until: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  created_by: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toImportJob(r: ImportJobRow): ImportJob {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    // A job still receiving its file is never shown; were it, it would be waiting like a queued one.
    status: r.status === 'receiving' ? 'queued' : r.status,
    format: r.format,
    dry_run: r.dry_run,
    namespace: r.namespace,
    match_on: r.match_on,
    on_duplicate: r.on_duplicate,
    counts: { rows: r.rows, processed: r.position, created: r.created, updated: r.updated, unchanged: r.unchanged, skipped: r.skipped, failed: r.failed },
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
    error: r.error,
    created_at: iso(r.created_at)!,
    created_by: r.created_by,
  };
}

export interface NewImportJob {
  tenant_id: string;
  id: string;
  format: ImportFormat;
  dry_run: boolean;
  namespace: string | null;
  match_on: MatchOn;
  on_duplicate: OnDuplicate;
  reason: string | null;
  created_at: Date;
  created_by: string;
}

/** A new job, `receiving` for `uploadTimeoutMs` unless renewUpload extends it (see migration 0033). */
export async function insertImportJob(tx: Executor, j: NewImportJob, uploadTimeoutMs: number): Promise<void> {
  await tx.query(
    `INSERT INTO import_jobs (tenant_id, id, status, format, dry_run, namespace, match_on, on_duplicate, reason, created_at, created_by, lease_until)
     VALUES ($1, $2, 'receiving', $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp() + make_interval(secs => $11::float8 / 1000))`,
    [j.tenant_id, j.id, j.format, j.dry_run, j.namespace, j.match_on, j.on_duplicate, j.reason, j.created_at, j.created_by, uploadTimeoutMs],
  );
}

/**
 * The upload is alive: its job stays `receiving` for another `uploadTimeoutMs`. False when the job
 * is no longer receiving (a worker failed it as stalled): the upload must stop.
 */
export async function renewUpload(tx: Executor, tenantId: string, id: string, uploadTimeoutMs: number): Promise<boolean> {
  const res = await tx.query(
    `UPDATE import_jobs SET lease_until = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
      WHERE tenant_id = $1 AND id = $2 AND status = 'receiving' RETURNING id`,
    [tenantId, id, uploadTimeoutMs],
  );
  return res.rows.length > 0;
}

/** Uploads of any tenant that sent nothing for `timeoutMs` (the worker's one cross-tenant question about them). */
export async function findStaleUploads(db: Executor, timeoutMs: number, limit: number): Promise<{ tenant_id: string; id: string }[]> {
  const res = await db.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM stale_import_uploads($1, $2)', [timeoutMs, limit]);
  return res.rows;
}

/**
 * Fails a stalled upload (re-checked in the tenant's transaction) and drops its staged rows, which
 * no runner will ever apply. Undefined when it is not stalled (any more).
 */
export async function failStaleUpload(tx: Executor, tenantId: string, id: string, timeoutMs: number, at: Date, error: NonNullable<ImportJobRow['error']>): Promise<ImportJobRow | undefined> {
  const res = await tx.query<ImportJobRow>(
    `UPDATE import_jobs SET status = 'failed', finished_at = $4, error = $5, lease_owner = NULL, lease_until = NULL
      WHERE tenant_id = $1 AND id = $2 AND status = 'receiving'
        AND coalesce(lease_until, created_at + make_interval(secs => $3::float8 / 1000)) < clock_timestamp()
      RETURNING *`,
    [tenantId, id, timeoutMs, at, JSON.stringify(error)],
  );
  if (res.rows.length === 0) return undefined;
  await tx.query('DELETE FROM import_rows WHERE tenant_id = $1 AND import_id = $2', [tenantId, id]);
  return res.rows[0];
}

export async function insertStagedRows(tx: Executor, tenantId: string, importId: string, rows: readonly StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO import_rows (tenant_id, import_id, row, line, data, outcome, errors)
     SELECT $1, $2, r.row, r.line, r.data, CASE WHEN r.errors IS NULL THEN NULL ELSE 'failed' END, r.errors
       FROM unnest($3::int[], $4::int[], $5::jsonb[], $6::jsonb[]) AS r(row, line, data, errors)`,
    [
      tenantId,
      importId,
      rows.map((r) => r.row),
      rows.map((r) => r.line),
      rows.map((r) => (r.data === null ? null : JSON.stringify(r.data))),
      rows.map((r) => (r.errors === null ? null : JSON.stringify(r.errors))),
    ],
  );
}

/**
 * The upload is complete: the job becomes visible and runnable (undefined when a worker failed it
 * as stalled meanwhile). `leaseTo` leases it at once to
 * an in-process runner (the CLI), so no worker takes it while that runner is alive.
 */
export async function markReceived(tx: Executor, tenantId: string, id: string, rows: number, lease?: { owner: string; ms: number }): Promise<ImportJobRow | undefined> {
  const res = await tx.query<ImportJobRow>(
    `UPDATE import_jobs SET rows = $3,
            status = CASE WHEN $4::text IS NULL THEN 'queued' ELSE 'running' END,
            lease_owner = $4, lease_until = CASE WHEN $4::text IS NULL THEN NULL ELSE clock_timestamp() + make_interval(secs => $5::float8 / 1000) END,
            started_at = CASE WHEN $4::text IS NULL THEN NULL ELSE clock_timestamp() END
      WHERE tenant_id = $1 AND id = $2 AND status = 'receiving' RETURNING *`,
    [tenantId, id, rows, lease?.owner ?? null, lease?.ms ?? 0],
  );
  return res.rows[0];
}

export async function deleteImportJob(tx: Executor, tenantId: string, id: string): Promise<void> {
  await tx.query('DELETE FROM import_jobs WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
}

export async function findImportJob(db: Executor, tenantId: string, id: string, opts: { lock?: boolean } = {}): Promise<ImportJobRow | undefined> {
  const res = await db.query<ImportJobRow>(
    `SELECT * FROM import_jobs WHERE tenant_id = $1 AND id = $2 AND status <> 'receiving'${opts.lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return res.rows[0];
}

export async function listImportJobs(db: Executor, tenantId: string, status: string | undefined, limit: number, offset: number): Promise<{ rows: ImportJobRow[]; count: number }> {
  const where = `tenant_id = $1 AND status <> 'receiving' AND ($2::text IS NULL OR status = $2)`;
  const [page, total] = await Promise.all([
    db.query<ImportJobRow>(`SELECT * FROM import_jobs WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`, [tenantId, status ?? null, limit, offset]),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_jobs WHERE ${where}`, [tenantId, status ?? null]),
  ]);
  return { rows: page.rows, count: Number(total.rows[0]?.n ?? 0) };
}

interface ImportRowRow {
  row: number;
  line: number | null;
  outcome: RowOutcome | null;
  contact_id: string | null;
  errors: FieldErrors | null;
  duplicate_of: string | null;
}

export async function listImportRows(db: Executor, tenantId: string, importId: string, outcome: string | undefined, limit: number, offset: number): Promise<{ rows: ImportRow[]; count: number }> {
  const where = `tenant_id = $1 AND import_id = $2 AND ($3::text IS NULL OR outcome = $3)`;
  const [page, total] = await Promise.all([
    db.query<ImportRowRow>(`SELECT row, line, outcome, contact_id, errors, duplicate_of FROM import_rows WHERE ${where} ORDER BY row LIMIT $4 OFFSET $5`, [
      tenantId,
      importId,
      outcome ?? null,
      limit,
      offset,
    ]),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_rows WHERE ${where}`, [tenantId, importId, outcome ?? null]),
  ]);
  return { rows: page.rows.map((r) => ({ ...r, line: r.line ?? null })), count: Number(total.rows[0]?.n ?? 0) };
}

/** Cancels a queued job at once; a running one stops at its next batch. Null when not there. */
export async function requestCancel(tx: Executor, tenantId: string, id: string, at: Date): Promise<ImportJobRow | undefined> {
  const res = await tx.query<ImportJobRow>(
    `UPDATE import_jobs SET cancel_requested = true,
            status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
            finished_at = CASE WHEN status = 'queued' THEN $3 ELSE finished_at END
      WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running') RETURNING *`,
    [tenantId, id, at],
  );
  return res.rows[0];
}

export interface StoredRow {
  row: number;
  data: Record<string, unknown> | null;
  /** Set at upload for a row that could not be read. */
  outcome: RowOutcome | null;
}

/** The next rows after the job's position. */
export async function nextRows(tx: Executor, tenantId: string, importId: string, after: number, limit: number): Promise<StoredRow[]> {
  const res = await tx.query<StoredRow>('SELECT row, data, outcome FROM import_rows WHERE tenant_id = $1 AND import_id = $2 AND row > $3 ORDER BY row LIMIT $4', [
    tenantId,
    importId,
    after,
    limit,
  ]);
  return res.rows;
}

export interface RowResult {
  row: number;
  outcome: RowOutcome;
  contactId: string | null;
  errors: FieldErrors | null;
  duplicateOf: string | null;
}

/**
 * Records a batch's outcomes; the row's data goes (the contact holds it now, or it was reported).
 * The range on `row` bounds the index scan to the batch whatever the statistics say: import_rows
 * is filled by the upload faster than anything analyzes it, and with none the planner joined the
 * batch against an index scan of every row of the job (tenant and import id only) — per batch a
 * walk over the whole file, its updated versions included: quadratic in the file's size.
 */
export async function saveRowResults(tx: Executor, tenantId: string, importId: string, results: readonly RowResult[]): Promise<void> {
  if (results.length === 0) return;
  await tx.query(
    `UPDATE import_rows r SET outcome = u.outcome, contact_id = u.contact_id, errors = coalesce(u.errors, r.errors), duplicate_of = u.duplicate_of, data = NULL
       FROM unnest($3::int[], $4::text[], $5::text[], $6::jsonb[], $7::text[]) AS u(row, outcome, contact_id, errors, duplicate_of)
      WHERE r.tenant_id = $1 AND r.import_id = $2 AND r.row = u.row AND r.row BETWEEN $8 AND $9`,
    [
      tenantId,
      importId,
      results.map((r) => r.row),
      results.map((r) => r.outcome),
      results.map((r) => r.contactId),
      results.map((r) => (r.errors ? JSON.stringify(r.errors) : null)),
      results.map((r) => r.duplicateOf),
      Math.min(...results.map((r) => r.row)),
      Math.max(...results.map((r) => r.row)),
    ],
  );
}

export type Counts = Record<RowOutcome, number>;

/**
 * Moves the job past a batch and renews the lease, only while the lease is still `owner`'s and
 * the position is the one the batch started from: a worker that lost its job writes nothing.
 */
export async function advanceJob(tx: Executor, tenantId: string, id: string, owner: string, from: number, to: number, c: Counts, leaseMs: number): Promise<ImportJobRow | undefined> {
  const res = await tx.query<ImportJobRow>(
    `UPDATE import_jobs SET position = $5, created = created + $6, updated = updated + $7, unchanged = unchanged + $8, skipped = skipped + $9, failed = failed + $10,
            lease_until = clock_timestamp() + make_interval(secs => $11::float8 / 1000)
      WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND position = $4 AND status = 'running' RETURNING *`,
    [tenantId, id, owner, from, to, c.created, c.updated, c.unchanged, c.skipped, c.failed, leaseMs],
  );
  return res.rows[0];
}

export async function finishJob(
  tx: Executor,
  tenantId: string,
  id: string,
  owner: string,
  status: 'succeeded' | 'failed' | 'cancelled',
  at: Date,
  error: ImportJobRow['error'] = null,
): Promise<ImportJobRow | undefined> {
  const res = await tx.query<ImportJobRow>(
    `UPDATE import_jobs SET status = $4, finished_at = $5, error = $6, lease_owner = NULL, lease_until = NULL
      WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running' RETURNING *`,
    [tenantId, id, owner, status, at, error === null ? null : JSON.stringify(error)],
  );
  return res.rows[0];
}

/** A runner stopping (SIGTERM) hands the job back at once instead of letting its lease run out. */
export async function releaseJob(tx: Executor, tenantId: string, id: string, owner: string): Promise<void> {
  await tx.query(`UPDATE import_jobs SET lease_owner = NULL, lease_until = NULL WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3`, [tenantId, id, owner]);
}

export async function claimImportJob(db: Executor, owner: string, leaseMs: number): Promise<{ tenant_id: string; id: string } | undefined> {
  const res = await db.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM claim_import_job($1, $2)', [owner, leaseMs]);
  return res.rows[0];
}

// Dry runs: the keys of rows that would have been written (see migration 0035).
export async function findDryKeys(tx: Executor, tenantId: string, importId: string, kind: string, values: readonly string[]): Promise<{ value: string; row: number } | undefined> {
  if (values.length === 0) return undefined;
  const res = await tx.query<{ value: string; row: number }>(
    'SELECT value, row FROM import_dry_keys WHERE tenant_id = $1 AND import_id = $2 AND kind = $3 AND value = ANY($4::text[]) ORDER BY row LIMIT 1',
    [tenantId, importId, kind, values],
  );
  return res.rows[0];
}

export async function addDryKeys(tx: Executor, tenantId: string, importId: string, kind: string, values: readonly string[], row: number): Promise<void> {
  if (values.length === 0) return;
  await tx.query(
    `INSERT INTO import_dry_keys (tenant_id, import_id, kind, value, row) SELECT $1, $2, $3, v, $5 FROM unnest($4::text[]) AS v ON CONFLICT DO NOTHING`,
    [tenantId, importId, kind, values, row],
  );
}

/** The live contact with this ref id in the namespace, if any (match_on=ref_id). */
export async function findLiveContactByRefId(tx: Executor, tenantId: string, namespaceId: string, refId: string): Promise<string | undefined> {
  const res = await tx.query<{ id: string }>('SELECT id FROM contacts WHERE tenant_id = $1 AND namespace_id = $2 AND ref_id = $3 AND NOT is_deleted LIMIT 1', [
    tenantId,
    namespaceId,
    refId,
  ]);
  return res.rows[0]?.id;
}
