import type { Config } from '../config.js';
import type { Database } from './executor.js';
import { createPgDatabase } from './pg.js';
import { createPgliteDatabase } from './pglite.js';

export * from './executor.js';
export * from './sqlstate.js';
export { migrate } from './migrate.js';
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
export { Params } from './params.js';
export { pagedQuery, type PagedSql } from './paged.js';
