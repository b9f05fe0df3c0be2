// Bench databases: a fresh PostgreSQL database (dropped at the end) or a PGlite data directory,
// migrated with the service's own migrations and seeded with the fixed data set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { createPgDatabase } from '../src/db/pg.js';
import { createPgliteDatabase } from '../src/db/pglite.js';
import { onCleanup } from './procs.js';
import { seed, type SeedReport } from './seed.js';
import type { Sizes } from './dataset.js';

export const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement as the admin user (ADMIN_URL), on its own connection. */
export async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function postgresVersion(): Promise<string> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return (await c.query('SHOW server_version')).rows[0].server_version as string;
  } finally {
    await c.end();
  }
}

/** The login role the measured servers use: under row-level security, as in production (README). */
export const BENCH_SERVICE_ROLE = 'contact_registry_bench';

/** Creates BENCH_SERVICE_ROLE if needed and makes it a member of migration 0007's group role (run as the owner, after migrating). */
export const SERVICE_ROLE_SQL = `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${BENCH_SERVICE_ROLE}') THEN CREATE ROLE ${BENCH_SERVICE_ROLE} LOGIN; END IF;
  EXCEPTION WHEN duplicate_object THEN NULL; END $$;
  GRANT contact_registry_app TO ${BENCH_SERVICE_ROLE}`;

/**
 * Creates, migrates and seeds `cr_bench_<pid>` as the owner; registers its DROP for clean-up.
 * `serviceUrl` is the same database as BENCH_SERVICE_ROLE, which the servers connect with.
 */
export async function preparePostgres(sizes: Sizes): Promise<{ url: string; serviceUrl: string; report: SeedReport }> {
  const name = `cr_bench_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  onCleanup(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = createPgDatabase({ connectionString: url.toString(), max: 2, statementTimeoutMs: 600_000, connectTimeoutMs: 5000 });
  try {
    await migrate(db);
    await db.exec(SERVICE_ROLE_SQL);
    const report = await seed(db, sizes);
    const serviceUrl = new URL(url);
    serviceUrl.username = BENCH_SERVICE_ROLE;
    return { url: url.toString(), serviceUrl: serviceUrl.toString(), report };
  } finally {
    await db.close();
  }
}

/** A temporary PGlite data directory, migrated and seeded, closed again before the service opens it. */
export async function preparePglite(sizes: Sizes): Promise<{ dataDir: string; report: SeedReport }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cr-bench-pglite-'));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const db = await createPgliteDatabase(dataDir);
  try {
    await migrate(db);
    const report = await seed(db, sizes);
    return { dataDir, report };
  } finally {
    await db.close();
  }
}

/** Opens a plain client on the bench database (for state resyncs between runs). */
export async function pgClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // the DROP at clean-up terminates it
  await c.connect();
  onCleanup(() => c.end().catch(() => {}));
  return c;
}
