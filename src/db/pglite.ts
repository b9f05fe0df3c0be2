import { mkdirSync, openSync, closeSync, writeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { TENANT_SETTING, type Database, type Executor, type QueryResult } from './executor.js';
import { observeStatement } from './observe.js';
import { DataDirLockedError } from './errors.js';

/**
 * PGlite has a single connection: every query and transaction goes through one queue so a
 * transaction never interleaves with another request's statements. Embedded mode runs with
 * fsync off: it is for development and small single-process use, not crash-safe storage.
 */
export async function createPgliteDatabase(dataDir: string | null): Promise<Database> {
  const release = dataDir ? lockDataDir(dataDir) : () => {};
  let db: PGlite;
  try {
    db = await PGlite.create({
      dataDir: dataDir ? join(dataDir, 'pgdata') : undefined,
      extensions: { pg_trgm, fuzzystrmatch, btree_gin },
    });
  } catch (err) {
    release();
    throw err;
  }

  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    queued++;
    const next = tail.then(fn, fn).finally(() => queued--);
    tail = next.catch(() => {});
    return next;
  };
  const run = <T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> =>
    observeStatement(sql, async () => {
      const res = await db.query<T>(sql, params as unknown[] | undefined);
      // PGlite reports affectedRows = 0 for a SELECT; like pg's rowCount, a query that returns rows
      // counts them (with RETURNING both numbers agree).
      return { rows: res.rows, rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) };
    });

  const tx: Executor = { query: run, exec: async (sql) => void (await db.exec(sql)) };
  // PGlite runs as superuser, which row-level security never restricts; the tenant is set anyway
  // so both engines run the same statements (the search functions of migration 0007 check it).
  const transaction = <T>(tenantId: string | null, fn: (tx: Executor) => Promise<T>): Promise<T> =>
    exclusive(async () => {
      await db.exec('BEGIN');
      try {
        if (tenantId !== null) await db.query(`SELECT set_config('${TENANT_SETTING}', $1, true)`, [tenantId]);
        const result = await fn(tx);
        await db.exec('COMMIT');
        return result;
      } catch (err) {
        await db.exec('ROLLBACK');
        throw err;
      }
    });

  return {
    engine: 'pglite',
    query: (sql, params) => exclusive(() => run(sql, params)),
    exec: (sql) => exclusive(async () => void (await db.exec(sql))),
    transaction: (fn) => transaction(null, fn),
    forTenant: (tenantId) => ({
      tenantId,
      query: (sql, params) => transaction(tenantId, (t) => t.query(sql, params)),
      exec: (sql) => transaction(tenantId, (t) => t.exec(sql)),
      transaction: (fn) => transaction(tenantId, fn),
      read: (fn) => transaction(tenantId, fn),
    }),
    async ping() {
      await exclusive(() => run('select 1'));
    },
    poolStats: () => ({ size: 1, inUse: queued > 0 ? 1 : 0, waiting: Math.max(0, queued - 1) }),
    async close() {
      await exclusive(() => db.close());
      release();
    },
  };
}

/** Two processes opening one PGlite directory corrupt it; the second one must fail clearly. */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'contact-registry.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `DATA_DIR ${dataDir} is in use by process ${holder}; PGlite allows one process per data directory. Stop it or use another DATA_DIR.`,
        );
      }
      unlinkSync(lockPath); // stale lock from a process that died
    }
  }
  throw new DataDirLockedError(`could not lock DATA_DIR ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
