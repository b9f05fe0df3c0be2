import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, createContact, createNamespace, newCaller, sleep, uniqueName } from '../helpers/api.js';

const NAMESPACE_KEYS = [
  'account_counter',
  'account_pattern',
  'contact_counter',
  'contact_pattern',
  'created_at',
  'created_by',
  'deleted_at',
  'id',
  'is_deleted',
  'name',
  'tenant_id',
  'updated_at',
  'updated_by',
];
const ENVELOPE_KEYS = ['count', 'current_page', 'has_next', 'has_previous', 'next_page', 'previous_page', 'results', 'total_pages'];

describeEngines('namespaces', (h) => {
  // ---------------------------------------------------------------- create

  it('creates the Crego example {"name":"customer"} with defaults and audit fields', async () => {
    const c = await newCaller(h(), 'alice');
    const res = await c.req('POST', '/namespaces/', { body: { name: 'customer' } });
    assert.equal(res.status, 201, res.text);
    const ns = res.body;
    assert.deepEqual(Object.keys(ns).sort(), NAMESPACE_KEYS);
    assert.match(ns.id, ULID_RE);
    assert.equal(ns.name, 'customer');
    assert.equal(ns.tenant_id, c.tenant);
    assert.equal(ns.created_by, 'alice');
    assert.equal(ns.updated_by, null);
    assert.match(ns.created_at, ISO_Z_RE);
    assert.equal(ns.updated_at, ns.created_at);
    assert.equal(ns.contact_pattern, null);
    assert.equal(ns.contact_counter, 1);
    assert.equal(ns.account_pattern, null);
    assert.equal(ns.account_counter, 1);
    assert.equal(ns.is_deleted, false);
    assert.equal(ns.deleted_at, null);
    assert.match(String(res.headers.etag), /^"\d+"$/);
    assert.match(String(res.headers['content-type']), /^application\/json/);
  });

  it('accepts every allowed name character and exactly 50 characters', async () => {
    const c = await newCaller(h());
    for (const name of ['Vayana', 'a', 'A b_c.d-9', 'x'.repeat(50)]) {
      const res = await c.req('POST', '/namespaces/', { body: { name } });
      assert.equal(res.status, 201, `${name}: ${res.text}`);
      assert.equal(res.body.name, name);
    }
  });

  it('rejects names outside the pattern with errors.name', async () => {
    const c = await newCaller(h());
    for (const name of ['', 'x'.repeat(51), 'bad/name', 'semi;colon', 'emoji😀', 'tab\tname', 'ñandú']) {
      const res = await c.req('POST', '/namespaces/', { body: { name } });
      assertFieldErrors(res, 'name');
      assert.equal(res.body.code, 'validation_error');
    }
    assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: 12 } }), 'name');
    assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: null } }), 'name');
    assertFieldErrors(await c.req('POST', '/namespaces/', { body: {} }), 'name');
  });

  it('rejects a duplicate name case-insensitively with 409', async () => {
    const c = await newCaller(h());
    assert.equal((await c.req('POST', '/namespaces/', { body: { name: 'customer' } })).status, 201);
    for (const name of ['customer', 'Customer', 'CUSTOMER']) {
      const res = await c.req('POST', '/namespaces/', { body: { name } });
      assertProblem(res, 409, 'conflict');
      assert.ok(res.body.errors.name.length > 0);
    }
    const list = await c.req('GET', '/namespaces/');
    assert.equal(list.body.count, 1);
  });

  it('lets two tenants use the same name', async () => {
    const a = await newCaller(h());
    const b = await newCaller(h());
    assert.equal((await a.req('POST', '/namespaces/', { body: { name: 'shared' } })).status, 201);
    assert.equal((await b.req('POST', '/namespaces/', { body: { name: 'shared' } })).status, 201);
  });

  it('lets a deleted namespace name be reused', async () => {
    const c = await newCaller(h());
    const first = await createNamespace(c, { name: 'Reusable' });
    assert.equal((await c.req('DELETE', `/namespaces/${first.id}/`)).status, 204);
    const again = await c.req('POST', '/namespaces/', { body: { name: 'reusable' } });
    assert.equal(again.status, 201, again.text);
    assert.notEqual(again.body.id, first.id);
  });

  it('stores valid patterns and counters given on create', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'CUST-{yyyy}-{seq:6}', contact_counter: 42, account_pattern: 'LN/{yy}{mm}{dd}/{seq}', account_counter: 7 });
    assert.equal(ns.contact_pattern, 'CUST-{yyyy}-{seq:6}');
    assert.equal(ns.contact_counter, 42);
    assert.equal(ns.account_pattern, 'LN/{yy}{mm}{dd}/{seq}');
    assert.equal(ns.account_counter, 7);
    // An empty pattern means "no pattern".
    const none = await createNamespace(c, { contact_pattern: '', account_pattern: null });
    assert.equal(none.contact_pattern, null);
    assert.equal(none.account_pattern, null);
  });

  it('rejects invalid patterns under errors.contact_pattern / errors.account_pattern', async () => {
    const c = await newCaller(h());
    const bad = ['{foo}-{seq}', 'ABC', '{seq}-{seq:3}', 'AB C{seq}', 'A*{seq}', '{seq:0}', '{seq:21}', 'A{seq}}', '{{seq}', '{YYYY}{seq}', 'x'.repeat(51) + '{seq}'];
    for (const pattern of bad) {
      assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: uniqueName(), contact_pattern: pattern } }), 'contact_pattern');
      assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: uniqueName(), account_pattern: pattern } }), 'account_pattern');
    }
    // Both problems (and a bad name) are reported at once.
    const both = await c.req('POST', '/namespaces/', { body: { name: 'bad/name', contact_pattern: '{nope}', account_pattern: 'ABC' } });
    assertFieldErrors(both, 'name');
    const both2 = await c.req('POST', '/namespaces/', { body: { name: uniqueName(), contact_pattern: '{nope}', account_pattern: 'ABC' } });
    assertFieldErrors(both2, 'contact_pattern', 'account_pattern');
    assert.equal((await c.req('GET', '/namespaces/')).body.count, 0, 'nothing was created');
  });

  it('rejects a pattern whose next id would exceed 50 characters', async () => {
    const c = await newCaller(h());
    const exact = await createNamespace(c, { contact_pattern: 'A'.repeat(43) + '{seq:7}' });
    const ct = await createContact(c, { namespace: exact.name });
    assert.equal(ct.ref_id, 'A'.repeat(43) + '0000001', 'exactly 50 characters is fine');
    assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: uniqueName(), contact_pattern: 'A'.repeat(42) + '{seq:20}' } }), 'contact_pattern');
    assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: uniqueName(), account_pattern: 'B'.repeat(40) + '{seq}', account_counter: 1e12 } }), 'account_pattern');
    assertFieldErrors(await c.req('PATCH', `/namespaces/${exact.id}/`, { body: { contact_pattern: 'X'.repeat(30) + '{yyyy}{mm}{dd}{seq:12}' } }), 'contact_pattern');
    assert.equal((await c.req('GET', `/namespaces/${exact.id}/`)).body.contact_pattern, 'A'.repeat(43) + '{seq:7}');
  });

  it('rejects counters that are not integers >= 1', async () => {
    const c = await newCaller(h());
    for (const v of [0, -1, 1.5, '5', null]) {
      assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: uniqueName(), contact_counter: v } }), 'contact_counter');
      assertFieldErrors(await c.req('POST', '/namespaces/', { body: { name: uniqueName(), account_counter: v } }), 'account_counter');
    }
  });

  it('ignores read-only fields in the body', async () => {
    const c = await newCaller(h(), 'bob');
    const res = await c.req('POST', '/namespaces/', {
      body: {
        name: uniqueName(),
        id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
        tenant_id: 'someone-else',
        created_at: '1999-01-01T00:00:00Z',
        created_by: 'mallory',
        updated_at: '1999-01-01T00:00:00Z',
        updated_by: 'mallory',
        is_deleted: true,
        deleted_at: '1999-01-01T00:00:00Z',
        approval_status: 'approved',
      },
    });
    assert.equal(res.status, 201, res.text);
    assert.notEqual(res.body.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    assert.equal(res.body.tenant_id, c.tenant);
    assert.notEqual(res.body.created_at, '1999-01-01T00:00:00Z');
    assert.equal(res.body.created_by, 'bob');
    assert.equal(res.body.updated_by, null);
    assert.equal(res.body.is_deleted, false);
    assert.equal(res.body.deleted_at, null);
    assert.equal((await c.req('GET', `/namespaces/${res.body.id}/`)).status, 200);
  });

  it('rejects an unknown field with 400 naming it', async () => {
    const c = await newCaller(h());
    const res = await c.req('POST', '/namespaces/', { body: { name: uniqueName(), colour: 'blue' } });
    assertFieldErrors(res, 'colour');
    // Field names that are also Object.prototype members are just unknown fields.
    for (const field of ['valueOf', 'toString', 'constructor', 'hasOwnProperty']) {
      const r = await c.req('POST', '/namespaces/', { body: { name: uniqueName(), [field]: null } });
      assertFieldErrors(r, field);
      assert.deepEqual(Object.keys(r.body.errors), [field]);
    }
    const patch = await c.req('PATCH', `/namespaces/${(await createNamespace(c)).id}/`, { body: { prefix: 'X' } });
    assertFieldErrors(patch, 'prefix');
  });

  it('rejects a non-object body and malformed JSON with 400 problems', async () => {
    const c = await newCaller(h());
    for (const body of [[], 'customer', 42, null]) {
      assertProblem(await c.req('POST', '/namespaces/', { body }), 400);
    }
    assertProblem(await c.req('POST', '/namespaces/', { rawBody: '{"name": "x",' }), 400, 'bad_request');
    assertProblem(await c.req('POST', '/namespaces/', { rawBody: '' }), 400);
  });

  // ---------------------------------------------------------------- list

  it('lists with exactly the Crego envelope fields', async () => {
    const c = await newCaller(h());
    const empty = await c.req('GET', '/namespaces/');
    assert.equal(empty.status, 200);
    assert.deepEqual(Object.keys(empty.body).sort(), ENVELOPE_KEYS);
    assert.deepEqual(empty.body, { count: 0, total_pages: 1, current_page: 1, has_previous: false, has_next: false, previous_page: null, next_page: null, results: [] });
    const ns = await createNamespace(c);
    const one = await c.req('GET', '/namespaces/');
    assert.equal(one.body.count, 1);
    assert.deepEqual(one.body.results, [ns]);
  });

  it('searches names case-insensitively as a literal substring', async () => {
    const c = await newCaller(h());
    for (const name of ['Retail Customers', 'corporate', 'CUSTOMER-vip', 'a_c', 'abc', '100.5']) await createNamespace(c, { name });
    const names = async (q: string) => (await c.req('GET', `/namespaces/?search=${encodeURIComponent(q)}&ordering=name`)).body.results.map((n: { name: string }) => n.name);
    assert.deepEqual(await names('customer'), ['CUSTOMER-vip', 'Retail Customers']);
    assert.deepEqual(await names('A_C'), ['a_c'], '_ is literal, not a wildcard');
    assert.deepEqual(await names('%'), [], '% is literal, not a wildcard');
    assert.deepEqual(await names('nothing'), []);
    assert.equal((await names('')).length, 6, 'an empty search matches all');
  });

  it('orders by name, -name, created_at and -created_at (default)', async () => {
    const c = await newCaller(h());
    for (const name of ['bravo', 'Alpha', 'charlie']) {
      await createNamespace(c, { name });
      await sleep(3);
    }
    const names = async (ordering?: string) =>
      (await c.req('GET', `/namespaces/${ordering ? `?ordering=${ordering}` : ''}`)).body.results.map((n: { name: string }) => n.name);
    assert.deepEqual(await names('name'), ['Alpha', 'bravo', 'charlie'], 'name ordering is case-insensitive');
    assert.deepEqual(await names('-name'), ['charlie', 'bravo', 'Alpha']);
    assert.deepEqual(await names('created_at'), ['bravo', 'Alpha', 'charlie']);
    assert.deepEqual(await names('-created_at'), ['charlie', 'Alpha', 'bravo']);
    assert.deepEqual(await names(), ['charlie', 'Alpha', 'bravo']);
  });

  it('rejects an unknown ordering field with 400', async () => {
    const c = await newCaller(h());
    for (const o of ['colour', '-updated_at', 'contact_counter', '--name', 'name,created_at']) {
      assertFieldErrors(await c.req('GET', `/namespaces/?ordering=${encodeURIComponent(o)}`), 'ordering');
    }
  });

  it('paginates with page and page_size and reports neighbours', async () => {
    const c = await newCaller(h());
    for (let i = 0; i < 5; i++) await createNamespace(c, { name: `page-${i}` });
    const p1 = await c.req('GET', '/namespaces/?page_size=2&ordering=name');
    assert.deepEqual({ ...p1.body, results: p1.body.results.map((n: { name: string }) => n.name) }, {
      count: 5, total_pages: 3, current_page: 1, has_previous: false, has_next: true, previous_page: null, next_page: 2, results: ['page-0', 'page-1'],
    });
    const p2 = await c.req('GET', '/namespaces/?page=2&page_size=2&ordering=name');
    assert.deepEqual({ ...p2.body, results: p2.body.results.map((n: { name: string }) => n.name) }, {
      count: 5, total_pages: 3, current_page: 2, has_previous: true, has_next: true, previous_page: 1, next_page: 3, results: ['page-2', 'page-3'],
    });
    const p3 = await c.req('GET', '/namespaces/?page=3&page_size=2&ordering=name');
    assert.equal(p3.body.has_next, false);
    assert.equal(p3.body.next_page, null);
    assert.deepEqual(p3.body.results.map((n: { name: string }) => n.name), ['page-4']);
    // Past the end: 200 with empty results, still counting.
    const past = await c.req('GET', '/namespaces/?page=9&page_size=2');
    assert.equal(past.status, 200);
    assert.deepEqual(past.body.results, []);
    assert.equal(past.body.count, 5);
    assert.equal(past.body.current_page, 9);
    assert.equal(past.body.has_next, false);
    // Default page size 20, maximum 200.
    assert.equal((await c.req('GET', '/namespaces/?page_size=200')).status, 200);
    assert.equal((await c.req('GET', '/namespaces/?page=1')).body.results.length, 5);
  });

  it('rejects bad page and page_size values with 400', async () => {
    const c = await newCaller(h());
    for (const v of ['0', '-1', 'abc', '1.5', '1e2', '', ' 1', '0x10']) {
      assertFieldErrors(await c.req('GET', `/namespaces/?page=${encodeURIComponent(v)}`), 'page');
    }
    for (const v of ['201', '0', 'abc', '-5', '20.0']) {
      assertFieldErrors(await c.req('GET', `/namespaces/?page_size=${encodeURIComponent(v)}`), 'page_size');
    }
    const both = await c.req('GET', '/namespaces/?page=0&page_size=201&ordering=nope');
    assertFieldErrors(both, 'page', 'page_size', 'ordering');
  });

  it('filters by created_at_after / created_at_before and rejects malformed dates', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const today = ns.created_at.slice(0, 10);
    assert.equal((await c.req('GET', `/namespaces/?created_at_after=${today}&created_at_before=${today}`)).body.count, 1);
    assert.equal((await c.req('GET', '/namespaces/?created_at_after=2999-01-01')).body.count, 0);
    assert.equal((await c.req('GET', '/namespaces/?created_at_before=2000-01-01')).body.count, 0);
    for (const bad of ['yesterday', '2024-13-01', '2024-02-30', '2024-1-1']) {
      assertFieldErrors(await c.req('GET', `/namespaces/?created_at_after=${bad}`), 'created_at_after');
    }
  });

  // ---------------------------------------------------------------- retrieve

  it('retrieves by id, case-insensitively; malformed or unknown ids are 404', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const res = await c.req('GET', `/namespaces/${ns.id}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, ns);
    assert.match(String(res.headers.etag), /^"\d+"$/);
    const lower = await c.req('GET', `/namespaces/${ns.id.toLowerCase()}/`);
    assert.equal(lower.status, 200);
    assert.equal(lower.body.id, ns.id, 'ids are upper-case in responses');
    for (const id of ['nope', '123', ns.id + 'X', 'UUUUUUUUUUUUUUUUUUUUUUUUUU', '01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
      assertProblem(await c.req('GET', `/namespaces/${id}/`), 404, 'not_found');
    }
  });

  // ---------------------------------------------------------------- update

  it('updates partially without name and stamps updated_by / updated_at', async () => {
    const owner = await newCaller(h(), 'owner');
    const ns = await createNamespace(owner, { contact_pattern: 'A-{seq}' });
    await sleep(5);
    const other = await h().token(owner.tenant, 'editor');
    const res = await h().req('PATCH', `/namespaces/${ns.id}/`, { token: other, body: { contact_pattern: 'B-{seq:3}' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, ns.name);
    assert.equal(res.body.contact_pattern, 'B-{seq:3}');
    assert.equal(res.body.updated_by, 'editor');
    assert.equal(res.body.created_by, 'owner');
    assert.equal(res.body.created_at, ns.created_at);
    assert.ok(res.body.updated_at > ns.updated_at);
    // Clearing a pattern with "" or null.
    assert.equal((await owner.req('PATCH', `/namespaces/${ns.id}/`, { body: { contact_pattern: '' } })).body.contact_pattern, null);
    // Renaming (same name in another case is not a conflict with itself).
    const renamed = await owner.req('PATCH', `/namespaces/${ns.id}/`, { body: { name: ns.name.toUpperCase() } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, ns.name.toUpperCase());
  });

  it('lets counters be raised or kept, never lowered', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_counter: 10, account_counter: 5 });
    const keep = await c.req('PATCH', `/namespaces/${ns.id}/`, { body: { contact_counter: 10 } });
    assert.equal(keep.status, 200, keep.text);
    const raise = await c.req('PATCH', `/namespaces/${ns.id}/`, { body: { contact_counter: 50, account_counter: 6 } });
    assert.equal(raise.status, 200);
    assert.equal(raise.body.contact_counter, 50);
    assert.equal(raise.body.account_counter, 6);
    const lower = await c.req('PATCH', `/namespaces/${ns.id}/`, { body: { contact_counter: 49 } });
    assertFieldErrors(lower, 'contact_counter');
    const lowerAcc = await c.req('PATCH', `/namespaces/${ns.id}/`, { body: { account_counter: 1, contact_counter: 1 } });
    assertFieldErrors(lowerAcc, 'account_counter', 'contact_counter');
    const after = await c.req('GET', `/namespaces/${ns.id}/`);
    assert.equal(after.body.contact_counter, 50, 'a rejected update changes nothing');
    assert.equal(after.body.account_counter, 6);
  });

  it('rejects a rename onto another live name with 409 and invalid patterns with 400', async () => {
    const c = await newCaller(h());
    const a = await createNamespace(c, { name: 'first' });
    await createNamespace(c, { name: 'second' });
    const res = await c.req('PATCH', `/namespaces/${a.id}/`, { body: { name: 'SECOND' } });
    assertProblem(res, 409, 'conflict');
    assert.ok(res.body.errors.name.length > 0);
    assertFieldErrors(await c.req('PATCH', `/namespaces/${a.id}/`, { body: { contact_pattern: 'NO-SEQ' } }), 'contact_pattern');
    assertFieldErrors(await c.req('PATCH', `/namespaces/${a.id}/`, { body: { account_pattern: '{seq}{x}' } }), 'account_pattern');
    assertFieldErrors(await c.req('PATCH', `/namespaces/${a.id}/`, { body: { name: '' } }), 'name');
    assert.equal((await c.req('GET', `/namespaces/${a.id}/`)).body.name, 'first');
  });

  it('PATCH on a malformed, unknown or deleted id is 404', async () => {
    const c = await newCaller(h());
    assertProblem(await c.req('PATCH', '/namespaces/bogus/', { body: {} }), 404);
    assertProblem(await c.req('PATCH', '/namespaces/01ARZ3NDEKTSV4RRFFQ69G5FAV/', { body: {} }), 404);
    const ns = await createNamespace(c);
    await c.req('DELETE', `/namespaces/${ns.id}/`);
    assertProblem(await c.req('PATCH', `/namespaces/${ns.id}/`, { body: { contact_counter: 5 } }), 404);
  });

  it('carries an ETag that changes on every write and honours If-Match', async () => {
    const c = await newCaller(h());
    const created = await c.req('POST', '/namespaces/', { body: { name: uniqueName(), account_pattern: 'A{seq}' } });
    const e1 = created.headers.etag;
    assert.equal((await c.req('GET', `/namespaces/${created.body.id}/`)).headers.etag, e1);
    const patched = await c.req('PATCH', `/namespaces/${created.body.id}/`, { body: { contact_counter: 3 } });
    const e2 = patched.headers.etag;
    assert.notEqual(e2, e1);
    assert.equal((await c.req('GET', `/namespaces/${created.body.id}/`)).headers.etag, e2);
    await c.req('POST', `/namespaces/${created.body.id}/account_refs/`);
    const e3 = (await c.req('GET', `/namespaces/${created.body.id}/`)).headers.etag;
    assert.notEqual(e3, e2, 'allocating an account ref is a write');
    const stale = await c.req('PATCH', `/namespaces/${created.body.id}/`, { headers: { 'if-match': String(e1) }, body: { contact_counter: 4 } });
    assertProblem(stale, 412, 'precondition_failed');
    assert.equal(stale.headers.etag, e3);
    const fresh = await c.req('PATCH', `/namespaces/${created.body.id}/`, { headers: { 'if-match': String(e3) }, body: { contact_counter: 4 } });
    assert.equal(fresh.status, 200);
    assertProblem(await c.req('DELETE', `/namespaces/${created.body.id}/`, { headers: { 'if-match': String(e3) } }), 412);
    assert.equal((await c.req('DELETE', `/namespaces/${created.body.id}/`, { headers: { 'if-match': '*' } })).status, 204);
  });

  // ---------------------------------------------------------------- delete

  it('deletes softly: 204, then 404 everywhere and gone from the list', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const del = await c.req('DELETE', `/namespaces/${ns.id}/`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assertProblem(await c.req('GET', `/namespaces/${ns.id}/`), 404);
    assertProblem(await c.req('DELETE', `/namespaces/${ns.id}/`), 404);
    assert.equal((await c.req('GET', '/namespaces/')).body.count, 0);
    const row = await h().db.query<{ is_deleted: boolean; deleted_at: Date | null }>('SELECT is_deleted, deleted_at FROM namespaces WHERE tenant_id = $1 AND id = $2', [c.tenant, ns.id]);
    assert.equal(row.rows[0]?.is_deleted, true, 'the row is kept');
    assert.ok(row.rows[0]?.deleted_at);
    // A deleted namespace cannot receive contacts.
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { name: 'X', type: 'individual', namespace: ns.name } }), 'namespace');
  });

  it('refuses to delete while a live contact uses it; allows it once the contact is deleted', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const contact = await createContact(c, { namespace: ns.name });
    const blocked = await c.req('DELETE', `/namespaces/${ns.id}/`);
    assertProblem(blocked, 409, 'conflict');
    assert.equal((await c.req('GET', `/namespaces/${ns.id}/`)).status, 200);
    assert.equal((await c.req('DELETE', `/contacts/${contact.id}/`)).status, 204);
    assert.equal((await c.req('DELETE', `/namespaces/${ns.id}/`)).status, 204);
  });

  // ---------------------------------------------------------------- account refs

  it('allocates account refs from account_pattern and increments the counter', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { account_pattern: 'LN-{yyyy}-{seq:4}', account_counter: 7 });
    // {yyyy} renders the UTC year of the allocation, which is also the namespace's new updated_at.
    const year = async () => (await c.req('GET', `/namespaces/${ns.id}/`)).body.updated_at.slice(0, 4);
    const r1 = await c.req('POST', `/namespaces/${ns.id}/account_refs/`);
    assert.equal(r1.status, 201, r1.text);
    assert.deepEqual(r1.body, { ref_id: `LN-${await year()}-0007` });
    // An empty body with Content-Type: application/json is "no body".
    const r2 = await c.req('POST', `/namespaces/${ns.id}/account_refs/`, { rawBody: '', headers: { 'content-type': 'application/json' } });
    assert.equal(r2.status, 201, r2.text);
    assert.deepEqual(r2.body, { ref_id: `LN-${await year()}-0008` });
    const r3 = await c.req('POST', `/namespaces/${ns.id.toLowerCase()}/account_refs/`, { body: {} });
    assert.equal(r3.status, 201, r3.text);
    assert.deepEqual(r3.body, { ref_id: `LN-${await year()}-0009` });
    const after = await c.req('GET', `/namespaces/${ns.id}/`);
    assert.equal(after.body.account_counter, 10);
    assert.equal(after.body.contact_counter, 1, 'the contact counter is separate');
  });

  it('answers 409 for account refs without an account pattern, 404 for unknown namespaces', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'C{seq}' });
    assertProblem(await c.req('POST', `/namespaces/${ns.id}/account_refs/`), 409, 'conflict');
    assert.equal((await c.req('GET', `/namespaces/${ns.id}/`)).body.account_counter, 1, 'no number consumed');
    assertProblem(await c.req('POST', '/namespaces/01ARZ3NDEKTSV4RRFFQ69G5FAV/account_refs/'), 404);
    assertProblem(await c.req('POST', '/namespaces/bad-id/account_refs/'), 404);
    assertProblem(await c.req('POST', `/namespaces/${ns.id}/account_refs/`, { rawBody: '{oops' }), 400, 'bad_request');
  });
});
