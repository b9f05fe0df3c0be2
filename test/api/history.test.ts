import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, newCaller } from '../helpers/api.js';
import { MISSING_ID, createAddress, createBank, createRelation, history, tenantWithContacts } from '../helpers/subresources.js';

const ENTRY_KEYS = ['action_type', 'after_state', 'before_state', 'comment', 'id', 'ip_address', 'object_id', 'object_type', 'tenant_id', 'timestamp', 'user_agent', 'user_id'];

describeEngines('history', (h) => {
  it('serves entries in the envelope with exactly the contract fields, newest first', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const contact = await c.contact();
    const res = await c.req('GET', '/history/', { headers: { 'user-agent': 'crego-client/1.0' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['count', 'current_page', 'has_next', 'has_previous', 'next_page', 'previous_page', 'results', 'total_pages']);
    assert.equal(res.body.count, 2, 'namespace create + contact create');
    const [newest, oldest] = res.body.results;
    for (const e of res.body.results) {
      assert.deepEqual(Object.keys(e).sort(), ENTRY_KEYS);
      assert.match(e.id, ULID_RE);
      assert.match(e.timestamp, ISO_Z_RE);
      assert.equal(e.tenant_id, c.tenant);
      assert.equal(e.user_id, 'alice');
      assert.equal(e.action_type, 'create');
      assert.equal(e.before_state, null);
      assert.equal(typeof e.ip_address, 'string');
      assert.equal(typeof e.user_agent, 'string');
    }
    assert.equal(newest.object_type, 'contact');
    assert.equal(newest.object_id, contact.id);
    assert.equal(newest.after_state.name, contact.name);
    assert.equal(oldest.object_type, 'namespace');
  });

  it('records the caller user agent of the write', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const a = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id }, headers: { 'user-agent': 'los-service/2.3' } });
    const [e] = await history(c, `object_id=${a.body.id}`);
    assert.equal(e.user_agent, 'los-service/2.3');
    assert.equal(e.object_type, 'address');
    assert.deepEqual(e.after_state, a.body);
  });

  it('filters by object_id, object_type, action_type, user_id and dates; orders by timestamp', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const contact = await c.contact();
    const bob = await h().token(c.tenant, 'bob');
    const addr = await h().req('POST', '/contacts/addresses/', { token: bob, body: { contact_id: contact.id, city: 'Pune' } });
    await c.req('PATCH', `/contacts/addresses/${addr.body.id}/`, { body: { city: 'Goa' } });
    await c.req('DELETE', `/contacts/addresses/${addr.body.id}/`);
    const byObject = await history(c, `object_id=${addr.body.id.toLowerCase()}`);
    assert.deepEqual(byObject.map((e) => e.action_type), ['delete', 'update', 'create']);
    const upd = byObject[1];
    assert.equal(upd.before_state.city, 'Pune');
    assert.equal(upd.after_state.city, 'Goa');
    assert.equal(byObject[0].after_state.is_deleted, true);
    assert.deepEqual((await history(c, 'object_type=address')).map((e) => e.id), byObject.map((e) => e.id));
    assert.equal((await history(c, 'action_type=create')).length, 3);
    assert.equal((await history(c, 'action_type=delete&object_type=address')).length, 1);
    assert.deepEqual((await history(c, 'user_id=bob')).map((e) => e.object_id), [addr.body.id]);
    assert.equal((await history(c, 'user_id=nobody')).length, 0);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal((await history(c, `created_at_after=${today}&created_at_before=${today}`)).length, 5);
    assert.equal((await history(c, 'created_at_after=2999-01-01')).length, 0);
    assert.equal((await history(c, 'created_at_before=2001-01-01')).length, 0);
    assert.equal((await history(c, `created_at_before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length, 5);
    const asc = (await c.req('GET', '/history/?ordering=timestamp')).body.results;
    const desc = (await c.req('GET', '/history/?ordering=-timestamp')).body.results;
    assert.deepEqual(asc.map((e: any) => e.id), desc.map((e: any) => e.id).reverse());
    for (let i = 1; i < asc.length; i++) assert.ok(asc[i - 1].timestamp <= asc[i].timestamp);
    const page = await c.req('GET', '/history/?page=2&page_size=2');
    assert.equal(page.body.count, 5);
    assert.equal(page.body.total_pages, 3);
    assert.deepEqual(page.body.results.map((e: any) => e.id), desc.slice(2, 4).map((e: any) => e.id));
  });

  it('rejects bad filters with 400 naming the parameter', async () => {
    const c = await newCaller(h());
    assertFieldErrors(await c.req('GET', '/history/?object_type=planet'), 'object_type');
    assertFieldErrors(await c.req('GET', '/history/?action_type=restore'), 'action_type');
    assertFieldErrors(await c.req('GET', '/history/?object_id=123'), 'object_id');
    assertFieldErrors(await c.req('GET', '/history/?ordering=user_id'), 'ordering');
    assertFieldErrors(await c.req('GET', '/history/?created_at_after=01-01-2024&page_size=0'), 'created_at_after', 'page_size');
    assertFieldErrors(await c.req('GET', `/contacts/${MISSING_ID}/history/?ordering=created_at`), 'ordering');
  });

  it("narrows /contacts/{id}/history/ to the contact, its addresses, banks, props and forward relations", async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const y = await c.contact();
    const addr = await createAddress(c, x.id);
    const bank = await createBank(c, x.id);
    await c.req('PUT', `/contacts/${x.id}/props/`, { body: [{ key: 'email', value: 'x@example.com', type: 'text' }] });
    const forward = await createRelation(c, x.id, y.id);
    const reverse = await createRelation(c, y.id, x.id, { type: 'friend' });
    await createAddress(c, y.id);
    const res = await c.req('GET', `/contacts/${x.id.toLowerCase()}/history/?page_size=200`);
    assert.equal(res.status, 200, res.text);
    const got = res.body.results.map((e: any) => `${e.object_type}:${e.object_id}`).sort();
    assert.deepEqual(got, [`address:${addr.id}`, `bank:${bank.id}`, `contact:${x.id}`, `prop:${x.id}`, `relation:${forward.id}`].sort());
    assert.ok(!got.includes(`relation:${reverse.id}`), 'reverse relations belong to the other contact');
    const filtered = await c.req('GET', `/contacts/${x.id}/history/?object_type=bank`);
    assert.deepEqual(filtered.body.results.map((e: any) => e.object_id), [bank.id]);
    const yHistory = await c.req('GET', `/contacts/${y.id}/history/`);
    assert.ok(yHistory.body.results.some((e: any) => e.object_id === reverse.id));
  });

  it("keeps a deleted contact's history readable; unknown, malformed and other-tenant contacts are 404", async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    await c.req('DELETE', `/contacts/${x.id}/`);
    const res = await c.req('GET', `/contacts/${x.id}/history/`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.results.map((e: any) => e.action_type), ['delete', 'create']);
    assertProblem(await c.req('GET', `/contacts/${MISSING_ID}/history/`), 404);
    assertProblem(await c.req('GET', '/contacts/not-an-id/history/'), 404);
    const other = await newCaller(h());
    assertProblem(await other.req('GET', `/contacts/${x.id}/history/`), 404);
  });

  it("never shows another tenant's entries", async () => {
    const a = await tenantWithContacts(h());
    const contact = await a.contact();
    const b = await newCaller(h());
    assert.equal((await history(b)).length, 0);
    assert.equal((await history(b, `object_id=${contact.id}`)).length, 0);
    assert.ok((await history(a)).length >= 2);
  });

  it('needs a token, and offers no way to change or delete entries', async () => {
    assertProblem(await h().req('GET', '/history/', { token: null }), 401);
    assertProblem(await h().req('GET', `/contacts/${MISSING_ID}/history/`, { token: null }), 401);
    const c = await tenantWithContacts(h());
    const entries = await history(c);
    const id = entries[0].id;
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assertProblem(await c.req(m, '/history/', { body: m === 'DELETE' ? undefined : {} }), 404);
      assertProblem(await c.req(m, `/history/${id}/`, { body: m === 'DELETE' ? undefined : {} }), 404);
    }
    assert.deepEqual(await history(c), entries);
  });

  it('writes no entry for a failed or refused write', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const addr = await createAddress(c, x.id);
    const before = await history(c);
    assertProblem(await c.req('PATCH', `/contacts/addresses/${addr.id}/`, { body: { city: 'Goa' }, headers: { 'if-match': '"5"' } }), 412);
    assertFieldErrors(await c.req('PATCH', `/contacts/addresses/${addr.id}/`, { body: { city: '9' } }), 'city');
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: x.id, related_contact: MISSING_ID, type: 'friend' } }), 'related_contact');
    assert.deepEqual(await history(c), before);
  });

  // ---------------------------------------------------------------- completeness

  it('records exactly one matching entry per write, for every kind of write', async () => {
    const c = await tenantWithContacts(h());
    const expected: { object_type: string; object_id: string; action_type: string; comment?: RegExp }[] = [];
    const base = await history(c); // the fixture namespace's create
    const write = async (method: string, url: string, body: unknown, status: number, entry: Omit<(typeof expected)[number], 'object_id'> & { object_id?: string }) => {
      const res = await c.req(method, url, { body });
      assert.equal(res.status, status, `${method} ${url}: ${res.text}`);
      const objectId = entry.object_id ?? res.body.id;
      expected.push({ ...entry, object_id: objectId });
      return res.body;
    };

    // namespaces
    const ns = await write('POST', '/namespaces/', { name: 'audit-ns', account_pattern: 'ACC-{seq:4}' }, 201, { object_type: 'namespace', action_type: 'create' });
    await write('PATCH', `/namespaces/${ns.id}/`, { contact_counter: 5 }, 200, { object_type: 'namespace', action_type: 'update' });
    await write('POST', `/namespaces/${ns.id}/account_refs/`, undefined, 201, { object_type: 'namespace', object_id: ns.id, action_type: 'action', comment: /account_ref ACC-0001/ });
    // contacts and their lifecycle
    const x = await write('POST', '/contacts/', { name: 'Audit Person', type: 'individual', namespace: 'audit-ns' }, 201, { object_type: 'contact', action_type: 'create' });
    const y = await write('POST', '/contacts/', { name: 'Other Person', type: 'individual', namespace: 'audit-ns' }, 201, { object_type: 'contact', action_type: 'create' });
    await write('PATCH', `/contacts/${x.id}/`, { tags: ['vip'] }, 200, { object_type: 'contact', action_type: 'update' });
    await write('PUT', `/contacts/${x.id}/inactive/`, undefined, 200, { object_type: 'contact', action_type: 'action', comment: /inactive/ });
    await write('PUT', `/contacts/${x.id}/active/`, undefined, 200, { object_type: 'contact', action_type: 'action', comment: /active/ });
    await write('PUT', `/contacts/${x.id}/approve/`, { comment: 'kyc ok' }, 200, { object_type: 'contact', action_type: 'action', comment: /approve/ });
    await write('PUT', `/contacts/${x.id}/reject/`, { comment: 'fraud check' }, 200, { object_type: 'contact', action_type: 'action', comment: /reject/ });
    await write('DELETE', `/contacts/${x.id}/`, undefined, 204, { object_type: 'contact', object_id: x.id, action_type: 'delete' });
    await write('POST', `/contacts/${x.id}/restore/`, undefined, 200, { object_type: 'contact', action_type: 'action', comment: /restore/ });
    // props
    await write('PUT', `/contacts/${x.id}/props/`, [{ key: 'email', value: 'a@b.co', type: 'text' }], 200, { object_type: 'prop', object_id: x.id, action_type: 'update' });
    await write('DELETE', `/contacts/${x.id}/props/?keys=email`, undefined, 204, { object_type: 'prop', object_id: x.id, action_type: 'delete' });
    // sub-resources
    const addr = await write('POST', '/contacts/addresses/', { contact_id: x.id, city: 'Pune' }, 201, { object_type: 'address', action_type: 'create' });
    await write('PATCH', `/contacts/addresses/${addr.id}/`, { city: 'Goa' }, 200, { object_type: 'address', action_type: 'update' });
    await write('DELETE', `/contacts/addresses/${addr.id}/`, undefined, 204, { object_type: 'address', object_id: addr.id, action_type: 'delete' });
    const bank = await write('POST', '/contacts/banks/', { contact_id: x.id, account_holder_name: 'Audit Person', account_no: '123456789', ifsc: 'HDFC0000001' }, 201, { object_type: 'bank', action_type: 'create' });
    await write('PATCH', `/contacts/banks/${bank.id}/`, { bank_name: 'HDFC' }, 200, { object_type: 'bank', action_type: 'update' });
    await write('DELETE', `/contacts/banks/${bank.id}/`, undefined, 204, { object_type: 'bank', object_id: bank.id, action_type: 'delete' });
    const rel = await write('POST', '/contacts/relations/', { contact: x.id, related_contact: y.id, type: 'co_applicant' }, 201, { object_type: 'relation', action_type: 'create' });
    await write('PATCH', `/contacts/relations/${rel.id}/`, { type: 'guarantor' }, 200, { object_type: 'relation', action_type: 'update' });
    await write('DELETE', `/contacts/relations/${rel.id}/`, undefined, 204, { object_type: 'relation', object_id: rel.id, action_type: 'delete' });
    // namespace delete needs an empty namespace
    const empty = await write('POST', '/namespaces/', { name: 'empty-ns' }, 201, { object_type: 'namespace', action_type: 'create' });
    await write('DELETE', `/namespaces/${empty.id}/`, undefined, 204, { object_type: 'namespace', object_id: empty.id, action_type: 'delete' });

    const all = await history(c);
    assert.equal(all.length, base.length + expected.length, 'one entry per write, nothing extra');
    const groups = new Map<string, typeof expected>();
    for (const e of expected) {
      const k = `${e.object_type}|${e.object_id}|${e.action_type}`;
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    for (const [k, writes] of groups) {
      const [objectType, objectId, actionType] = k.split('|');
      const entries = await history(c, `object_type=${objectType}&object_id=${objectId}&action_type=${actionType}&ordering=timestamp`);
      assert.equal(entries.length, writes.length, `entries for ${k}`);
      writes.forEach((w, i) => {
        if (w.comment) assert.match(String(entries[i].comment), w.comment, `comment of ${k} #${i}`);
        if (w.action_type === 'create') assert.equal(entries[i].before_state, null);
        else assert.notEqual(entries[i].before_state, null, `before_state of ${k}`);
        assert.notEqual(entries[i].after_state, null, `after_state of ${k}`);
      });
    }
    // Sub-resource entries belong to their contact's history.
    const xHistory = (await c.req('GET', `/contacts/${x.id}/history/?page_size=200`)).body.results;
    const xExpected = expected.filter((e) => e.object_id === x.id || [addr.id, bank.id, rel.id].includes(e.object_id));
    assert.equal(xHistory.length, xExpected.length);
  });
});
