import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { AppError, FieldErrorCollector } from '../errors/index.js';
import { mintToken, subjectProblem, tenantIdProblem } from '../auth/index.js';
import { isStorableText } from '../validation/text.js';

// The operator console (CONTRACT §11): a single-page app built by `npm run build` into
// dist/console/ and served here, from the same process as the API it calls. The console is a
// client of the public API only; what it gets from this file is its static files, its sign-in
// settings and — in the embedded development mode alone — a development sign-in.

export const CONSOLE_PREFIX = '/console';

/** Built by `vite build` (console/vite.config.ts); the same folder whether running from src/ or dist/. */
export const CONSOLE_DIST = resolve(import.meta.dirname, '../../dist/console');

/** A development token is for a working day, within AUTH_MAX_TOKEN_TTL. */
const DEV_TOKEN_TTL_SECONDS = 8 * 3600;

export interface ConsoleOptions {
  config: Config;
  /**
   * The generated development secret, only in the embedded mode with no auth configured: then,
   * and only then, the console offers a development sign-in (pick tenant and user).
   */
  devSecret: string | null;
  /** Where the built console is (tests may point elsewhere). */
  distDir?: string;
}

/** What the console needs before sign-in; no secrets. */
export interface ConsoleSettings {
  oidc: { issuer: string; client_id: string; scope: string } | null;
  dev_sign_in: boolean;
}

/**
 * The page's Content-Security-Policy: scripts and styles only from this server (no inline
 * scripts or styles at all), API calls to this server and to the identity provider (discovery,
 * token endpoint). Text from the API is rendered as text by the framework; this is the second
 * line of defence.
 */
export function consoleCsp(oidcIssuer: string | null): string {
  const idp = oidcIssuer ? ` ${new URL(oidcIssuer).origin}` : '';
  return (
    `default-src 'self'; base-uri 'self'; connect-src 'self'${idp}; font-src 'self'; form-action 'self'${idp}; ` +
    "frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'"
  );
}

export async function registerConsole(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const dist = opts.distDir ?? CONSOLE_DIST;
  const { config } = opts;
  const csp = consoleCsp(config.oidc?.issuer ?? null);
  const settings: ConsoleSettings = {
    oidc: config.oidc ? { issuer: config.oidc.issuer, client_id: config.oidc.clientId, scope: config.oidc.scope } : null,
    dev_sign_in: opts.devSecret !== null && !config.oidc,
  };

  await app.register(
    async (scope) => {
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('content-security-policy', csp);
      });

      scope.get('/config.json', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
        reply.header('cache-control', 'no-store');
        return settings;
      });

      if (settings.dev_sign_in) registerDevSignIn(scope, opts.devSecret!, config.auth);

      const indexPath = resolve(dist, 'index.html');
      if (!existsSync(indexPath)) {
        // Nothing to serve: say how to build it rather than answering 404 for a page that exists.
        scope.get('/*', { config: { public: true }, schema: { hide: true } }, async () => {
          throw new AppError('service_unavailable', 'The console is not built: run `npm run build` (npm ci and npm install run it).');
        });
        return;
      }
      // Read once: the build does not change under a running server.
      const indexHtml = readFileSync(indexPath, 'utf8');
      const sendIndex = (reply: FastifyReply) =>
        reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);

      // Hashed file names (vite): cached for a year, never revalidated.
      await scope.register(fastifyStatic, {
        root: resolve(dist, 'assets'),
        prefix: '/assets/',
        wildcard: false,
        index: false,
        decorateReply: false,
        cacheControl: false,
        setHeaders: (res) => res.setHeader('cache-control', 'public, max-age=31536000, immutable'),
      });
      scope.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
      // Client-side routes (/console/contacts/…) load the same page; a missing asset is a 404.
      scope.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
        if (request.url.startsWith(`${CONSOLE_PREFIX}/assets/`)) throw new AppError('not_found', 'No such console asset.');
        return sendIndex(reply);
      });
    },
    { prefix: CONSOLE_PREFIX },
  );
}

const DevSignInBody = Type.Object(
  { tenant_id: Type.String(), sub: Type.String() },
  { additionalProperties: false },
);

function isLoopback(ip: string | undefined): boolean {
  if (!ip || isIP(ip) === 0) return false;
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/**
 * POST /console/dev-sign-in {tenant_id, sub} → a token signed with the development secret, as
 * `contact-registry token` prints. Registered only in the embedded development mode, and answered
 * only to this machine: the development secret never makes a server on a network an open door.
 */
function registerDevSignIn(scope: FastifyInstance, secret: string, auth: Config['auth']): void {
  scope.post('/dev-sign-in', { config: { public: true }, schema: { hide: true, body: DevSignInBody } }, async (request, reply) => {
    if (!isLoopback(request.ip)) {
      throw new AppError('forbidden', 'The development sign-in answers requests from this machine only.');
    }
    const body = request.body as { tenant_id: string; sub: string };
    const errors = new FieldErrorCollector();
    const tenantProblem = tenantIdProblem(body.tenant_id);
    if (tenantProblem) errors.add('tenant_id', tenantProblem);
    const subProblem = subjectProblem(body.sub) ?? (isStorableText(body.sub) ? null : 'it contains characters that cannot be stored');
    if (subProblem) errors.add('sub', subProblem);
    errors.throwIfAny();
    const ttlSeconds = Math.min(DEV_TOKEN_TTL_SECONDS, auth.maxTokenTtlSeconds);
    const accessToken = await mintToken({ secret, tenant: body.tenant_id, sub: body.sub, ttlSeconds, issuer: auth.issuer, audience: auth.audience });
    reply.header('cache-control', 'no-store');
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds };
  });
}
