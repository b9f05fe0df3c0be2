import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { CONSOLE_DIST } from '../../src/http/console.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { openMigratedPglite } from '../helpers/databases.js';
import { newestUnder } from '../helpers/cli-process.js';

// The console in a real browser: Debian's headless Chromium (never a downloaded one) driven by
// playwright-core, against a real server listening on a port, on the embedded database, in the
// development mode (generated secret, development sign-in) — what a newcomer gets from
// `npm install && npm start`. Tests use it through harness.ts, which shares one Chromium per test
// process; this module stays free of node:test for scripts (`npm run screenshots`).

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');

/** Debian's Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM_PATH), `no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** The tests drive the built console; a build older than its sources would test the wrong thing. */
function assertConsoleBuilt(): void {
  assert.ok(existsSync(join(CONSOLE_DIST, 'index.html')), 'dist/console is missing: run `npm run build`');
  const sources = Math.max(newestUnder(join(ROOT, 'console/src')), statSync(join(ROOT, 'console/index.html')).mtimeMs);
  assert.ok(newestUnder(CONSOLE_DIST) >= sources, 'dist/console is older than console/src: run `npm run console:build`');
}

export interface ConsoleHarness {
  url: string;
  browser: Browser;
  /** A page that records every browser console error and uncaught exception. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Errors the pages logged (CSP violations, exceptions, React/Preact warnings). */
  errors: string[];
  /** Calls the API as a user of a tenant (seeding, and changes "by someone else"). */
  api(tenant: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; etag: string | null }>;
  /** A development token of a tenant, as `contact-registry token` mints (to paste into a page). */
  token(tenant: string): Promise<string>;
  close(): Promise<void>;
}

export interface ConsoleOptions {
  /** More settings (OIDC_ISSUER, AUTH_JWKS_URL, …); with OIDC, no development sign-in is offered. */
  env?: Record<string, string>;
  /** The port to listen on (0: any free one). */
  port?: number;
  /** Run the background worker (imports, webhook deliveries) in this process, polling every 50 ms. */
  worker?: boolean;
  /**
   * A browser to open the pages in (each page in a browser context of its own, closed with the
   * harness); without one the harness launches Chromium and closes it with itself.
   */
  browser?: Browser;
}

export async function startConsole(options: ConsoleOptions = {}): Promise<ConsoleHarness> {
  assertConsoleBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'cr-console-'));
  const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', WORKER: 'off', WORKER_POLL_MS: '50', ...options.env });
  // The development secret exists only where no auth is configured, as in `npm start`.
  const devSecret = config.auth.jwksUrl || config.auth.jwtSecret ? null : randomBytes(32).toString('base64url');
  const { db, close: closeDb } = await openMigratedPglite();
  let app: FastifyInstance | undefined;
  let browser: Browser | undefined = options.browser;
  const ownsBrowser = !options.browser;
  const contexts = new Set<BrowserContext>();
  let worker: Worker | undefined;
  const closeBrowsing = async () => {
    if (ownsBrowser) await browser?.close();
    else await Promise.all([...contexts].map((c) => c.close()));
  };
  try {
    app = await buildApp({ config, db, ...(devSecret ? { devSecret } : {}) });
    await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
    if (options.worker) worker = startWorker(db, config, app.log);
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    const url = `http://127.0.0.1:${address.port}`;
    browser ??= await launchChromium();
    const errors: string[] = [];
    const tokens = new Map<string, string>();
    const h: ConsoleHarness = {
      url,
      browser,
      errors,
      async newPage(viewport = { width: 1280, height: 800 }) {
        const context = await browser!.newContext({ viewport });
        contexts.add(context);
        context.on('close', () => contexts.delete(context));
        const page = await context.newPage();
        page.on('console', (msg) => {
          if (msg.type() !== 'error' && msg.type() !== 'warning') return;
          // Pages of other origins (an identity provider's login page) are not the console's.
          if (!page.url().startsWith(url)) return;
          // Chromium logs every 4xx/5xx response as an error; the tests provoke some on purpose
          // and check what the page shows for them.
          if (/^Failed to load resource: the server responded with a status of [45]\d\d/.test(msg.text())) return;
          errors.push(`${msg.type()}: ${msg.text()}`);
        });
        page.on('pageerror', (err) => errors.push(`exception: ${err.message}`));
        return page;
      },
      async token(tenant) {
        let token = tokens.get(tenant);
        if (!token) {
          assert.ok(devSecret, 'a token needs the development secret: this server verifies tokens of an identity provider');
          token = await mintToken({ secret: devSecret, tenant, sub: 'seeder', ttlSeconds: 3600 });
          tokens.set(tenant, token);
        }
        return token;
      },
      async api(tenant, method, path, body, headers = {}) {
        const token = await h.token(tenant);
        const res = await fetch(url + path, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined, etag: res.headers.get('etag') };
      },
      async close() {
        await closeBrowsing();
        await worker?.stop();
        await app?.close();
        await closeDb();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
    return h;
  } catch (err) {
    await closeBrowsing().catch(() => {});
    await worker?.stop().catch(() => {});
    await app?.close().catch(() => {});
    await closeDb().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Signs in with the development sign-in on whatever console page is open. */
export async function devSignIn(page: Page, tenant: string, user = 'operator'): Promise<void> {
  await page.getByLabel('Tenant').fill(tenant);
  await page.getByLabel('User').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * Waits until `read()` gives `expected` (deep equality), as Playwright's `expect.poll` does: the
 * page renders what an action changes some time after it, so a value read at once can still be the
 * old one. Fails with the last value read when `timeoutMs` passes.
 */
export async function eventually<T>(read: () => Promise<T>, expected: T, message?: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      assert.deepEqual(value, expected, message);
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

let seq = 0;
export const uniqueTenant = (prefix: string): string => `${prefix}-${process.pid}-${seq++}`;

/**
 * Client-side navigation within a signed-in page, as a click on a link does: the session lives in
 * the page's memory, so a reload would sign out (and cost a page load).
 */
export async function navigate(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    const w = globalThis as unknown as { history: { pushState(a: null, b: string, c: string): void }; dispatchEvent(e: unknown): void; PopStateEvent: new (t: string) => unknown };
    w.history.pushState(null, '', `/console${to}`);
    w.dispatchEvent(new w.PopStateEvent('popstate'));
  }, path);
}
