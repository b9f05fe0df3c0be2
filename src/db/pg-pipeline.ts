import pg from 'pg';
import { createRequire } from 'node:module';

/**
 * A statement sent with the statements that must run before it in one extended-protocol batch:
 * Parse/Bind/Execute of each prefix, then of the statement, then one Sync — one round trip.
 *
 * Why this binds row-level security safely (issue 24): everything before a Sync runs in one
 * transaction (an implicit one unless a prefix is BEGIN), so a prefix's
 * `set_config('app.tenant_id', $1, true)` holds for the statement and ends with it; and after an
 * error the server skips every message up to the Sync, so the statement never runs unless every
 * prefix succeeded. Prefixes are prepared once per connection and bound with parameters.
 *
 * node-pg sends one Sync per query and has no API for this, so this is a Query whose `prepare`
 * writes the batch; the prefixes' own results (no RowDescription is asked for) are skipped.
 */
export interface Prefix {
  /** Prepared-statement name, unique per text. */
  name: string;
  text: string;
  values: readonly string[];
}

export interface PipelinedQueryConfig {
  text: string;
  /** Prepared-statement name of the statement ('' or undefined: unnamed, parsed every time). */
  name?: string;
  values?: unknown[];
  prefixes: readonly Prefix[];
  callback: (err: Error | null, res: pg.QueryResult) => void;
}

// The parts of node-pg's Connection and Query used here (not in @types/pg).
interface WireConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(msg: { text: string; name?: string; types?: unknown[] }): void;
  bind(msg: { portal?: string; statement?: string; values?: unknown[]; binary?: boolean; valueMapper?: (v: unknown) => unknown }): void;
  describe(msg: { type: 'P' | 'S'; name?: string }): void;
  execute(msg?: { portal?: string; rows?: number }): void;
  close(msg: { type: 'P' | 'S'; name?: string }): void;
  sync(): void;
}

interface QueryInternals {
  name?: string;
  text: string;
  values?: unknown[];
  types?: unknown[];
  binary?: boolean;
  portal: string;
  handleError(err: Error, connection: WireConnection): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: WireConnection): void;
  hasBeenParsed(connection: WireConnection): boolean;
}

// Prefix statements known to be prepared on a connection. A prefix whose fate is unknown (an
// error came before its result) is closed and parsed again: closing a missing one is no error.
const preparedPrefixes = new WeakMap<WireConnection, Set<string>>();

// node-pg's own value conversion (dates, buffers, arrays, JSON) for the statement's parameters.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => unknown };

const QueryBase = pg.Query as unknown as new (config: object) => QueryInternals;

class PipelinedQuery extends QueryBase {
  private readonly prefixes: readonly Prefix[];
  private pendingPrefixes: number;
  private connection: WireConnection | undefined;

  constructor(config: PipelinedQueryConfig) {
    super({ text: config.text, name: config.name || undefined, values: config.values, callback: config.callback });
    this.prefixes = config.prefixes;
    this.pendingPrefixes = config.prefixes.length;
  }

  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: WireConnection): void {
    this.connection = connection;
    // The statement's Parse first: node-pg marks the active query's name as parsed on every
    // ParseComplete, so a prefix's ParseComplete must not come before the statement's own.
    if (!this.hasBeenParsed(connection)) {
      connection.parse({ text: this.text, name: this.name, types: this.types });
      if (this.name) connection.submittedNamedStatements[this.name] = this.text;
    }
    let known = preparedPrefixes.get(connection);
    if (!known) preparedPrefixes.set(connection, (known = new Set()));
    for (const p of this.prefixes) {
      if (!known.has(p.name)) {
        connection.close({ type: 'S', name: p.name });
        connection.parse({ text: p.text, name: p.name });
      }
      connection.bind({ statement: p.name, values: [...p.values] });
      connection.execute();
    }
    try {
      connection.bind({ portal: this.portal, statement: this.name, values: this.values, binary: this.binary, valueMapper: prepareValue });
    } catch (err) {
      // A value node-pg cannot serialize: nothing has run yet but the prefixes; end the batch.
      connection.close({ type: 'S', name: this.name });
      connection.sync();
      this.handleError(err as Error, connection);
      return;
    }
    connection.describe({ type: 'P', name: this.portal });
    connection.execute({ portal: this.portal });
    connection.sync();
  }

  override handleDataRow(msg: unknown): void {
    if (this.pendingPrefixes > 0) return;
    super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: WireConnection): void {
    if (this.pendingPrefixes > 0) {
      const done = this.prefixes[this.prefixes.length - this.pendingPrefixes]!;
      this.pendingPrefixes--;
      preparedPrefixes.get(connection)?.add(done.name);
      return;
    }
    super.handleCommandComplete(msg, connection);
  }

  override handleError(err: Error, connection: WireConnection): void {
    // Prefixes that had not completed may or may not have been parsed.
    const known = preparedPrefixes.get(connection ?? this.connection);
    if (known) for (const p of this.prefixes.slice(this.prefixes.length - this.pendingPrefixes)) known.delete(p.name);
    super.handleError(err, connection);
  }
}

/** Runs `text` after its prefixes in one round trip (see PipelinedQuery). */
export function pipelinedQuery(client: pg.ClientBase, config: Omit<PipelinedQueryConfig, 'callback'>): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new PipelinedQuery({ ...config, callback: (err, res) => (err ? reject(err) : resolve(res)) });
    void client.query(query as unknown as pg.Submittable);
  });
}
