import assert from 'node:assert/strict';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { integrityProblems } from '../helpers/integrity.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer } from './server-process.js';

// A merge is one transaction (CONTRACT §8.2): a server SIGKILLed while merges are in flight
// leaves each of them whole or not there at all — the merged contacts, their moved addresses and
// props, the merge record and the audit entries — and every acknowledged merge survives.

const GROUPS = 40;
const WORKERS = 8;
const KILL_AFTER_ACKS = 10;

pgTest(
  'SIGKILL with merges in flight: each merge is all there or not at all; acknowledged ones survive [postgres]',
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const port = await freePort();
    let server = await startServer(url, port);
    const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    t.after(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
      await db.close();
      await drop();
    });
    const tenant = `mergekill${process.pid}`;
    const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'ops', ttlSeconds: 3600 });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(server.base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const must = async (method: string, path: string, body: unknown) => {
      const r = await call(method, path, body);
      assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    await must('POST', '/namespaces/', { name: 'kill' });
    const contact = async (g: number, k: number) => {
      const c = await must('POST', '/contacts/', { name: `Kiran Patil ${g}-${k}`, type: 'individual', namespace: 'kill', props: [{ key: `p${k}`, value: `${g}`, type: 'text' }] });
      await must('POST', '/contacts/addresses/', { contact_id: c.id, address_line: `${g}-${k} Lane`, city: 'Pune', state: 'Maharashtra', pincode: '411001', country: 'India' });
      return c.id as string;
    };
    const groups: { survivor: string; victims: string[] }[] = [];
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        for (let g = w; g < GROUPS; g += WORKERS) groups.push({ survivor: await contact(g, 0), victims: [await contact(g, 1), await contact(g, 2)] });
      }),
    );

    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    const merging = Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (next < groups.length && !killed) {
          const g = groups[next++]!;
          try {
            const r = await call('POST', `/contacts/${g.survivor}/merge/`, { merge_ids: g.victims, comment: 'crash test' });
            assert.equal(r.status, 200, JSON.stringify(r.body));
            acked.add(g.survivor);
          } catch (err) {
            if (!killed) throw err; // before the kill every merge must succeed
          }
        }
      }),
    );
    const deadline = Date.now() + 60_000;
    while (acked.size < KILL_AFTER_ACKS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    killed = true;
    server.child.kill('SIGKILL');
    assert.equal((await server.exited).signal, 'SIGKILL');
    await merging;
    assert.ok(acked.size >= KILL_AFTER_ACKS, `only ${acked.size} merges acknowledged before the kill`);
    assert.ok(acked.size < GROUPS, 'the kill came while merges were still to be made');

    server = await startServer(url, port);
    let whole = 0;
    for (const g of groups) {
      const records = await db.query<{ id: string; merged_ids: string[] }>('SELECT id, merged_ids FROM merges WHERE tenant_id = $1 AND survivor_id = $2', [tenant, g.survivor]);
      const victims = await db.query<{ id: string; merged_into: string | null; is_deleted: boolean }>(
        'SELECT id, merged_into, is_deleted FROM contacts WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id',
        [tenant, g.victims],
      );
      const entries = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND object_id = ANY($2::text[]) AND comment LIKE 'merge%'`, [
        tenant,
        [g.survivor, ...g.victims],
      ]);
      const props = await db.query<{ contact_id: string }>('SELECT DISTINCT contact_id FROM contact_props WHERE tenant_id = $1 AND contact_id = ANY($2::text[])', [
        tenant,
        [g.survivor, ...g.victims],
      ]);
      if (records.rows.length === 1) {
        whole++;
        assert.deepEqual(records.rows[0]!.merged_ids.sort(), [...g.victims].sort());
        for (const v of victims.rows) assert.ok(v.is_deleted && v.merged_into === g.survivor, `merged ${v.id} is merged into the survivor`);
        assert.deepEqual(props.rows.map((r) => r.contact_id), [g.survivor], 'every prop moved to the survivor');
        assert.ok(entries.rows[0]!.n >= 1, 'the merge has its audit entries');
        const read = await call('GET', `/contacts/${g.victims[0]}/?expand=addresses`);
        assert.equal(read.body.id, g.survivor, 'a merged id answers with its survivor after the restart');
        assert.equal(read.body.addresses.length, 3, 'the addresses moved with it');
      } else {
        assert.equal(records.rows.length, 0);
        assert.ok(!acked.has(g.survivor), `acknowledged merge into ${g.survivor} is missing after the restart`);
        for (const v of victims.rows) assert.ok(!v.is_deleted && v.merged_into === null, `unmerged ${v.id} is untouched`);
        assert.equal(props.rows.length, 3, 'each contact keeps its own prop');
        assert.equal(entries.rows[0]!.n, 0, 'no merge audit entry without its merge');
      }
    }
    assert.ok(whole >= acked.size);
    assert.deepEqual(await integrityProblems(db, { allowInProgressKeys: true }), []);
    t.diagnostic(`${groups.length} merges started, ${acked.size} acknowledged before SIGKILL, ${whole} whole after restart, ${groups.length - whole} not there`);
  },
  { timeout: 240_000 },
);
