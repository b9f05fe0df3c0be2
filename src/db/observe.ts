import { dbStatementErrors } from '../observability/metrics.js';
import { activeTracer } from '../observability/tracing.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { sqlState } from './sqlstate.js';

/**
 * Runs one statement under the observability of both adapters: a failed statement counts in
 * `contact_registry_db_statement_errors_total`, and with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT)
 * it is a client span (its SQL text has only placeholders, never values). With tracing off the
 * only cost is a null check.
 */
export async function observeStatement<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) {
    try {
      return await fn();
    } catch (err) {
      countError(err);
      throw err;
    }
  }
  return tracer.startActiveSpan(`db ${operationOf(sql)}`, { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': sql } }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      countError(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: sqlState(err) ?? 'error' });
      throw err;
    } finally {
      span.end();
    }
  });
}

function countError(err: unknown): void {
  const code = sqlState(err);
  // Raised on purpose by contact_create_check (migration 0039): a 409 or a retry, not a failure.
  if (code?.startsWith('CR')) return;
  dbStatementErrors.inc({ class: code && /^[0-9A-Z]{5}$/.test(code) ? code.slice(0, 2) : 'connection' });
}

/** `SELECT`, `INSERT`, `WITH`… : the statement's first keyword. */
function operationOf(sql: string): string {
  return /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
}
