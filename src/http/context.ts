import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.js';
import type { TenantContext, TokenVerifier } from '../auth/index.js';
import type { Actor } from '../changes/index.js';
import type { Database, TenantDatabase } from '../db/index.js';
import { isStorableText } from '../validation/text.js';

/** Who is asking, from where: the actor of every change the request makes. */
export interface RequestContext extends TenantContext, Actor {
  requestId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
    /** The database scoped to the caller's tenant (row-level security); set with ctx. */
    db: TenantDatabase;
    /** Why the request is not authenticated (thrown by the auth gate, after rate limiting). */
    authFailure: AppError | null;
  }
  interface FastifyContextConfig {
    /** Route served without a bearer token (health, docs). */
    public?: boolean;
  }
}

const BEARER = /^Bearer\s+([A-Za-z0-9_.~+/=-]+)\s*$/i;

/**
 * Authentication runs in onRequest — before the body is parsed or validated — so a request
 * without a valid token gets 401 whatever its body (CONTRACT §6a). It only identifies the caller:
 * the rate limit (per tenant, or per client address for the unauthenticated) runs next, and the
 * gate (registerAuthGate) then refuses what is not authenticated. So a flood of bad tokens is
 * throttled like any other, and nothing touches the database before the limit.
 */
/**
 * Request kinds whose cost grows with the tenant (lists, searches, history, the feed, dedupe): their
 * statements run under the shorter DB_EXPENSIVE_STATEMENT_TIMEOUT_MS, so a flood of them cannot
 * hold connections for long.
 */
export function isExpensiveRoute(method: string, url: string): boolean {
  return (method === 'GET' && !/\/:[a-z_]+\/?$/.test(url)) || (method === 'POST' && url === '/contacts/dedupe/');
}

export function registerAuth(
  app: FastifyInstance,
  db: Database,
  verify: TokenVerifier,
  publicPrefixes: string[] = [],
  expensiveStatementTimeoutMs?: number,
): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.decorateRequest('db', null as unknown as TenantDatabase);
  app.decorateRequest('authFailure', null);
  const isPublicPath = (url: string): boolean => {
    for (const prefix of publicPrefixes) if (url.startsWith(prefix)) return true;
    return false;
  };
  // A callback hook with a synchronous path for a token verified before (the common case): an
  // async hook and an async verification would cost promises and microtask turns per request.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions;
    const url = route.url;
    // Unknown routes fall through to the 404 handler; public routes need no token.
    if (!url || route.config?.public || isPublicPath(url)) return done();
    const header = request.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) {
      request.authFailure = new AppError('unauthorized', 'A bearer token is required.');
      return done();
    }
    const token = match[1]!;
    const known = verify.cached?.(token);
    if (known) {
      identify(request, reply, url, known);
      return done();
    }
    verify(token)
      .then(
        (tenant) => identify(request, reply, url, tenant),
        (err: unknown) => {
          if (!(err instanceof AppError)) throw err;
          request.authFailure = err;
        },
      )
      .then(() => done(), done);
  });

  function identify(request: FastifyRequest, reply: FastifyReply, url: string, tenant: TenantContext): void {
    // The user id is written into every row and audit entry: a sub the database cannot store (NUL,
    // unpaired surrogate) would fail each write, so such a token is rejected like an invalid one.
    if (!isStorableText(tenant.userId)) {
      request.authFailure = new AppError('unauthorized', 'The bearer token has no valid sub claim.');
      return;
    }
    request.ctx = {
      tenantId: tenant.tenantId,
      userId: tenant.userId,
      requestId: request.id,
      ip: request.ip ?? null,
      userAgent: truncate(request.headers['user-agent'], 500),
    };
    const expensive = expensiveStatementTimeoutMs !== undefined && isExpensiveRoute(request.method, url);
    request.db = db.forTenant(tenant.tenantId, expensive ? { statementTimeoutMs: expensiveStatementTimeoutMs } : undefined);
    // The request's own logger (Fastify makes one per request, and reply.log is the same object)
    // gets the tenant bound in place: no second child logger per request.
    const log = request.log as typeof request.log & { setBindings?: (bindings: Record<string, unknown>) => void };
    if (typeof log.setBindings === 'function' && log === reply.log) log.setBindings({ tenant: tenant.tenantId });
    else request.log = reply.log = request.log.child({ tenant: tenant.tenantId });
  }
}

/** Refuses an unauthenticated request (after the rate limit, before the body is parsed). */
export function registerAuthGate(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.authFailure) done(request.authFailure);
    else done(null, payload);
  });
}

function truncate(value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}
