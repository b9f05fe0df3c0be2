import { isConnectionError, sqlState } from './sqlstate.js';

// Failures of opening a database that a person must act on; the CLI prints their message as the
// one line of a failed start.

/** A second process opened the PGlite directory (it would corrupt it). */
export class DataDirLockedError extends Error {}

/** The database of a configured URL could not be reached or refused the login. */
export class DatabaseConnectError extends Error {
  constructor(
    readonly variable: 'DATABASE_URL' | 'MIGRATION_DATABASE_URL',
    url: string,
    cause: unknown,
  ) {
    super(`cannot connect to the database of ${variable} (${redactUrl(url)}): ${connectFailureReason(cause)}`, { cause });
  }
}

// Refusals at login time: wrong password, no pg_hba.conf entry, no such database, too many clients.
const LOGIN_REFUSALS = new Set(['28P01', '28000', '3D000', '53300', '57P03']);

/** True for an error that means "this database cannot be used at all", not a failing statement. */
export function isConnectFailure(err: unknown): boolean {
  const code = sqlState(err);
  return isConnectionError(err) || (code !== undefined && LOGIN_REFUSALS.has(code)) || err instanceof AggregateError;
}

/** The URL without its password (it ends up in a terminal and in logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a valid URL)';
  }
}

/** A short reason: "connection refused at 127.0.0.1:5432", "password authentication failed …". */
export function connectFailureReason(err: unknown): string {
  // Node tries each address of a host name (::1 and 127.0.0.1 for localhost) and reports all.
  const first = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  const e = (first ?? {}) as { code?: string; address?: string; port?: number; hostname?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${e.address}:${e.port} (is PostgreSQL running there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host "${e.hostname}" not found`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `no route to ${e.address ?? 'the host'}${e.port ? `:${e.port}` : ''}`;
  }
  const message = (e.message ?? String(first)).split('\n')[0]!;
  if (/timeout/i.test(message)) return 'no answer within DB_CONNECT_TIMEOUT_MS';
  return message;
}
