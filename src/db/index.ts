import type { Config } from '../config.js';
import type { Database } from './executor.js';
import { createPgDatabase } from './pg.js';
import { createPgliteDatabase } from './pglite.js';
import { migrate } from './migrate.js';
import { DatabaseConnectError, isConnectFailure } from './errors.js';

export * from './executor.js';
export * from './sqlstate.js';
export { retryingConflicts } from './retry.js';
export { migrate, pendingMigrations, MigrationPrivilegeError } from './migrate.js';
export { DataDirLockedError, DatabaseConnectError, isConnectFailure } from './errors.js';

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    return createPgDatabase({
      connectionString: config.databaseUrl,
      max: config.dbPoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs,
      tenantMaxConnections: config.dbTenantMaxConnections,
      tenantWaitMs: config.dbTenantWaitMs,
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
  } catch (err) {
    if (!isConnectFailure(err)) throw err;
    throw new DatabaseConnectError(config.migrationDatabaseUrl ? 'MIGRATION_DATABASE_URL' : 'DATABASE_URL', url, err);
  } finally {
    await owner.close();
  }
}

/** Checks that the service's own connection works (after migrations, which may use another role). */
export async function checkConnection(config: Config, db: Database): Promise<void> {
  try {
    await db.ping();
  } catch (err) {
    if (!config.databaseUrl || !isConnectFailure(err)) throw err;
    throw new DatabaseConnectError('DATABASE_URL', config.databaseUrl, err);
  }
}
export { Params, likePattern } from './params.js';
export { orderBySql, pagedQuery, type Ordering, type PagedSql } from './paged.js';
export * from './constraints.js';
