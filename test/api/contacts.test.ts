import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, auditRows, createContact, createNamespace, newCaller, sleep, uniqueName, type Caller } from '../helpers/api.js';

const CREGO_EXAMPLE = {
  name: 'Sukumar',
  ref_id: 'jijkdmkdoedmsaad',
  status: 'active',
  type: 'individual',
  tags: ['string'],
  refs: {},
  branch_id: '',
  namespace: 'Vayana',
  props: [{ key: 'pan_no', type: 'number', value: '123254684' }],
};

const CONTACT_KEYS = [
  'approval_at',
  'approval_by',
  'approval_comment',
  'approval_status',
  'branch_id',
  'created_at',
  'created_by',
  'deleted_at',
  'id',
  'is_deleted',
  'name',
  'namespace',
  'props',
  'ref_id',
  'refs',
  'rm_id',
  'status',
  'tags',
  'tenant_id',
  'type',
  'updated_at',
  'updated_by',
];

/** The UTC year a contact was created in: what {yyyy} renders. */
const year = (c: { created_at: string }) => c.created_at.slice(0, 4);

async function nsCounter(c: Caller, id: string): Promise<number> {
  return (await c.req('GET', `/namespaces/${id}/`)).body.contact_counter;
}

describeEngines('contacts', (h) => {
  // ---------------------------------------------------------------- create

  it('creates the Crego example body once namespace Vayana exists', async () => {
    const c = await newCaller(h(), 'crego-user');
    const before = await c.req('POST', '/contacts/', { body: CREGO_EXAMPLE });
    assertFieldErrors(before, 'namespace');
    await createNamespace(c, { name: 'Vayana' });
    const res = await c.req('POST', '/contacts/', { body: CREGO_EXAMPLE });
    assert.equal(res.status, 201, res.text);
    const ct = res.body;
    assert.deepEqual(Object.keys(ct).sort(), CONTACT_KEYS);
    assert.match(ct.id, ULID_RE);
    assert.equal(ct.tenant_id, c.tenant);
    assert.equal(ct.name, 'Sukumar');
    assert.equal(ct.namespace, 'Vayana');
    assert.equal(ct.ref_id, 'jijkdmkdoedmsaad');
    assert.equal(ct.status, 'active');
    assert.equal(ct.type, 'individual');
    assert.deepEqual(ct.tags, ['string']);
    assert.deepEqual(ct.refs, {});
    assert.equal(ct.branch_id, null, '"" means null');
    assert.equal(ct.rm_id, null);
    assert.equal(ct.approval_status, 'pending');
    assert.equal(ct.approval_comment, null);
    assert.equal(ct.approval_by, null);
    assert.equal(ct.approval_at, null);
    assert.equal(ct.is_deleted, false);
    assert.equal(ct.deleted_at, null);
    assert.equal(ct.created_by, 'crego-user');
    assert.equal(ct.updated_by, null);
    assert.match(ct.created_at, ISO_Z_RE);
    assert.equal(ct.updated_at, ct.created_at);
    assert.equal(ct.props.length, 1);
    assert.match(ct.props[0], ULID_RE, 'props are ids by default');
    assert.match(String(res.headers.etag), /^"\d+"$/);

    const expanded = await c.req('GET', `/contacts/${ct.id}/?expand=props`);
    assert.equal(expanded.status, 200);
    assert.equal(expanded.body.props.length, 1);
    const p = expanded.body.props[0];
    assert.equal(p.id, ct.props[0]);
    assert.equal(p.key, 'pan_no');
    assert.equal(p.value, '123254684');
    assert.equal(p.type, 'number');
    assert.equal(p.tenant_id, c.tenant);
    assert.equal(p.created_by, 'crego-user');
    assert.match(p.created_at, ISO_Z_RE);
  });

  it('sorts props by key in code-point order, both as ids and expanded', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const keys = ['b', 'B', 'a', '_x', 'Z', 'a b', 'aa', '10', '9'];
    const ct = await createContact(c, { namespace: ns.name, props: keys.map((key) => ({ key, value: `v-${key}`, type: 'text' })) });
    const sorted = [...keys].sort(); // JS default sort is UTF-16 code-unit order (= code point for ASCII)
    assert.deepEqual(sorted, ['10', '9', 'B', 'Z', '_x', 'a', 'a b', 'aa', 'b']);
    const expanded = await c.req('GET', `/contacts/${ct.id}/?expand=props`);
    assert.deepEqual(expanded.body.props.map((p: { key: string }) => p.key), sorted);
    assert.deepEqual(ct.props, expanded.body.props.map((p: { id: string }) => p.id), 'ids come in key order too');
    const listed = await c.req('GET', `/contacts/?expand=props&namespace=${ns.name}`);
    assert.deepEqual(listed.body.results[0].props.map((p: { key: string }) => p.key), sorted);
    const plain = await c.req('GET', `/contacts/?namespace=${ns.name}`);
    assert.deepEqual(plain.body.results[0].props, ct.props);
  });

  it('generates ref ids from CUST-{yyyy}-{seq:6} with counter 42 and bumps the counter', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'CUST-{yyyy}-{seq:6}', contact_counter: 42 });
    const ct = await createContact(c, { namespace: ns.name });
    assert.equal(ct.ref_id, `CUST-${year(ct)}-000042`);
    assert.equal(await nsCounter(c, ns.id), 43);
    const next = await createContact(c, { namespace: ns.id });
    assert.equal(next.ref_id, `CUST-${year(next)}-000043`);
    assert.equal(await nsCounter(c, ns.id), 44);
    // `ref_id: null` also asks for generation.
    const third = await createContact(c, { namespace: ns.name, ref_id: null });
    assert.equal(third.ref_id, `CUST-${year(third)}-000044`);
  });

  it('leaves ref_id null when the namespace has no pattern', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name });
    assert.equal(ct.ref_id, null);
    const other = await createContact(c, { namespace: ns.name });
    assert.equal(other.ref_id, null, 'null ref ids never collide');
  });

  it('does not consume a number for a client-supplied ref_id', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'C-{seq:3}', contact_counter: 5 });
    const own = await createContact(c, { namespace: ns.name, ref_id: 'MY-REF/01' });
    assert.equal(own.ref_id, 'MY-REF/01');
    assert.equal(await nsCounter(c, ns.id), 5);
    assert.equal((await createContact(c, { namespace: ns.name })).ref_id, 'C-005');
  });

  it('skips a generated number already taken by a client-supplied ref id', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: '{seq}' });
    await createContact(c, { namespace: ns.name, ref_id: '2' });
    await createContact(c, { namespace: ns.name, ref_id: '3' });
    assert.equal((await createContact(c, { namespace: ns.name })).ref_id, '1');
    assert.equal((await createContact(c, { namespace: ns.name })).ref_id, '4');
    assert.equal(await nsCounter(c, ns.id), 5);
  });

  it('rejects a duplicate ref_id in the namespace with 409 errors.ref_id; other namespaces are independent', async () => {
    const c = await newCaller(h());
    const ns1 = await createNamespace(c);
    const ns2 = await createNamespace(c);
    await createContact(c, { namespace: ns1.name, ref_id: 'DUP-1' });
    const dup = await c.req('POST', '/contacts/', { body: { name: 'Other', type: 'individual', namespace: ns1.name, ref_id: 'DUP-1' } });
    assertProblem(dup, 409, 'conflict');
    assert.ok(dup.body.errors.ref_id.length > 0);
    // Ref ids are case-sensitive identifiers; another namespace may use the same one.
    assert.equal((await createContact(c, { namespace: ns2.name, ref_id: 'DUP-1' })).ref_id, 'DUP-1');
    assert.equal((await c.req('GET', `/contacts/?namespace=${ns1.name}`)).body.count, 1);
  });

  it("keeps a deleted contact's ref_id reserved", async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'R{seq}' });
    const ct = await createContact(c, { namespace: ns.name });
    assert.equal(ct.ref_id, 'R1');
    assert.equal((await c.req('DELETE', `/contacts/${ct.id}/`)).status, 204);
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'Again', type: 'individual', namespace: ns.name, ref_id: 'R1' } }), 409);
    assert.equal((await createContact(c, { namespace: ns.name })).ref_id, 'R2');
  });

  it('resolves the namespace by name (case-insensitive) or id (any case); unknown is 400', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { name: 'Borrowers' });
    for (const ref of ['Borrowers', 'borrowers', 'BORROWERS', ns.id, ns.id.toLowerCase()]) {
      const ct = await createContact(c, { namespace: ref });
      assert.equal(ct.namespace, 'Borrowers', `namespace ${ref}`);
    }
    for (const ref of ['nope', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'Borrower']) {
      const res = await c.req('POST', '/contacts/', { body: { name: 'X', type: 'individual', namespace: ref } });
      assertFieldErrors(res, 'namespace');
    }
    // Another tenant's namespace does not resolve.
    const other = await newCaller(h());
    assertFieldErrors(await other.req('POST', '/contacts/', { body: { name: 'X', type: 'individual', namespace: ns.id } }), 'namespace');
  });

  // ---------------------------------------------------------------- field rules

  it('validates name, ref_id, rm_id and branch_id patterns', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const base = { type: 'individual', namespace: ns.name };
    const ok = await createContact(c, { ...base, name: "O'Brien & Sons (P) Ltd., Unit-2", ref_id: 'a.b_c/d-1', rm_id: 'RM_01-x', branch_id: 'BR-9' });
    assert.equal(ok.name, "O'Brien & Sons (P) Ltd., Unit-2");
    assert.equal(ok.rm_id, 'RM_01-x');
    assert.equal(ok.branch_id, 'BR-9');
    assert.equal((await createContact(c, { ...base, name: 'n'.repeat(100) })).name.length, 100);
    for (const name of ['', 'n'.repeat(101), 'Bad@Name', 'semi;colon', 'Ünïcode', 'tab\u0000nul']) {
      assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, name } }), 'name');
    }
    for (const refId of ['', 'has space', 'x'.repeat(51), 'bad#ref', 'émoji']) {
      assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, name: 'N', ref_id: refId } }), 'ref_id');
    }
    for (const field of ['rm_id', 'branch_id']) {
      for (const v of ['a b', 'x'.repeat(51), 'a.b', 'a/b', 7]) {
        assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, name: 'N', [field]: v } }), field);
      }
      const blank = await createContact(c, { ...base, [field]: '' });
      assert.equal(blank[field], null);
      const nul = await createContact(c, { ...base, [field]: null });
      assert.equal(nul[field], null);
    }
  });

  it('keeps tags unique in first-seen order and enforces their limits', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const base = { name: 'T', type: 'individual', namespace: ns.name };
    const ct = await createContact(c, { ...base, tags: ['b', 'a', 'b', 'c', 'a', 'B'] });
    assert.deepEqual(ct.tags, ['b', 'a', 'c', 'B']);
    assert.deepEqual((await createContact(c, { ...base, tags: ['t'.repeat(50), 'ok tag ✓'] })).tags, ['t'.repeat(50), 'ok tag ✓']);
    assert.equal((await createContact(c, { ...base, tags: Array.from({ length: 50 }, (_, i) => `t${i}`) })).tags.length, 50);
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, tags: ['ok', 't'.repeat(51)] } }), 'tags.1');
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, tags: [''] } }), 'tags.0');
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, tags: ['line\nbreak'] } }), 'tags.0');
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, tags: Array.from({ length: 51 }, (_, i) => `t${i}`) } }), 'tags');
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, tags: 'vip' } }), 'tags');
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, tags: [1] } }), 'tags.0');
  });

  it('accepts refs as a free JSON object up to 8 KiB', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const base = { name: 'R', type: 'individual', namespace: ns.name };
    const refs = { crm: { id: 42, tags: ['a', null], ok: true }, 'ext id': 'X-1', nested: [{ deep: 1.5 }] };
    assert.deepEqual((await createContact(c, { ...base, refs })).refs, refs);
    const fits = { k: 'x'.repeat(8 * 1024 - 8) }; // {"k":"…"} is exactly 8 KiB
    assert.equal(Buffer.byteLength(JSON.stringify(fits)), 8 * 1024);
    assert.equal((await c.req('POST', '/contacts/', { body: { ...base, refs: fits } })).status, 201);
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, refs: { k: 'x'.repeat(8 * 1024) } } }), 'refs');
    // Multi-byte characters count as bytes.
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, refs: { k: 'é'.repeat(4100) } } }), 'refs');
    for (const refs of [[], 'x', 1, null]) {
      assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, refs } }), 'refs');
    }
    // Nesting is bounded (32 levels): deeper JSON would overflow JSON.stringify and jsonb's parser.
    const nest = (levels: number) => `${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`;
    const raw = (levels: number) => `{"name":"R","type":"individual","namespace":${JSON.stringify(ns.name)},"refs":{"a":${nest(levels)}}}`;
    assert.equal((await c.req('POST', '/contacts/', { rawBody: raw(32) })).status, 201);
    assertFieldErrors(await c.req('POST', '/contacts/', { rawBody: raw(33) }), 'refs');
    assertFieldErrors(await c.req('POST', '/contacts/', { rawBody: raw(100_000) }), 'refs');
  });

  it('validates props: key pattern, value by type, duplicates, limits', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const base = { name: 'P', type: 'individual', namespace: ns.name };
    const good = [
      { key: 'pan_no', value: 'ABCDE1234F', type: 'text' },
      { key: 'income', value: '-12.50', type: 'number' },
      { key: 'big', value: '1e6', type: 'number' },
      { key: 'kyc done', value: 'true', type: 'boolean' },
      { key: "owner's (main), co-app & more.", value: 'false', type: 'boolean' },
      { key: 'doc', value: 'files/abc.pdf', type: 'file' },
      { key: 'k'.repeat(100), value: 'v'.repeat(500), type: 'text' },
    ];
    assert.equal((await createContact(c, { ...base, props: good })).props.length, good.length);
    const cases: [unknown, string][] = [
      [[{ key: 'bad/key', value: 'x', type: 'text' }], 'props.0.key'],
      [[{ key: '', value: 'x', type: 'text' }], 'props.0.key'],
      [[{ key: 'k'.repeat(101), value: 'x', type: 'text' }], 'props.0.key'],
      [[{ key: 'n', value: 'abc', type: 'number' }], 'props.0.value'],
      [[{ key: 'n', value: '12a', type: 'number' }], 'props.0.value'],
      [[{ key: 'ok', value: '1', type: 'text' }, { key: 'b', value: 'yes', type: 'boolean' }], 'props.1.value'],
      [[{ key: 'b', value: 'True', type: 'boolean' }], 'props.0.value'],
      [[{ key: 'e', value: '', type: 'text' }], 'props.0.value'],
      [[{ key: 'e', value: 'v'.repeat(501), type: 'text' }], 'props.0.value'],
      [[{ key: 'e', value: 5, type: 'number' }], 'props.0.value'],
      [[{ key: 'e', value: 'x', type: 'date' }], 'props.0.type'],
      [[{ key: 'e', value: 'x' }], 'props.0.type'],
      [[{ key: 'e', value: 'x', type: 'text', extra: 1 }], 'props.0.extra'],
      [[{ key: 'same', value: 'a', type: 'text' }, { key: 'same', value: 'b', type: 'text' }], 'props.1.key'],
      [{ key: 'pan', value: 'x', type: 'text' }, 'props'],
    ];
    for (const [props, field] of cases) {
      assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, props } }), field);
    }
    // Both value problems are reported at once.
    const two = await c.req('POST', '/contacts/', { body: { ...base, props: [{ key: 'a', value: 'x', type: 'number' }, { key: 'b', value: 'x', type: 'boolean' }] } });
    assertFieldErrors(two, 'props.0.value', 'props.1.value');
    // Read-only extras on a prop (e.g. an id echoed back) are ignored.
    const echoed = await createContact(c, { ...base, props: [{ key: 'k', value: 'v', type: 'text', id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }] });
    assert.notEqual(echoed.props[0], '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    assert.equal((await c.req('GET', `/contacts/?namespace=${ns.name}`)).body.count, 2, 'failed creates wrote nothing');
  });

  it('rejects text the database cannot store (NUL, unpaired surrogates) with 400 naming the field', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const base = { name: 'U', type: 'individual', namespace: ns.name };
    // Raw JSON keeps the \u escapes exactly as a client would send them.
    const send = (extra: string) => c.req('POST', '/contacts/', { rawBody: `{"name":"U","type":"individual","namespace":${JSON.stringify(ns.name)},${extra}}` });
    assertFieldErrors(await send('"props":[{"key":"k","value":"a\\u0000b","type":"text"}]'), 'props.0.value');
    assertFieldErrors(await send('"props":[{"key":"k","value":"x\\ud800","type":"text"}]'), 'props.0.value');
    assertFieldErrors(await send('"refs":{"a":"x\\u0000"}'), 'refs');
    assertFieldErrors(await send('"refs":{"a\\u0000":"x"}'), 'refs');
    assertFieldErrors(await send('"refs":{"deep":[{"x":"\\udc00"}]}'), 'refs');
    assertFieldErrors(await send('"tags":["\\udc00"]'), 'tags.0');
    assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, namespace: 'x\u0000' } }), 'namespace');
    // A paired surrogate (an emoji) is ordinary text.
    const emoji = await createContact(c, { ...base, tags: ['😀'], refs: { note: '😀' }, props: [{ key: 'k', value: '😀', type: 'text' }] });
    assert.deepEqual(emoji.tags, ['😀']);
    assert.deepEqual(emoji.refs, { note: '😀' });
    for (const q of ['search', 'namespace', 'tags', 'rm_id', 'branch_id', 'ref_id']) {
      assertFieldErrors(await c.req('GET', `/contacts/?${q}=a%00b`), q);
    }
    assertFieldErrors(await c.req('GET', '/namespaces/?search=a%00b'), 'search');
    assert.equal((await c.req('GET', `/contacts/?namespace=${ns.name}`)).body.count, 1, 'only the emoji contact was written');
  });

  it('reports a bad nullable field without null-branch noise', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const res = await c.req('POST', '/contacts/', { body: { name: 'N', type: 'individual', namespace: ns.name, ref_id: 'has space', rm_id: 5 } });
    assertFieldErrors(res, 'ref_id', 'rm_id');
    assert.deepEqual(Object.keys(res.body.errors).sort(), ['ref_id', 'rm_id']);
    assert.ok(!res.body.errors.ref_id.includes('Must be of type null.'), `a string failing the pattern is not asked to be null: ${res.text}`);
    assert.deepEqual([...res.body.errors.rm_id].sort(), ['Must be of type null.', 'Must be of type string.'], 'a wrong type names both allowed types');
  });

  it('reports every missing required field at once', async () => {
    const c = await newCaller(h());
    const res = await c.req('POST', '/contacts/', { body: {} });
    assertFieldErrors(res, 'name', 'type', 'namespace');
    assert.equal(res.body.code, 'validation_error');
    const res2 = await c.req('POST', '/contacts/', { body: { name: 'Only Name', tags: ['x', 'x'.repeat(51)] } });
    assertFieldErrors(res2, 'type', 'namespace', 'tags.1');
  });

  it('rejects wrong types and unknown enum values', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const base = { name: 'W', type: 'individual', namespace: ns.name };
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 5 }, 'name'],
      [{ name: null }, 'name'],
      [{ type: 'person' }, 'type'],
      [{ type: null }, 'type'],
      [{ status: 'deleted' }, 'status'],
      [{ status: true }, 'status'],
      [{ namespace: 3 }, 'namespace'],
      [{ namespace: '' }, 'namespace'],
      [{ props: 'x' }, 'props'],
      [{ ref_id: 12 }, 'ref_id'],
      [{ colour: 'red' }, 'colour'],
      [{ valueOf: 1 }, 'valueOf'],
      [{ constructor: {} }, 'constructor'],
    ];
    for (const [patch, field] of cases) {
      assertFieldErrors(await c.req('POST', '/contacts/', { body: { ...base, ...patch } }), field);
    }
    const ct = await createContact(c, { ...base, status: 'inactive', type: 'corporate' });
    assert.equal(ct.status, 'inactive');
    assert.equal(ct.type, 'corporate');
  });

  it('ignores read-only fields in a contact body', async () => {
    const c = await newCaller(h(), 'real');
    const ns = await createNamespace(c);
    const ct = await createContact(c, {
      namespace: ns.name,
      id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      tenant_id: 'x',
      created_by: 'fake',
      approval_status: 'approved',
      approval_comment: 'sneaky',
      approval_by: 'fake',
      approval_at: '2020-01-01T00:00:00Z',
      is_deleted: true,
      deleted_at: '2020-01-01T00:00:00Z',
      updated_by: 'fake',
    });
    assert.notEqual(ct.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    assert.equal(ct.tenant_id, c.tenant);
    assert.equal(ct.created_by, 'real');
    assert.equal(ct.approval_status, 'pending');
    assert.equal(ct.approval_comment, null);
    assert.equal(ct.is_deleted, false);
    assert.equal(ct.updated_by, null);
  });

  it('answers malformed JSON and non-object bodies with 400 problems', async () => {
    const c = await newCaller(h());
    assertProblem(await c.req('POST', '/contacts/', { rawBody: '{"name": ' }), 400, 'bad_request');
    assertProblem(await c.req('POST', '/contacts/', { rawBody: "{'name': 'x'}" }), 400, 'bad_request');
    for (const body of [[], [{ name: 'x' }], 'x', 1, true, null]) {
      const res = await c.req('POST', '/contacts/', { body });
      assertProblem(res, 400);
      assert.ok(res.body.errors, `errors expected for ${JSON.stringify(body)}`);
    }
  });

  // ---------------------------------------------------------------- list

  it('filters the list by search, namespace, status, type, tags, approval, rm, branch and ref id', async () => {
    const c = await newCaller(h());
    const nsA = await createNamespace(c, { name: 'Alpha NS' });
    const nsB = await createNamespace(c, { name: 'Beta NS' });
    const ravi = await createContact(c, { namespace: nsA.name, name: 'Ravi Kumar', ref_id: 'ACME-001', tags: ['vip', 'gold'], rm_id: 'rm1', branch_id: 'blr', props: [{ key: 'pan_no', value: 'ABCDE1234F', type: 'text' }] });
    const sita = await createContact(c, { namespace: nsA.name, name: 'Sita Devi', ref_id: 'ACME-002', status: 'inactive', tags: ['silver'], rm_id: 'rm2', props: [{ key: 'mobile', value: '9876543210', type: 'number' }] });
    const acme = await createContact(c, { namespace: nsB.name, name: 'Acme Traders Pvt Ltd', type: 'corporate', tags: ['gold'], branch_id: 'del' });
    // Approving makes a contact active, so the inactive one stays pending.
    assert.equal((await c.req('PUT', `/contacts/${ravi.id}/approve/`)).status, 200);
    const ids = async (query: string) => {
      const res = await c.req('GET', `/contacts/?${query}`);
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      return res.body.results.map((r: { id: string }) => r.id).sort();
    };
    const sorted = (...xs: { id: string }[]) => xs.map((x) => x.id).sort();
    assert.deepEqual(await ids(''), sorted(ravi, sita, acme));
    assert.deepEqual(await ids('search=kumar'), sorted(ravi));
    assert.deepEqual(await ids('search=ACME'), sorted(ravi, sita, acme), 'name and ref_id substrings');
    assert.deepEqual(await ids('search=acme-00'), sorted(ravi, sita));
    assert.deepEqual(await ids('search=abcde1234f'), sorted(ravi), 'exact identifier value, any case');
    assert.deepEqual(await ids('search=ABCDE1234'), [], 'identifier values match exactly, not as substrings');
    assert.deepEqual(await ids('search=9876543210'), sorted(sita));
    assert.deepEqual(await ids('search=%25'), [], '% is literal');
    assert.deepEqual(await ids(`namespace=${encodeURIComponent('alpha ns')}`), sorted(ravi, sita));
    assert.deepEqual(await ids(`namespace=${nsB.id.toLowerCase()}`), sorted(acme));
    assert.deepEqual(await ids('namespace=unknown'), []);
    assert.deepEqual(await ids('status=inactive'), sorted(sita));
    assert.deepEqual(await ids('status=active'), sorted(ravi, acme));
    assert.deepEqual(await ids('type=corporate'), sorted(acme));
    assert.deepEqual(await ids('tags=gold'), sorted(ravi, acme));
    assert.deepEqual(await ids('tags=silver,vip'), sorted(ravi, sita), 'tags match any');
    assert.deepEqual(await ids('tags=none'), []);
    assert.deepEqual(await ids('approval_status=approved'), sorted(ravi));
    assert.deepEqual(await ids('approval_status=pending'), sorted(sita, acme));
    assert.deepEqual(await ids('rm_id=rm1'), sorted(ravi));
    assert.deepEqual(await ids('branch_id=del'), sorted(acme));
    assert.deepEqual(await ids('ref_id=ACME-002'), sorted(sita));
    assert.deepEqual(await ids('ref_id=ACME'), [], 'ref_id filter is exact');
    assert.deepEqual(await ids(`status=active&type=individual&namespace=${nsA.id}`), sorted(ravi), 'filters combine');
    for (const [field, v] of [['status', 'deleted'], ['type', 'person'], ['approval_status', 'maybe']]) {
      assertFieldErrors(await c.req('GET', `/contacts/?${field}=${v}`), field!);
    }
  });

  it('filters by created_at_after / created_at_before with dates and date-times', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name });
    const t = new Date(ct.created_at);
    const day = ct.created_at.slice(0, 10);
    const count = async (q: string) => {
      const res = await c.req('GET', `/contacts/?${q}`);
      assert.equal(res.status, 200, `${q}: ${res.text}`);
      return res.body.count;
    };
    assert.equal(await count(`created_at_after=${day}&created_at_before=${day}`), 1, 'a date covers its whole day');
    const nextDay = new Date(t.getTime() + 86_400_000).toISOString().slice(0, 10);
    const prevDay = new Date(t.getTime() - 86_400_000).toISOString().slice(0, 10);
    assert.equal(await count(`created_at_after=${nextDay}`), 0);
    assert.equal(await count(`created_at_before=${prevDay}`), 0);
    const enc = (d: Date) => encodeURIComponent(d.toISOString());
    assert.equal(await count(`created_at_after=${enc(t)}&created_at_before=${enc(t)}`), 1, 'date-times are inclusive instants');
    assert.equal(await count(`created_at_after=${enc(new Date(t.getTime() + 1))}`), 0);
    assert.equal(await count(`created_at_before=${enc(new Date(t.getTime() - 1))}`), 0);
    const offset = encodeURIComponent(t.toISOString().replace('Z', '+00:00'));
    assert.equal(await count(`created_at_after=${offset}`), 1);
    for (const bad of ['2024-02-30', 'today', '2024/01/01', '1700000000', '2024-01-01T25:00:00Z']) {
      assertFieldErrors(await c.req('GET', `/contacts/?created_at_before=${encodeURIComponent(bad)}`), 'created_at_before');
    }
  });

  it('rejects unknown expand names and ordering fields; orders by the whitelist', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const b = await createContact(c, { namespace: ns.name, name: 'bravo', ref_id: 'R2' });
    await sleep(3);
    const a = await createContact(c, { namespace: ns.name, name: 'Alpha', ref_id: 'R3' });
    await sleep(3);
    const ch = await createContact(c, { namespace: ns.name, name: 'charlie', ref_id: 'R1' });
    await sleep(3);
    await c.req('PATCH', `/contacts/${b.id}/`, { body: { tags: ['touched'] } });
    const order = async (o: string) => (await c.req('GET', `/contacts/?ordering=${o}`)).body.results.map((r: { name: string }) => r.name);
    assert.deepEqual(await order('name'), ['Alpha', 'bravo', 'charlie']);
    assert.deepEqual(await order('-name'), ['charlie', 'bravo', 'Alpha']);
    assert.deepEqual(await order('ref_id'), ['charlie', 'bravo', 'Alpha']);
    assert.deepEqual(await order('created_at'), ['bravo', 'Alpha', 'charlie']);
    assert.deepEqual(await order('-created_at'), ['charlie', 'Alpha', 'bravo']);
    assert.deepEqual(await order('-updated_at'), ['bravo', 'charlie', 'Alpha']);
    assert.deepEqual((await c.req('GET', '/contacts/')).body.results.map((r: { id: string }) => r.id), [ch.id, a.id, b.id], 'default -created_at');
    for (const o of ['status', 'tenant_id', 'namespace', '-', 'name;drop']) {
      assertFieldErrors(await c.req('GET', `/contacts/?ordering=${encodeURIComponent(o)}`), 'ordering');
    }
    for (const e of ['nope', 'props,nope', 'PROPS']) {
      assertFieldErrors(await c.req('GET', `/contacts/?expand=${e}`), 'expand');
      assertFieldErrors(await c.req('GET', `/contacts/${a.id}/?expand=${e}`), 'expand');
    }
    assertFieldErrors(await c.req('GET', '/contacts/?page_size=201'), 'page_size');
    assertFieldErrors(await c.req('GET', '/contacts/?page=0'), 'page');
    const past = await c.req('GET', '/contacts/?page=5');
    assert.equal(past.status, 200);
    assert.deepEqual(past.body.results, []);
    assert.equal(past.body.count, 3);
  });

  it('pages through every ordering and filter: the pages, in order, are the whole list, each row complete', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const other = await createNamespace(c);
    const made: { id: string }[] = [];
    for (let i = 0; i < 7; i++) {
      made.push(
        await createContact(c, {
          namespace: i % 3 === 0 ? other.name : ns.name,
          name: ['delta', 'Alpha', 'charlie', 'bravo', 'Echo', 'alpha', 'golf'][i],
          ...(i === 4 ? {} : { ref_id: `R${(i * 5) % 7}` }),
          status: i % 2 ? 'inactive' : 'active',
          type: i % 3 === 1 ? 'corporate' : 'individual',
          props: [
            { key: 'segment', value: `s${i}`, type: 'text' },
            { key: 'mobile', value: `98765432${10 + i}`, type: 'text' },
          ],
        }),
      );
    }
    await c.req('PATCH', `/contacts/${made[2]!.id}/`, { body: { tags: ['touched'] } });
    assert.equal((await c.req('DELETE', `/contacts/${made[5]!.id}/`)).status, 204);
    const byId = new Map<string, unknown>();
    for (const m of made) byId.set(m.id, (await c.req('GET', `/contacts/${m.id}/`)).body);
    for (const filter of ['', 'status=inactive', 'type=corporate', `namespace=${ns.id}`, 'approval_status=pending']) {
      for (const o of ['created_at', '-created_at', 'updated_at', '-updated_at', 'name', '-name', 'ref_id', '-ref_id']) {
        const q = `ordering=${o}${filter ? '&' + filter : ''}`;
        const whole = await c.req('GET', `/contacts/?${q}&page_size=50`);
        assert.equal(whole.status, 200, whole.text);
        const paged = [];
        for (let page = 1; page <= 4; page++) {
          const res = await c.req('GET', `/contacts/?${q}&page_size=2&page=${page}`);
          assert.equal(res.status, 200, res.text);
          assert.equal(res.body.count, whole.body.count, q);
          paged.push(...res.body.results);
        }
        assert.deepEqual(paged, whole.body.results, q);
        // The order itself, with the id breaking ties and a missing ref id last (first descending).
        const field = o.replace('-', '');
        const key = (r: Record<string, string | null>) => (field === 'name' ? r.name!.toLowerCase() : (r[field] ?? null));
        const cmp = (a: Record<string, string | null>, b: Record<string, string | null>) => {
          const [x, y] = [key(a), key(b)];
          const byKey = x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
          return byKey || (a.id! < b.id! ? -1 : 1);
        };
        const expected = [...whole.body.results].sort((a, b) => (o.startsWith('-') ? -cmp(a, b) : cmp(a, b)));
        assert.deepEqual(whole.body.results.map((r: { id: string }) => r.id), expected.map((r) => r.id), `${q}: order`);
        assert.ok(whole.body.results.every((r: { id: string }) => r.id !== made[5]!.id), `${q}: no deleted contact`);
        for (const r of whole.body.results) assert.deepEqual(r, byId.get(r.id), `${q}: as retrieved`);
      }
    }
  });

  // ---------------------------------------------------------------- retrieve

  it('retrieves a contact by id in any case; malformed and unknown ids are 404', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name });
    const res = await c.req('GET', `/contacts/${ct.id}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, ct);
    assert.equal((await c.req('GET', `/contacts/${ct.id.toLowerCase()}/`)).body.id, ct.id);
    assertProblem(await c.req('GET', '/contacts/xyz/'), 404, 'not_found');
    assertProblem(await c.req('GET', '/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/'), 404, 'not_found');
  });

  // ---------------------------------------------------------------- update

  it('PATCH with only tags (Crego example) changes only the tags', async () => {
    const owner = await newCaller(h(), 'owner');
    const ns = await createNamespace(owner);
    const ct = await createContact(owner, { namespace: ns.name, name: 'Keep Me', tags: ['old'], rm_id: 'rm', refs: { a: 1 }, props: [{ key: 'k', value: 'v', type: 'text' }] });
    await sleep(5);
    const editor = await h().token(owner.tenant, 'editor');
    const res = await h().req('PATCH', `/contacts/${ct.id}/`, { token: editor, body: { tags: ['string', 'new', 'string'] } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.tags, ['string', 'new']);
    assert.equal(res.body.updated_by, 'editor');
    assert.equal(res.body.created_by, 'owner');
    assert.ok(res.body.updated_at > ct.updated_at, 'updated_at moves');
    assert.equal(res.body.created_at, ct.created_at);
    const { tags: _t, updated_at: _u, updated_by: _b, ...rest } = res.body;
    const { tags: _t0, updated_at: _u0, updated_by: _b0, ...rest0 } = ct;
    assert.deepEqual(rest, rest0, 'nothing else changed');
  });

  it('changes the ETag and updated_at on every PATCH', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const created = await c.req('POST', '/contacts/', { body: { name: 'E', type: 'individual', namespace: ns.name } });
    const e1 = created.headers.etag;
    assert.equal((await c.req('GET', `/contacts/${created.body.id}/`)).headers.etag, e1);
    await sleep(3);
    const p1 = await c.req('PATCH', `/contacts/${created.body.id}/`, { body: { name: 'E two' } });
    assert.notEqual(p1.headers.etag, e1);
    assert.ok(p1.body.updated_at > created.body.updated_at);
    assert.equal((await c.req('GET', `/contacts/${created.body.id}/`)).headers.etag, p1.headers.etag);
    const p2 = await c.req('PATCH', `/contacts/${created.body.id}/`, { body: { props: [{ key: 'x', value: '1', type: 'number' }] } });
    assert.notEqual(p2.headers.etag, p1.headers.etag, 'a props change is a change of the contact');
    assertProblem(await c.req('PATCH', `/contacts/${created.body.id}/`, { headers: { 'if-match': String(e1) }, body: { name: 'Stale' } }), 412, 'precondition_failed');
    const ok = await c.req('PATCH', `/contacts/${created.body.id}/`, { headers: { 'if-match': String(p2.headers.etag) }, body: { name: 'Fresh' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.name, 'Fresh');
  });

  it('PATCH upserts props by key and keeps the others', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name, props: [{ key: 'a', value: '1', type: 'number' }, { key: 'b', value: 'two', type: 'text' }] });
    const before = (await c.req('GET', `/contacts/${ct.id}/?expand=props`)).body.props;
    const res = await c.req('PATCH', `/contacts/${ct.id}/`, { body: { props: [{ key: 'b', value: 'true', type: 'boolean' }, { key: 'c', value: 'new', type: 'text' }] } });
    assert.equal(res.status, 200, res.text);
    const after = (await c.req('GET', `/contacts/${ct.id}/?expand=props`)).body.props;
    assert.deepEqual(after.map((p: { key: string; value: string; type: string }) => [p.key, p.value, p.type]), [['a', '1', 'number'], ['b', 'true', 'boolean'], ['c', 'new', 'text']]);
    assert.equal(after[0].id, before[0].id);
    assert.equal(after[1].id, before[1].id, 'an upsert keeps the prop id');
    assert.equal(after[0].updated_at, before[0].updated_at, 'untouched props are untouched');
    assert.deepEqual(res.body.props, after.map((p: { id: string }) => p.id));
    assertFieldErrors(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { props: [{ key: 'a', value: 'NaN', type: 'number' }] } }), 'props.0.value');
    assertFieldErrors(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { props: [{ key: 'a', value: '1', type: 'number' }, { key: 'a', value: '2', type: 'number' }] } }), 'props.1.key');
  });

  it('PATCH validates fields like create and accepts an empty body', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name, branch_id: 'b1' });
    assertFieldErrors(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { name: 'bad@', type: 'x', unknown: 1 } }), 'name', 'type', 'unknown');
    assertFieldErrors(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { namespace: 'missing' } }), 'namespace');
    assertFieldErrors(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { refs: { k: 'x'.repeat(9000) } } }), 'refs');
    const cleared = await c.req('PATCH', `/contacts/${ct.id}/`, { body: { branch_id: '' } });
    assert.equal(cleared.body.branch_id, null);
    const empty = await c.req('PATCH', `/contacts/${ct.id}/`, { body: {} });
    assert.equal(empty.status, 200, empty.text);
    assert.equal(empty.body.name, ct.name);
    assertProblem(await c.req('PATCH', `/contacts/${ct.id}/`, { rawBody: '[' }), 400, 'bad_request');
    assertProblem(await c.req('PATCH', '/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/', { body: { name: 'X' } }), 404);
  });

  it('PATCH namespace keeps the ref id unique there (409 when taken, even by a deleted contact)', async () => {
    const c = await newCaller(h());
    const ns1 = await createNamespace(c, { name: uniqueName('one') });
    const ns2 = await createNamespace(c, { name: uniqueName('two') });
    const ns3 = await createNamespace(c, { name: uniqueName('three') });
    const ct = await createContact(c, { namespace: ns1.name, ref_id: 'SHARED' });
    await createContact(c, { namespace: ns2.name, ref_id: 'SHARED' });
    const gone = await createContact(c, { namespace: ns3.name, ref_id: 'GONE' });
    await c.req('DELETE', `/contacts/${gone.id}/`);

    const clash = await c.req('PATCH', `/contacts/${ct.id}/`, { body: { namespace: ns2.name } });
    assertProblem(clash, 409, 'conflict');
    assert.ok(clash.body.errors.ref_id);
    assert.equal((await c.req('GET', `/contacts/${ct.id}/`)).body.namespace, ns1.name, 'nothing changed');

    const moved = await c.req('PATCH', `/contacts/${ct.id}/`, { body: { namespace: ns3.id } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.namespace, ns3.name);
    assert.equal(moved.body.ref_id, 'SHARED');
    assertProblem(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { ref_id: 'GONE' } }), 409);
    // Its old ref id stays reserved in ns1 for it alone: it may move back.
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'N', type: 'individual', namespace: ns1.name, ref_id: 'SHARED' } }), 409);
    const back = await c.req('PATCH', `/contacts/${ct.id}/`, { body: { namespace: ns1.name } });
    assert.equal(back.status, 200, back.text);
    // Changing the ref id: a fresh one works, a taken one is 409, null clears it.
    assert.equal((await c.req('PATCH', `/contacts/${ct.id}/`, { body: { ref_id: 'NEW-1' } })).body.ref_id, 'NEW-1');
    assert.equal((await c.req('PATCH', `/contacts/${ct.id}/`, { body: { ref_id: null } })).body.ref_id, null);
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'N', type: 'individual', namespace: ns1.name, ref_id: 'NEW-1' } }), 409, 'conflict');
  });

  it('PATCH status active on a rejected contact is 409', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name });
    assert.equal((await c.req('PUT', `/contacts/${ct.id}/reject/`, { body: { comment: 'no kyc' } })).status, 200);
    assertProblem(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { status: 'active' } }), 409, 'invalid_state');
    assert.equal((await c.req('GET', `/contacts/${ct.id}/`)).body.status, 'inactive');
  });

  // ---------------------------------------------------------------- delete and restore

  it('deletes softly: 204, then 404 on GET/PATCH/DELETE and gone from the list', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name, props: [{ key: 'pan', value: 'ABCDE1234F', type: 'text' }] });
    const del = await c.req('DELETE', `/contacts/${ct.id}/`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assertProblem(await c.req('GET', `/contacts/${ct.id}/`), 404);
    assertProblem(await c.req('PATCH', `/contacts/${ct.id}/`, { body: { name: 'X' } }), 404);
    assertProblem(await c.req('DELETE', `/contacts/${ct.id}/`), 404);
    assertProblem(await c.req('GET', `/contacts/${ct.id}/props/`), 404);
    const list = await c.req('GET', '/contacts/');
    assert.equal(list.body.count, 0);
    assert.equal((await c.req('GET', '/contacts/?search=ABCDE1234F')).body.count, 0);
    const row = await h().db.query<{ is_deleted: boolean }>('SELECT is_deleted FROM contacts WHERE tenant_id = $1 AND id = $2', [c.tenant, ct.id]);
    assert.equal(row.rows[0]?.is_deleted, true);
  });

  it('restores a deleted contact; restoring a live one is a no-op without an audit entry', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name, ref_id: 'RST-1' });
    await c.req('DELETE', `/contacts/${ct.id}/`);
    const res = await c.req('POST', `/contacts/${ct.id}/restore/`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.is_deleted, false);
    assert.equal(res.body.deleted_at, null);
    assert.equal(res.body.ref_id, 'RST-1');
    assert.equal((await c.req('GET', '/contacts/')).body.count, 1);
    const got = await c.req('GET', `/contacts/${ct.id}/`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.etag, res.headers.etag);

    const auditBefore = (await auditRows(h(), c.tenant)).length;
    const again = await c.req('POST', `/contacts/${ct.id}/restore/`, { rawBody: '', headers: { 'content-type': 'application/json' } });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.headers.etag, res.headers.etag, 'no-op keeps the ETag');
    assert.equal(again.body.updated_at, res.body.updated_at, 'no-op keeps updated_at');
    assert.equal((await auditRows(h(), c.tenant)).length, auditBefore, 'no-op writes no audit entry');
    assertProblem(await c.req('POST', '/contacts/01ARZ3NDEKTSV4RRFFQ69G5FAV/restore/'), 404);
  });

  it('refuses to restore a contact whose namespace was deleted', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const ct = await createContact(c, { namespace: ns.name });
    await c.req('DELETE', `/contacts/${ct.id}/`);
    assert.equal((await c.req('DELETE', `/namespaces/${ns.id}/`)).status, 204);
    assertProblem(await c.req('POST', `/contacts/${ct.id}/restore/`), 409, 'conflict');
  });
});
