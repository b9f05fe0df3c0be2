import { AppError } from '../errors/index.js';
import { constraintProblem } from './constraints.js';

// SQLSTATE → AppError, in one place. Violations of constraints a resource registered
// (constraints.ts) become 409s naming its field; the rest map by SQLSTATE.
const CONNECTION_CODES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']);
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isConnectionError(err: unknown): boolean {
  const code = sqlState(err);
  if (code && (CONNECTION_CODES.has(code) || CONNECTION_ERRNOS.has(code))) return true;
  const msg = (err as { message?: string })?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    msg,
  );
}

/** Maps a database error to an AppError, or returns undefined when it is a genuine bug (→ 500). */
export function fromDbError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const code = sqlState(err);
  if (isConnectionError(err)) return new AppError('service_unavailable', 'The database is unavailable; retry later.', { cause: err, headers: { 'retry-after': '1' } });
  const constraint = (err as { constraint?: unknown })?.constraint;
  if (code?.startsWith('23')) {
    const known = constraintProblem(typeof constraint === 'string' ? constraint : undefined, err);
    if (known) return known;
  }
  switch (code) {
    case '23505':
      return new AppError('conflict', 'The object conflicts with an existing one.', { cause: err });
    case '23503':
      return new AppError('not_found', 'A referenced object does not exist.', { cause: err });
    // Text the database cannot store (NUL, or jsonb's unsupported \u0000 escape). Inputs are
    // checked before they get here; this keeps a missed path a client error instead of a 500.
    case '22021':
    case '22P05':
      return new AppError('bad_request', 'The request contains text that cannot be stored (NUL characters or unpaired surrogates).', { cause: err });
    case '40001':
    case '40P01':
      return new AppError('service_unavailable', 'A concurrent update conflicted; retry the request.', { cause: err, headers: { 'retry-after': '0' } });
    case '57014':
      return new AppError('service_unavailable', 'The database took too long to answer; retry later.', { cause: err, headers: { 'retry-after': '1' } });
    default:
      return undefined;
  }
}
