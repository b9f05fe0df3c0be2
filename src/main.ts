import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './config.js';
import { checkConnection, migrateDatabase, openDatabase, type Database } from './db/index.js';
import { resolveDevSecret } from './auth/index.js';
import { buildApp } from './app.js';
import { capIdempotencyKeys, purgeExpiredIdempotencyKeys } from './http/idempotency.js';
import { startWorker, type Worker } from './worker/worker.js';
import { startTracing } from './observability/tracing.js';
import { EVENT_WRITE_OFF } from './changes/index.js';

/** How often expired idempotency keys (older than 24 h), and keys over a tenant's cap, are deleted. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 5 * 60_000;
/** In-flight requests get this long to finish after SIGTERM (inside Kubernetes' default 30 s grace). */
const SHUTDOWN_TIMEOUT_MS = 25_000;

export interface Running {
  app: FastifyInstance;
  db: Database;
  close(): Promise<void>;
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

/**
 * The path as logged: the route's pattern with well-formed ids filled in. Anything else a client
 * put in the path (a PAN or a mobile instead of an id) stays out of the log; so does the path of a
 * request that matched no route.
 */
export function loggablePath(req: { url: string; routeOptions?: { url?: string } }): string {
  const pattern = req.routeOptions?.url;
  if (!pattern) return '(no route)';
  const actual = req.url.split('?')[0]!.split('/');
  return pattern
    .split('/')
    .map((seg, i) => (seg.startsWith(':') && ULID.test(actual[i] ?? '') ? actual[i] : seg))
    .join('/');
}

/** The production logger options (exported so tests log exactly as the server does). */
export function loggerOptions(config: Config) {
  return {
    level: config.logLevel,
    // Never log query strings (search terms can be PANs or mobiles), bodies or auth headers.
    serializers: {
      req: (req: { method: string; url: string; id: string; routeOptions?: { url?: string } }) => ({ method: req.method, path: loggablePath(req), id: req.id }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** config → db → migrations → buildApp → listen. */
export async function startServer(config: Config = loadConfig()): Promise<Running> {
  // Before the database opens: its statements are traced too.
  const tracing = await startTracing(config.tracing);
  const db = await openDatabase(config);
  let app: FastifyInstance | undefined;
  try {
    await migrateDatabase(config, db);
    await checkConnection(config, db);
    const dev = resolveDevSecret(config);
    app = await buildApp({ config, db, logger: loggerOptions(config), devSecret: dev?.secret });
    if (dev) {
      app.log.warn(
        { path: dev.path, created: dev.created },
        'no AUTH_JWT_SECRET/AUTH_JWKS_URL: using the development secret in DATA_DIR (mint tokens with `contact-registry token`)',
      );
    }
    if (db.engine === 'pglite') app.log.info({ dataDir: config.dataDir }, 'embedded PGlite database (development mode, not crash-safe)');
    if (EVENT_WRITE_OFF) app.log.warn('BENCH_EVENT_WRITE=off: changes write no events (benchmarks only; the feed and webhooks miss every change)');
    // A taken port or a foreign HOST fails here; the caller explains it (src/cli/failures.ts).
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    // Release the database (and PGlite's DATA_DIR lock) so the process can exit cleanly.
    await app?.close().catch(() => {});
    await db.close().catch(() => {});
    await tracing?.shutdown().catch(() => {});
    throw err;
  }
  const purge = () =>
    (async () => ({ expired: await purgeExpiredIdempotencyKeys(db), overCap: await capIdempotencyKeys(db, config.idempotencyMaxKeysPerTenant) }))().then(
      (deleted) => (deleted.expired > 0 || deleted.overCap > 0) && app.log.info(deleted, 'purged idempotency keys'),
      (err: unknown) => app.log.warn({ err }, 'idempotency key purge failed'),
    );
  void purge();
  // unref: the timer alone never keeps the process alive.
  const purgeTimer = setInterval(purge, IDEMPOTENCY_PURGE_INTERVAL_MS).unref();
  // WORKER=off keeps the background work out of API nodes (run `contact-registry worker` instead).
  const worker: Worker | null = config.worker ? startWorker(db, config, app.log) : null;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(purgeTimer);
      // The listener closes first: a worker finishing its current batch (which may wait for a
      // connection the in-flight requests hold) must not leave the port accepting meanwhile.
      const workerStopped = worker?.stop().catch((err: unknown) => app.log.error({ err }, 'worker stop failed'));
      // app.close() stops accepting and lets in-flight requests finish. Fastify closes idle
      // keep-alive connections once, when closing starts; a connection busy at that moment turns
      // idle after its response and would hold close() open for the whole keep-alive timeout
      // (72 s), so idle connections are swept until the server is closed.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        await workerStopped;
      }
      await db.close();
      await tracing?.shutdown();
    })());
  return { app, db, close };
}

/** Runs the server until SIGTERM/SIGINT, then shuts down gracefully and exits 0. */
export async function serveForever(config?: Config): Promise<void> {
  const running = await startServer(config);
  const stop = (signal: string) => {
    running.app.log.info({ signal }, 'shutting down');
    // A request stuck past every database timeout must not keep the process from exiting.
    setTimeout(() => {
      running.app.log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    running
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        running.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
