import type { Config } from '../config.js';
import type { Database } from './executor.js';
import { createPgDatabase } from './pg.js';
import { createPgliteDatabase } from './pglite.js';
import { migrate } from './migrate.js';

export * from './executor.js';
export * from './sqlstate.js';
export { migrate, pendingMigrations, MigrationPrivilegeError } from './migrate.js';
export { DataDirLockedError } from './pglite.js';

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    return createPgDatabase({
      connectionString: config.databaseUrl,
      max: config.dbPoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs,
    });
  }
  return createPgliteDatabase(config.dataDir);
}

/**
 * Applies pending migrations through MIGRATION_DATABASE_URL (the schema owner) when it is set,
 * else as the service's own role. On PostgreSQL they run on a connection of their own without the
 * request statement timeout: a migration that rewrites a large table (0008 copies a column into
 * every address: about a minute at a million contacts) must not be cancelled after 10 s.
 */
export async function migrateDatabase(config: Config, db: Database): Promise<string[]> {
  const url = config.migrationDatabaseUrl ?? config.databaseUrl;
  if (!url) return migrate(db);
  const owner = await openDatabase({ ...config, databaseUrl: url, dbPoolSize: 1, statementTimeoutMs: 0 });
  try {
    return await migrate(owner);
  } finally {
    await owner.close();
  }
}
export { Params, likePattern } from './params.js';
export { orderBySql, pagedQuery, type Ordering, type PagedSql } from './paged.js';
export * from './constraints.js';
