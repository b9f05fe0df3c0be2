// The only reader of process.env. Everything is validated once at start-up so a bad setting
// fails fast with a message naming the variable, instead of surfacing later as a 500.

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | null;
  /** The schema owner's connection for migrations, when the service connects as a role under row-level security. */
  migrationDatabaseUrl: string | null;
  dataDir: string;
  auth: {
    jwtSecret: string | null;
    jwksUrl: string | null;
    issuer: string | null;
    audience: string | null;
    /** AUTH_MAX_TOKEN_TTL: a token valid for longer than this (exp − iat, or exp − now) is refused. */
    maxTokenTtlSeconds: number;
  };
  logLevel: string;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  /** Each tenant keeps at most this many completed idempotency keys (oldest dropped first). */
  idempotencyMaxKeysPerTenant: number;
  identifierValidation: 'lenient' | 'strict';
  dbPoolSize: number;
  /** DB_TENANT_MAX_CONNECTIONS: one tenant's share of the pool (default: the pool less two). */
  dbTenantMaxConnections: number;
  /** DB_TENANT_WAIT_MS: a tenant over its share waits this long for its own slot, then 429. */
  dbTenantWaitMs: number;
  /** MAX_HEAVY_RESPONSES: responses inlining over 1,000 items built at once per process (the rest wait). */
  maxHeavyResponses: number;
  /** DB_EXPENSIVE_STATEMENT_TIMEOUT_MS: the statement timeout of lists, searches and dedupe. */
  expensiveStatementTimeoutMs: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  http: HttpSettings;
  nodeEnv: string;
  /** METRICS_TOKEN: bearer token for GET /metrics; without it /metrics answers loopback clients only. */
  metricsToken: string | null;
  /** OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_SERVICE_NAME: traces over OTLP/HTTP when the endpoint is set. */
  tracing: { endpoint: string | null; serviceName: string };
  /** Run the background worker (event relay, webhook deliveries, jobs) inside `serve` (WORKER=on). */
  worker: boolean;
  /** How long an idle worker loop sleeps before looking for work again. */
  workerPollMs: number;
  eventRetentionDays: number;
  imports: {
    /** IMPORT_MAX_BYTES: the largest file POST /imports/ accepts (413 beyond). */
    maxBytes: number;
    /** IMPORT_BATCH_ROWS: rows the worker applies per transaction. */
    batchRows: number;
    /** IMPORT_LEASE_MS: a running job whose worker stopped renewing this long is taken over. */
    leaseMs: number;
    /** IMPORT_ASYNC_COMMIT: import batches commit with synchronous_commit off (see imports.service.ts). */
    asyncCommit: boolean;
  };
  /**
   * OIDC_ISSUER / OIDC_CLIENT_ID / OIDC_SCOPE: the console's sign-in (authorization code + PKCE)
   * against this identity provider; null: no OIDC sign-in.
   */
  oidc: { issuer: string; clientId: string; scope: string } | null;
  /** MERGE_UNDO_DAYS: how long a merge can be undone (CONTRACT §8.3). */
  mergeUndoDays: number;
  webhooks: {
    /** Lift the https-only and public-address rules for webhook URLs (development, tests). */
    allowPrivate: boolean;
    timeoutMs: number;
    disableAfterDays: number;
  };
}

/** Limits of the HTTP server itself and of who may call it from a browser. */
export interface HttpSettings {
  /** The whole request, body included, must arrive within this (a client trickling a body is cut off: 408). */
  requestTimeoutMs: number;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; keep it above a load balancer's idle timeout. */
  keepAliveTimeoutMs: number;
  /** Browser origins allowed by CORS; empty: CORS off (no Access-Control-* headers at all). */
  corsOrigins: string[];
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${name} must be an integer ${range}, got "${raw}"`);
  }
  return Number(raw);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'on', 'yes'].includes(raw)) return true;
  if (['false', '0', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (or on/off), got "${env[name]}"`);
}

/** `CORS_ORIGINS`: comma-separated origins (`https://console.example.com`), or `*` for any. */
function origins(env: Env): string[] {
  const raw = str(env, 'CORS_ORIGINS');
  if (raw === null) return [];
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const o of list) {
    if (o === '*') continue;
    let origin: string | null = null;
    try {
      origin = new URL(o).origin;
    } catch {
      /* reported below */
    }
    if (origin !== o || !/^https?:/.test(o)) {
      throw new ConfigError(
        `CORS_ORIGINS must list origins such as https://console.example.com (scheme, host, optional port; no path), or *; got "${o}"`,
      );
    }
  }
  return list;
}

/** A duration such as `3600`, `90s`, `30m`, `24h` or `7d`, in seconds. */
function durationSeconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^([0-9]{1,9})([smhd]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'] : 0;
  if (seconds < 1) throw new ConfigError(`${name} must be a duration such as 3600, 90m, 24h or 7d, got "${raw}"`);
  return seconds;
}

function str(env: Env, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

/** The console's OIDC provider: issuer and client id together, or neither. */
function oidcSettings(env: Env): Config['oidc'] {
  const issuer = str(env, 'OIDC_ISSUER');
  const clientId = str(env, 'OIDC_CLIENT_ID');
  if (issuer === null && clientId === null) return null;
  if (issuer === null || clientId === null) throw new ConfigError('OIDC_ISSUER and OIDC_CLIENT_ID are set together (the console signs in with both), or not at all');
  if (!/^https?:\/\/[^/]/.test(issuer)) throw new ConfigError(`OIDC_ISSUER must be the identity provider's http(s) issuer URL, got "${issuer}"`);
  return { issuer, clientId, scope: str(env, 'OIDC_SCOPE') ?? 'openid profile' };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** LOG_LEVEL, one of pino's levels (an unknown one is a stack trace inside Fastify otherwise). */
function logLevel(env: Env): string {
  const level = str(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return level;
}

/**
 * A PostgreSQL connection string as the driver reads it: a postgres:// or postgresql:// URL, a
 * socket: URL or a socket path. The driver reads anything else as a path on a made-up host ("host
 * base not found" for DATABASE_URL=notaurl). The value is not echoed: it may hold a password.
 */
function databaseUrl(env: Env, name: 'DATABASE_URL' | 'MIGRATION_DATABASE_URL'): string | null {
  const url = str(env, name);
  if (url === null || url.startsWith('/') || /^(postgres|postgresql|socket):/i.test(url)) return url;
  throw new ConfigError(`${name} must be a PostgreSQL connection URL such as postgres://user:password@host:5432/database`);
}

export function loadConfig(env: Env = process.env): Config {
  const identifierValidation = (env.IDENTIFIER_VALIDATION ?? 'lenient').toLowerCase();
  if (identifierValidation !== 'lenient' && identifierValidation !== 'strict') {
    throw new ConfigError(`IDENTIFIER_VALIDATION must be "lenient" or "strict", got "${identifierValidation}"`);
  }
  const config: Config = {
    host: env.HOST ?? '127.0.0.1',
    port: int(env, 'PORT', 8080, 0, 65535),
    databaseUrl: databaseUrl(env, 'DATABASE_URL'),
    migrationDatabaseUrl: databaseUrl(env, 'MIGRATION_DATABASE_URL'),
    dataDir: env.DATA_DIR ?? './data',
    auth: {
      jwtSecret: str(env, 'AUTH_JWT_SECRET'),
      jwksUrl: str(env, 'AUTH_JWKS_URL'),
      // The console's identity provider is the API's issuer unless AUTH_ISSUER says otherwise.
      issuer: str(env, 'AUTH_ISSUER') ?? str(env, 'OIDC_ISSUER'),
      audience: str(env, 'AUTH_AUDIENCE'),
      maxTokenTtlSeconds: durationSeconds(env, 'AUTH_MAX_TOKEN_TTL', 86_400),
    },
    logLevel: logLevel(env),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6000),
    idempotencyMaxKeysPerTenant: int(env, 'IDEMPOTENCY_MAX_KEYS_PER_TENANT', 50_000, 1),
    identifierValidation,
    dbPoolSize: int(env, 'DB_POOL_SIZE', 10, 1),
    dbTenantMaxConnections: int(env, 'DB_TENANT_MAX_CONNECTIONS', Math.max(1, int(env, 'DB_POOL_SIZE', 10, 1) - 2), 1),
    dbTenantWaitMs: int(env, 'DB_TENANT_WAIT_MS', 2000, 1),
    maxHeavyResponses: int(env, 'MAX_HEAVY_RESPONSES', 4, 1),
    expensiveStatementTimeoutMs: int(env, 'DB_EXPENSIVE_STATEMENT_TIMEOUT_MS', 5000, 1),
    statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 10000, 1),
    connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 3000, 1),
    http: {
      requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1),
      headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1),
      keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1),
      corsOrigins: origins(env),
    },
    nodeEnv: env.NODE_ENV ?? 'development',
    metricsToken: str(env, 'METRICS_TOKEN'),
    tracing: { endpoint: str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'), serviceName: env.OTEL_SERVICE_NAME || 'contact-registry' },
    worker: bool(env, 'WORKER', true),
    workerPollMs: int(env, 'WORKER_POLL_MS', 250, 10),
    eventRetentionDays: int(env, 'EVENT_RETENTION_DAYS', 30, 1),
    imports: {
      maxBytes: int(env, 'IMPORT_MAX_BYTES', 200 * 1024 * 1024, 1),
      batchRows: int(env, 'IMPORT_BATCH_ROWS', 200, 1),
      leaseMs: int(env, 'IMPORT_LEASE_MS', 60_000, 500),
      asyncCommit: bool(env, 'IMPORT_ASYNC_COMMIT', true),
    },
    oidc: oidcSettings(env),
    mergeUndoDays: int(env, 'MERGE_UNDO_DAYS', 30, 1),
    webhooks: {
      // The embedded database is the development mode: local receivers are the norm there.
      allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', !str(env, 'DATABASE_URL')),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100),
      disableAfterDays: int(env, 'WEBHOOK_DISABLE_AFTER_DAYS', 5, 1),
    },
  };
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    throw new ConfigError(
      `HTTP_HEADERS_TIMEOUT_MS (${config.http.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.http.requestTimeoutMs}): the headers are part of the request`,
    );
  }
  if (config.auth.jwtSecret && config.auth.jwtSecret.length < 32) {
    throw new ConfigError('AUTH_JWT_SECRET must be at least 32 characters (HS256 needs 256 bits)');
  }
  if (config.auth.jwksUrl && !/^https?:\/\//.test(config.auth.jwksUrl)) {
    throw new ConfigError('AUTH_JWKS_URL must be an http(s) URL');
  }
  if (config.databaseUrl && !config.auth.jwtSecret && !config.auth.jwksUrl) {
    throw new ConfigError(
      'DATABASE_URL is set but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is: a shared database needs a configured auth key',
    );
  }
  if (config.oidc && !config.auth.jwksUrl) {
    throw new ConfigError(
      "OIDC_ISSUER is set but AUTH_JWKS_URL is not: the API must verify the issuer's tokens (set AUTH_JWKS_URL to the issuer's jwks_uri)",
    );
  }
  if (config.migrationDatabaseUrl && !config.databaseUrl) {
    throw new ConfigError('MIGRATION_DATABASE_URL is set but DATABASE_URL is not: it is the owner connection of a PostgreSQL deployment');
  }
  return config;
}
