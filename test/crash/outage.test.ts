import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { migrate } from '../../src/db/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgTestDatabase, testConfig, TEST_SECRET } from '../helpers/engines.js';
import { mintToken } from '../../src/auth/index.js';
import { integrityProblems } from '../helpers/integrity.js';
import { pgTest } from '../helpers/postgres-only.js';

// Database outage: the app reaches PostgreSQL through a TCP proxy that the test cuts and restores.
// While cut, requests fail fast (well under 3 s) with 503 problem documents and /readyz says 503;
// once restored, the same app instance serves again — no restart.

const FAST_MS = 3000;

/** Fails (instead of hanging the whole file) when an operation does not settle in time. */
function bounded<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A TCP proxy to PostgreSQL that can refuse connections, black-hole them, or forward them. */
class Proxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  mode: 'forward' | 'blackhole' = 'forward';
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => {});
      if (this.mode === 'blackhole') return; // accepted, never answered
      const upstream = connect(this.target);
      this.sockets.add(upstream);
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Drops every connection; 'refuse' stops listening, 'blackhole' accepts and never answers. */
  async cut(how: 'refuse' | 'blackhole'): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (how === 'blackhole') {
      this.mode = 'blackhole';
      return;
    }
    await this.stop();
  }

  async restore(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.mode = 'forward';
    if (!this.server) await this.start();
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

pgTest('database outage through a TCP proxy: fast 503s, /readyz 503, recovery without restart [postgres]', async (t) => {
  const { url, drop } = await createPgTestDatabase();
  const direct = new URL(url);
  const proxy = new Proxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  await proxy.start();
  const viaProxy = new URL(url);
  viaProxy.port = String(proxy.port);
  const db = createPgDatabase({ connectionString: viaProxy.toString(), max: 5, statementTimeoutMs: 2000, connectTimeoutMs: 1000 });
  await migrate(db);
  const app = await buildApp({ config: testConfig({ connectTimeoutMs: 1000, statementTimeoutMs: 2000 }), db });
  await app.ready();
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  t.after(async () => {
    // Proxy first: destroying its sockets fails any connect still pending, so nothing below hangs
    // even when the code under test has no timeouts.
    await proxy.stop();
    await bounded(app.close(), 'app.close');
    await bounded(db.close(), 'db.close');
    await locker.end().catch(() => {});
    await drop();
  });

  const tenant = `outage${process.pid}`;
  const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'u', ttlSeconds: 3600 });
  const send = async (method: string, path: string, body?: unknown) => {
    const started = Date.now();
    const res = await bounded(app.inject({
      method: method as 'GET',
      url: path,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    }), `${method} ${path}`);
    return { status: res.statusCode, ms: Date.now() - started, headers: res.headers, json: res.body ? JSON.parse(res.body) : undefined };
  };
  let seq = 0;
  const healthy = async (label: string) => {
    const created = await send('POST', '/contacts/', { name: `Outage Person ${seq++}`, type: 'individual', namespace: 'outage' });
    assert.equal(created.status, 201, `${label}: create ${JSON.stringify(created.json)}`);
    assert.equal((await send('GET', `/contacts/${created.json.id}/`)).status, 200, label);
    assert.equal((await send('GET', '/contacts/?page_size=5')).status, 200, label);
    assert.equal((await send('GET', '/readyz')).status, 200, `${label}: readyz`);
    return created.json.id as string;
  };
  const assertDown = async (label: string, contactId: string) => {
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/readyz'],
      ['GET', '/contacts/'],
      ['GET', `/contacts/${contactId}/`],
      ['POST', '/contacts/', { name: 'During Outage', type: 'individual', namespace: 'outage' }],
      ['PATCH', `/contacts/${contactId}/`, { tags: ['outage'] }],
      ['PUT', `/contacts/${contactId}/approve/`, { comment: 'x' }],
      ['GET', '/history/'],
    ];
    for (const [method, path, body] of requests) {
      const res = await send(method, path, body);
      const what = `${label}: ${method} ${path}`;
      assert.equal(res.status, 503, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
      assert.ok(res.ms < FAST_MS, `${what} took ${res.ms} ms`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
      assert.equal(res.json.code, 'service_unavailable', what);
      assert.equal(res.json.instance, res.headers['x-request-id'], what);
      assert.ok(!/ECONN|5432|127\.0\.0\.1|pg_|terminat/i.test(res.json.detail), `${what} leaks internals: ${res.json.detail}`);
      assert.ok(res.headers['retry-after'], `${what}: no Retry-After`);
    }
    assert.equal((await send('GET', '/healthz')).status, 200, `${label}: the process itself is up`);
  };

  assert.equal((await send('POST', '/namespaces/', { name: 'outage' })).status, 201);
  const id = await healthy('before the outage');

  await t.test('proxy refuses connections (database down)', async () => {
    await proxy.cut('refuse');
    await assertDown('refused', id);
    await proxy.restore();
    await healthy('after restoring');
  });

  await t.test('proxy black-holes connections (network partition): connect timeout', async () => {
    await proxy.cut('blackhole');
    await assertDown('black-holed', id);
    await proxy.restore();
    await healthy('after restoring');
  });

  await t.test('a request in flight when the connection drops fails fast with 503, and nothing half-written remains', async () => {
    const victim = await healthy('setup');
    // Hold the row lock directly (not through the proxy) so the PATCH is provably mid-transaction.
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM contacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenant, victim]);
    const inFlight = send('PATCH', `/contacts/${victim}/`, { tags: ['in-flight'] });
    await new Promise((r) => setTimeout(r, 300));
    const cutAt = Date.now();
    await proxy.cut('refuse');
    const res = await inFlight;
    await locker.query('ROLLBACK');
    assert.equal(res.status, 503, JSON.stringify(res.json));
    assert.ok(Date.now() - cutAt < FAST_MS, `answered ${Date.now() - cutAt} ms after the cut`);
    await proxy.restore();
    await healthy('after restoring');
    const row = await locker.query('SELECT tags, version FROM contacts WHERE tenant_id = $1 AND id = $2', [tenant, victim]);
    assert.deepEqual(row.rows[0].tags, [], 'the cut-off PATCH was rolled back');
    assert.equal(row.rows[0].version, 1);
  });

  await t.test('after the outages the database is consistent', async () => {
    assert.deepEqual(await integrityProblems(db), []);
  });
});
