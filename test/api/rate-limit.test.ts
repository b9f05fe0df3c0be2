import assert from 'node:assert/strict';
import { buildApp } from '../../src/app.js';
import { describeEngines, it } from '../helpers/engines.js';

/** Limits count in fixed minutes: a test's requests must not straddle two of them, so its clock stands still. */
function oneWindow(): () => number {
  const at = Date.now();
  return () => at;
}

// RATE_LIMIT_PER_MINUTE is per tenant: one tenant's burst never throttles another.
describeEngines('rate limit', (h) => {
  it('over the per-tenant limit → 429 problem with Retry-After; other tenants unaffected', async () => {
    const app = await buildApp({ config: { ...h().config, rateLimitPerMinute: 2 }, db: h().appDb, rateLimitClock: oneWindow() });
    await app.ready();
    try {
      const get = async (tenant: string) =>
        app.inject({ method: 'GET', url: '/namespaces/', headers: { authorization: `Bearer ${await h().token(tenant)}` } });
      const a = h().tenant();
      assert.equal((await get(a)).statusCode, 200);
      assert.equal((await get(a)).statusCode, 200);
      const limited = await get(a);
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(JSON.parse(limited.body).code, 'rate_limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await get(h().tenant())).statusCode, 200, 'another tenant has its own budget');
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200, 'unauthenticated health checks are not limited');
    } finally {
      await app.close();
    }
  });

  it('is one limit across nodes sharing the database', async () => {
    // Two API nodes on one database, requests alternating between them: per-process limits would
    // admit 2 × 10; the shared one admits 10, plus at most what the other node admitted within
    // one sync interval (rate-limit-store.ts).
    const config = { ...h().config, rateLimitPerMinute: 10 };
    const rateLimitClock = oneWindow();
    const nodes = [await buildApp({ config, db: h().appDb, rateLimitClock }), await buildApp({ config, db: h().appDb, rateLimitClock })];
    for (const n of nodes) await n.ready();
    try {
      const tenant = h().tenant();
      const headers = { authorization: `Bearer ${await h().token(tenant)}` };
      let admitted = 0;
      for (let i = 0; i < 30; i++) {
        const res = await nodes[i % 2]!.inject({ method: 'GET', url: '/namespaces/', headers });
        if (res.statusCode === 200) admitted++;
        else assert.equal(res.statusCode, 429, res.body);
        await new Promise((r) => setTimeout(r, 40));
      }
      assert.ok(admitted >= 10 && admitted <= 13, `admitted ${admitted} of 30 with a shared limit of 10`);
    } finally {
      for (const n of nodes) await n.close();
    }
  });

  it('limits before any database work: a request over the limit claims no Idempotency-Key', async () => {
    const app = await buildApp({ config: { ...h().config, rateLimitPerMinute: 1 }, db: h().appDb, rateLimitClock: oneWindow() });
    await app.ready();
    try {
      const tenant = h().tenant();
      const headers = { authorization: `Bearer ${await h().token(tenant)}`, 'content-type': 'application/json', 'idempotency-key': 'busy' };
      assert.equal((await app.inject({ method: 'GET', url: '/namespaces/', headers })).statusCode, 200);
      // The key is held by a request still running: had the key been looked at first, this would be a 409.
      await h().db.query(
        `INSERT INTO idempotency_keys (tenant_id, key, method, path, body_hash, state, claim_id, created_at)
         VALUES ($1, 'busy', 'POST', '/namespaces/', 'x', 'in_progress', 'other', now())`,
        [tenant],
      );
      const limited = await app.inject({ method: 'POST', url: '/namespaces/', headers, payload: JSON.stringify({ name: 'n' }) });
      assert.equal(limited.statusCode, 429, limited.body);
      const keys = await h().db.query<{ claim_id: string }>('SELECT claim_id FROM idempotency_keys WHERE tenant_id = $1', [tenant]);
      assert.deepEqual(keys.rows, [{ claim_id: 'other' }], 'the key was not touched');
    } finally {
      await app.close();
    }
  });

  it('limits requests without a valid token per client address', async () => {
    const app = await buildApp({ config: { ...h().config, rateLimitPerMinute: 3 }, db: h().appDb, rateLimitClock: oneWindow() });
    await app.ready();
    try {
      const bad = (remoteAddress: string) =>
        app.inject({ method: 'GET', url: '/contacts/', headers: { authorization: 'Bearer not-a.valid.token' }, remoteAddress });
      for (let i = 0; i < 3; i++) assert.equal((await bad('10.0.0.7')).statusCode, 401);
      const limited = await bad('10.0.0.7');
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(JSON.parse(limited.body).code, 'rate_limited');
      assert.equal((await bad('10.0.0.8')).statusCode, 401, 'another address has its own budget');
      const tenantCall = await app.inject({ method: 'GET', url: '/namespaces/', headers: { authorization: `Bearer ${await h().token(h().tenant())}` }, remoteAddress: '10.0.0.7' });
      assert.equal(tenantCall.statusCode, 200, 'a valid token counts against its tenant, not the address');
    } finally {
      await app.close();
    }
  });
});
