// One small interface over both engines. Queries take an Executor (a pool or a transaction) and
// never open transactions themselves: only routes and CLI commands do (via Database.transaction).

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared on the connection (PostgreSQL): parsed and planned once per
   * connection instead of on every call. For hot statements whose text has a bounded number of
   * variants; planning a dedupe candidate query costs about as much as executing it.
   */
  prepare?: boolean;
  /**
   * With `prepare`: execute with the generic plan (`plan_cache_mode = force_generic_plan`), never
   * re-plan for the parameters. PostgreSQL otherwise keeps re-planning a statement whose generic
   * plan it estimates dearer than its custom ones, and for the dedupe candidate query planning
   * costs several times its execution. Only for a lone read of a TenantDatabase (its query, or
   * a statement of its `read`), where the setting travels with the statement; inside a
   * transaction it throws. PGlite ignores it.
   */
  genericPlan?: boolean;
}

export interface Executor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<T>>;
  /** Runs a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * A write whose result nobody reads (an audit entry), sent with the transaction's next
   * statement or its COMMIT instead of in a round trip of its own; its failure fails that
   * statement or the commit, so the transaction still commits with it or not at all. Only a
   * PostgreSQL transaction has it; elsewhere callers await `query`.
   */
  defer?(sql: string, params?: readonly unknown[], opts?: QueryOptions): void;
}

export type Engine = 'postgres' | 'pglite';

/** The setting row-level security policies compare `tenant_id` with (migration 0007). */
export const TENANT_SETTING = 'app.tenant_id';

/**
 * A database scoped to one tenant: every statement runs in a transaction that first sets
 * TENANT_SETTING transaction-locally (in the statement's own round trip on PostgreSQL), so the row-level security policies admit that tenant's rows
 * only — a second guard behind the `tenant_id` filter every query has anyway.
 */
export interface TenantDatabase extends Executor {
  readonly tenantId: string;
  /** Runs fn in one transaction; commits on resolve, rolls back on throw. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /**
   * Runs fn's statements on one connection, each as its own transaction with the tenant set: one
   * round trip per statement, none for BEGIN or COMMIT. For reads only (a write would commit on
   * its own). Under READ COMMITTED each statement of a transaction takes its own snapshot anyway,
   * so reads see here what they would see in one transaction.
   */
  read<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
}

export interface Database extends Executor {
  readonly engine: Engine;
  /** Runs fn in one transaction; commits on resolve, rolls back on throw. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /**
   * What request handlers and tenant-scoped commands use; the bare Database is for migrations and
   * cross-tenant maintenance. `statementTimeoutMs` shortens the statement timeout of this scope
   * (expensive request kinds, PostgreSQL only).
   */
  forTenant(tenantId: string, scope?: { statementTimeoutMs?: number }): TenantDatabase;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  /** Connections of the pool (PGlite: its one connection) and callers waiting for one, for metrics. */
  poolStats?(): { size: number; inUse: number; waiting: number };
  close(): Promise<void>;
}
