import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { describeEngines, describePostgres, it, createPgTestDatabase, serviceRoleUrl, TEST_SECRET, type Harness } from '../helpers/engines.js';
import { createContact, createNamespace, newCaller, type Caller } from '../helpers/api.js';
import { pgTest } from '../helpers/postgres-only.js';
import { cliNodeArgs } from '../helpers/cli-process.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { runImportJob } from '../../src/resources/imports/imports.service.js';
import { rebuildContactCounts, verifyContactCounts } from '../../src/resources/contacts/derived.verify.js';
import { nameColumns } from '../../src/resources/contacts/derived.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { migrate } from '../../src/db/index.js';

// The list's exact counts without a scan (migration 0040): GET /contacts/ filtered by namespace,
// status, type and approval status (or not at all) sums the tenant's counters, which statement
// triggers keep in the writing transaction. Every kind of write that changes those columns or
// whether a contact is live must leave the list's count equal to count(*) over the live contacts.

type Filter = { namespace?: string; status?: string; type?: string; approval_status?: string };

/**
 * Counted filters to ask the list for: none, each value of each, and pairs of them. (Every
 * combination's counters are checked against count(*) by verifyContactCounts.)
 */
function counted(namespaces: readonly { id: string; name: string }[]): Filter[] {
  const values: Filter[][] = [
    namespaces.map((n) => ({ namespace: n.name })),
    ['active', 'inactive'].map((status) => ({ status })),
    ['individual', 'corporate'].map((type) => ({ type })),
    ['pending', 'approved', 'rejected'].map((approval_status) => ({ approval_status })),
  ];
  const pairs = (x: Filter[], y: Filter[]) => x.flatMap((a) => y.map((b) => ({ ...a, ...b })));
  return [{}, ...values.flat(), ...pairs(values[1]!, values[2]!), ...pairs(values[0]!, values[3]!)];
}

async function listCount(c: Caller, f: Filter, extra = ''): Promise<number> {
  const q = new URLSearchParams({ page_size: '1', ...f }).toString();
  const res = await c.req('GET', `/contacts/?${q}${extra}`);
  assert.equal(res.status, 200, res.text);
  return res.body.count as number;
}

async function sqlCount(h: Harness, tenant: string, namespaces: readonly { id: string; name: string }[], f: Filter): Promise<number> {
  const nsId = f.namespace ? namespaces.find((n) => n.name === f.namespace)!.id : null;
  const res = await h.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND NOT is_deleted
        AND ($2::text IS NULL OR namespace_id = $2) AND ($3::text IS NULL OR status = $3)
        AND ($4::text IS NULL OR type = $4) AND ($5::text IS NULL OR approval_status = $5)`,
    [tenant, nsId, f.status ?? null, f.type ?? null, f.approval_status ?? null],
  );
  return res.rows[0]!.n;
}

/** The list's count for every counted filter equals count(*), and the counters verify. */
async function assertExact(h: Harness, c: Caller, namespaces: readonly { id: string; name: string }[], step: string): Promise<void> {
  assert.deepEqual(await verifyContactCounts(h.db, c.tenant), [], `counters after ${step}`);
  for (const f of counted(namespaces)) {
    assert.equal(await listCount(c, f), await sqlCount(h, c.tenant, namespaces, f), `${step}: count of ${JSON.stringify(f)}`);
  }
}

async function ok(res: { status: number; text: string; body: any }, status = 200): Promise<any> {
  assert.equal(res.status, status, res.text);
  return res.body;
}

/** Runs every runnable import job to its end, as the worker would. */
async function drainImports(h: Harness): Promise<void> {
  for (;;) {
    const claimed = await claimImportJob(h.appDb, 'test-runner', 30_000);
    if (!claimed) return;
    await runImportJob(h.appDb, claimed.tenant_id, claimed.id, { owner: 'test-runner', batchRows: 3, leaseMs: 30_000, rules: { strictIdentifiers: false } });
  }
}

// Imports run through a queue any tenant's job is claimed from: a database of its own.
describeEngines(
  'contact counts',
  (h) => {
    it('the list count equals count(*) after every kind of write that changes a counted column or liveness', async () => {
      const c = await newCaller(h());
      const a = await createNamespace(c);
      const b = await createNamespace(c);
      const nss = [a, b];
      const contact = async (body: Record<string, unknown>) => createContact(c, { namespace: a.name, type: 'individual', ...body });
      await assertExact(h(), c, nss, 'nothing');

      const asha = await contact({ name: 'Asha Rao' });
      const ravi = await contact({ name: 'Ravi Rao', status: 'inactive' });
      const corp = await contact({ name: 'Rao Traders', type: 'corporate', namespace: b.name });
      const twin = await contact({ name: 'Ravi R', namespace: b.name });
      const spare = await contact({ name: 'Spare One' });
      await assertExact(h(), c, nss, 'creates');

      await ok(await c.req('PATCH', `/contacts/${asha.id}/`, { body: { status: 'inactive' } }));
      await ok(await c.req('PATCH', `/contacts/${corp.id}/`, { body: { type: 'individual', namespace: a.name } }));
      await ok(await c.req('PATCH', `/contacts/${spare.id}/`, { body: { name: 'Spare Renamed', tags: ['x'] } }));
      await assertExact(h(), c, nss, 'PATCH status, type, namespace');

      await ok(await c.req('PUT', `/contacts/${asha.id}/approve/`, {}));
      await ok(await c.req('PUT', `/contacts/${ravi.id}/reject/`, { body: { comment: 'no KYC' } }));
      await ok(await c.req('PUT', `/contacts/${spare.id}/inactive/`, {}));
      await ok(await c.req('PUT', `/contacts/${spare.id}/active/`, {}));
      await ok(await c.req('PUT', `/contacts/${twin.id}/inactive/`, {}));
      await assertExact(h(), c, nss, 'actions');

      assert.equal((await c.req('DELETE', `/contacts/${spare.id}/`)).status, 204);
      await assertExact(h(), c, nss, 'delete');
      await ok(await c.req('POST', `/contacts/${spare.id}/restore/`));
      await assertExact(h(), c, nss, 'restore');
      assert.equal((await c.req('DELETE', `/contacts/${spare.id}/`)).status, 204);

      // The survivor takes the victim's status and namespace; the victim leaves the lists.
      const merged = await ok(
        await c.req('POST', `/contacts/${asha.id}/merge/`, { body: { merge_ids: [twin.id], prefer: { status: twin.id, namespace: twin.id }, comment: 'same person' } }),
      );
      assert.deepEqual([merged.contact.status, merged.contact.namespace], ['inactive', b.name]);
      await assertExact(h(), c, nss, 'merge');
      await ok(await c.req('POST', `/merges/${merged.merge.id}/undo/`, { body: { comment: 'not the same' } }));
      await assertExact(h(), c, nss, 'undo');

      const rows = [
        { name: 'Imported One', type: 'individual' },
        { name: 'Imported Two', type: 'corporate', status: 'inactive' },
        { name: 'Imported Three', type: 'individual', namespace: b.name },
        { name: 'Imported Four', type: 'robot' },
        { name: 'Imported Five', type: 'corporate' },
      ];
      const job = await c.req('POST', `/imports/?namespace=${a.name}`, { rawBody: rows.map((r) => JSON.stringify(r)).join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
      assert.equal(job.status, 202, job.text);
      await drainImports(h());
      assert.equal(await listCount(c, {}), 8, 'four rows imported');
      await assertExact(h(), c, nss, 'import');
    });

    it('a counted filter reads the counters, any other filter counts the rows; verify finds a wrong counter and the rebuild fixes it', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      for (const name of ['Asha Rao', 'Ravi Rao', 'Mira Rao']) await createContact(c, { namespace: ns.name, type: 'individual', name, rm_id: 'rm-1' });
      assert.equal(await listCount(c, { status: 'active' }), 3);
      await h().db.query(`UPDATE contact_counts SET n = n + 5 WHERE tenant_id = $1 AND slot = (SELECT min(slot) FROM contact_counts WHERE tenant_id = $1)`, [c.tenant]);
      assert.equal(await listCount(c, { status: 'active' }), 8, 'the counted filter sums the counters');
      assert.equal(await listCount(c, { status: 'active' }, '&rm_id=rm-1'), 3, 'rm_id is not counted: count(*)');
      assert.equal(await listCount(c, {}, '&search=rao'), 3, 'a search is not counted: count(*)');
      assert.equal(await listCount(c, {}, '&created_at_after=2000-01-01T00:00:00Z'), 3, 'a date range is not counted: count(*)');
      const found = await verifyContactCounts(h().db, c.tenant);
      assert.deepEqual(found, [{ namespaceId: ns.id, status: 'active', type: 'individual', approvalStatus: 'pending', expected: 3, actual: 8 }]);
      await h().appDb.forTenant(c.tenant).transaction((tx) => rebuildContactCounts(tx, c.tenant));
      assert.deepEqual(await verifyContactCounts(h().db, c.tenant), []);
      assert.equal(await listCount(c, { status: 'active' }), 3);
      // The rebuilt tenant's counters keep counting.
      await createContact(c, { namespace: ns.name, type: 'individual', name: 'Dev Rao' });
      assert.equal(await listCount(c, { status: 'active' }), 4);
      assert.deepEqual(await verifyContactCounts(h().db, c.tenant), []);
    });
  },
  {},
  { isolated: true },
);

describePostgres('contact counts under concurrency and row-level security', (h) => {
  it('concurrent creates and status changes in one combination leave the count exact, spread over several slots', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => c.req('POST', '/contacts/', { body: { namespace: ns.name, type: 'individual', name: `Person ${i}` } })),
    );
    for (const r of created) assert.equal(r.status, 201, r.text);
    assert.equal(await listCount(c, { status: 'active' }), 40);
    const slots = await h().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contact_counts WHERE tenant_id = $1 AND n <> 0`, [c.tenant]);
    assert.ok(slots.rows[0]!.n > 1, `concurrent writers used ${slots.rows[0]!.n} slot(s)`);
    const ids = created.map((r) => r.body.id as string);
    const writes = await Promise.all([
      ...ids.slice(0, 15).map((id) => c.req('PUT', `/contacts/${id}/inactive/`, {})),
      ...ids.slice(15, 25).map((id) => c.req('DELETE', `/contacts/${id}/`)),
      ...Array.from({ length: 10 }, (_, i) => c.req('POST', '/contacts/', { body: { namespace: ns.name, type: 'corporate', name: `Firm ${i}` } })),
    ]);
    for (const r of writes) assert.ok([200, 201, 204].includes(r.status), r.text);
    assert.equal(await listCount(c, { status: 'active', type: 'individual' }), 15);
    assert.equal(await listCount(c, { status: 'inactive' }), 15);
    assert.equal(await listCount(c, { type: 'corporate' }), 10);
    assert.equal(await listCount(c, {}), 40);
    assert.deepEqual(await verifyContactCounts(h().db, c.tenant), []);
  });

  it("a tenant reads only its own counters and the service role writes none (only the triggers do)", async () => {
    const a = await newCaller(h());
    const b = await newCaller(h());
    for (const c of [a, b]) await createContact(c, { namespace: (await createNamespace(c)).name, type: 'individual', name: 'Asha Rao' });
    const scoped = h().appDb.forTenant(b.tenant);
    assert.equal((await scoped.query('SELECT 1 FROM contact_counts WHERE tenant_id = $1', [a.tenant])).rowCount, 0, "tenant A's counters are invisible to B");
    assert.equal((await scoped.query<{ n: string }>('SELECT sum(n) AS n FROM contact_counts')).rows[0]!.n, '1', 'B sees its own');
    assert.equal((await h().appDb.query('SELECT 1 FROM contact_counts')).rowCount, 0, 'no tenant set, no rows');
    const denied = (err: { code?: string }) => err.code === '42501';
    await assert.rejects(scoped.query('UPDATE contact_counts SET n = n + 1 WHERE tenant_id = $1', [b.tenant]), denied);
    await assert.rejects(scoped.query('DELETE FROM contact_counts WHERE tenant_id = $1', [b.tenant]), denied);
    await assert.rejects(
      scoped.query(`INSERT INTO contact_counts (tenant_id, namespace_id, status, type, approval_status, slot, n) VALUES ($1, 'x', 'active', 'individual', 'pending', 0, 1)`, [b.tenant]),
      denied,
    );
    await assert.rejects(scoped.query('SELECT contact_counts_rebuild($1)', [a.tenant]), denied, "B cannot rebuild A's counters");
    assert.deepEqual(await verifyContactCounts(h().db, a.tenant), []);
    assert.deepEqual(await verifyContactCounts(h().db, b.tenant), []);
  });
});

pgTest('writers beyond the 16 slots of a combination wait for a slot and still count exactly', async () => {
  const { url, drop } = await createPgTestDatabase();
  const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  const clients: pg.Client[] = [];
  try {
    await migrate(db);
    const tenant = 'counts-slots';
    await db.query(`INSERT INTO namespaces (tenant_id, id, name, created_at, created_by, updated_at) VALUES ($1, '01JNNXBS0914ZAYS2Q00PK5T2Z', 'n', now(), 'u', now())`, [tenant]);
    const appUrl = await serviceRoleUrl(url);
    // 18 open transactions as the service role, each with one uncommitted create in the same combination.
    for (let i = 0; i < 18; i++) {
      const client = new pg.Client({ connectionString: appUrl });
      await client.connect();
      clients.push(client);
    }
    const insert = (client: pg.Client, i: number) =>
      client.query(
        `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, name_key, name_phonetic, created_at, created_by, updated_at)
         VALUES ($1, $2, '01JNNXBS0914ZAYS2Q00PK5T2Z', $3, 'active', 'individual', '', '', now(), 'u', now())`,
        [tenant, `01JNNXBS0914ZAYS2Q00PK${String(i).padStart(4, '0')}`, `Person ${i}`],
      );
    for (const client of clients) await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenant}', true)`);
    for (let i = 0; i < 16; i++) await insert(clients[i]!, i);
    // The 17th and 18th find every slot taken and wait on a slot row until its writer commits.
    let late = 0;
    const waiting = [16, 17].map((i) => insert(clients[i]!, i).then(() => late++));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(late, 0, 'the writers beyond 16 wait');
    const slots = await db.query<{ n: number }>(`SELECT count(DISTINCT slot)::int AS n FROM contact_counts WHERE tenant_id = $1`, [tenant]);
    assert.equal(slots.rows[0]!.n, 0, 'nothing committed yet');
    for (let i = 0; i < 16; i++) await clients[i]!.query(i % 4 === 0 ? 'ROLLBACK' : 'COMMIT');
    await Promise.all(waiting);
    for (const client of clients.slice(16)) await client.query('COMMIT');
    const used = await db.query<{ slots: number; n: number }>(`SELECT count(*)::int AS slots, sum(n)::int AS n FROM contact_counts WHERE tenant_id = $1`, [tenant]);
    assert.equal(used.rows[0]!.n, 14, 'the 4 rolled back creates are counted nowhere');
    assert.ok(used.rows[0]!.slots <= 16);
    const live = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND NOT is_deleted`, [tenant]);
    assert.equal(live.rows[0]!.n, 14);
    assert.equal(used.rows[0]!.n, live.rows[0]!.n);
  } finally {
    for (const client of clients) await client.end().catch(() => {});
    await db.close();
    await drop();
  }
});

pgTest('contact-registry verify reports a wrong counter and --repair rebuilds the counters', async () => {
  const { url, drop } = await createPgTestDatabase();
  const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  try {
    await migrate(db);
    const tenant = 'verify-counts';
    const names = nameColumns('Asha Verma', 'individual');
    await db.query(`INSERT INTO namespaces (tenant_id, id, name, created_at, created_by, updated_at) VALUES ($1, '01JNNXBS0914ZAYS2Q00PK5T2Z', 'n', now(), 'u', now())`, [tenant]);
    await db.query(
      `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, name_key, name_phonetic, created_at, created_by, updated_at)
       SELECT $1, '01JNNXBS0914ZAYS2Q00PK5T3' || i, '01JNNXBS0914ZAYS2Q00PK5T2Z', 'Asha Verma', 'active', 'individual', $2, $3, now(), 'u', now()
         FROM generate_series(0, 2) AS i`,
      [tenant, names.name_key, names.name_phonetic],
    );
    await db.query(`UPDATE contact_counts SET n = n - 1 WHERE tenant_id = $1`, [tenant]);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [...cliNodeArgs(), 'verify', '--tenant', tenant, ...args], {
        env: { ...process.env, DATABASE_URL: url, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      });
    const bad = cli();
    assert.equal(bad.status, 1, bad.stderr + bad.stdout);
    assert.match(bad.stdout, /contact counts of namespace 01JNNXBS0914ZAYS2Q00PK5T2Z, status active, type individual, approval pending: 2, expected 3/);
    const repair = cli('--repair');
    assert.equal(repair.status, 0, repair.stderr);
    assert.match(repair.stdout, /contact counts rebuilt \(1 combination\(s\) differed\)/);
    const good = cli();
    assert.equal(good.status, 0, good.stderr + good.stdout);
    assert.deepEqual(await verifyContactCounts(db, tenant), []);
  } finally {
    await db.close();
    await drop();
  }
});
