import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { integrityProblems } from '../helpers/integrity.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer } from './server-process.js';

// Crash safety on PostgreSQL with the real server process: SIGKILL under concurrent write load,
// restart, and prove that every acknowledged write survived and that no write is half there
// (every audit entry has its row, every row its entries, versions match the entry counts).
// Then graceful shutdown: SIGTERM with requests in flight → they complete, exit code 0.

const WORKERS = 12;
const MIN_ACKS = 300;
const MAX_LOAD_MS = 30_000;

interface Ack {
  kind: 'create' | 'patch' | 'approve';
  id: string;
  version: number;
  name?: string;
  tags?: string[];
}

/** Outcome of a GET /healthz on a fresh TCP connection: the status, or the connection error code. */
function newConnection(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

const versionOf = (etag: string | null) => Number(String(etag).replace(/"/g, ''));

pgTest(
  'SIGKILL under write load: every acknowledged write survives, nothing is half-written [postgres]',
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const port = await freePort();
    let server = await startServer(url, port);
    // A pool connects lazily: nothing touches the database before the restart.
    const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    t.after(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
      await db.close();
      await drop();
    });
    const tenant = `crash${process.pid}`;
    const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'loader', ttlSeconds: 3600 });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
      const res = await fetch(server.base + path, { method, headers: { ...headers, ...extra }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, etag: res.headers.get('etag'), replayed: res.headers.get('idempotent-replayed'), body: text ? JSON.parse(text) : undefined };
    };
    const ns = await call('POST', '/namespaces/', { name: 'crash', contact_pattern: 'CR-{seq:6}' });
    assert.equal(ns.status, 201);

    const acks: Ack[] = [];
    const keyed = new Map<string, { name: string; acked: string | null }>();
    let sent = 0;
    let failed = 0;
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `Crash Person ${w} ${i}`;
        const key = i % 2 === 0 ? `w${w}-i${i}` : null;
        const body = { name, type: 'individual', namespace: 'crash', props: [{ key: 'pan_no', value: `ABCDE${String(w * 1000 + i).padStart(4, '0').slice(-4)}${String.fromCharCode(65 + (i % 26))}`, type: 'text' }] };
        try {
          sent++;
          if (key) keyed.set(key, { name, acked: null });
          const created = await call('POST', '/contacts/?on_duplicate=allow&reason=load', body, key ? { 'idempotency-key': key } : {});
          if (created.status !== 201) throw new Error(`create ${created.status} ${JSON.stringify(created.body)}`);
          acks.push({ kind: 'create', id: created.body.id, version: versionOf(created.etag), name });
          if (key) keyed.get(key)!.acked = created.body.id;
          const id = created.body.id as string;
          for (let j = 0; j < 2 && !stop; j++) {
            sent++;
            const tags = [`w${w}`, `p${j}`];
            const patched = await call('PATCH', `/contacts/${id}/`, { tags });
            if (patched.status !== 200) throw new Error(`patch ${patched.status}`);
            acks.push({ kind: 'patch', id, version: versionOf(patched.etag), tags });
          }
          if (i % 3 === 0 && !stop) {
            sent++;
            const approved = await call('PUT', `/contacts/${id}/approve/`, { comment: 'load' });
            if (approved.status !== 200) throw new Error(`approve ${approved.status}`);
            acks.push({ kind: 'approve', id, version: versionOf(approved.etag) });
          }
        } catch (err) {
          failed++;
          if (!stop) throw err; // before the kill every request must succeed
          return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    // Kill once enough writes were acknowledged (machine speed varies), with the load still running.
    const until = Date.now() + MAX_LOAD_MS;
    while (acks.length < MIN_ACKS && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    server.child.kill('SIGKILL');
    await load;
    const killed = await server.exited;
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(acks.length >= MIN_ACKS, `only ${acks.length} writes acknowledged before the kill`);

    server = await startServer(url, port);

    // 1. Every acknowledged write is there.
    const rows = new Map(
      (await db.query<{ id: string; name: string; version: number; tags: string[]; approval_status: string }>('SELECT id, name, version, tags, approval_status FROM contacts WHERE tenant_id = $1', [tenant])).rows.map((r) => [r.id, r]),
    );
    let found = 0;
    for (const a of acks) {
      const row = rows.get(a.id);
      assert.ok(row, `acknowledged ${a.kind} of ${a.id} is missing after the restart`);
      assert.ok(row.version >= a.version, `${a.kind} of ${a.id} acknowledged version ${a.version}, found ${row.version}`);
      if (a.kind === 'create') assert.equal(row.name, a.name);
      if (a.kind === 'approve') assert.equal(row.approval_status, 'approved');
      found++;
    }
    // The last acknowledged patch of a contact is its state unless a later, unacknowledged write won.
    const lastAck = new Map<string, Ack>();
    for (const a of acks) lastAck.set(a.id, a);
    for (const [id, a] of lastAck) if (a.kind === 'patch' && rows.get(id)!.version === a.version) assert.deepEqual(rows.get(id)!.tags, a.tags);

    // 2. No half-written write: entries ↔ rows, one create entry per object, no orphans.
    assert.deepEqual(await integrityProblems(db, { allowInProgressKeys: true }), []);
    // Every write after the create bumped the version once and wrote one entry, in one transaction.
    const mismatched = await db.query(
      `SELECT c.id, c.version, (SELECT count(*) FROM audit_log a WHERE a.tenant_id = c.tenant_id AND a.object_id = c.id AND a.action_type <> 'create')::int AS writes
         FROM contacts c WHERE c.tenant_id = $1
          AND c.version - 1 <> (SELECT count(*) FROM audit_log a WHERE a.tenant_id = c.tenant_id AND a.object_id = c.id AND a.action_type <> 'create')`,
      [tenant],
    );
    assert.deepEqual(mismatched.rows, []);
    // Ref ids were allocated without gaps being reused: all distinct.
    const refs = await db.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT ref_id)::int AS d FROM contacts WHERE tenant_id = $1', [tenant]);
    assert.equal(refs.rows[0]!.n, refs.rows[0]!.d);

    // 3. Idempotency keys survive the crash: an acknowledged keyed create replays its contact; a
    // keyed create whose answer was lost never produces a second contact.
    let replays = 0;
    for (const [key, k] of keyed) {
      const w = Number(key.slice(1, key.indexOf('-')));
      const i = Number(key.slice(key.indexOf('-i') + 2));
      const body = { name: k.name, type: 'individual', namespace: 'crash', props: [{ key: 'pan_no', value: `ABCDE${String(w * 1000 + i).padStart(4, '0').slice(-4)}${String.fromCharCode(65 + (i % 26))}`, type: 'text' }] };
      const again = await call('POST', '/contacts/?on_duplicate=allow&reason=load', body, { 'idempotency-key': key });
      if (k.acked) {
        assert.equal(again.status, 201);
        assert.equal(again.replayed, 'true');
        assert.equal(again.body.id, k.acked);
        replays++;
      } else {
        // Unknown outcome: replayed, still claimed by the killed attempt (409 until its lease ends), or run now.
        assert.ok([201, 409].includes(again.status), `retry of ${key}: ${again.status} ${JSON.stringify(again.body)}`);
      }
      const same = await db.query('SELECT id FROM contacts WHERE tenant_id = $1 AND name = $2', [tenant, k.name]);
      assert.ok(same.rowCount <= 1, `idempotency key ${key} produced ${same.rowCount} contacts`);
    }
    t.diagnostic(
      `${sent} write requests sent, ${acks.length} acknowledged (2xx) before SIGKILL, ${failed} cut off by the kill; ` +
        `${found}/${acks.length} acknowledged writes found after restart; ${rows.size} contacts; ${replays} keyed creates replayed after restart`,
    );
  },
  { timeout: 120_000 },
);

pgTest(
  'SIGTERM with requests in flight: they complete with 2xx and the process exits 0 [postgres]',
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const port = await freePort();
    const server = await startServer(url, port);
    const locker = new pg.Client({ connectionString: url });
    t.after(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
      await locker.end().catch(() => {});
      await drop();
    });
    const tenant = `term${process.pid}`;
    const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'u', ttlSeconds: 3600 });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fetch(`${server.base}/namespaces/`, { method: 'POST', headers, body: JSON.stringify({ name: 'term' }) });
    const created = await (await fetch(`${server.base}/contacts/`, { method: 'POST', headers, body: JSON.stringify({ name: 'Held', type: 'individual', namespace: 'term' }) })).json();

    // Hold the contact's row lock from outside, so the PATCHes below are provably in flight.
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM contacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenant, created.id]);

    const IN_FLIGHT = 8;
    const requests = Array.from({ length: IN_FLIGHT }, (_, i) =>
      fetch(`${server.base}/contacts/${created.id}/`, { method: 'PATCH', headers, body: JSON.stringify({ tags: [`t${i}`] }) }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        (err: Error) => ({ status: 0, body: String(err.cause ?? err) }),
      ),
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      // pg_stat_activity is a per-transaction snapshot inside the locker's transaction: refresh it.
      await locker.query('SELECT pg_stat_clear_snapshot()');
      const waiting = await locker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (waiting.rows[0].n >= Math.min(IN_FLIGHT, 10 - 1)) break;
      assert.ok(Date.now() < deadline, 'the PATCHes never reached the database');
      await new Promise((r) => setTimeout(r, 50));
    }
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // Still running: it waits for the in-flight requests, and accepts no new connections.
    assert.equal(server.child.exitCode, null, 'the server exited before its in-flight requests finished');
    assert.equal(await newConnection(port), 'ECONNREFUSED', 'a new connection was accepted after SIGTERM');
    await locker.query('COMMIT');

    const results = await Promise.all(requests);
    for (const r of results) assert.equal(r.status, 200, `in-flight request: ${r.status} ${r.body}`);
    const exit = await Promise.race([server.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit within 10 s')), 10_000))]);
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    const version = await locker.query('SELECT version FROM contacts WHERE tenant_id = $1 AND id = $2', [tenant, created.id]);
    assert.equal(version.rows[0].version, 1 + IN_FLIGHT, 'every in-flight PATCH was applied');
  },
  { timeout: 60_000 },
);
