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
  values: readonly unknown[];
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
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
  stream: { cork?: () => void; uncork?: () => void };
  parse(msg: { text: string; name?: string; types?: unknown[] }): void;
  bind(msg: { portal?: string; statement?: string; values?: unknown[]; binary?: boolean; valueMapper?: (v: unknown) => unknown }): void;
  describe(msg: { type: 'P' | 'S'; name?: string }): void;
  execute(msg?: { portal?: string; rows?: number }): void;
  close(msg: { type: 'P' | 'S'; name?: string }): void;
  sync(): void;
}

interface QueryInternals {
  handleReadyForQuery(connection: WireConnection): void;
  name?: string;
  text: string;
  values?: unknown[];
  types?: unknown[];
  binary?: boolean;
  portal: string;
  handleError(err: Error, connection: WireConnection): void;
  handleDataRow(msg: unknown): void;
  handleRowDescription(msg: { fields: unknown[] }): void;
  _result: ResultInternals;
  _accumulateRows: boolean;
  handleCommandComplete(msg: unknown, connection: WireConnection): void;
  hasBeenParsed(connection: WireConnection): boolean;
}

// What node-pg's Result derives from a RowDescription (Result.addFields): the fields, a parser per
// field and the empty row that parseRow copies.
interface ResultInternals {
  fields: unknown[];
  _parsers: unknown[] | undefined;
  _prebuiltEmptyResultObject: object | null;
}
type RowShape = Pick<ResultInternals, 'fields' | '_parsers' | '_prebuiltEmptyResultObject'>;

/**
 * The row shape of each named statement prepared on a connection, from its first RowDescription.
 * A prepared statement's result columns cannot change while it exists (PostgreSQL refuses to run
 * it: "cached plan must not change result type"), so later executions skip the Describe: the
 * server builds no RowDescription and node-pg neither parses it nor looks up parsers again. Kept
 * per connection, so a statement prepared anew on another connection is described anew.
 */
const rowShapes = new WeakMap<WireConnection, Map<string, RowShape>>();

// node-pg's own value conversion (dates, buffers, arrays, JSON) for the statement's parameters.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: (v: unknown) => unknown };

const QueryBase = pg.Query as unknown as new (config: object) => QueryInternals;

class PipelinedQuery extends QueryBase {
  private readonly prefixes: readonly Prefix[];
  private pendingPrefixes: number;
  // The statements this batch parses, in order, and a listener that records each ParseComplete
  // in node-pg's own bookkeeping (shared with its plain queries): a statement counts as prepared
  // on the connection exactly when the server said so.
  private parsing: { name: string; text: string }[] = [];
  private onParsed: (() => void) | undefined;
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
    const parse = (name: string | undefined, text: string) => {
      connection.parse({ text, name, types: name === this.name ? this.types : undefined });
      if (name) {
        connection.submittedNamedStatements[name] = text;
        this.parsing.push({ name, text });
      } else this.parsing.push({ name: '', text });
    };
    const isParsed = (name: string) => connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined;
    // The statement's Parse first: node-pg marks the active query's name as parsed on every
    // ParseComplete, so no other ParseComplete may come before the statement's own.
    if (!this.name || !isParsed(this.name)) parse(this.name, this.text);
    for (const p of this.prefixes) if (!isParsed(p.name) && !this.parsing.some((x) => x.name === p.name)) parse(p.name, p.text);
    // Once every statement is prepared on the connection (the usual case) there is nothing to record.
    if (this.parsing.length > 0) {
      this.onParsed = () => {
        const done = this.parsing.shift();
        if (done?.name) {
          connection.parsedStatements[done.name] = done.text;
          delete connection.submittedNamedStatements[done.name];
        }
      };
      connection.on('parseComplete', this.onParsed);
    }
    try {
      for (const p of this.prefixes) {
        connection.bind({ statement: p.name, values: [...p.values], valueMapper: prepareValue });
        connection.execute();
      }
      connection.bind({ portal: this.portal, statement: this.name, values: this.values, binary: this.binary, valueMapper: prepareValue });
    } catch (err) {
      // A value node-pg cannot serialize: nothing was sent for it. End the batch there and fail
      // once the server is ready again (after its ParseCompletes were recorded). A transaction
      // rolls back on the error; a lone statement's prefixes only set transaction-local settings.
      connection.sync();
      (this as unknown as { _canceledDueToError: unknown })._canceledDueToError = err;
      return;
    }
    const shape = this.name && connection.parsedStatements[this.name] !== undefined ? rowShapes.get(connection)?.get(this.name) : undefined;
    if (shape) {
      const result = this._result;
      result.fields = shape.fields;
      result._parsers = shape._parsers;
      result._prebuiltEmptyResultObject = shape._prebuiltEmptyResultObject;
      this._accumulateRows = true; // as handleRowDescription sets it for a query with a callback
    } else connection.describe({ type: 'P', name: this.portal });
    connection.execute({ portal: this.portal });
    connection.sync();
  }

  override handleRowDescription(msg: { fields: unknown[] }): void {
    super.handleRowDescription(msg);
    if (!this.name || !this.connection) return;
    let shapes = rowShapes.get(this.connection);
    if (!shapes) rowShapes.set(this.connection, (shapes = new Map()));
    const { fields, _parsers, _prebuiltEmptyResultObject } = this._result;
    shapes.set(this.name, { fields, _parsers, _prebuiltEmptyResultObject });
  }

  override handleDataRow(msg: unknown): void {
    if (this.pendingPrefixes > 0) return;
    super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: WireConnection): void {
    if (this.pendingPrefixes > 0) {
      this.pendingPrefixes--;
      return;
    }
    super.handleCommandComplete(msg, connection);
  }

  override handleError(err: Error, connection: WireConnection): void {
    this.stopListening();
    // What was submitted but not confirmed is not prepared (node-pg does this for the statement).
    const c = connection ?? this.connection;
    for (const p of this.parsing) if (p.name && c) delete c.submittedNamedStatements[p.name];
    super.handleError(err, connection);
  }

  override handleReadyForQuery(connection: WireConnection): void {
    this.stopListening();
    super.handleReadyForQuery(connection);
  }

  private stopListening(): void {
    if (this.onParsed) this.connection?.off('parseComplete', this.onParsed);
    this.onParsed = undefined;
  }
}

/** Runs `text` after its prefixes in one round trip (see PipelinedQuery). */
export function pipelinedQuery(client: pg.ClientBase, config: Omit<PipelinedQueryConfig, 'callback'>): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new PipelinedQuery({ ...config, callback: (err, res) => (err ? reject(err) : resolve(res)) });
    void client.query(query as unknown as pg.Submittable);
  });
}
