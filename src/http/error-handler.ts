import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, ERROR_STATUS, problem, type ErrorCode } from '../errors/index.js';
import { ulid } from '../ids.js';
import { fromDbError } from '../db/index.js';
import { validationErrors, type AjvError } from '../validation/ajv-errors.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

export function toAppError(err: FastifyError & { validation?: AjvError[]; validationContext?: string }): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) {
    // A malformed path id is "no such object" (CONTRACT §1), not a 400.
    if (err.validationContext === 'params') return new AppError('not_found', 'Not found.');
    const errors = validationErrors(err.validation);
    return new AppError('validation_error', `Invalid ${err.validationContext ?? 'request'}: ${Object.keys(errors).join(', ')}.`, { errors });
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return new AppError(mapped, mapped === 'bad_request' ? 'The request body is not valid JSON.' : err.message);
  if (err instanceof SyntaxError || err.statusCode === 400) return new AppError('bad_request', 'The request body is not valid JSON.');
  if (err.statusCode === 429) return new AppError('rate_limited', 'Rate limit exceeded; retry later.');
  if (err.statusCode === 413) return new AppError('payload_too_large', 'The request body is too large.');
  if (err.statusCode === 415) return new AppError('unsupported_media_type', err.message);
  const fromDb = fromDbError(err);
  if (fromDb) return fromDb;
  return new AppError('internal', 'An unexpected error occurred.', { cause: err });
}

/**
 * A bug while translating an error must still answer with a problem document: Fastify's fallback
 * handler would send its own body with the raw exception message.
 */
function safeToAppError(err: FastifyError): AppError {
  try {
    return toAppError(err);
  } catch (bug) {
    return new AppError('internal', 'An unexpected error occurred.', { cause: bug });
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, appErr: AppError): FastifyReply {
  if (appErr.headers) for (const [k, v] of Object.entries(appErr.headers)) reply.header(k, v);
  // RFC 9110 §15.5.2: a 401 carries the challenge, so clients know which credentials to send.
  if (appErr.status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer');
  const doc = problem(appErr.code, appErr.status, appErr.message, request.id, appErr.errors, appErr.extra);
  return reply.code(appErr.status).type('application/problem+json').send(JSON.stringify(doc));
}

/**
 * Errors the router raises before any route or hook runs (Fastify's `frameworkErrors`): a path
 * with an invalid percent-encoding or a parameter longer than the router allows. Such a segment
 * can only be an id that is not well-formed, so the answer is 404 (CONTRACT §1), as a problem
 * document like every other error, with the request id the onRequest hook would have set.
 */
export function handleFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('x-request-id', request.id);
  reply.header('x-content-type-options', 'nosniff');
  const notFound = err.code === 'FST_ERR_BAD_URL' || err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  return sendProblem(request, reply, notFound ? new AppError('not_found', 'Not found.') : new AppError('internal', 'An unexpected error occurred.', { cause: err }));
}

/**
 * Errors Node's HTTP parser raises before there is a request (Fastify's `clientErrorHandler`): a
 * request too slow to arrive (408), headers over the size limit — a 100 KB token, say — (431), or
 * bytes that are not HTTP (400). Answered, like every other error, with a problem document.
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [ErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['request_timeout', 'The request did not arrive in time.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers_too_large', 'The request headers are larger than the server accepts (a bearer token this long is not one it issued).']
        : ['bad_request', 'The request is not valid HTTP.'];
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(problem(code, status, detail, ulid()));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Fields of a database error that name the schema, never the data. */
const DB_ERROR_FIELDS = ['code', 'severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

/**
 * What may be logged of an error (CONTRACT §7: no PII in logs). Database errors quote values in
 * their message, detail and where text ("cannot store contact <name>", "Failing row contains
 * (…)"), and the PGlite driver attaches the query parameters: only the SQLSTATE, the schema
 * coordinates and the stack frames (without the message line) are kept.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const e = err as Error & Record<string, unknown>;
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
  if (typeof e.code === 'string' && SQLSTATE.test(e.code) && ('severity' in e || 'routine' in e)) {
    const out: Record<string, unknown> = { type: 'DatabaseError' };
    for (const f of DB_ERROR_FIELDS) if (typeof e[f] === 'string') out[f] = e[f];
    out.stack = frames;
    return out;
  }
  return { type: e.name, message: e.message, code: typeof e.code === 'string' ? e.code : undefined, stack: frames };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appErr = safeToAppError(err);
    if (appErr.status >= 500) {
      // Logged by code and cause only; request bodies (PII) are never logged.
      request.log.error({ err: loggableError(appErr.cause ?? err), code: appErr.code }, 'request failed');
    }
    return sendProblem(request, reply, appErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
