// The benchmark's one-statement floor (bench/floor.ts) must answer the benchmark's requests as our
// service does, or its speed proves nothing: same representation for GET, list and POST, the
// tenant checked, bad tokens refused. PostgreSQL only: the floor is node-pg on a real server (it
// is a benchmark target, not a second implementation of the service).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import type { Database } from '../../src/db/index.js';
import { createFloor } from '../../bench/floor.js';
import { TEST_SECRET, createMigratedPgTestDatabase, postgresSkipReason, serviceRoleUrl, testConfig } from '../helpers/engines.js';

describe('bench floor answers as the service does [postgres]', () => {
  let skip: string | null = null;
  let app: FastifyInstance;
  let appDb: Database;
  let floor: ReturnType<typeof createFloor>;
  let floorUrl: string;
  let drop: () => Promise<void>;
  const tenant = `floor${process.pid}`;
  const tokens: Record<string, string> = {};

  const ours = async (method: string, url: string, body?: unknown, who = tenant) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      payload: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.statusCode, body: JSON.parse(res.body), etag: res.headers.etag };
  };
  const viaFloor = async (method: string, url: string, body?: unknown, token: string | undefined = tokens[tenant]) => {
    const res = await fetch(floorUrl + url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json(), etag: res.headers.get('etag') ?? undefined };
  };
  const contact = (n: number, pan: string) => ({
    name: `Asha Rao ${n}`,
    namespace: 'customer',
    type: 'individual',
    tags: ['bench', 'vip'],
    props: [
      { key: 'pan_no', value: pan, type: 'text' },
      { key: 'mobile', value: `98765${String(n).padStart(5, '0')}`, type: 'text' },
      { key: 'segment', value: 'retail', type: 'text' },
    ],
  });

  before(async () => {
    skip = await postgresSkipReason();
    if (skip) return;
    const db = await createMigratedPgTestDatabase();
    drop = db.drop;
    appDb = createPgDatabase({
      connectionString: await serviceRoleUrl(db.url),
      max: 4,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
    });
    app = await buildApp({ config: testConfig(), db: appDb });
    await app.ready();
    floor = createFloor({ connectionString: db.url, secret: TEST_SECRET, poolSize: 2 });
    await new Promise<void>((r) => floor.server.listen(0, '127.0.0.1', r));
    floorUrl = `http://127.0.0.1:${(floor.server.address() as AddressInfo).port}`;
    for (const t of [tenant, `${tenant}b`])
      tokens[t] = await mintToken({ secret: TEST_SECRET, tenant: t, sub: 'bench-user', ttlSeconds: 600 });
    const ns = await ours('POST', '/namespaces/', { name: 'customer', contact_pattern: 'CUST-{seq:3}' });
    assert.equal(ns.status, 201, JSON.stringify(ns.body));
  });
  after(async () => {
    if (skip) return;
    await new Promise((r) => floor.server.close(r));
    await floor.pool.end();
    await app.close();
    await appDb.close();
    await drop();
  });

  it('creates, reads and lists contacts with the service representation', async (t) => {
    if (skip) return t.skip(skip);
    const a = await ours('POST', '/contacts/', contact(1, 'ABCPA1234F'));
    const b = await viaFloor('POST', '/contacts/', contact(2, 'ABCPB1234F'));
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    // The same fields; the floor's create took the next number of the same counter.
    assert.deepEqual(Object.keys(b.body).sort(), Object.keys(a.body).sort());
    assert.equal(a.body.ref_id, 'CUST-001');
    assert.equal(b.body.ref_id, 'CUST-002');
    assert.equal(b.body.props.length, 3);
    assert.equal(b.etag, a.etag);
    const { id: _a, name: _an, props: _ap, created_at: _ac, updated_at: _au, ref_id: _ar, ...restA } = a.body;
    const { id: _b, name: _bn, props: _bp, created_at: _bc, updated_at: _bu, ref_id: _br, ...restB } = b.body;
    assert.deepEqual(restB, restA);

    // What the floor wrote, the service reads identically (props, match keys included), and back.
    for (const id of [a.body.id, b.body.id]) {
      const [o, f] = [await ours('GET', `/contacts/${id}/`), await viaFloor('GET', `/contacts/${id}/`)];
      assert.equal(o.status, 200);
      assert.deepEqual(f.body, o.body);
      assert.equal(f.etag, o.etag);
    }
    assert.deepEqual(b.body, (await ours('GET', `/contacts/${b.body.id}/`)).body);
    const props = (await ours('GET', `/contacts/${b.body.id}/?expand=props`)).body.props;
    assert.deepEqual(
      props.map((p: { key: string; value: string }) => [p.key, p.value]),
      [
        ['mobile', '9876500002'],
        ['pan_no', 'ABCPB1234F'],
        ['segment', 'retail'],
      ],
    );
    const history = await ours('GET', `/contacts/${b.body.id}/history/`);
    assert.equal(history.status, 200);
    assert.equal(JSON.stringify(history.body).includes('"create"'), true, 'the floor writes the audit entry');

    // A duplicate PAN is refused by both (sequentially; see bench/floor.ts for the concurrent case).
    assert.equal((await ours('POST', '/contacts/', contact(3, 'ABCPB1234F'))).status, 409);
    assert.equal((await viaFloor('POST', '/contacts/', contact(4, 'ABCPA1234F'))).status, 409);

    for (let n = 5; n < 9; n++) assert.equal((await viaFloor('POST', '/contacts/', contact(n, `ABCPC${1000 + n}F`))).status, 201);
    for (const q of [
      '',
      '?page_size=2',
      '?status=active&page_size=2&page=2',
      '?type=individual&status=active&page=2&page_size=4',
      '?status=inactive',
    ]) {
      const [o, f] = [await ours('GET', `/contacts/${q}`), await viaFloor('GET', `/contacts/${q}`)];
      assert.equal(o.status, 200, q);
      assert.deepEqual(f.body, o.body, q);
    }
  });

  it('checks the tenant and the token', async (t) => {
    if (skip) return t.skip(skip);
    const mine = await viaFloor('POST', '/contacts/', contact(20, 'ABCPD1234F'));
    assert.equal(mine.status, 201);
    const other = tokens[`${tenant}b`];
    assert.equal((await viaFloor('GET', `/contacts/${mine.body.id}/`, undefined, other)).status, 404);
    assert.equal((await viaFloor('GET', '/contacts/', undefined, other)).body.count, 0);
    assert.equal((await viaFloor('POST', '/contacts/', contact(21, 'ABCPE1234F'), other)).status, 400, 'no namespace "customer" there');
    assert.equal((await viaFloor('GET', `/contacts/${mine.body.id}/`, undefined, '')).status, 401);
    const forged = await mintToken({ secret: 'another-secret-another-secret-0123456789', tenant, sub: 'x', ttlSeconds: 600 });
    assert.equal((await viaFloor('GET', `/contacts/${mine.body.id}/`, undefined, forged)).status, 401);
    assert.equal((await viaFloor('GET', '/contacts/?page_size=500')).status, 400);
    assert.equal((await viaFloor('POST', '/contacts/', { name: 'x' })).status, 400);
  });
});
