// One small interface over both engines. Queries take an Executor (a pool or a transaction) and
// never open transactions themselves: only routes and CLI commands do (via Database.transaction).

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Executor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Engine = 'postgres' | 'pglite';

export interface Database extends Executor {
  readonly engine: Engine;
  /** Runs fn in one transaction; commits on resolve, rolls back on throw. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
