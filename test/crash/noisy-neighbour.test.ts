import assert from 'node:assert/strict';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { migrate } from '../../src/db/index.js';
import { createPgTestDatabase, serviceRoleUrl, TEST_SECRET, testConfig } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';

// No noisy neighbour: a 200,000-contact tenant flooding expensive requests (broad searches, deep
// pages, big expands) far below its rate limit must not make another tenant's requests fail or
// wait. The big tenant holds at most its share of the pool (DB_TENANT_MAX_CONNECTIONS), its extra
// requests queue for its own slots (429 when they wait too long), and its expensive statements run
// under the shorter DB_EXPENSIVE_STATEMENT_TIMEOUT_MS.

const BIG = 200_000;
const FLOODERS = 40;
const FLOOD_MS = 6000;
const POOL = 10;

pgTest(
  `a ${BIG.toLocaleString('en')}-contact tenant flooding expensive requests does not fail or stall another tenant's GETs`,
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const owner = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 0, connectTimeoutMs: 3000 });
    t.after(async () => {
      await owner.close();
      await drop();
    });
    await migrate(owner);
    await owner.exec(`
      INSERT INTO namespaces (tenant_id, id, name, created_at, created_by, updated_at) VALUES ('big', '01JBIG0000000000000000NS00', 'big', now(), 'seed', now());
      INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, name_key, name_phonetic, tags, created_at, created_by, updated_at)
      SELECT 'big', '01JBIG' || lpad(g::text, 20, '0'), '01JBIG0000000000000000NS00', 'Borrower ' || g, 'active', 'individual',
             'borrower ' || g, 'BRWR', ARRAY['t' || (g % 50)], now() - (g || ' seconds')::interval, 'seed', now()
        FROM generate_series(1, ${BIG}) AS g;
      ANALYZE contacts;`);
    const db = createPgDatabase({
      connectionString: await serviceRoleUrl(url),
      max: POOL,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 3000,
      tenantMaxConnections: POOL - 2,
      tenantWaitMs: 2000,
    });
    const app = await buildApp({ config: testConfig({ dbPoolSize: POOL, expensiveStatementTimeoutMs: 5000 }), db });
    await app.ready();
    t.after(async () => {
      await app.close();
      await db.close();
    });

    const auth = async (tenant: string) => ({ authorization: `Bearer ${await mintToken({ secret: TEST_SECRET, tenant, sub: 'u', ttlSeconds: 600 })}` });
    const big = await auth('big');
    const small = await auth('small');
    const ns = await app.inject({ method: 'POST', url: '/namespaces/', headers: small, payload: { name: 'small' } });
    assert.equal(ns.statusCode, 201, ns.body);
    const contact = await app.inject({ method: 'POST', url: '/contacts/', headers: small, payload: { name: 'Quiet Borrower', type: 'individual', namespace: 'small' } });
    assert.equal(contact.statusCode, 201, contact.body);

    const until = Date.now() + FLOOD_MS;
    const expensive = ['/contacts/?search=orrower%2012', '/contacts/?page=5000&page_size=40', '/contacts/?tags=t7&ordering=name', '/contacts/?page_size=200&expand=props,addresses,banks,relations'];
    const bigStatuses: Record<number, number> = {};
    const flooder = async (i: number) => {
      for (let n = i; Date.now() < until; n++) {
        const res = await app.inject({ method: 'GET', url: expensive[n % expensive.length]!, headers: big });
        bigStatuses[res.statusCode] = (bigStatuses[res.statusCode] ?? 0) + 1;
      }
    };
    const latencies: number[] = [];
    const failures: string[] = [];
    const quiet = async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const res = await app.inject({ method: 'GET', url: `/contacts/${contact.json().id}/`, headers: small });
        latencies.push(performance.now() - started);
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${res.body.slice(0, 120)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await Promise.all([...Array.from({ length: FLOODERS }, (_, i) => flooder(i)), quiet()]);

    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    t.diagnostic(`small tenant: ${latencies.length} GETs, p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms; big tenant statuses ${JSON.stringify(bigStatuses)}`);
    assert.deepEqual(failures, [], "the other tenant's requests all succeed");
    // Without the share the other tenant stalls: 6 GETs in these 6 s, p99 3.6 s (measured once,
    // load average 15). With it: about 50, p99 about 1.3 s at the same load; 18 (p99 0.5 s) in a full suite at load 7. The bounds leave room
    // for a machine busier still.
    assert.ok(latencies.length >= 10, `only ${latencies.length} GETs completed`);
    assert.ok(p99 < 5000, `the other tenant's p99 stays bounded (${p99.toFixed(0)} ms)`);
    assert.ok((bigStatuses[200] ?? 0) > 0, 'the big tenant is served too');
  },
  { timeout: 300_000 },
);
