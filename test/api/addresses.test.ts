import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, newCaller } from '../helpers/api.js';
import { ADDRESS, MISSING_ID, createAddress, history, ids, tenantWithContacts } from '../helpers/subresources.js';

const ADDRESS_KEYS = [
  'address_line', 'city', 'codes', 'contact_id', 'coords', 'country', 'created_at', 'created_by', 'deleted_at', 'id',
  'is_deleted', 'pincode', 'state', 'tags', 'tenant_id', 'updated_at', 'updated_by',
];

describeEngines('addresses', (h) => {
  // ---------------------------------------------------------------- create

  it('creates an address with every field, audit fields and an ETag', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const contact = await c.contact();
    const res = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, ...ADDRESS, tags: ['home', 'kyc', 'home'] } });
    assert.equal(res.status, 201, res.text);
    const a = res.body;
    assert.deepEqual(Object.keys(a).sort(), ADDRESS_KEYS);
    assert.match(a.id, ULID_RE);
    assert.equal(a.tenant_id, c.tenant);
    assert.equal(a.contact_id, contact.id);
    assert.equal(a.address_line, ADDRESS.address_line);
    assert.deepEqual(a.coords, ADDRESS.coords);
    assert.deepEqual(a.codes, ADDRESS.codes);
    assert.deepEqual(a.tags, ['home', 'kyc'], 'duplicate tags removed, order kept');
    assert.equal(a.created_by, 'alice');
    assert.equal(a.updated_by, null);
    assert.match(a.created_at, ISO_Z_RE);
    assert.equal(a.updated_at, a.created_at);
    assert.equal(a.is_deleted, false);
    assert.equal(a.deleted_at, null);
    assert.match(String(res.headers.etag), /^"\d+"$/);
  });

  it('needs only contact_id; other fields default to null / {} / []', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const res = await c.req('POST', '/contacts/addresses', { body: { contact_id: contact.id.toLowerCase() } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.contact_id, contact.id, 'ids are case-insensitive on input, upper-case out');
    for (const f of ['address_line', 'city', 'state', 'pincode', 'country', 'coords']) assert.equal(res.body[f], null, f);
    assert.deepEqual(res.body.codes, {});
    assert.deepEqual(res.body.tags, []);
  });

  it('requires contact_id and rejects unknown fields, ignoring read-only ones', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    assertFieldErrors(await c.req('POST', '/contacts/addresses/', { body: { city: 'Pune' } }), 'contact_id');
    assertFieldErrors(await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, colour: 'red' } }), 'colour');
    const ok = await c.req('POST', '/contacts/addresses/', {
      body: { contact_id: contact.id, id: 'x', tenant_id: 'evil', created_by: 'mallory', is_deleted: true, updated_at: 'never' },
    });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.tenant_id, c.tenant);
    assert.equal(ok.body.created_by, 'user-1');
    assert.equal(ok.body.is_deleted, false);
    assert.notEqual(ok.body.id, 'x');
  });

  it('accepts values on the edge of every Crego pattern', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const good: Record<string, unknown>[] = [
      { address_line: "Flat 4/B, O'Neil St. #7-a" }, { address_line: 'abcde' }, { address_line: 'x'.repeat(100) },
      { city: 'St. Louis-East' }, { city: 'Ab' }, { city: 'c'.repeat(50) }, { state: 'Tamil Nadu' }, { state: 'J-K' },
      { pincode: '000000' }, { country: 'United States' }, { country: 'IN' }, { coords: { lat: 90, lng: -180 } },
      { coords: { lat: -90, lng: 180 } }, { coords: null }, { tags: ['x'.repeat(50), 'ünïcødé ok'] },
      { tags: Array.from({ length: 50 }, (_, i) => `t${i}`) },
    ];
    for (const body of good) {
      const res = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, ...body } });
      assert.equal(res.status, 201, `${JSON.stringify(body)}: ${res.text}`);
    }
  });

  it('rejects every pattern violation under its field', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const bad: [string, Record<string, unknown>][] = [
      ['address_line', { address_line: 'abcd' }], ['address_line', { address_line: 'x'.repeat(101) }],
      ['address_line', { address_line: 'Road @ home' }], ['address_line', { address_line: 'Road; drop' }], ['city', { city: 'A' }],
      ['city', { city: 'Mumbai1' }], ['city', { city: 'c'.repeat(51) }], ['city', { city: "O'Hare" }], ['state', { state: 'Ka' }],
      ['state', { state: 'Karnataka.' }], ['state', { state: 'State9' }], ['pincode', { pincode: '12345' }],
      ['pincode', { pincode: '1234567' }], ['pincode', { pincode: '56000a' }], ['pincode', { pincode: 560001 }],
      ['country', { country: 'I' }], ['country', { country: 'India-1' }], ['country', { country: 'Côte' }],
      ['coords.lat', { coords: { lat: 90.0001, lng: 0 } }], ['coords.lat', { coords: { lat: -91, lng: 0 } }],
      ['coords.lng', { coords: { lat: 0, lng: 180.5 } }], ['coords.lng', { coords: { lat: 0, lng: -181 } }],
      ['coords.lng', { coords: { lat: 0 } }], ['coords.lat', { coords: { lat: '12.9', lng: 0 } }],
      ['coords.alt', { coords: { lat: 0, lng: 0, alt: 3 } }], ['coords', { coords: [12, 77] }], ['codes', { codes: ['a'] }],
      ['codes', { codes: { big: 'x'.repeat(9000) } }], ['tags.0', { tags: [''] }], ['tags.0', { tags: ['x'.repeat(51)] }],
      ['tags.0', { tags: ['bad\u0007bell'] }], ['tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }],
      ['tags', { tags: 'home' }],
    ];
    for (const [field, body] of bad) {
      const res = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, ...body } });
      assertFieldErrors(res, field);
    }
    assert.equal((await c.req('GET', '/contacts/addresses/')).body.count, 0, 'nothing written');
  });

  it('reports all field problems at once', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const res = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, city: '1', state: '2', pincode: '3', country: '4' } });
    assertFieldErrors(res, 'city', 'state', 'pincode', 'country');
  });

  it('rejects a malformed, unknown, deleted or other-tenant contact_id with errors.contact_id and writes nothing', async () => {
    const c = await tenantWithContacts(h());
    const other = await tenantWithContacts(h());
    const foreign = await other.contact();
    const deleted = await c.contact();
    assert.equal((await c.req('DELETE', `/contacts/${deleted.id}/`)).status, 204);
    const before = (await history(c)).length;
    for (const contactId of ['nope', MISSING_ID, deleted.id, foreign.id]) {
      const res = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contactId, ...ADDRESS } });
      assertFieldErrors(res, 'contact_id');
    }
    assert.equal((await c.req('GET', '/contacts/addresses/')).body.count, 0);
    assert.equal((await other.req('GET', '/contacts/addresses/')).body.count, 0);
    assert.equal((await history(c)).length, before, 'no audit entry for a failed write');
    const rows = await h().db.query('SELECT 1 FROM contact_addresses WHERE tenant_id = $1 OR tenant_id = $2', [c.tenant, other.tenant]);
    assert.equal(rows.rowCount, 0);
  });

  // ---------------------------------------------------------------- retrieve

  it('retrieves an address with its ETag; malformed or unknown ids are 404', async () => {
    const c = await tenantWithContacts(h());
    const a = await createAddress(c, (await c.contact()).id);
    const res = await c.req('GET', `/contacts/addresses/${a.id.toLowerCase()}/`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, a);
    assert.equal(res.headers.etag, '"1"');
    assertProblem(await c.req('GET', `/contacts/addresses/${MISSING_ID}/`), 404, 'not_found');
    assertProblem(await c.req('GET', '/contacts/addresses/not-a-ulid/'), 404, 'not_found');
    assert.equal((await c.req('GET', `/contacts/addresses/${a.id}`)).status, 200, 'no trailing slash works too');
  });

  it("hides another tenant's address on retrieve, update, delete and list (404 / absent)", async () => {
    const owner = await tenantWithContacts(h());
    const a = await createAddress(owner, (await owner.contact()).id);
    const intruder = await newCaller(h());
    assertProblem(await intruder.req('GET', `/contacts/addresses/${a.id}/`), 404);
    assertProblem(await intruder.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { city: 'Pune' } }), 404);
    assertProblem(await intruder.req('DELETE', `/contacts/addresses/${a.id}/`), 404);
    assert.equal((await intruder.req('GET', `/contacts/addresses/?contact=${a.contact_id}`)).body.count, 0);
    const still = await owner.req('GET', `/contacts/addresses/${a.id}/`);
    assert.equal(still.body.city, ADDRESS.city);
    assert.equal(still.headers.etag, '"1"');
  });

  it('needs a token on every address endpoint', async () => {
    for (const [m, u] of [
      ['POST', '/contacts/addresses/'],
      ['GET', '/contacts/addresses/'],
      ['GET', `/contacts/addresses/${MISSING_ID}/`],
      ['PATCH', `/contacts/addresses/${MISSING_ID}/`],
      ['DELETE', `/contacts/addresses/${MISSING_ID}/`],
    ] as const) {
      assertProblem(await h().req(m, u, { token: null, body: m === 'POST' || m === 'PATCH' ? { bogus: 1 } : undefined }), 401, 'unauthorized');
    }
  });

  // ---------------------------------------------------------------- update

  it('updates partially, null clears a field, and the ETag and updated_* move', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const a = await createAddress(c, (await c.contact()).id);
    const bob = await h().token(c.tenant, 'bob');
    const res = await h().req('PATCH', `/contacts/addresses/${a.id}/`, { token: bob, body: { city: 'Mysuru', coords: null, codes: {}, tags: ['work', 'work'] } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.city, 'Mysuru');
    assert.equal(res.body.coords, null);
    assert.deepEqual(res.body.codes, {});
    assert.deepEqual(res.body.tags, ['work']);
    assert.equal(res.body.address_line, a.address_line, 'fields not given are kept');
    assert.equal(res.body.updated_by, 'bob');
    assert.equal(res.body.created_by, 'alice');
    assert.ok(res.body.updated_at >= a.updated_at);
    assert.equal(res.headers.etag, '"2"');
    const cleared = await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { state: null, pincode: null } });
    assert.equal(cleared.body.state, null);
    assert.equal(cleared.body.pincode, null);
    assert.equal(cleared.headers.etag, '"3"');
  });

  it('validates PATCH bodies like create', async () => {
    const c = await tenantWithContacts(h());
    const a = await createAddress(c, (await c.contact()).id);
    assertFieldErrors(await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { pincode: '12', coords: { lat: 100, lng: 0 } } }), 'pincode', 'coords.lat');
    assertFieldErrors(await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { unknown: true } }), 'unknown');
    assert.equal((await c.req('GET', `/contacts/addresses/${a.id}/`)).headers.etag, '"1"');
  });

  it('keeps the owner: contact_id may be repeated but not changed', async () => {
    const c = await tenantWithContacts(h());
    const owner = await c.contact();
    const other = await c.contact();
    const a = await createAddress(c, owner.id);
    const same = await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { contact_id: owner.id.toLowerCase(), city: 'Pune' } });
    assert.equal(same.status, 200, same.text);
    assertFieldErrors(await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { contact_id: other.id } }), 'contact_id');
    assertFieldErrors(await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { contact_id: 'junk' } }), 'contact_id');
    assert.equal((await c.req('GET', `/contacts/addresses/${a.id}/`)).body.contact_id, owner.id);
  });

  it('honours If-Match on PATCH and DELETE (412 with the current ETag)', async () => {
    const c = await tenantWithContacts(h());
    const a = await createAddress(c, (await c.contact()).id);
    const stale = await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { city: 'Pune' }, headers: { 'if-match': '"7"' } });
    assertProblem(stale, 412, 'precondition_failed');
    assert.equal(stale.headers.etag, '"1"');
    const ok = await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { city: 'Pune' }, headers: { 'if-match': '"1"' } });
    assert.equal(ok.status, 200, ok.text);
    assertProblem(await c.req('DELETE', `/contacts/addresses/${a.id}/`, { headers: { 'if-match': '"1"' } }), 412);
    assert.equal((await c.req('DELETE', `/contacts/addresses/${a.id}/`, { headers: { 'if-match': '*' } })).status, 204);
  });

  // ---------------------------------------------------------------- delete

  it('soft-deletes: 204, then 404 everywhere, kept in the table, delete again is 404', async () => {
    const c = await tenantWithContacts(h());
    const a = await createAddress(c, (await c.contact()).id);
    const del = await c.req('DELETE', `/contacts/addresses/${a.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assertProblem(await c.req('GET', `/contacts/addresses/${a.id}/`), 404);
    assertProblem(await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { city: 'Pune' } }), 404);
    assertProblem(await c.req('DELETE', `/contacts/addresses/${a.id}/`), 404);
    assert.equal((await c.req('GET', '/contacts/addresses/')).body.count, 0);
    const row = await h().db.query<{ is_deleted: boolean; deleted_at: Date }>('SELECT is_deleted, deleted_at FROM contact_addresses WHERE tenant_id = $1 AND id = $2', [c.tenant, a.id]);
    assert.equal(row.rows[0]!.is_deleted, true);
    assert.ok(row.rows[0]!.deleted_at);
  });

  it("hides a deleted contact's addresses and brings them back on restore", async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const a = await createAddress(c, contact.id);
    assert.equal((await c.req('DELETE', `/contacts/${contact.id}/`)).status, 204);
    assertProblem(await c.req('GET', `/contacts/addresses/${a.id}/`), 404);
    assertProblem(await c.req('PATCH', `/contacts/addresses/${a.id}/`, { body: { city: 'Pune' } }), 404);
    assert.equal((await c.req('GET', '/contacts/addresses/')).body.count, 0);
    assertFieldErrors(await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id } }), 'contact_id');
    assert.equal((await c.req('POST', `/contacts/${contact.id}/restore/`)).status, 200);
    const back = await c.req('GET', `/contacts/addresses/${a.id}/`);
    assert.equal(back.status, 200);
    assert.deepEqual(back.body, a);
  });

  // ---------------------------------------------------------------- list

  it('lists with the envelope, filters by contact, tags, search and dates', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const y = await c.contact();
    const a1 = await createAddress(c, x.id, { city: 'Bengaluru', state: 'Karnataka', country: 'India', pincode: '560001', address_line: 'Koramangala 5th Block', tags: ['home'] });
    const a2 = await createAddress(c, x.id, { city: 'Chennai', state: 'Tamil Nadu', country: 'India', pincode: '600001', address_line: 'Anna Salai 100', tags: ['work'] });
    const a3 = await createAddress(c, y.id, { city: 'Paris', state: 'Ile de France', country: 'France', pincode: '750001', address_line: 'Rue de Rivoli 1', tags: ['home', 'abroad'] });
    const all = await c.req('GET', '/contacts/addresses/');
    assert.equal(all.status, 200);
    assert.deepEqual(Object.keys(all.body).sort(), ['count', 'current_page', 'has_next', 'has_previous', 'next_page', 'previous_page', 'results', 'total_pages']);
    assert.deepEqual(ids(all), [a3.id, a2.id, a1.id], 'default ordering -created_at');
    assert.deepEqual(ids(await c.req('GET', `/contacts/addresses/?contact=${x.id.toLowerCase()}`)), [a2.id, a1.id]);
    assert.deepEqual(ids(await c.req('GET', `/contacts/addresses/?contact=${MISSING_ID}`)), []);
    assert.deepEqual(ids(await c.req('GET', '/contacts/addresses/?tags=abroad,work')), [a3.id, a2.id]);
    const search = async (q: string) => ids(await c.req('GET', `/contacts/addresses/?search=${encodeURIComponent(q)}`));
    assert.deepEqual(await search('KORAMANGALA'), [a1.id], 'address_line, case-insensitive');
    assert.deepEqual(await search('chenn'), [a2.id], 'city');
    assert.deepEqual(await search('tamil'), [a2.id], 'state');
    assert.deepEqual(await search('fRaNcE'), [a3.id], 'country');
    assert.deepEqual(await search('600001'), [a2.id], 'pincode');
    assert.deepEqual(await search('india'), [a2.id, a1.id]);
    assert.deepEqual(await search('%'), [], 'LIKE metacharacters are literal');
    assert.deepEqual(ids(await c.req('GET', '/contacts/addresses/?ordering=created_at')), [a1.id, a2.id, a3.id]);
    await c.req('PATCH', `/contacts/addresses/${a1.id}/`, { body: { tags: ['moved'] } });
    assert.deepEqual(ids(await c.req('GET', '/contacts/addresses/?ordering=-updated_at')).at(0), a1.id);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal((await c.req('GET', `/contacts/addresses/?created_at_after=${today}&created_at_before=${today}`)).body.count, 3);
    assert.equal((await c.req('GET', '/contacts/addresses/?created_at_after=2999-01-01')).body.count, 0);
    assert.equal((await c.req('GET', '/contacts/addresses/?created_at_before=2000-01-01')).body.count, 0);
    const page = await c.req('GET', '/contacts/addresses/?page=2&page_size=2');
    assert.deepEqual(
      { count: page.body.count, total: page.body.total_pages, prev: page.body.previous_page, next: page.body.next_page, n: page.body.results.length },
      { count: 3, total: 2, prev: 1, next: null, n: 1 },
    );
    assert.equal((await c.req('GET', '/contacts/addresses/?page=9')).body.results.length, 0);
  });

  it('rejects bad list parameters with 400 naming the parameter', async () => {
    const c = await tenantWithContacts(h());
    assertFieldErrors(await c.req('GET', '/contacts/addresses/?ordering=city'), 'ordering');
    assertFieldErrors(await c.req('GET', '/contacts/addresses/?created_at_after=yesterday'), 'created_at_after');
    assertFieldErrors(await c.req('GET', '/contacts/addresses/?created_at_before=2024-02-30'), 'created_at_before');
    assertFieldErrors(await c.req('GET', '/contacts/addresses/?page=0&page_size=500'), 'page', 'page_size');
    assertFieldErrors(await c.req('GET', '/contacts/addresses/?contact=not-an-id'), 'contact');
  });

  it('replays a create sent again with the same Idempotency-Key (one address, one entry)', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const send = () => c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, city: 'Pune' }, headers: { 'idempotency-key': 'addr-1' } });
    const first = await send();
    const again = await send();
    assert.equal(first.status, 201, first.text);
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.id, first.body.id);
    assert.equal((await c.req('GET', '/contacts/addresses/')).body.count, 1);
    assert.equal((await history(c, 'object_type=address')).length, 1);
  });

  it('is routed before /contacts/{contact_id}/ (static segment wins)', async () => {
    const c = await tenantWithContacts(h());
    const res = await c.req('GET', '/contacts/addresses/');
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.body.results));
    assertProblem(await c.req('DELETE', '/contacts/addresses/'), 404);
  });
});
