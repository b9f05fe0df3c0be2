import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createPgliteDatabase } from '../../src/db/pglite.js';
import { DataDirLockedError, migrate } from '../../src/db/index.js';
import { createTokenVerifier } from '../../src/auth/index.js';
import { AppError } from '../../src/errors/index.js';
import { pgTest } from '../helpers/postgres-only.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { explainFailure } from '../../src/cli/failures.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { cliNodeArgs } from '../helpers/cli-process.js';

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

describe('start-up failures: one line naming what to change, exit 1', () => {
  const serveSync = (args: string[], env: Record<string, string>): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [...cliNodeArgs(), 'serve', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    });

  function assertOneLine(r: SpawnSyncReturns<string>, expected: RegExp): void {
    assert.equal(r.status, 1, `exit 1 (stderr: ${r.stderr})`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, /^error: /);
    assert.match(lines[0]!, expected);
  }

  test('bad configuration names the variable', () => {
    assertOneLine(serveSync([], { PORT: 'eighty' }), /PORT must be an integer from 0 to 65535, got "eighty"/);
    assertOneLine(serveSync([], { AUTH_JWT_SECRET: 'short' }), /AUTH_JWT_SECRET must be at least 32 characters/);
    assertOneLine(serveSync([], { HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }), /HTTP_HEADERS_TIMEOUT_MS \(5000\) must not exceed HTTP_REQUEST_TIMEOUT_MS/);
    assertOneLine(serveSync([], { LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
    const r = serveSync([], { DATABASE_URL: 'svc:s3cret-not-a-url', AUTH_JWT_SECRET: TEST_SECRET });
    assertOneLine(r, /DATABASE_URL must be a PostgreSQL connection URL/);
    assert.doesNotMatch(r.stderr, /s3cret/);
  });

  test('an unreachable database names its variable and hides the password', async () => {
    const r = serveSync([], { DATABASE_URL: 'postgres://svc:s3cret@127.0.0.1:1/contacts', AUTH_JWT_SECRET: TEST_SECRET });
    assertOneLine(r, /cannot connect to the database of DATABASE_URL \(postgres:\/\/svc:\*\*\*@127\.0\.0\.1:1\/contacts\): connection refused at 127\.0\.0\.1:1/);
    assert.doesNotMatch(r.stderr, /s3cret/);
    // The rest in-process (a child process costs seconds): the line the CLI would print.
    const owner = await startServer(loadConfig({ DATABASE_URL: 'postgres://svc@127.0.0.1:1/contacts', MIGRATION_DATABASE_URL: 'postgres://owner@127.0.0.1:2/contacts', AUTH_JWT_SECRET: TEST_SECRET })).then(
      () => assert.fail('started'),
      (err: unknown) => explainFailure(err),
    );
    assert.match(owner ?? '', /^cannot connect to the database of MIGRATION_DATABASE_URL \(postgres:\/\/owner@127\.0\.0\.1:2\/contacts\): connection refused/);
  });

  test('a DATA_DIR held by another process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-lock-'));
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(dir, 'contact-registry.lock'), String(other.pid));
      const line = await startServer(loadConfig({ DATA_DIR: dir })).then(
        () => assert.fail('started'),
        (err: unknown) => explainFailure(err),
      );
      assert.equal(line, `DATA_DIR ${dir} is in use by process ${other.pid}; PGlite allows one process per data directory. Stop it or use another DATA_DIR.`);
    } finally {
      other.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  pgTest('a taken port names the port and PORT; --port and --host override the variables', async () => {
    const { url, drop } = await createPgTestDatabase();
    const holder: Server = createTcpServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    const config = loadConfig({ DATABASE_URL: url, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' });
    const failure = (overrides: Partial<Config>) =>
      startServer({ ...config, ...overrides }).then(
        (running) => running.close().then(() => assert.fail('started')),
        (err: unknown) => explainFailure(err),
      );
    try {
      // In-process: the line the CLI prints, and the database released (close() ran).
      assert.match(
        (await failure({ port: taken })) ?? '',
        new RegExp(`^port ${taken} on 127\\.0\\.0\\.1 is already in use by another process: .*PORT=<port> \\(or serve --port <port>\\)$`),
      );
      // 192.0.2.1 (TEST-NET-1) is never an address of this machine.
      assert.match((await failure({ host: '192.0.2.1', port: 0 })) ?? '', /^192\.0\.2\.1 is not an address of this machine: set HOST \(or serve --host\)/);

      // End to end: with the variable naming the taken port, the flag wins and it serves.
      const free = await new Promise<number>((resolve) => {
        const probe = createTcpServer().listen(0, '127.0.0.1', () => {
          const p = (probe.address() as { port: number }).port;
          probe.close(() => resolve(p));
        });
      });
      const child = spawn(process.execPath, [...cliNodeArgs(), 'serve', '--port', String(free), '--host', '127.0.0.1'], {
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', PORT: String(taken), DATABASE_URL: url, AUTH_JWT_SECRET: TEST_SECRET },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      let exited = false;
      child.once('exit', () => (exited = true));
      try {
        // Generous: a loaded 2-core machine takes seconds to start a TypeScript child.
        const deadline = Date.now() + 60_000;
        let status = 0;
        while (status !== 200 && !exited && Date.now() < deadline) {
          status = await fetch(`http://127.0.0.1:${free}/healthz`).then(
            (r) => r.status,
            () => 0,
          );
          if (status !== 200) await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(status, 200, `serve --port ${free} answers (stderr: ${stderr})`);
      } finally {
        if (!exited) {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
      }
    } finally {
      holder.close();
      await drop();
    }
  });
});
