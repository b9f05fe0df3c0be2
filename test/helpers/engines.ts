import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { mintToken } from '../../src/auth/index.js';
import { buildApp } from '../../src/app.js';
import { ADMIN_URL, createMigratedPgTestDatabase, openMigratedPglite, postgresProblem, serviceRoleUrl } from './databases.js';

export { ADMIN_URL, createMigratedPgTestDatabase, createPgTestDatabase, postgresProblem, serviceRoleUrl, SERVICE_ROLE } from './databases.js';

// Every API test runs on both engines: embedded PGlite always, PostgreSQL when reachable.
// Without PostgreSQL the suite says so loudly; with REQUIRE_POSTGRES=1 (CI) that is a failure.

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';
export type EngineName = 'pglite' | 'postgres';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const base = loadConfig({ AUTH_JWT_SECRET: TEST_SECRET, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' });
  return { ...base, ...overrides };
}

export interface Response {
  status: number;
  /** As light-my-request reports them (a header value may be a number, e.g. content-length). */
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  text: string;
}

export interface Harness {
  engine: EngineName;
  app: FastifyInstance;
  /** The schema owner's connection: sees every tenant's rows; for assertions and fault injection. */
  db: Database;
  /** The service's connection (the app uses it): on PostgreSQL a non-owner role under row-level security. */
  appDb: Database;
  config: Config;
  token(tenant: string, sub?: string): Promise<string>;
  /** Sends a request; `token` null sends none, undefined uses the default tenant's token. */
  req(method: string, url: string, opts?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<Response>;
  /** A unique tenant id per call, so tests never see each other's rows. */
  tenant(): string;
}

let tenantSeq = 0;

interface OpenEngine {
  db: Database;
  appDb: Database;
  cleanup: () => Promise<void>;
}

async function openEngine(engine: EngineName): Promise<OpenEngine> {
  if (engine === 'pglite') {
    const { db, close } = await openMigratedPglite();
    return { db, appDb: db, cleanup: close };
  }
  const { url, drop } = await createMigratedPgTestDatabase();
  // The wait for a pool connection is longer than the service's 3 s default: test processes run
  // side by side on one machine and one PostgreSQL server, and a burst of 50 requests queued behind
  // 10 connections could otherwise time out when the machine is busy. No suite here tests that
  // timeout (test/crash/outage.test.ts does, with a pool of its own).
  const pool = { statementTimeoutMs: 10_000, connectTimeoutMs: 10_000 };
  const db = createPgDatabase({ connectionString: url, max: 3, ...pool });
  const appDb = createPgDatabase({ connectionString: await serviceRoleUrl(url), max: 10, ...pool });
  return {
    db,
    appDb,
    cleanup: async () => {
      await appDb.close();
      await db.close();
      await drop();
    },
  };
}

// One database per engine per test process, shared by the suites that run in it one after another
// (node:test runs a process's suites in turn, and every test works in tenants of its own): opening
// a database costs more than many suites' tests. A suite whose code acts on every tenant's rows
// (a worker, a queue, a purge that counts) asks for a database of its own: `isolated`.
const sharedEngines = new Map<EngineName, Promise<OpenEngine>>();
let sharedCleanupRegistered = false;

function sharedEngine(engine: EngineName): Promise<OpenEngine> {
  let opened = sharedEngines.get(engine);
  if (!opened) {
    opened = openEngine(engine);
    sharedEngines.set(engine, opened);
  }
  return opened;
}

/** Called where suites are declared (the top level of a test file): closes the shared databases after the process's last test. */
function registerSharedCleanup(): void {
  if (sharedCleanupRegistered) return;
  sharedCleanupRegistered = true;
  after(async () => {
    const opened = [...sharedEngines.values()];
    sharedEngines.clear();
    for (const engine of opened) await (await engine).cleanup();
  });
}

export interface HarnessOptions {
  /** A database of its own rather than the process's shared one (see sharedEngine). */
  isolated?: boolean;
}

/** A harness on a database of its own (`close` removes it), or on the process's shared one (`close` leaves it). */
export async function createHarness(
  engine: EngineName,
  configOverrides: Partial<Config> = {},
  { isolated = true }: HarnessOptions = {},
): Promise<Harness & { close(): Promise<void> }> {
  const { db, appDb, cleanup } = isolated ? await openEngine(engine) : { ...(await sharedEngine(engine)), cleanup: async () => {} };
  const config = testConfig(configOverrides);
  const app = await buildApp({ config, db: appDb });
  await app.ready();
  const tokens = new Map<string, string>();
  const token = async (tenant: string, sub = 'user-1') => {
    const k = `${tenant}/${sub}`;
    let t = tokens.get(k);
    if (!t) {
      t = await mintToken({ secret: TEST_SECRET, tenant, sub, ttlSeconds: 3600, issuer: config.auth.issuer, audience: config.auth.audience });
      tokens.set(k, t);
    }
    return t;
  };
  const defaultTenant = `t${process.pid}x${tenantSeq++}`;
  const h: Harness & { close(): Promise<void> } = {
    engine,
    app,
    db,
    appDb,
    config,
    token,
    tenant: () => `t${process.pid}x${tenantSeq++}`,
    async req(method, url, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const tok = opts.token === undefined ? await token(defaultTenant) : opts.token;
      if (tok !== null) headers.authorization = `Bearer ${tok}`;
      let payload: string | undefined;
      if (opts.rawBody !== undefined) payload = opts.rawBody;
      else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
      if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const res = await app.inject({ method: method as 'GET', url, headers, payload });
      let body: unknown = undefined;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.statusCode, headers: res.headers, body, text: res.body };
    },
    async close() {
      await app.close();
      await cleanup();
    },
  };
  return h;
}

/**
 * Declares the suite once per engine. `fn` receives a getter for the harness (ready inside tests).
 * Tests use `h().req(...)`; each harness has its own app and default tenant, on the process's
 * shared database of the engine (or, `isolated`, a database of its own), cloned from the migrated
 * template (test/helpers/databases.ts).
 */
export function describeEngines(name: string, fn: (h: () => Harness) => void, configOverrides: Partial<Config> = {}, options: HarnessOptions = {}): void {
  describeOn(['pglite', 'postgres'], name, fn, configOverrides, options);
}

/** The same, PostgreSQL only: for what needs real connections (concurrency, row locks). */
export function describePostgres(name: string, fn: (h: () => Harness) => void, configOverrides: Partial<Config> = {}, options: HarnessOptions = {}): void {
  describeOn(['postgres'], name, fn, configOverrides, options);
}

/**
 * The one place that decides what a missing PostgreSQL means: null when reachable, else the
 * reason to skip with — or, under REQUIRE_POSTGRES=1 (CI), an error.
 */
export async function postgresSkipReason(): Promise<string | null> {
  const problem = await postgresProblem();
  if (problem && process.env.REQUIRE_POSTGRES === '1') {
    throw new Error(`PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable at ${ADMIN_URL}: ${problem}`);
  }
  return problem;
}

function describeOn(engines: readonly EngineName[], name: string, fn: (h: () => Harness) => void, configOverrides: Partial<Config>, options: HarnessOptions): void {
  const isolated = options.isolated ?? false;
  if (!isolated) registerSharedCleanup();
  for (const engine of engines) {
    describe(`${name} [${engine}]`, () => {
      let harness: (Harness & { close(): Promise<void> }) | undefined;
      let skipped: string | null = null;
      before(async () => {
        if (engine === 'postgres') {
          skipped = await postgresSkipReason();
          if (skipped !== null) return;
        }
        harness = await createHarness(engine, configOverrides, { isolated });
      });
      after(async () => {
        await harness?.close();
      });
      fn(() => {
        if (skipped !== null) throw new SkipPostgres(skipped);
        if (!harness) throw new Error('harness not ready');
        return harness;
      });
    });
  }
}

export class SkipPostgres extends Error {
  constructor(reason: string) {
    super(`PostgreSQL SKIPPED (unreachable at ${ADMIN_URL}: ${reason}); set TEST_DATABASE_URL or start PostgreSQL`);
  }
}

/** node:test `it` that turns a missing PostgreSQL into a visible skip, not a pass. */
export function it(name: string, fn: (t: import('node:test').TestContext) => Promise<void>): void {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      if (err instanceof SkipPostgres) {
        t.skip(err.message);
        return;
      }
      throw err;
    }
  });
}
