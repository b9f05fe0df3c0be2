// `contact-registry import FILE`: the same import as POST /imports/, received and run in this
// process, with a progress bar on a terminal (cli-progress), plain lines otherwise, and a summary.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { extname } from 'node:path';
import cliProgress from 'cli-progress';
import type { Config } from '../../config.js';
import { AppError } from '../../errors/index.js';
import { migrateDatabase, openDatabase } from '../../db/index.js';
import { systemActor } from '../../changes/index.js';
import { MATCH_ON, ON_DUPLICATE, type MatchOn, type OnDuplicate } from './imports.schema.js';
import { receiveImport, runImportJob } from './imports.service.js';
import type { ImportJobRow } from './imports.queries.js';
import type { ImportFormat } from './parse.js';

export interface ImportCommandOptions {
  file: string;
  tenant: string;
  namespace?: string;
  dryRun: boolean;
  matchOn?: string;
  onDuplicate?: string;
  reason?: string;
  user?: string;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

export class ImportUsageError extends Error {}

const FORMATS: Record<string, ImportFormat> = { '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };
/** Plain progress lines (not a terminal) at most this often. */
const PLAIN_EVERY_MS = 5_000;

function choice<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ImportUsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** Progress on stderr: a bar with rows, rows/s and ETA on a terminal; a line every few seconds otherwise. */
function progress(stream: NodeJS.WriteStream, io: Io) {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: 'importing [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    let began = false;
    return {
      update(job: ImportJobRow) {
        if (!began) bar.start(job.rows, 0, { speed: 0 });
        began = true;
        bar.update(job.position, { speed: Math.round(job.position / Math.max(0.001, (Date.now() - started) / 1000)) });
      },
      stop: () => began && bar.stop(),
    };
  }
  let last = Date.now();
  return {
    update(job: ImportJobRow) {
      if (Date.now() - last < PLAIN_EVERY_MS) return;
      last = Date.now();
      io.err(`import ${job.id}: ${job.position}/${job.rows} rows\n`);
    },
    stop: () => undefined,
  };
}

export function summary(job: ImportJobRow, seconds: number): string {
  const rate = seconds > 0 ? Math.round(job.position / seconds) : job.position;
  const head = `import ${job.id} ${job.status}${job.dry_run ? ' (dry run: nothing written)' : ''}: ${job.position}/${job.rows} rows in ${seconds.toFixed(1)} s (${rate} rows/s)`;
  const counts = `created ${job.created}, updated ${job.updated}, unchanged ${job.unchanged}, skipped ${job.skipped}, failed ${job.failed}`;
  const error = job.error ? `\nerror: ${job.error.detail}` : '';
  const report = job.failed + job.skipped > 0 ? `\nthe rows: GET /imports/${job.id}/rows/?outcome=failed (or skipped)` : '';
  return `${head}\n${counts}${error}${report}\n`;
}

/** Exit 0 when every row succeeded, 3 when some failed or were skipped, 1 when the job failed. */
export const exitCode = (job: ImportJobRow): number => (job.status !== 'succeeded' ? 1 : job.failed + job.skipped > 0 ? 3 : 0);

export async function runImportCommand(config: Config, o: ImportCommandOptions, io: Io, stderr: NodeJS.WriteStream = process.stderr): Promise<number> {
  const format = FORMATS[extname(o.file).toLowerCase()];
  if (!format) throw new ImportUsageError(`FILE must end in .csv, .ndjson or .jsonl, got "${o.file}"`);
  const matchOn = choice<MatchOn>('match-on', o.matchOn, MATCH_ON, 'none');
  const onDuplicate = choice<OnDuplicate>('on-duplicate', o.onDuplicate, ON_DUPLICATE, 'block');
  if (onDuplicate === 'allow' && !o.reason?.trim()) throw new ImportUsageError('--reason is required with --on-duplicate allow');
  try {
    await stat(o.file);
  } catch {
    throw new ImportUsageError(`cannot read FILE "${o.file}"`);
  }
  const db = await openDatabase(config);
  try {
    await migrateDatabase(config, db);
    const owner = `cli:${hostname()}:${process.pid}`;
    const actor = systemActor(o.tenant, o.user ?? 'cli', 'cli:import');
    const started = Date.now();
    let job: ImportJobRow;
    try {
      job = await receiveImport(
        db.forTenant(o.tenant),
        actor,
        { format, dryRun: o.dryRun, namespace: o.namespace ?? null, matchOn, onDuplicate, reason: o.reason?.trim() || null, maxBytes: Number.MAX_SAFE_INTEGER, uploadTimeoutMs: config.imports.leaseMs, leaseTo: { owner, ms: config.imports.leaseMs } },
        createReadStream(o.file),
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const fields = err.errors ? Object.entries(err.errors).map(([k, v]) => `\n  ${k}: ${v.join(' ')}`).join('') : '';
      io.err(`error: the import failed before any row: ${err.message}${fields}\n`);
      return 1;
    }
    const bar = progress(stderr, io);
    const end = await runImportJob(db, o.tenant, job.id, {
      owner,
      batchRows: config.imports.batchRows,
      asyncCommit: config.imports.asyncCommit,
      leaseMs: config.imports.leaseMs,
      rules: { strictIdentifiers: config.identifierValidation === 'strict' },
      onBatch: (j) => bar.update(j),
    });
    bar.stop();
    const final = end ?? job;
    io.out(summary(final, (Date.now() - started) / 1000));
    return exitCode(final);
  } finally {
    await db.close();
  }
}
