import pg from 'pg';
import { createHash } from 'node:crypto';
import { TENANT_SETTING, type Database, type Executor, type QueryOptions, type QueryResult } from './executor.js';
import { observeStatement } from './observe.js';
import { createTenantSlots } from './tenant-slots.js';

export interface PgOptions {
  connectionString: string;
  max: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** At most this many of one tenant's transactions hold a connection at once (default: all). */
  tenantMaxConnections?: number;
  /** How long a tenant's transaction waits for one of its slots before a 429. */
  tenantWaitMs?: number;
}

// int8 (counters) as JS numbers, like PGlite returns them: counters never reach 2^53.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
};

export function createPgDatabase(opts: PgOptions): Database {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    // 0: no timeout (migrations); otherwise the client gives the server a second to cancel first.
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs > 0 ? opts.statementTimeoutMs + 1000 : undefined,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next checkout simply opens a new connection.
  pool.on('error', () => {});

  // A prepared statement is named by its text, so two texts never share a name.
  const names = new Map<string, string>();
  const statementName = (sql: string): string => {
    let name = names.get(sql);
    if (name === undefined) {
      name = `cr_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
      names.set(sql, name);
    }
    return name;
  };

  const run = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<T>> => {
    if (opts?.genericPlan) throw new Error('QueryOptions.genericPlan applies only to a lone read of a TenantDatabase');
    const values = params as unknown[] | undefined;
    return observeStatement(sql, async () => {
      const res = opts?.prepare ? await client.query({ name: statementName(sql), text: sql, values }) : await client.query(sql, values);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
    });
  };

  /**
   * BEGIN and, for a tenant, the transaction-local tenant setting, sent as one simple-protocol
   * string: one round trip, not two. The tenant id is a validated token claim, escaped anyway.
   */
  const begin = (tenantId: string | null, genericPlan: boolean, statementTimeoutMs?: number) => {
    if (tenantId === null) return 'BEGIN';
    const plan = genericPlan ? `, set_config('plan_cache_mode', 'force_generic_plan', true)` : '';
    const timeout = statementTimeoutMs ? `, set_config('statement_timeout', '${Math.floor(statementTimeoutMs)}', true)` : '';
    return `BEGIN; SELECT set_config('${TENANT_SETTING}', ${pg.escapeLiteral(tenantId)}, true)${plan}${timeout}`;
  };

  const slots = createTenantSlots(opts.tenantMaxConnections ?? opts.max, opts.tenantWaitMs ?? opts.connectTimeoutMs);

  function transaction<T>(tenantId: string | null, fn: (tx: Executor) => Promise<T>, genericPlan = false, statementTimeoutMs?: number): Promise<T> {
    if (tenantId === null) return connected(null, fn, genericPlan);
    return slots.run(tenantId, () => connected(tenantId, fn, genericPlan, statementTimeoutMs));
  }

  async function connected<T>(tenantId: string | null, fn: (tx: Executor) => Promise<T>, genericPlan: boolean, statementTimeoutMs?: number): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    // A connection that drops while checked out fails the pending query and also emits 'error'
    // on the client; without a listener that event would crash the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query(begin(tenantId, genericPlan, statementTimeoutMs));
      // Statements issued without waiting for the previous one (a prefetch) are sent one after
      // another: a pg client must not be handed a query while it runs one.
      let tail: Promise<unknown> = Promise.resolve();
      const serial = <R>(next: () => Promise<R>): Promise<R> => {
        const result = tail.then(next, next);
        tail = result.catch(() => undefined);
        return result;
      };
      const result = await fn({
        query: (sql, params, opts) => serial(() => run(client, sql, params, opts)),
        exec: (sql) => serial(async () => void (await client.query(sql))),
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  return {
    engine: 'postgres',
    query: (sql, params, opts) => run(pool, sql, params, opts),
    exec: async (sql) => void (await pool.query(sql)),
    transaction: (fn) => transaction(null, fn),
    forTenant: (tenantId, scope = {}) => ({
      tenantId,
      // Outside a transaction the setting would not outlive its statement, so a lone read gets
      // one of its own too.
      query: (sql, params, opts) => {
        const { genericPlan = false, ...rest } = opts ?? {};
        return transaction(tenantId, (tx) => tx.query(sql, params, rest), genericPlan, scope.statementTimeoutMs);
      },
      exec: (sql) => transaction(tenantId, (tx) => tx.exec(sql), false, scope.statementTimeoutMs),
      transaction: (fn) => transaction(tenantId, fn, false, scope.statementTimeoutMs),
    }),
    async ping() {
      await pool.query('select 1');
    },
    poolStats: () => ({ size: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await pool.end();
    },
  };
}
