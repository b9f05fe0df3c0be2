import pg from 'pg';
import { createHash } from 'node:crypto';
import { TENANT_SETTING, type Database, type Executor, type QueryOptions, type QueryResult } from './executor.js';
import { observeStatement } from './observe.js';
import { pipelinedQuery, type Prefix } from './pg-pipeline.js';
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

  const run = async <T>(
    client: pg.Pool | pg.PoolClient,
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
    prefixes: readonly Prefix[] = [],
  ): Promise<QueryResult<T>> => {
    const values = params as unknown[] | undefined;
    return observeStatement(sql, async () => {
      const name = opts?.prepare ? statementName(sql) : undefined;
      const res =
        prefixes.length > 0
          ? await pipelinedQuery(client as pg.PoolClient, { text: sql, name, values, prefixes })
          : name
            ? await client.query({ name, text: sql, values })
            : await client.query(sql, values);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
    });
  };

  /**
   * The settings a tenant's statement runs under, as one prepared `SELECT set_config(…, true)`
   * sent in the statement's own round trip (pg-pipeline.ts): transaction-local, so they end with
   * the statement's transaction and never reach the next user of the connection.
   */
  const settingTexts: ({ name: string; text: string } | undefined)[] = [];
  const settings = (tenantId: string | null, genericPlan: boolean, statementTimeoutMs?: number): Prefix[] => {
    const timeout = statementTimeoutMs ? String(Math.floor(statementTimeoutMs)) : null;
    // The text depends only on which settings are made: built once per combination.
    const key = (tenantId !== null ? 1 : 0) | (genericPlan ? 2 : 0) | (timeout !== null ? 4 : 0);
    let statement = settingTexts[key];
    if (statement === undefined) {
      const parts: string[] = [];
      let n = 0;
      if (tenantId !== null) parts.push(`set_config('${TENANT_SETTING}', $${++n}, true)`);
      if (genericPlan) parts.push(`set_config('plan_cache_mode', 'force_generic_plan', true)`);
      if (timeout !== null) parts.push(`set_config('statement_timeout', $${++n}, true)`);
      if (parts.length === 0) return [];
      const text = `SELECT ${parts.join(', ')}`;
      settingTexts[key] = statement = { name: statementName(text), text };
    }
    const values: string[] = [];
    if (tenantId !== null) values.push(tenantId);
    if (timeout !== null) values.push(timeout);
    return [{ name: statement.name, text: statement.text, values }];
  };
  const BEGIN: Prefix = { name: 'cr_begin', text: 'BEGIN', values: [] };

  const slots = createTenantSlots(opts.tenantMaxConnections ?? opts.max, opts.tenantWaitMs ?? opts.connectTimeoutMs);

  /** Runs fn with a checked-out connection (within the tenant's share of the pool). */
  function withClient<T>(tenantId: string | null, fn: (client: pg.PoolClient, fail: () => void) => Promise<T>): Promise<T> {
    const checkout = async (): Promise<T> => {
      const client = await pool.connect();
      let broken = false;
      // A connection that drops while checked out fails the pending query and also emits 'error'
      // on the client; without a listener that event would crash the process.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        return await fn(client, onError);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    };
    return tenantId === null ? checkout() : slots.run(tenantId, checkout);
  }

  /**
   * Statements issued without waiting for the previous one (a prefetch) are sent one after
   * another: a pg client must not be handed a query while it runs one.
   */
  const serializer = () => {
    let tail: Promise<unknown> = Promise.resolve();
    return <R>(next: () => Promise<R>): Promise<R> => {
      const result = tail.then(next, next);
      tail = result.catch(() => undefined);
      return result;
    };
  };

  /**
   * One transaction. BEGIN and the settings are not a round trip of their own: they travel with
   * the first statement (and a transaction that issues none sends nothing).
   */
  function transaction<T>(tenantId: string | null, fn: (tx: Executor) => Promise<T>, statementTimeoutMs?: number): Promise<T> {
    return withClient(tenantId, async (client, fail) => {
      let begun = false;
      let deferred: Prefix[] = [];
      // What travels before the next statement: BEGIN and the settings (first statement only),
      // then the writes deferred since the last statement.
      const ahead = (): Prefix[] => {
        const out = begun ? deferred : [BEGIN, ...settings(tenantId, false, statementTimeoutMs), ...deferred];
        begun = true;
        deferred = [];
        return out;
      };
      const serial = serializer();
      try {
        const result = await fn({
          query: (sql, params, opts) =>
            serial(() => {
              if (opts?.genericPlan) throw new Error('QueryOptions.genericPlan applies only to a lone read of a TenantDatabase');
              return run(client, sql, params, opts, ahead());
            }),
          exec: (sql) =>
            serial(async () => {
              if (!begun || deferred.length > 0) await run(client, 'SELECT 1', [], { prepare: true }, ahead());
              await client.query(sql);
            }),
          // In the serial order, so it goes after every statement issued before it.
          defer: (sql, params = []) =>
            void serial(async () => {
              deferred.push({ name: statementName(sql), text: sql, values: params });
            }),
        });
        // Deferred writes go with the COMMIT; a transaction that sent nothing has nothing to end.
        await serial(async () => {
          if (deferred.length > 0) await run(client, 'COMMIT', [], { prepare: true }, ahead());
          else if (begun) await client.query('COMMIT');
        });
        return result;
      } catch (err) {
        if (begun) {
          try {
            await client.query('ROLLBACK');
          } catch {
            fail();
          }
        }
        throw err;
      }
    });
  }

  /**
   * Reads of one tenant on one connection, each statement its own one-round-trip transaction with
   * the settings before it. Under READ COMMITTED every statement of a transaction takes its own
   * snapshot anyway, so for reads this sees what one transaction would, two round trips cheaper.
   */
  function reads<T>(tenantId: string, fn: (tx: Executor) => Promise<T>, statementTimeoutMs?: number): Promise<T> {
    return withClient(tenantId, async (client) => {
      const serial = serializer();
      return fn({
        query: (sql, params, opts) =>
          serial(() => run(client, sql, params, { prepare: opts?.prepare }, settings(tenantId, opts?.genericPlan ?? false, statementTimeoutMs))),
        // A script cannot be pipelined with bound parameters; it runs as one simple-protocol string
        // (one implicit transaction) after the setting, the tenant id escaped as a literal.
        exec: (sql) =>
          serial(async () => {
            const timeout = statementTimeoutMs ? `, set_config('statement_timeout', '${Math.floor(statementTimeoutMs)}', true)` : '';
            await client.query(`SELECT set_config('${TENANT_SETTING}', ${pg.escapeLiteral(tenantId)}, true)${timeout}; ${sql}`);
          }),
      });
    });
  }

  return {
    engine: 'postgres',
    query: (sql, params, opts) => {
      if (opts?.genericPlan) throw new Error('QueryOptions.genericPlan applies only to a lone read of a TenantDatabase');
      return run(pool, sql, params, opts);
    },
    exec: async (sql) => void (await pool.query(sql)),
    transaction: (fn) => transaction(null, fn),
    forTenant: (tenantId, scope = {}) => ({
      tenantId,
      // A lone statement is one round trip: the settings travel with it (pg-pipeline.ts).
      query: (sql, params, opts) => reads(tenantId, (tx) => tx.query(sql, params, opts), scope.statementTimeoutMs),
      exec: (sql) => reads(tenantId, (tx) => tx.exec(sql), scope.statementTimeoutMs),
      transaction: (fn) => transaction(tenantId, fn, scope.statementTimeoutMs),
      read: (fn) => reads(tenantId, fn, scope.statementTimeoutMs),
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
