import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ulid } from './ids.js';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import { AppError } from './errors/index.js';
import { createTokenVerifier, type TokenVerifier } from './auth/index.js';
import { registerAuth, registerAuthGate } from './http/context.js';
import { handleClientError, handleFrameworkError, registerErrorHandling } from './http/error-handler.js';
import { DOCS_PREFIX, registerOpenApi } from './http/openapi.js';
import { registerIdempotency } from './http/idempotency.js';
import { createSharedRateLimiter } from './http/rate-limit-store.js';
import { registerWebConventions } from './http/web.js';
import { CONSOLE_PREFIX, registerConsole } from './http/console.js';
import { registerObservability } from './http/observability.js';
import { schemaController } from './http/schema-compilers.js';
import { OPENAPI_HINT, ProblemSchema } from './http/schemas.js';
import { AJV_CUSTOM_OPTIONS } from './validation/body-validator.js';
import type { Deps } from './http/deps.js';
import { Contact } from './resources/contacts/contacts.schema.js';
import { registerNamespaceRoutes } from './resources/namespaces/namespaces.routes.js';
import { registerContactRoutes } from './resources/contacts/contacts.routes.js';
import { registerLifecycleRoutes } from './resources/contacts/lifecycle.routes.js';
import { registerPropRoutes } from './resources/contacts/props.routes.js';
import { registerAddressRoutes } from './resources/addresses/addresses.routes.js';
import { registerBankRoutes } from './resources/banks/banks.routes.js';
import { registerRelationRoutes } from './resources/relations/relations.routes.js';
import { registerHistoryRoutes } from './resources/history/history.routes.js';
import { registerDedupeRoutes } from './resources/dedupe/dedupe.routes.js';
import { registerEventRoutes } from './resources/events/events.routes.js';
import { registerWebhookRoutes } from './resources/webhooks/webhooks.routes.js';
import { registerImportRoutes } from './resources/imports/imports.routes.js';
import { registerMergeRoutes } from './resources/merges/merges.routes.js';
import { registerDuplicateRoutes } from './resources/duplicates/duplicates.routes.js';

export interface BuildAppOptions {
  config: Config;
  db: Database;
  /** Fastify logger options or instance; false in tests. */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
  /** Secret to verify tokens with when the config has none (embedded development mode). */
  devSecret?: string;
  verifier?: TokenVerifier;
  /** Observes every route as it is registered (tests derive their route matrix from it). */
  onRoute?: (route: RouteOptions) => void;
  /** The built console (default dist/console). */
  consoleDir?: string;
  /**
   * The clock of the rate limit's fixed one-minute windows (default Date.now): a test fixes it so
   * that its requests fall in one window wherever the wall clock is in its minute.
   */
  rateLimitClock?: () => number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const RATE_WINDOW_MS = 60_000;

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  const app = Fastify({
    logger: opts.logger === undefined ? false : (opts.logger as FastifyServerOptions['logger']),
    bodyLimit: config.bodyLimitBytes,
    // A client that trickles its headers or body holds a connection and a parser: both are cut
    // off (408) once their time is up. Node checks those deadlines every connectionsCheckingInterval.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Errors before a request exists (408, 431, 400) are problem documents too.
    clientErrorHandler: handleClientError,
    requestIdHeader: false,
    // Malformed or over-long path segments → problem documents too (see handleFrameworkError).
    frameworkErrors: handleFrameworkError,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : ulid();
    },
    schemaController,
    ajv: {
      // OPENAPI_HINT: an annotation for the OpenAPI document only (see http/schemas.ts).
      // Shared with the validation of import rows (validation/body-validator.ts).
      customOptions: { ...AJV_CUSTOM_OPTIONS, keywords: [OPENAPI_HINT] },
    },
  });

  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  registerObservability(app, db, config.metricsToken);
  app.addSchema(ProblemSchema);
  app.addSchema(Contact);
  registerErrorHandling(app);
  await registerWebConventions(app, config.http.corsOrigins);
  await registerOpenApi(app);

  // Crego clients send `Content-Type: application/json` with an empty body on actions; that is
  // "no body" (DRF accepts it), not a JSON error.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Only JSON bodies are accepted: a text/plain body is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    return jsonParser(request, body as string, done);
  });

  // Callback hooks here and below: an async hook costs a promise per request for nothing to await.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    done();
  });

  const verifier =
    opts.verifier ??
    createTokenVerifier({ ...config.auth, jwtSecret: config.auth.jwtSecret ?? opts.devSecret ?? null });
  registerAuth(app, db, verifier, [DOCS_PREFIX, CONSOLE_PREFIX], config.expensiveStatementTimeoutMs);
  if (config.rateLimitPerMinute > 0) {
    // One limit per tenant across every node on the database (see rate-limit-store.ts).
    const limiter = createSharedRateLimiter(
      db,
      RATE_WINDOW_MS,
      (err) => app.log.warn({ err: { message: (err as Error).message } }, 'rate limit sync failed'),
      opts.rateLimitClock,
    );
    app.addHook('onClose', () => limiter.close());
    await app.register(rateLimit, {
      store: limiter.Store,
      max: config.rateLimitPerMinute,
      timeWindow: RATE_WINDOW_MS,
      // Before anything else costs work: right after the caller is identified, before the auth
      // gate, body parsing and the idempotency claim. Per tenant; requests without a valid token
      // (public routes, bad tokens) per client address.
      hook: 'onRequest',
      keyGenerator: (request) => request.ctx?.tenantId ?? `ip:${request.ip}`,
      errorResponseBuilder: (_request, context) => {
        const err = new AppError('rate_limited', `Rate limit of ${context.max} requests per minute exceeded; retry later.`, {
          headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        });
        return err;
      },
    });
  }

  registerAuthGate(app);
  // After the gate: the key's format check and claim run on authenticated requests only.
  registerIdempotency(app);

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async () => {
    try {
      await db.ping();
      return { status: 'ready', database: db.engine };
    } catch {
      throw new AppError('service_unavailable', 'The database is not reachable.', { headers: { 'retry-after': '1' } });
    }
  });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  const deps: Deps = { config };
  registerNamespaceRoutes(app);
  registerContactRoutes(app, deps);
  registerLifecycleRoutes(app);
  registerPropRoutes(app, deps);
  registerAddressRoutes(app);
  registerBankRoutes(app);
  registerRelationRoutes(app);
  registerHistoryRoutes(app);
  registerDedupeRoutes(app);
  registerEventRoutes(app);
  registerWebhookRoutes(app, deps);
  registerImportRoutes(app, deps);
  // The development sign-in only where the generated development secret is the API's key.
  const devSignIn = !config.auth.jwtSecret && !config.auth.jwksUrl && !config.databaseUrl ? (opts.devSecret ?? null) : null;
  await registerConsole(app, { config, devSecret: devSignIn, distDir: opts.consoleDir });
  registerMergeRoutes(app, deps);
  registerDuplicateRoutes(app);

  return app;
}
