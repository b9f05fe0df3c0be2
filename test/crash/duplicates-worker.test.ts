import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { startServer as startInProcess } from '../../src/main.js';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer, startWorkerProcess } from './server-process.js';

// Pairs from writes (CONTRACT §8.1) with real processes on PostgreSQL: the checks a write queues
// are rows committed with the write, so writes made while no worker runs (or while it is down) are
// checked once one starts; a running worker opens the pair shortly after the write commits.

const until = async (what: string, check: () => Promise<boolean>, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

pgTest(
  'checks queued while no worker runs survive until a worker starts; a running worker opens pairs right after the write',
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const api = await startServer(url, await freePort(), { WORKER: 'off' });
    const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    let worker: ReturnType<typeof startWorkerProcess> | null = null;
    t.after(async () => {
      worker?.child.kill('SIGKILL');
      await worker?.exited;
      api.child.kill('SIGKILL');
      await api.exited;
      await db.close();
      await drop();
    });
    const token = await mintToken({ secret: TEST_SECRET, tenant: `dupw${process.pid}`, sub: 'ops', ttlSeconds: 3600 });
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(api.base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    assert.equal((await send('POST', '/namespaces/', { name: 'n1' })).status, 201);
    const contact = async (name: string, mobile: string) => {
      const res = await send('POST', '/contacts/', { name, type: 'individual', namespace: 'n1', props: [{ key: 'mobile', value: mobile, type: 'text' }] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const pending = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM duplicate_checks')).rows[0]!.n;
    const openPairs = async () => (await send('GET', '/duplicates/')).body.count as number;

    await contact('Farida Shaikh', '9800011122');
    await contact('Farida Shaikh', '09800011122');
    assert.equal(await pending(), 2, 'each write queued its check in its own transaction');
    assert.equal(await openPairs(), 0);

    // A first worker is killed before it can do anything useful; the checks are still there.
    worker = startWorkerProcess(url, { WORKER_POLL_MS: '50' });
    worker.child.kill('SIGKILL');
    await worker.exited;
    worker = startWorkerProcess(url, { WORKER_POLL_MS: '50' });
    await until('the queued checks to open the pair', async () => (await openPairs()) === 1);
    await until('the checks to be done', async () => (await pending()) === 0);

    // With the worker running: the time from a write's commit to its pair.
    const started = Date.now();
    const third = await contact('Farida Shaikh', '+91 98000 11122');
    await until('the third contact to be paired', async () => (await send('GET', `/duplicates/?contact=${third}`)).body.count === 2);
    t.diagnostic(`write → pairs open in ${Date.now() - started} ms (WORKER_POLL_MS=50)`);
    assert.equal(await pending(), 0);
  },
  { timeout: 90_000 },
);

test('embedded mode: serve on PGlite opens the pair of a write by itself', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-dupes-'));
  const running = await startInProcess(loadConfig({ DATA_DIR: dir, AUTH_JWT_SECRET: TEST_SECRET, PORT: '0', LOG_LEVEL: 'silent', WORKER_POLL_MS: '50' }));
  t.after(async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${(running.app.server.address() as AddressInfo).port}`;
  const token = await mintToken({ secret: TEST_SECRET, tenant: 'embedded', sub: 'ops', ttlSeconds: 3600 });
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  assert.equal((await send('POST', '/namespaces/', { name: 'n1' })).status, 201);
  for (const mobile of ['9800044455', '+91 98000 44455']) {
    assert.equal((await send('POST', '/contacts/', { name: 'Imran Qureshi', type: 'individual', namespace: 'n1', props: [{ key: 'mobile', value: mobile, type: 'text' }] })).status, 201);
  }
  const started = Date.now();
  await until('the embedded worker to open the pair', async () => (await send('GET', '/duplicates/')).body.count === 1);
  t.diagnostic(`embedded: pair open ${Date.now() - started} ms after the second write returned`);
});
