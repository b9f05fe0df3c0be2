import assert from 'node:assert/strict';
import { describePostgres, it, type Harness } from '../helpers/engines.js';
import { auditRows, createNamespace, newCaller } from '../helpers/api.js';

// Real interleaving needs real connections: PGlite serializes everything through one, so these
// run on PostgreSQL only (the harness pool has 10 connections). Like describeEngines, an
// unreachable PostgreSQL is a visible skip, or a failure under REQUIRE_POSTGRES=1.

describePostgres('concurrency', (h) => {
  /** Each test gets the suite's PostgreSQL harness (a visible skip when PostgreSQL is unreachable). */
  const pgIt = (name: string, fn: (h: Harness) => Promise<void>) => it(name, async () => fn(h()));

  pgIt('50 parallel creates with pattern {seq} and counter 100 get exactly 100..149; the counter ends at 150', async (h) => {
    const c = await newCaller(h);
    const ns = await createNamespace(c, { contact_pattern: '{seq}', contact_counter: 100 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.req('POST', '/contacts/', { body: { name: `Parallel ${i}`, type: 'individual', namespace: ns.name } })),
    );
    for (const r of results) assert.equal(r.status, 201, r.text);
    const refIds = results.map((r) => Number(r.body.ref_id)).sort((a, b) => a - b);
    assert.deepEqual(refIds, Array.from({ length: 50 }, (_, i) => 100 + i));
    assert.equal((await c.req('GET', `/namespaces/${ns.id}/`)).body.contact_counter, 150);
    const list = await c.req('GET', `/contacts/?namespace=${ns.id}&page_size=200`);
    assert.equal(list.body.count, 50);
    assert.equal((await auditRows(h, c.tenant)).filter((r) => r.object_type === 'contact' && r.action_type === 'create').length, 50);
  });

  pgIt('generated and client-supplied ref ids racing for the same value never collide', async (h) => {
    const c = await newCaller(h);
    const ns = await createNamespace(c, { contact_pattern: '{seq}', contact_counter: 1 });
    const clientRefs = ['5', '12', '20'];
    const requests = [
      ...Array.from({ length: 30 }, (_, i) => ({ name: `Gen ${i}`, type: 'individual', namespace: ns.name })),
      ...clientRefs.map((ref) => ({ name: `Client ${ref}`, type: 'individual', namespace: ns.name, ref_id: ref })),
    ];
    const results = await Promise.all(requests.map((body) => c.req('POST', '/contacts/', { body })));
    const generated = results.slice(0, 30);
    const clients = results.slice(30);
    for (const r of generated) assert.equal(r.status, 201, r.text);
    for (const r of clients) assert.ok(r.status === 201 || r.status === 409, r.text);
    const created = results.filter((r) => r.status === 201).map((r) => r.body.ref_id as string);
    assert.equal(new Set(created).size, created.length, 'no ref id was given twice');
    // Every number the counter handed out went to exactly one contact (a generated one, or a
    // client that reserved it first and made the generator skip it).
    const clientWon = clients.filter((r) => r.status === 201).map((r) => r.body.ref_id as string);
    const counter = (await c.req('GET', `/namespaces/${ns.id}/`)).body.contact_counter;
    assert.equal(counter, 1 + 30 + clientWon.length);
    const all = created.map(Number).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: counter - 1 }, (_, i) => i + 1));
  });

  pgIt('parallel creates of one namespace name: exactly one 201, the rest 409', async (h) => {
    const c = await newCaller(h);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.req('POST', '/namespaces/', { body: { name: i % 2 ? 'Racer' : 'RACER' } })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(11).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.code, 'conflict');
    assert.equal((await c.req('GET', '/namespaces/')).body.count, 1);
  });

  pgIt('parallel PATCHes with the same If-Match: exactly one wins, the rest get 412', async (h) => {
    const c = await newCaller(h);
    const ns = await createNamespace(c);
    const created = await c.req('POST', '/contacts/', { body: { name: 'Contended', type: 'individual', namespace: ns.name } });
    const etag = String(created.headers.etag);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => c.req('PATCH', `/contacts/${created.body.id}/`, { headers: { 'if-match': etag }, body: { name: `Writer ${i}` } })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(9).fill(412)]);
    const winner = results.find((r) => r.status === 200)!;
    const final = await c.req('GET', `/contacts/${created.body.id}/`);
    assert.equal(final.body.name, winner.body.name);
    assert.equal(final.headers.etag, winner.headers.etag);
    for (const r of results.filter((x) => x.status === 412)) assert.equal(r.headers.etag, winner.headers.etag);
  });

  pgIt('parallel approves of one contact write one audit entry; parallel account refs are distinct', async (h) => {
    const c = await newCaller(h);
    const ns = await createNamespace(c, { account_pattern: 'ACC-{seq:4}' });
    const created = await c.req('POST', '/contacts/', { body: { name: 'Approve Race', type: 'individual', namespace: ns.name } });
    const approvals = await Promise.all(Array.from({ length: 8 }, () => c.req('PUT', `/contacts/${created.body.id}/approve/`)));
    for (const r of approvals) assert.equal(r.status, 200, r.text);
    const actions = (await auditRows(h, c.tenant)).filter((r) => r.object_id === created.body.id && r.action_type === 'action');
    assert.equal(actions.length, 1);
    const refs = await Promise.all(Array.from({ length: 25 }, () => c.req('POST', `/namespaces/${ns.id}/account_refs/`)));
    const values = refs.map((r) => {
      assert.equal(r.status, 201, r.text);
      return r.body.ref_id as string;
    });
    assert.deepEqual(values.sort(), Array.from({ length: 25 }, (_, i) => `ACC-${String(i + 1).padStart(4, '0')}`));
    assert.equal((await c.req('GET', `/namespaces/${ns.id}/`)).body.account_counter, 26);
  });
});
