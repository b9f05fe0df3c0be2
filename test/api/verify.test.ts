import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describeEngines, it, createPgTestDatabase, TEST_SECRET, type Harness } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { newCaller, uniqueName, type Caller } from '../helpers/api.js';
import { repairDerived, verifyDerived } from '../../src/resources/contacts/derived.verify.js';
import { nameColumns } from '../../src/resources/contacts/derived.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { migrate } from '../../src/db/index.js';
import { cliNodeArgs } from '../helpers/cli-process.js';

// `contact-registry verify` and the derived-data check behind it: consistent after API writes of
// every kind, and each kind of derived item, corrupted on purpose, is reported.

async function seed(h: Harness): Promise<{ c: Caller; id: string; other: string }> {
  const c = await newCaller(h);
  const ns = uniqueName();
  assert.equal((await c.req('POST', '/namespaces/', { body: { name: ns } })).status, 201);
  const created = await c.req('POST', '/contacts/', {
    body: { name: 'Asha Verma', type: 'individual', namespace: ns, props: [{ key: 'pan', type: 'text', value: 'ABCPV1234F' }, { key: 'mobile', type: 'text', value: '9876543210' }] },
  });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  const other = (await c.req('POST', '/contacts/', { body: { name: 'Vikram Verma', type: 'individual', namespace: ns } })).body.id as string;
  // Every write path that keeps derived data: address writes, props writes, a rename.
  const address = await c.req('POST', '/contacts/addresses/', { body: { contact_id: id, address_line: '12, MG Road', pincode: '560001' } });
  assert.equal(address.status, 201, address.text);
  assert.equal((await c.req('PATCH', `/contacts/addresses/${address.body.id}/`, { body: { pincode: '560002' } })).status, 200);
  assert.equal((await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'gstin', type: 'text', value: '29ABCPV1234F1Z5' }] })).status, 200);
  assert.equal((await c.req('PATCH', `/contacts/${id}/`, { body: { name: 'Asha Varma', props: [{ key: 'email', type: 'text', value: 'asha@example.com' }] } })).status, 200);
  assert.equal((await c.req('DELETE', `/contacts/${id}/props/?keys=mobile`)).status, 204);
  await c.req('POST', '/contacts/addresses/', { body: { contact_id: other, address_line: 'No 4, Park Street', pincode: '700016' } });
  return { c, id, other };
}

describeEngines('derived data verification', (h) => {
  it('finds nothing after writes of every kind', async () => {
    const { c } = await seed(h());
    assert.deepEqual(await verifyDerived(h().db, c.tenant), []);
  });

  it('reports each kind of corrupted derived item', async () => {
    const { c, id, other } = await seed(h());
    const db = h().db;
    await db.query(`UPDATE contacts SET name_key = 'wrong' WHERE tenant_id = $1 AND id = $2`, [c.tenant, other]);
    await db.query(`UPDATE contacts SET name_phonetic = 'X' WHERE tenant_id = $1 AND id = $2`, [c.tenant, id]);
    await db.query(`DELETE FROM contact_match_keys WHERE tenant_id = $1 AND contact_id = $2 AND kind = 'email'`, [c.tenant, id]);
    await db.query(`UPDATE contacts SET match_props = '[]', match_addresses = '[]' WHERE tenant_id = $1 AND id = $2`, [c.tenant, id]);
    const found = await verifyDerived(db, c.tenant);
    const items = found.map((d) => `${d.contactId === id ? 'asha' : 'vikram'} ${d.item}`).sort();
    assert.deepEqual(items, [
      'asha match keys',
      'asha match_addresses copy',
      'asha match_props copy',
      'asha name_phonetic',
      // Vikram's own name key is wrong, and the copy on his address no longer matches it.
      'vikram address name_key',
      'vikram name_key',
    ]);
    const keys = found.find((d) => d.item === 'match keys')!;
    assert.ok((keys.expected as string[]).some((k) => k.startsWith('email:asha@example.com')));
    assert.ok(!(keys.actual as string[]).some((k) => k.startsWith('email:')));
  });

  it('reports match keys and address copies left with an old name key', async () => {
    const { c, id } = await seed(h());
    const db = h().db;
    await db.query(`UPDATE contact_match_keys SET name_key = 'stale' WHERE tenant_id = $1 AND contact_id = $2 AND kind = 'pan'`, [c.tenant, id]);
    await db.query(`UPDATE contact_addresses SET name_key = 'stale' WHERE tenant_id = $1 AND contact_id = $2`, [c.tenant, id]);
    const items = (await verifyDerived(db, c.tenant)).map((d) => d.item).sort();
    assert.deepEqual(items, ['address name_key', 'match keys']);
  });

  it('repair rebuilds exactly the contacts that differ, after which nothing differs', async () => {
    const { c, id, other } = await seed(h());
    const db = h().db;
    // As a contact written before a release that recognizes more key spellings would look: its
    // "PAN Card" prop holds no match key.
    await db.query(`DELETE FROM contact_match_keys WHERE tenant_id = $1 AND contact_id = $2`, [c.tenant, id]);
    await db.query(`UPDATE contacts SET name_key = 'wrong' WHERE tenant_id = $1 AND id = $2`, [c.tenant, other]);
    assert.deepEqual((await repairDerived(db, c.tenant, { batchSize: 1 })).sort(), [id, other].sort());
    assert.deepEqual(await verifyDerived(db, c.tenant), []);
    assert.deepEqual(await repairDerived(db, c.tenant), []);
  });
});


pgTest('contact-registry verify exits 0 when consistent and 1 with a list of differences', async () => {
  const { url, drop } = await createPgTestDatabase();
  const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  try {
    await migrate(db);
    const tenant = 'verify-cli';
    const names = nameColumns('Asha Verma', 'individual');
    await db.query(`INSERT INTO namespaces (tenant_id, id, name, created_at, created_by, updated_at) VALUES ($1, '01JNNXBS0914ZAYS2Q00PK5T2Z', 'n', now(), 'u', now())`, [tenant]);
    await db.query(
      `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, name_key, name_phonetic, created_at, created_by, updated_at)
       VALUES ($1, '01JNNXBS0914ZAYS2Q00PK5T30', '01JNNXBS0914ZAYS2Q00PK5T2Z', 'Asha Verma', 'active', 'individual', $2, $3, now(), 'u', now())`,
      [tenant, names.name_key, names.name_phonetic],
    );
    const run = () =>
      spawnSync(process.execPath, [...cliNodeArgs(), 'verify', '--tenant', tenant], {
        env: { ...process.env, DATABASE_URL: url, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      });
    const ok = run();
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /derived data consistent/);
    await db.query(`UPDATE contacts SET name_key = 'wrong' WHERE tenant_id = $1`, [tenant]);
    const bad = run();
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, /contact 01JNNXBS0914ZAYS2Q00PK5T30: name_key is "wrong", expected "/);
    assert.match(bad.stdout, /1 difference/);
    const repair = spawnSync(process.execPath, [...cliNodeArgs(), 'verify', '--tenant', tenant, '--repair'], {
      env: { ...process.env, DATABASE_URL: url, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    assert.equal(repair.status, 0, repair.stderr);
    assert.match(repair.stdout, /rebuilt for 1 contact/);
    assert.equal(run().status, 0);
  } finally {
    await db.close();
    await drop();
  }
});
