import assert from 'node:assert/strict';
import pg from 'pg';
import { relayOnce } from '../../src/worker/relay.js';
import { migrate, migrateDatabase, MigrationPrivilegeError, type Database } from '../../src/db/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { ADMIN_URL, createPgTestDatabase, describePostgres, it, serviceRoleUrl, SERVICE_ROLE, testConfig, type Harness } from '../helpers/engines.js';
import { auditRows, createContact, createNamespace, newCaller } from '../helpers/api.js';
import { createAddress, createBank, createRelation, tenantWithContacts } from '../helpers/subresources.js';
import { pgTest } from '../helpers/postgres-only.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { runImportJob } from '../../src/resources/imports/imports.service.js';

// Row-level security (migration 0007) as the second tenant guard: the harness connects the app
// as SERVICE_ROLE, so every PostgreSQL API test already runs under the policies. These tests
// query the tables directly as that role, with SQL that deliberately omits the tenant filter.

const TENANT_TABLES = [
  'namespaces', 'contacts', 'contact_ref_ids', 'contact_props', 'audit_log', 'contact_addresses',
  'contact_banks', 'contact_relations', 'contact_match_keys', 'idempotency_keys',
  'event_outbox', 'events', 'webhooks', 'webhook_deliveries', 'import_jobs', 'import_rows', 'import_dry_keys', 'merges',
  'duplicate_pairs', 'duplicate_checks', 'duplicate_scans', 'contact_counts',
];

/** Two tenants, each with a row in every tenant table (three contacts: one merged into another). */
async function twoTenants(h: Harness) {
  const tenants = [];
  for (let i = 0; i < 2; i++) {
    const c = await newCaller(h);
    const ns = await createNamespace(c, { contact_pattern: 'R{seq}' });
    const contact = (body: Record<string, unknown>) => createContact(c, { namespace: ns.name, ...body });
    const a = await contact({ name: `Asha Rao ${i}`, tags: ['vip'], props: [{ key: 'pan_no', value: i ? 'ABCPR1234Q' : 'ABCPS1234Q', type: 'text' }] });
    const b = await contact({ name: `Ravi Rao ${i}` });
    await createAddress(c, a.id);
    await createBank(c, a.id);
    await createRelation(c, a.id, b.id);
    const twin = await contact({ name: `Ravi R ${i}` });
    const merged = await c.req('POST', `/contacts/${b.id}/merge/`, { body: { merge_ids: [twin.id], comment: 'same person' } });
    assert.equal(merged.status, 200, merged.text);
    // b takes a's PAN under an override: a dismissed duplicate pair (and pending duplicate checks).
    const pan = i ? 'ABCPR1234Q' : 'ABCPS1234Q';
    const allowed = await c.req('PATCH', `/contacts/${b.id}/?on_duplicate=allow&reason=family%20business`, { body: { props: [{ key: 'pan_no', value: pan, type: 'text' }] } });
    assert.equal(allowed.status, 200, allowed.text);
    const scan = await c.req('POST', '/duplicates/scan/', { body: {} });
    assert.equal(scan.status, 202, scan.text);
    const keyed = await c.req('POST', '/namespaces/', { body: { name: `keyed-${i}-${c.tenant}` }, headers: { 'idempotency-key': `k-${c.tenant}` } });
    assert.equal(keyed.status, 201, keyed.text);
    assert.equal((await c.req('POST', '/webhooks/', { body: { url: 'https://hooks.example.com/rls' } })).status, 201);
    // A dry-run import: a job, its rows and (for the PAN) a dry-run key.
    const csv = `name,type,prop:pan_no\nDry Run ${i},individual,${i ? 'BCDPR1234Q' : 'BCDPS1234Q'}\n`;
    const job = await c.req('POST', `/imports/?namespace=${ns.name}&dry_run=true`, { rawBody: csv, headers: { 'content-type': 'text/csv' } });
    assert.equal(job.status, 202, job.text);
    tenants.push(c.tenant);
  }
  for (let claimed = await claimImportJob(h.appDb, 'rls', 30_000); claimed; claimed = await claimImportJob(h.appDb, 'rls', 30_000)) {
    await runImportJob(h.appDb, claimed.tenant_id, claimed.id, { owner: 'rls', batchRows: 10, leaseMs: 30_000, rules: { strictIdentifiers: false } });
  }
  // Published events with their deliveries, and one more change still in the outbox.
  await relayOnce(h.appDb);
  for (const tenant of tenants) await createNamespace(await newCaller(h, 'user-1', tenant));
  return tenants as [string, string];
}

async function countAs(db: Database | ReturnType<Database['forTenant']>, table: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

describePostgres('row-level security', (h) => {
  it('every table with a tenant_id column has row-level security and the tenant policy', async () => {
    const res = await h().db.query<{ table_name: string; rls: boolean; policy: string | null }>(
      `SELECT c.table_name, cl.relrowsecurity AS rls,
              (SELECT p.polname::text FROM pg_policy p WHERE p.polrelid = cl.oid AND p.polname = 'tenant_isolation') AS policy
         FROM information_schema.columns c
         JOIN pg_class cl ON cl.relname = c.table_name AND cl.relnamespace = to_regnamespace(c.table_schema)
        WHERE c.column_name = 'tenant_id' AND c.table_schema = current_schema() AND cl.relkind = 'r'
        ORDER BY 1`,
    );
    assert.deepEqual(res.rows.map((r) => r.table_name), [...TENANT_TABLES].sort());
    for (const r of res.rows) assert.deepEqual([r.table_name, r.rls, r.policy], [r.table_name, true, 'tenant_isolation']);
  });

  it('the service role is one the policies bind: not superuser, not BYPASSRLS, not the owner', async () => {
    const res = await h().appDb.query<{ who: string; su: boolean; bypass: boolean; owns: boolean }>(
      `SELECT current_user AS who, r.rolsuper AS su, r.rolbypassrls AS bypass,
              pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'contacts'::regclass), 'MEMBER') AS owns
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    assert.deepEqual(res.rows[0], { who: SERVICE_ROLE, su: false, bypass: false, owns: false });
  });

  it('without the tenant setting the service role sees no row and can write none', async () => {
    const [a] = await twoTenants(h());
    for (const t of TENANT_TABLES) {
      assert.ok((await countAs(h().db, `${t} WHERE tenant_id = '${a}'`)) > 0, `${t} has rows (owner view)`);
      assert.equal(await countAs(h().appDb, t), 0, `${t} is empty to the service role without a tenant`);
    }
    await assert.rejects(
      h().appDb.query(`INSERT INTO namespaces (tenant_id, id, name, created_by, created_at, updated_at)
                       VALUES ($1, '01HZZZZZZZZZZZZZZZZZZZZZZZ', 'x', 'u', now(), now())`, [a]),
      (err: { code?: string }) => err.code === '42501',
    );
  });

  it('with the setting, a query that forgets its tenant filter still sees only that tenant', async () => {
    const [a, b] = await twoTenants(h());
    for (const t of TENANT_TABLES) {
      const owner = await countAs(h().db, `${t} WHERE tenant_id = '${a}'`);
      const scoped = h().appDb.forTenant(a);
      assert.equal(await countAs(scoped, t), owner, `${t}: the unfiltered count is tenant ${a}'s`);
      const foreign = await scoped.query(`SELECT 1 FROM ${t} WHERE tenant_id = $1`, [b]);
      assert.equal(foreign.rowCount, 0, `${t}: tenant ${b}'s rows are invisible`);
    }
  });

  it("another tenant's rows cannot be updated, deleted or inserted under the setting", async () => {
    const [a, b] = await twoTenants(h());
    const scoped = h().appDb.forTenant(a);
    assert.equal((await scoped.query(`UPDATE contacts SET name = 'hijacked' WHERE tenant_id = $1`, [b])).rowCount, 0);
    assert.equal((await scoped.query(`DELETE FROM contact_props WHERE tenant_id = $1`, [b])).rowCount, 0);
    await assert.rejects(
      scoped.query(`UPDATE contacts SET tenant_id = $1 WHERE tenant_id = $2`, [b, a]),
      (err: { code?: string; message: string }) => err.code === '42501' && /row-level security/.test(err.message),
    );
    assert.equal(await countAs(h().db, `contacts WHERE tenant_id = '${b}' AND name = 'hijacked'`), 0);
    assert.equal(await countAs(h().db, `contacts WHERE tenant_id = '${a}'`), 3);
  });

  it('the SECURITY DEFINER search functions answer only for the tenant the transaction is set to', async () => {
    const [a, b] = await twoTenants(h());
    const scoped = h().appDb.forTenant(a);
    const search = (tenant: string) => scoped.query(`SELECT contact_search_ids($1, '%asha%', '') AS id`, [tenant]);
    const tagged = (tenant: string) => scoped.query(`SELECT contact_ids_tagged($1, ARRAY['vip']) AS id`, [tenant]);
    assert.equal((await search(a)).rowCount, 1);
    assert.equal((await tagged(a)).rowCount, 1);
    assert.equal((await search(b)).rowCount, 0, 'naming another tenant returns nothing');
    assert.equal((await tagged(b)).rowCount, 0);
    assert.equal((await h().appDb.query(`SELECT contact_search_ids($1, '%asha%', '') AS id`, [a])).rowCount, 0, 'no setting, no rows');
  });

  it('genericPlan: a lone read runs with the generic plan and the tenant set; inside a transaction it is refused', async () => {
    const [a] = await twoTenants(h());
    const scoped = h().appDb.forTenant(a);
    const sql = `SELECT current_setting('plan_cache_mode') AS mode, current_setting('app.tenant_id', true) AS tenant, count(*)::int AS n FROM contacts WHERE $1::int = 1`;
    const generic = await scoped.query<{ mode: string; tenant: string; n: number }>(sql, [1], { prepare: true, genericPlan: true });
    assert.deepEqual(generic.rows[0], { mode: 'force_generic_plan', tenant: a, n: 3 });
    const plain = await scoped.query<{ mode: string }>(sql, [1], { prepare: true });
    assert.equal(plain.rows[0]!.mode, 'auto', 'the setting is transaction-local: the next transaction on the connection is back to auto');
    await assert.rejects(scoped.transaction((tx) => tx.query(sql, [1], { prepare: true, genericPlan: true })), /lone read/);
  });

  it('one-round-trip reads (the setting pipelined with the statement): no tenant ever sees another tenant\'s row, after errors and across reuse', async () => {
    const [ca, cb] = [await newCaller(h()), await newCaller(h())];
    const [a, b] = [ca.tenant, cb.tenant];
    const rowA = await createContact(ca, { namespace: (await createNamespace(ca)).name, name: 'Fast Path A' });
    await createContact(cb, { namespace: (await createNamespace(cb)).name, name: 'Fast Path B' });
    // One connection, so every statement below reuses the one the previous tenant used.
    const u = new URL(ADMIN_URL);
    u.pathname = '/' + (await h().db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    const one = createPgDatabase({ connectionString: await serviceRoleUrl(u.toString()), max: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
    const sessionLocks = () => h().db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242`);
    try {
      const byId = `SELECT tenant_id FROM contacts WHERE id = $1`;
      const tenantsSeen = async (db: Database | ReturnType<Database['forTenant']>) =>
        (await db.query<{ t: string }>(`SELECT DISTINCT tenant_id AS t FROM contacts`, [], { prepare: true })).rows.map((r) => r.t);
      const check = async (when: string) => {
        assert.deepEqual((await one.forTenant(a).query(byId, [rowA.id], { prepare: true })).rows, [{ tenant_id: a }], `${when}: A reads its row`);
        assert.equal((await one.forTenant(b).query(byId, [rowA.id], { prepare: true })).rowCount, 0, `${when}: B cannot read A's row`);
        assert.deepEqual(await tenantsSeen(one.forTenant(b)), [b], `${when}: an unfiltered read of B sees B only`);
        assert.deepEqual(await tenantsSeen(one), [], `${when}: without a tenant nothing is visible (the setting did not outlive its statement)`);
        const leftover = await one.query<{ t: string | null }>(`SELECT current_setting('app.tenant_id', true) AS t`);
        assert.ok(!leftover.rows[0]!.t, `${when}: no tenant setting left on the connection`);
      };
      await check('at first');
      // The statement fails after the setting ran.
      await assert.rejects(one.forTenant(a).query('SELECT 1 / 0'), (err: { code?: string }) => err.code === '22012');
      await check('after a failed statement');
      // The statement fails to parse.
      await assert.rejects(one.forTenant(a).query('SELEC 1', [], { prepare: true }), (err: { code?: string }) => err.code === '42601');
      await check('after a statement that did not parse');
      // The setting itself fails (a NUL byte cannot be bound): the statement behind it must not run.
      await assert.rejects(one.forTenant('x\u0000y').query('SELECT pg_advisory_lock(424242)'), (err: { code?: string }) => err.code === '22021');
      assert.equal((await sessionLocks()).rowCount, 0, 'the statement after a failed setting did not run');
      await check('after a failed setting (the prefix is prepared again)');
      // A failure inside a read scope leaves the scope's later reads on the same tenant.
      const inScope = await one.forTenant(a).read(async (tx) => {
        await assert.rejects(tx.query('SELECT 1 / 0'));
        return (await tx.query<{ t: string }>(`SELECT DISTINCT tenant_id AS t FROM contacts`)).rows.map((r) => r.t);
      });
      assert.deepEqual(inScope, [a]);
      await check('after a read scope');
      // A transaction's BEGIN and setting travel with its first statement: one transaction, one tenant.
      const tx = await one.forTenant(b).transaction(async (t) => {
        const q = `SELECT txid_current()::text AS x, current_setting('app.tenant_id', true) AS t`;
        return [(await t.query(q)).rows[0], (await t.query(q)).rows[0]];
      });
      assert.deepEqual(tx[0], tx[1], 'both statements ran in one transaction with the tenant set');
      assert.equal((tx[0] as { t: string }).t, b);
      await assert.rejects(one.forTenant(b).transaction((t) => t.query('SELECT 1 / 0')));
      await check('after a failed transaction');
      // A shorter statement timeout of a scope applies to its statement and ends with it.
      await assert.rejects(one.forTenant(a, { statementTimeoutMs: 50 }).query('SELECT pg_sleep(0.5)'), (err: { code?: string }) => err.code === '57014');
      assert.equal((await one.query<{ s: string }>(`SELECT current_setting('statement_timeout') AS s`)).rows[0]!.s, '10s');
      await check('after a timed-out statement');
    } finally {
      await one.close();
    }
  });

  it('round trips (each a batch ending in one Sync): a GET by id is one, a create with a PAN, a generated ref id and its audit entry two', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'RT{seq:4}' });
    const body = (pan: string) => ({
      namespace: ns.name,
      name: 'Round Trip',
      type: 'individual',
      props: [{ key: 'pan_no', value: pan, type: 'text' }, { key: 'mobile', value: '9876501234', type: 'text' }, { key: 'segment', value: 'retail', type: 'text' }],
    });
    await createContact(c, body('ABCPR4321Q')); // statements prepared on the connections it used
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    let trips = 0;
    proto.query = function (this: unknown, ...args: unknown[]) {
      trips++;
      return original.apply(this, args);
    };
    try {
      const created = await c.req('POST', '/contacts/', { body: body('ABCPS4321Q') });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.ref_id, 'RT0002');
      assert.equal(trips, 2, 'POST /contacts/');
      trips = 0;
      assert.equal((await c.req('GET', `/contacts/${created.body.id}/`)).status, 200);
      assert.equal(trips, 1, 'GET /contacts/{id}/');
    } finally {
      proto.query = original;
    }
    const audited = (await auditRows(h(), c.tenant)).filter((r) => r.object_type === 'contact' && r.action_type === 'create');
    assert.equal(audited.length, 2, 'each create has its audit entry (sent with the COMMIT)');
  });

  it('search, tag filter and dedupe work through the API under the policies', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact({ name: 'Meera Iyer', tags: ['gold'], props: [{ key: 'mobile', value: '9876543210', type: 'text' }] });
    assert.deepEqual((await c.req('GET', '/contacts/?search=meera')).body.results.map((r: { id: string }) => r.id), [x.id]);
    assert.deepEqual((await c.req('GET', '/contacts/?search=%2B91%2098765%2043210')).body.results.map((r: { id: string }) => r.id), [x.id]);
    assert.deepEqual((await c.req('GET', '/contacts/?tags=gold')).body.results.map((r: { id: string }) => r.id), [x.id]);
    const d = await c.req('POST', '/contacts/dedupe/', { body: { name: 'Meera Iyer', type: 'individual', props: [{ key: 'mobile', value: '09876543210', type: 'text' }] } });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.body.results[0].contact.id, x.id);
  });
});

pgTest('migrations: the service role starts on a migrated database, and names MIGRATION_DATABASE_URL when it cannot migrate', async () => {
  const { url, drop } = await createPgTestDatabase();
  const owner = createPgDatabase({ connectionString: url, max: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  let service: Database | undefined;
  try {
    // contact_registry_app exists once any database of the cluster is migrated; make sure of it.
    const scratch = await createPgTestDatabase();
    const scratchDb = createPgDatabase({ connectionString: scratch.url, max: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    await migrate(scratchDb);
    await serviceRoleUrl(scratch.url);
    await scratchDb.close();
    await scratch.drop();

    const u = new URL(url);
    u.username = SERVICE_ROLE;
    service = createPgDatabase({ connectionString: u.toString(), max: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    await assert.rejects(migrate(service), (err: Error) => err instanceof MigrationPrivilegeError && /MIGRATION_DATABASE_URL/.test(err.message));

    const config = testConfig({ databaseUrl: u.toString(), migrationDatabaseUrl: url });
    const applied = await migrateDatabase(config, service);
    assert.ok(applied.includes('0007_row_level_security'), applied.join(','));
    assert.deepEqual(await migrate(service), [], 'nothing pending: the service role only reads schema_migrations');
  } finally {
    await service?.close();
    await owner.close();
    await drop();
  }
});
