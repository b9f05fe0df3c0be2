import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './executor.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigrationFile {
  version: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/** Versions not yet recorded in schema_migrations (all of them on an empty database). */
export async function pendingMigrations(db: Database, migrations = readMigrations()): Promise<MigrationFile[]> {
  const table = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!table.rows[0]?.t) return migrations;
  const res = await db.query<{ version: string }>('SELECT version FROM schema_migrations');
  const applied = new Set(res.rows.map((r) => r.version));
  return migrations.filter((m) => !applied.has(m.version));
}

export class MigrationPrivilegeError extends Error {}

/**
 * Applies pending migrations, each in its own transaction, recorded in schema_migrations.
 * On PostgreSQL an advisory lock makes concurrent starters wait instead of racing. With nothing
 * pending it only reads, so the service role (which may read schema_migrations but create
 * nothing) can start on a database the owner migrated.
 */
export async function migrate(db: Database, migrations = readMigrations()): Promise<string[]> {
  const pending = await pendingMigrations(db, migrations);
  if (pending.length === 0) return [];
  try {
    return await applyMigrations(db, migrations);
  } catch (err) {
    if ((err as { code?: string }).code === '42501') {
      throw new MigrationPrivilegeError(
        `migrations ${pending.map((m) => m.version).join(', ')} are pending and this database role may not apply them ` +
          `(${(err as Error).message}): run \`contact-registry migrate\` as the schema owner, or set MIGRATION_DATABASE_URL`,
      );
    }
    throw err;
  }
}

async function applyMigrations(db: Database, migrations: MigrationFile[]): Promise<string[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      if (db.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(72707369)');
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.rowCount > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
