import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { describeEngines, it, testConfig, type Harness } from '../helpers/engines.js';
import { assertProblem } from '../helpers/api.js';
import { buildApp } from '../../src/app.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { CONSOLE_DIST, consoleCsp } from '../../src/http/console.js';

// The console's server side (CONTRACT §11): its files from this process with content-hash
// caching and a strict CSP, its settings, and the development sign-in — offered only in the
// embedded mode with the generated development secret, and only to this machine.

const DEV_SECRET = 'generated-development-secret-0123456789abcdef';

/** An app in the embedded development mode: no auth configured, the generated secret. */
async function devApp(h: Harness, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', ...env });
  const app = await buildApp({ config, db: h.appDb, devSecret: DEV_SECRET });
  await app.ready();
  return app;
}

const json = (res: { body: string }) => JSON.parse(res.body);

describeEngines('console: serving, settings and the development sign-in', (h) => {
  it('serves the page with a CSP that allows no inline script, and the assets cached for good', async () => {
    const page = await h().req('GET', '/console/', { token: null });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const script = /src="\/console\/assets\/([^"]+\.js)"/.exec(page.text);
    assert.ok(script, page.text);
    assert.ok(readdirSync(`${CONSOLE_DIST}/assets`).includes(script[1]!));
    const asset = await h().req('GET', `/console/assets/${script[1]}`, { token: null });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(asset.headers['content-type']), /javascript/);
  });

  it('answers client-side routes with the page, and a missing asset with a 404 problem', async () => {
    const deep = await h().req('GET', '/console/contacts/01JD8X3QK6Z1V2W3Y4A5B6C7D8', { token: null });
    assert.equal(deep.status, 200);
    assert.match(deep.text, /<div id="app">/);
    assertProblem(await h().req('GET', '/console/assets/missing-0000.js', { token: null }), 404, 'not_found');
  });

  it('offers no development sign-in with a configured secret', async () => {
    const settings = await h().req('GET', '/console/config.json', { token: null });
    assert.equal(settings.status, 200);
    assert.deepEqual(settings.body, { oidc: null, dev_sign_in: false });
    const res = await h().req('POST', '/console/dev-sign-in', { token: null, body: { tenant_id: 'acme', sub: 'alice' } });
    assert.equal(res.status, 404);
  });

  it('offers no development sign-in with DATABASE_URL set, even given a development secret', async () => {
    const app = await devApp(h(), { DATABASE_URL: 'postgres://unused@127.0.0.1:1/x', AUTH_JWT_SECRET: 'x'.repeat(40) });
    try {
      assert.equal(json(await app.inject({ method: 'GET', url: '/console/config.json' })).dev_sign_in, false);
      assert.equal((await app.inject({ method: 'POST', url: '/console/dev-sign-in', payload: { tenant_id: 'a', sub: 'b' } })).statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it('in the embedded development mode signs in any tenant and user; the token works on the API, for that tenant only', async () => {
    const app = await devApp(h());
    try {
      assert.deepEqual(json(await app.inject({ method: 'GET', url: '/console/config.json' })), { oidc: null, dev_sign_in: true });
      const tenant = h().tenant();
      const res = await app.inject({ method: 'POST', url: '/console/dev-sign-in', payload: { tenant_id: tenant, sub: 'asha' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const { access_token: token, token_type: type, expires_in: ttl } = json(res);
      assert.equal(type, 'Bearer');
      assert.ok(ttl > 0 && ttl <= 86_400);
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await app.inject({ method: 'POST', url: '/namespaces/', headers: auth, payload: { name: 'customer' } })).statusCode, 201);
      const created = await app.inject({ method: 'POST', url: '/contacts/', headers: auth, payload: { name: 'Asha', type: 'individual', namespace: 'customer' } });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(json(created).created_by, 'asha');
      assert.equal(json(created).tenant_id, tenant);
      // The default test tenant cannot see it.
      assert.equal((await h().req('GET', `/contacts/${json(created).id}/`)).status, 404);
    } finally {
      await app.close();
    }
  });

  it('names each bad field of a development sign-in, and answers only this machine', async () => {
    const app = await devApp(h());
    try {
      const bad = await app.inject({ method: 'POST', url: '/console/dev-sign-in', payload: { tenant_id: 'has space', sub: '' } });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(Object.keys(json(bad).errors).sort(), ['sub', 'tenant_id']);
      const missing = await app.inject({ method: 'POST', url: '/console/dev-sign-in', payload: { tenant_id: 'acme' } });
      assert.equal(missing.statusCode, 400);
      assert.ok(json(missing).errors.sub, missing.body);
      const remote = await app.inject({ method: 'POST', url: '/console/dev-sign-in', remoteAddress: '10.1.2.3', payload: { tenant_id: 'acme', sub: 'mallory' } });
      assert.equal(remote.statusCode, 403);
      assert.equal(json(remote).code, 'forbidden');
    } finally {
      await app.close();
    }
  });

  it('with OIDC configured, publishes the issuer and client id, lets the page reach the issuer, and offers no development sign-in', async () => {
    const env = { OIDC_ISSUER: 'https://login.example.com/realms/ops', OIDC_CLIENT_ID: 'console', AUTH_JWKS_URL: 'https://login.example.com/realms/ops/certs' };
    const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent', ...env });
    assert.equal(config.auth.issuer, env.OIDC_ISSUER);
    const app = await buildApp({ config, db: h().appDb, devSecret: DEV_SECRET });
    try {
      const res = await app.inject({ method: 'GET', url: '/console/config.json' });
      assert.deepEqual(json(res), { oidc: { issuer: env.OIDC_ISSUER, client_id: 'console', scope: 'openid profile' }, dev_sign_in: false });
      assert.match(String(res.headers['content-security-policy']), /connect-src 'self' https:\/\/login\.example\.com;/);
      assert.equal((await app.inject({ method: 'POST', url: '/console/dev-sign-in', payload: { tenant_id: 'a', sub: 'b' } })).statusCode, 404);
    } finally {
      await app.close();
    }
  });
});

describe('console: OIDC settings are checked at start-up', () => {
  test('refuses half an OIDC setting, and an issuer whose tokens the API could not verify', () => {
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://idp.example.com' }), ConfigError);
    assert.throws(() => loadConfig({ OIDC_CLIENT_ID: 'console' }), ConfigError);
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'console' }), /AUTH_JWKS_URL/);
    assert.throws(() => loadConfig({ OIDC_ISSUER: 'idp.example.com', OIDC_CLIENT_ID: 'c', AUTH_JWKS_URL: 'https://idp.example.com/jwks' }), /OIDC_ISSUER/);
    assert.equal(consoleCsp(null).includes('unsafe'), false);
    assert.equal(testConfig().oidc, null);
  });
});
