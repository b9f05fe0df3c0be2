import assert from 'node:assert/strict';
import { describeEngines, it, testConfig, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem } from '../helpers/api.js';
import { createAddress, createBank, createRelation, tenantWithContacts } from '../helpers/subresources.js';
import { buildApp } from '../../src/app.js';
import type { Database, Executor } from '../../src/db/index.js';

/** The harness database, counting every statement sent through it (inside transactions too). */
function countingDb(inner: Database): { db: Database; count: () => number; reset: () => void } {
  let n = 0;
  const wrap = (ex: Executor): Executor => ({
    query: (sql, params) => {
      n++;
      return ex.query(sql, params);
    },
    exec: (sql) => {
      n++;
      return ex.exec(sql);
    },
  });
  const db: Database = {
    ...wrap(inner),
    engine: inner.engine,
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    forTenant: (tenantId) => {
      const scoped = inner.forTenant(tenantId);
      return { ...wrap(scoped), tenantId, transaction: (fn) => scoped.transaction((tx) => fn(wrap(tx))), read: (fn) => scoped.read((tx) => fn(wrap(tx))) };
    },
    ping: () => inner.ping(),
    // The harness owns the real database.
    close: async () => {},
  };
  return { db, count: () => n, reset: () => void (n = 0) };
}

/** A tenant with `n` contacts, each with an address, a bank account, a prop and a forward relation. */
async function populate(h: Harness, n: number) {
  const c = await tenantWithContacts(h);
  const contacts: any[] = [];
  for (let i = 0; i < n; i++) contacts.push(await c.contact({ name: `Person ${i}`, props: [{ key: 'email', value: `p${i}@x.in`, type: 'text' }] }));
  for (let i = 0; i < n; i++) {
    await createAddress(c, contacts[i].id);
    await createBank(c, contacts[i].id, { account_no: String(100000000 + i) });
    await createRelation(c, contacts[i].id, contacts[(i + 1) % n].id);
  }
  return { c, contacts };
}

describeEngines('expand', (h) => {
  it('inlines addresses, banks and forward relations on contact retrieve and list', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact({ props: [{ key: 'b', value: '2', type: 'number' }, { key: 'a', value: '1', type: 'number' }] });
    const y = await c.contact();
    const a1 = await createAddress(c, x.id, { city: 'Pune' });
    const a2 = await createAddress(c, x.id, { city: 'Goa' });
    const gone = await createAddress(c, x.id, { city: 'Delhi' });
    await c.req('DELETE', `/contacts/addresses/${gone.id}/`);
    const b1 = await createBank(c, x.id, { is_primary: true });
    const forward = await createRelation(c, x.id, y.id);
    const reverse = await createRelation(c, y.id, x.id, { type: 'friend' });
    await createAddress(c, y.id);

    const res = await c.req('GET', `/contacts/${x.id}/?expand=props,addresses,banks,relations`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.props.map((p: any) => p.key), ['a', 'b']);
    assert.deepEqual(res.body.addresses, [a1, a2], 'live addresses, oldest first, full objects');
    assert.deepEqual(res.body.banks, [b1]);
    assert.deepEqual(res.body.relations, [forward], 'forward relations only');
    assert.ok(!res.body.relations.some((r: any) => r.id === reverse.id));

    const plain = await c.req('GET', `/contacts/${x.id}/`);
    for (const k of ['addresses', 'banks', 'relations']) assert.equal(k in plain.body, false, `${k} absent without expand`);
    assert.equal(typeof plain.body.props[0], 'string');

    const one = await c.req('GET', `/contacts/${y.id}/?expand=banks`);
    assert.deepEqual(one.body.banks, []);
    assert.equal('addresses' in one.body, false);

    const list = await c.req('GET', '/contacts/?expand=addresses,relations&ordering=created_at');
    assert.equal(list.status, 200, list.text);
    const [lx, ly] = list.body.results;
    assert.deepEqual(lx.addresses.map((a: any) => a.id), [a1.id, a2.id]);
    assert.deepEqual(lx.relations.map((r: any) => r.id), [forward.id]);
    assert.equal(ly.addresses.length, 1);
    assert.deepEqual(ly.relations.map((r: any) => r.id), [reverse.id]);
    assert.equal('banks' in lx, false);
  });

  it('rejects unknown expand names with 400', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    assertFieldErrors(await c.req('GET', `/contacts/${x.id}/?expand=addresses,owners`), 'expand');
    assertFieldErrors(await c.req('GET', '/contacts/?expand=bank'), 'expand');
  });

  it("never expands another tenant's sub-resources", async () => {
    const a = await tenantWithContacts(h());
    const b = await tenantWithContacts(h());
    const x = await a.contact();
    await createAddress(a, x.id);
    assertProblem(await b.req('GET', `/contacts/${x.id}/?expand=addresses`), 404);
    const mine = await b.contact();
    const res = await b.req('GET', `/contacts/${mine.id}/?expand=addresses,banks,relations`);
    assert.deepEqual([res.body.addresses, res.body.banks, res.body.relations], [[], [], []]);
  });

  it('issues the same number of queries for a page of 2 and a page of 20 (no query per row)', async () => {
    const { c, contacts } = await populate(h(), 20);
    const counter = countingDb(h().appDb);
    const app = await buildApp({ config: testConfig(), db: counter.db });
    await app.ready();
    const get = async (url: string) => {
      counter.reset();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${c.token}` } });
      assert.equal(res.statusCode, 200, res.body);
      return { body: JSON.parse(res.body), queries: counter.count() };
    };
    try {
      const all = 'expand=props,addresses,banks,relations';
      const small = await get(`/contacts/?page_size=2&${all}`);
      const large = await get(`/contacts/?page_size=20&${all}`);
      assert.equal(small.body.results.length, 2);
      assert.equal(large.body.results.length, 20);
      assert.ok(large.body.results.every((r: any) => r.addresses.length === 1 && r.banks.length === 1 && r.relations.length === 1 && r.props.length === 1));
      assert.equal(large.queries, small.queries, `page of 20 took ${large.queries} queries, page of 2 took ${small.queries}`);
      assert.ok(large.queries <= 5, `expected at most list + 4 expand queries, got ${large.queries}`);
      const none = await get('/contacts/?page_size=20');
      assert.equal(large.queries - none.queries, 4, 'one query per expanded kind');

      const rSmall = await get('/contacts/relations/?page_size=2&expand=contact,related_contact');
      const rLarge = await get('/contacts/relations/?page_size=20&expand=contact,related_contact');
      assert.equal(rLarge.body.results.length, 20);
      assert.ok(rLarge.body.results.every((r: any) => typeof r.contact === 'object' && typeof r.related_contact === 'object'));
      assert.equal(rLarge.queries, rSmall.queries);

      const retrieve = await get(`/contacts/${contacts[0].id}/?${all}`);
      assert.ok(retrieve.queries <= 5, `retrieve with every expand took ${retrieve.queries} queries`);
    } finally {
      await app.close();
    }
  });
});
