import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { databaseRefusingAll } from '../../src/db/none.js';
import { TEST_SECRET } from '../helpers/engines.js';

// Security headers, compression and CORS: properties of the HTTP layer, checked on public routes
// and on the 401 of a protected one, so no database is needed.

async function appWith(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ AUTH_JWT_SECRET: TEST_SECRET, RATE_LIMIT_PER_MINUTE: '0', ...env });
  const app = await buildApp({ config, db: databaseRefusingAll('no database in this test') });
  await app.ready();
  return app;
}

describe('web conventions', () => {
  let app: FastifyInstance;
  before(async () => (app = await appWith()));
  after(() => app.close());

  test('API responses, errors included, carry the security headers and a CSP that allows nothing', async () => {
    for (const url of ['/healthz', '/contacts/']) {
      const res = await app.inject({ url });
      assert.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', url);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
      assert.ok(res.headers['strict-transport-security'], url);
    }
  });

  test('/docs has a CSP that lets Swagger UI load its own scripts and call this server only', async () => {
    const res = await app.inject({ url: '/docs/' });
    assert.equal(res.statusCode, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self';/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe/, 'no unsafe scripts');
    assert.doesNotMatch(csp, /https?:\/\//, 'no third party');
  });

  test('large JSON is compressed for clients that accept it; small responses are not', async () => {
    const big = await app.inject({ url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(big.headers['content-encoding'], 'gzip');
    assert.equal(JSON.parse(gunzipSync(big.rawPayload).toString()).openapi, '3.1.0');
    const plain = await app.inject({ url: '/openapi.json' });
    assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
    const small = await app.inject({ url: '/healthz', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(small.headers['content-encoding'], undefined, 'below the threshold');
  });

  test('CORS is off by default: no Access-Control headers, a preflight finds no route', async () => {
    const res = await app.inject({ url: '/healthz', headers: { origin: 'https://console.example.com' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    const pre = await app.inject({
      method: 'OPTIONS',
      url: '/contacts/',
      headers: { origin: 'https://console.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    assert.equal(pre.statusCode, 404);
  });
});

describe('CORS_ORIGINS', () => {
  let app: FastifyInstance;
  before(async () => (app = await appWith({ CORS_ORIGINS: 'https://console.example.com, http://localhost:5173' })));
  after(() => app.close());

  test('a listed origin gets a preflight answer without a token, and its headers on responses', async () => {
    const pre = await app.inject({
      method: 'OPTIONS',
      url: '/contacts/',
      headers: {
        origin: 'https://console.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://console.example.com');
    assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/);
    assert.match(String(pre.headers['access-control-allow-methods']), /PATCH/);
    const res = await app.inject({ url: '/contacts/', headers: { origin: 'http://localhost:5173' } });
    assert.equal(res.statusCode, 401, 'CORS does not bypass authentication');
    assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(String(res.headers['access-control-expose-headers']), /ETag/);
  });

  test('an unlisted origin gets no Access-Control-Allow-Origin', async () => {
    const res = await app.inject({ url: '/healthz', headers: { origin: 'https://evil.example.com' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  test('a malformed origin list is a start-up error naming the variable', () => {
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'https://console.example.com/app' }), /CORS_ORIGINS must list origins/);
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'console.example.com' }), /CORS_ORIGINS/);
  });
});
