import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer, startWorkerProcess } from './server-process.js';

// The worker as a process on PostgreSQL: killed in the middle of a delivery it loses nothing
// (another worker sends it again once the lease runs out); stopped with SIGTERM it finishes the
// attempt in flight, records it and exits 0.

const WORKER_ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WORKER_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '1500' };

async function setUp(t: { after(fn: () => Promise<void>): void }, onRequest: (res: ServerResponse, n: number) => void) {
  const { url, drop } = await createPgTestDatabase();
  let requests = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => onRequest(res, ++requests));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const api = await startServer(url, await freePort(), { WORKER: 'off', WEBHOOK_ALLOW_PRIVATE: 'true' });
  const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  const cleanups: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const c of cleanups) await c();
    api.child.kill('SIGKILL');
    await api.exited;
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await db.close();
    await drop();
  });
  const tenant = `worker${process.pid}`;
  const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'ops', ttlSeconds: 3600 });
  const post = (path: string, body: unknown) =>
    fetch(api.base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post('/webhooks/', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, events: ['namespace.created'] })).status, 201);
  assert.equal((await post('/namespaces/', { name: 'n1' })).status, 201);
  const delivery = async () => (await db.query<{ status: string; attempt: number; last_status_code: number | null }>('SELECT status, attempt, last_status_code FROM webhook_deliveries')).rows;
  const worker = (env: Record<string, string> = {}) => {
    const w = startWorkerProcess(url, { ...WORKER_ENV, ...env });
    cleanups.push(async () => {
      w.child.kill('SIGKILL');
      await w.exited;
    });
    return w;
  };
  return { worker, delivery, requests: () => requests };
}

const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

pgTest(
  'a worker killed mid-delivery loses nothing: another sends it again after the lease',
  async (t) => {
    // The first request hangs (its worker dies holding it); the next one is answered.
    const s = await setUp(t, (res, n) => (n === 1 ? undefined : res.writeHead(204).end()));
    const first = s.worker();
    await until('the first attempt to arrive', () => s.requests() === 1);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.deepEqual(await s.delivery(), [{ status: 'pending', attempt: 0, last_status_code: null }]);
    s.worker();
    await until('the delivery to succeed', async () => (await s.delivery())[0]?.status === 'succeeded');
    assert.equal(s.requests(), 2);
    assert.deepEqual(await s.delivery(), [{ status: 'succeeded', attempt: 1, last_status_code: 204 }]);
  },
  { timeout: 150_000 },
);

pgTest(
  'SIGTERM lets the attempt in flight finish and be recorded, then the worker exits 0',
  async (t) => {
    const s = await setUp(t, (res) => setTimeout(() => res.writeHead(204).end(), 800));
    const w = s.worker();
    await until('the attempt to arrive', () => s.requests() === 1);
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    assert.equal(exit.code, 0, w.output());
    assert.deepEqual(await s.delivery(), [{ status: 'succeeded', attempt: 1, last_status_code: 204 }]);
  },
  { timeout: 150_000 },
);
