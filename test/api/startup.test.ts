import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createPgliteDatabase } from '../../src/db/pglite.js';
import { DataDirLockedError, migrate } from '../../src/db/index.js';
import { createTokenVerifier } from '../../src/auth/index.js';
import { AppError } from '../../src/errors/index.js';

describe('embedded database start-up', () => {
  test('a data directory held by another live process is refused; a stale lock is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-lock-'));
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'contact-registry.lock'), String(other.pid));
      await assert.rejects(createPgliteDatabase(dir), DataDirLockedError);
      other.kill();
      await new Promise((r) => other.once('exit', r));
      const db = await createPgliteDatabase(dir); // the holder died: its lock is stale
      assert.deepEqual((await migrate(db)).length > 0, true);
      assert.deepEqual(await migrate(db), [], 'a second migrate applies nothing');
      await db.close();
    } finally {
      other.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JWKS verification', () => {
  test('tokens signed by a key in the JWKS verify; other keys, algorithms and missing exp do not', async () => {
    const good = await generateKeyPair('ES256');
    const bad = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const verify = createTokenVerifier({ jwtSecret: null, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: 'https://idp', audience: 'cr' });
      const sign = (key: CryptoKey, claims: Record<string, unknown>, exp = true) => {
        let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('u1').setIssuer('https://idp').setAudience('cr');
        if (exp) jwt = jwt.setExpirationTime('5m');
        return jwt.sign(key);
      };
      const ctx = await verify(await sign(good.privateKey, { tenant_id: 'acme' }));
      assert.deepEqual(ctx, { tenantId: 'acme', userId: 'u1' });
      assert.equal((await verify(await sign(good.privateKey, { tenant: 'beta' }))).tenantId, 'beta');
      await assert.rejects(verify(await sign(bad.privateKey, { tenant_id: 'acme' })), (e: unknown) => e instanceof AppError && e.status === 401);
      await assert.rejects(verify(await sign(good.privateKey, { tenant_id: 'acme' }, false)), (e: unknown) => e instanceof AppError && e.status === 401);
      await assert.rejects(verify(await sign(good.privateKey, {})), (e: unknown) => e instanceof AppError && e.status === 401);
      assert.ok(fetches >= 1 && fetches <= 2, `the key set is cached (fetched ${fetches}×)`);
    } finally {
      server.close();
    }
  });
});

describe('CLI', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

  test('token mints a bearer token the configured secret verifies', async () => {
    const secret = 'cli-test-secret-cli-test-secret-0123456789';
    const out = cli(['token', '--tenant', 'acme', '--sub', 'alice', '--ttl', '10m'], { AUTH_JWT_SECRET: secret });
    assert.equal(out.status, 0, out.stderr);
    const ctx = await createTokenVerifier({ jwtSecret: secret, jwksUrl: null, issuer: null, audience: null })(out.stdout.trim());
    assert.deepEqual(ctx, { tenantId: 'acme', userId: 'alice' });
  });

  test('openapi prints the document; unknown commands and missing options fail with usage', () => {
    const out = cli(['openapi'], { AUTH_JWT_SECRET: 'cli-test-secret-cli-test-secret-0123456789' });
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout);
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/contacts/'] && doc.paths['/contacts/dedupe/'] && doc.paths['/history/']);
    assert.equal(cli(['frobnicate']).status, 2);
    assert.equal(cli(['token', '--tenant', 'x'], { AUTH_JWT_SECRET: 'cli-test-secret-cli-test-secret-0123456789' }).status, 2);
  });
});
