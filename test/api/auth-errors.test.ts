import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { mintToken } from '../../src/auth/index.js';
import { TEST_SECRET, describeEngines, it, type Harness } from '../helpers/engines.js';
import { ULID_RE, assertProblem, auditRows, createContact, createNamespace, newCaller, uniqueName } from '../helpers/api.js';

const KEY = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** Signs arbitrary claims with the test secret (or another key), HS256 unless told otherwise. */
async function sign(claims: Record<string, unknown>, key: Uint8Array = KEY): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

/** Every foundation route, with a body that would be invalid if it were ever validated. */
function routes(nsId: string, contactId: string): [string, string, unknown][] {
  return [
    ['GET', '/namespaces/', undefined],
    ['POST', '/namespaces/', { name: '' }],
    ['GET', `/namespaces/${nsId}/`, undefined],
    ['PATCH', `/namespaces/${nsId}/`, { contact_counter: 0 }],
    ['DELETE', `/namespaces/${nsId}/`, undefined],
    ['POST', `/namespaces/${nsId}/account_refs/`, undefined],
    ['GET', '/contacts/', undefined],
    ['POST', '/contacts/', { bogus: true }],
    ['GET', `/contacts/${contactId}/`, undefined],
    ['PATCH', `/contacts/${contactId}/`, { name: 5 }],
    ['DELETE', `/contacts/${contactId}/`, undefined],
    ['PUT', `/contacts/${contactId}/active/`, undefined],
    ['PUT', `/contacts/${contactId}/inactive/`, undefined],
    ['PUT', `/contacts/${contactId}/approve/`, { comment: 7 }],
    ['PUT', `/contacts/${contactId}/reject/`, {}],
    ['POST', `/contacts/${contactId}/restore/`, undefined],
    ['GET', `/contacts/${contactId}/props/`, undefined],
    ['PUT', `/contacts/${contactId}/props/`, { not: 'an array' }],
    ['DELETE', `/contacts/${contactId}/props/?keys=a`, undefined],
  ];
}

async function seed(h: Harness) {
  const owner = await newCaller(h, 'owner');
  const ns = await createNamespace(owner, { account_pattern: 'A{seq}' });
  const contact = await createContact(owner, { namespace: ns.name, props: [{ key: 'a', value: '1', type: 'text' }] });
  return { owner, ns, contact };
}

describeEngines('auth and errors', (h) => {
  // ---------------------------------------------------------------- authentication

  it('answers 401 for missing, malformed, forged, expired and tenant-less tokens on every route, before validation', async () => {
    const { owner, ns, contact } = await seed(h());
    const exp = now() + 3600;
    const badTokens: [string, string | null][] = [
      ['no Authorization header', null],
      ['empty bearer', 'Bearer '],
      ['other scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['not a JWT', 'Bearer not-a-jwt'],
      ['token without scheme', await mintToken({ secret: TEST_SECRET, tenant: owner.tenant, sub: 'x', ttlSeconds: 60 })],
      ['wrong signature', `Bearer ${await mintToken({ secret: 'another-secret-another-secret-another-secret', tenant: owner.tenant, sub: 'x', ttlSeconds: 60 })}`],
      ['expired', `Bearer ${await sign({ tenant_id: owner.tenant, sub: 'x', exp: now() - 60, iat: now() - 120 })}`],
      ['no exp', `Bearer ${await sign({ tenant_id: owner.tenant, sub: 'x' })}`],
      ['no tenant claim', `Bearer ${await sign({ sub: 'x', exp })}`],
      ['non-string tenant', `Bearer ${await sign({ tenant_id: 42, sub: 'x', exp })}`],
      ['malformed tenant', `Bearer ${await sign({ tenant_id: 'a b/c', sub: 'x', exp })}`],
      ['no sub', `Bearer ${await sign({ tenant_id: owner.tenant, exp })}`],
      ['sub with NUL', `Bearer ${await sign({ tenant_id: owner.tenant, sub: 'a\u0000b', exp })}`],
      ['alg none', `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ tenant_id: owner.tenant, sub: 'x', exp })).toString('base64url')}.`],
    ];
    for (const [what, header] of badTokens) {
      for (const [method, url, body] of routes(ns.id, contact.id)) {
        const res = await h().req(method, url, { token: null, body, headers: header === null ? {} : { authorization: header } });
        assertProblem(res, 401, 'unauthorized');
        assert.equal(res.headers['www-authenticate'], 'Bearer', `${what} ${method} ${url}: the challenge`);
      }
      // Even a malformed JSON body is not looked at before authentication.
      assertProblem(await h().req('POST', '/contacts/', { token: null, rawBody: '{oops', headers: header === null ? {} : { authorization: header } }), 401);
    }
    // None of those requests changed anything.
    assert.equal((await owner.req('GET', `/contacts/${contact.id}/`)).status, 200);
    assert.equal((await owner.req('GET', `/namespaces/${ns.id}/`)).body.account_counter, 1);
  });

  it('accepts the `tenant` claim when `tenant_id` is absent, and a lower-case scheme', async () => {
    const tenant = h().tenant();
    const token = await sign({ tenant, sub: 'claim-user', exp: now() + 600 });
    const res = await h().req('POST', '/namespaces/', { token, body: { name: 'via-tenant-claim' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.tenant_id, tenant);
    assert.equal(res.body.created_by, 'claim-user');
    const std = await h().token(tenant, 'claim-user');
    assert.equal((await h().req('GET', `/namespaces/${res.body.id}/`, { token: std })).status, 200, 'the same tenant either way');
    const lower = await h().req('GET', '/namespaces/', { token: null, headers: { authorization: `bearer ${token}` } });
    assert.equal(lower.status, 200);
    assert.equal(lower.body.count, 1);
    // tenant_id wins over tenant.
    const both = await sign({ tenant_id: tenant, tenant: 'someone-else', sub: 'u', exp: now() + 600 });
    assert.equal((await h().req('GET', '/namespaces/', { token: both })).body.count, 1);
  });

  it('refuses tokens valid for longer than AUTH_MAX_TOKEN_TTL (24 h by default), with or without iat', async () => {
    const tenant = h().tenant();
    const day = 86_400;
    const ok = await sign({ tenant_id: tenant, sub: 'u', iat: now(), exp: now() + day });
    assert.equal((await h().req('GET', '/namespaces/', { token: ok })).status, 200);
    const long = await sign({ tenant_id: tenant, sub: 'u', iat: now(), exp: now() + day + 60 });
    const refused = await h().req('GET', '/namespaces/', { token: long });
    assert.equal(refused.status, 401);
    assert.match(refused.body.detail, /AUTH_MAX_TOKEN_TTL/);
    // Issued long ago with a long life: what counts is exp − iat, not the time left.
    const old = await sign({ tenant_id: tenant, sub: 'u', iat: now() - 2 * day, exp: now() + 600 });
    assert.equal((await h().req('GET', '/namespaces/', { token: old })).status, 401);
    // Without iat, exp is measured from now.
    assert.equal((await h().req('GET', '/namespaces/', { token: await sign({ tenant_id: tenant, sub: 'u', exp: now() + 600 }) })).status, 200);
    assert.equal((await h().req('GET', '/namespaces/', { token: await sign({ tenant_id: tenant, sub: 'u', exp: now() + 2 * day }) })).status, 401);
  });

  // ---------------------------------------------------------------- tenant isolation

  it("hides another tenant's namespace and contact: 404 on every route, absent from lists, untouched", async () => {
    const { owner, ns, contact } = await seed(h());
    const nsBefore = await owner.req('GET', `/namespaces/${ns.id}/`);
    const ctBefore = await owner.req('GET', `/contacts/${contact.id}/?expand=props`);
    const intruder = await newCaller(h(), 'intruder');
    const validBodies: Record<string, unknown> = {
      [`PATCH /namespaces/${ns.id}/`]: { contact_counter: 99 },
      [`PATCH /contacts/${contact.id}/`]: { name: 'Hijacked' },
      [`PUT /contacts/${contact.id}/reject/`]: { comment: 'hostile' },
      [`PUT /contacts/${contact.id}/props/`]: [{ key: 'a', value: 'hijack', type: 'text' }],
    };
    for (const [method, url] of routes(ns.id, contact.id)) {
      if (url === '/namespaces/' || url === '/contacts/') continue;
      const res = await intruder.req(method, url, { body: validBodies[`${method} ${url}`] });
      assertProblem(res, 404, 'not_found');
    }
    const nsList = await intruder.req('GET', '/namespaces/');
    assert.equal(nsList.body.count, 0);
    const ctList = await intruder.req('GET', `/contacts/?search=${encodeURIComponent(contact.name)}`);
    assert.equal(ctList.body.count, 0);
    assert.equal((await intruder.req('GET', `/contacts/?namespace=${ns.id}`)).body.count, 0);
    // The owner sees everything exactly as before.
    const nsAfter = await owner.req('GET', `/namespaces/${ns.id}/`);
    const ctAfter = await owner.req('GET', `/contacts/${contact.id}/?expand=props`);
    assert.deepEqual(nsAfter.body, nsBefore.body);
    assert.equal(nsAfter.headers.etag, nsBefore.headers.etag);
    assert.deepEqual(ctAfter.body, ctBefore.body);
    assert.equal(ctAfter.headers.etag, ctBefore.headers.etag);
    assert.equal((await auditRows(h(), intruder.tenant)).length, 0);
  });

  // ---------------------------------------------------------------- problem documents and request ids

  it('every problem document has type/title/status/detail/code/instance with instance = X-Request-Id', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const problems = [
      await c.req('POST', '/namespaces/', { body: {} }),
      await c.req('POST', '/namespaces/', { body: { name: ns.name } }),
      await c.req('GET', '/namespaces/01ARZ3NDEKTSV4RRFFQ69G5FAV/'),
      await h().req('GET', '/namespaces/', { token: null }),
      await c.req('GET', '/no/such/route/'),
      await c.req('POST', '/namespaces/', { rawBody: '{' }),
    ];
    const statuses = problems.map((p) => p.status);
    assert.deepEqual(statuses, [400, 409, 404, 401, 404, 400]);
    for (const p of problems) {
      assertProblem(p, p.status);
      assert.match(p.body.type, /^urn:contact-registry:problem:/);
      assert.ok(p.body.type.endsWith(p.body.code));
      assert.match(String(p.headers['x-request-id']), ULID_RE, 'a generated request id is a ULID');
    }
    assert.equal(new Set(problems.map((p) => p.body.instance)).size, problems.length, 'each request has its own id');
  });

  it('echoes a client X-Request-Id (success and problem) and replaces an unusable one', async () => {
    const c = await newCaller(h());
    const ok = await c.req('GET', '/namespaces/', { headers: { 'x-request-id': 'trace-abc.123:9' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-request-id'], 'trace-abc.123:9');
    const bad = await c.req('GET', '/namespaces/0/', { headers: { 'x-request-id': 'client-req-42' } });
    assertProblem(bad, 404);
    assert.equal(bad.body.instance, 'client-req-42');
    const unauth = await h().req('GET', '/contacts/', { token: null, headers: { 'x-request-id': 'anon-1' } });
    assertProblem(unauth, 401);
    assert.equal(unauth.body.instance, 'anon-1');
    for (const weird of ['has spaces', 'x'.repeat(129), 'semi;colon']) {
      const res = await c.req('GET', '/namespaces/', { headers: { 'x-request-id': weird } });
      assert.match(String(res.headers['x-request-id']), ULID_RE, `replaced: ${weird}`);
    }
  });

  it('answers unknown routes with a 404 problem, with or without a token', async () => {
    const c = await newCaller(h());
    for (const url of ['/nope', '/api/contacts/', '/v1/namespaces/', '/contacts/x/y/z/']) {
      assertProblem(await c.req('GET', url), 404, 'not_found');
      assertProblem(await h().req('GET', url, { token: null }), 404, 'not_found');
    }
  });

  it('answers an oversize body with 413 and an unsupported content type with 415', async () => {
    const c = await newCaller(h());
    const big = JSON.stringify({ name: 'Big', type: 'individual', namespace: 'x', refs: { blob: 'x'.repeat(h().config.bodyLimitBytes) } });
    const res = await c.req('POST', '/contacts/', { rawBody: big });
    assertProblem(res, 413, 'payload_too_large');
    // Without a token the same request is a 401: authentication comes first.
    assertProblem(await h().req('POST', '/contacts/', { token: null, rawBody: big }), 401);
    for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/merge-patch+json']) {
      const r = await c.req('POST', '/namespaces/', { rawBody: '<name>x</name>', headers: { 'content-type': type } });
      assertProblem(r, 415, 'unsupported_media_type');
    }
    const charset = await c.req('POST', '/namespaces/', { rawBody: JSON.stringify({ name: uniqueName() }), headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(charset.status, 201, 'a charset parameter is fine');
    assert.equal((await c.req('GET', '/namespaces/')).body.count, 1, 'only the JSON request created something');
  });

  it('serves every route without the trailing slash as well', async () => {
    const c = await newCaller(h());
    const ns = await c.req('POST', '/namespaces', { body: { name: uniqueName(), account_pattern: 'N{seq}' } });
    assert.equal(ns.status, 201, ns.text);
    assert.equal((await c.req('GET', '/namespaces')).body.count, 1);
    assert.equal((await c.req('GET', `/namespaces/${ns.body.id}`)).status, 200);
    assert.equal((await c.req('PATCH', `/namespaces/${ns.body.id}`, { body: { contact_counter: 2 } })).status, 200);
    assert.equal((await c.req('POST', `/namespaces/${ns.body.id}/account_refs`)).status, 201);
    const ct = await c.req('POST', '/contacts', { body: { name: 'No Slash', type: 'individual', namespace: ns.body.name } });
    assert.equal(ct.status, 201, ct.text);
    const id = ct.body.id;
    assert.equal((await c.req('GET', '/contacts')).body.count, 1);
    assert.equal((await c.req('GET', `/contacts/${id}`)).status, 200);
    assert.equal((await c.req('PATCH', `/contacts/${id}`, { body: { tags: ['a'] } })).status, 200);
    assert.equal((await c.req('PUT', `/contacts/${id}/approve`)).status, 200);
    assert.equal((await c.req('PUT', `/contacts/${id}/props`, { body: [{ key: 'k', value: 'v', type: 'text' }] })).status, 200);
    assert.equal((await c.req('GET', `/contacts/${id}/props`)).body.length, 1);
    assert.equal((await c.req('DELETE', `/contacts/${id}/props?keys=k`)).status, 204);
    assert.equal((await c.req('DELETE', `/contacts/${id}`)).status, 204);
    assert.equal((await c.req('POST', `/contacts/${id}/restore`)).status, 200);
    assert.equal((await c.req('GET', '/contacts?ordering=name&page=1')).body.count, 1);
  });

  // ---------------------------------------------------------------- public routes and OpenAPI

  it('serves /healthz, /readyz, /openapi.json and /docs without a token', async () => {
    const health = await h().req('GET', '/healthz', { token: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await h().req('GET', '/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.equal(ready.body.database, h().engine);
    const spec = await h().req('GET', '/openapi.json', { token: null });
    assert.equal(spec.status, 200);
    assert.match(String(spec.headers['content-type']), /json/);
    const docs = await h().req('GET', '/docs', { token: null });
    assert.ok(docs.status === 200 || docs.status === 302, `docs answered ${docs.status}`);
    // An invalid token does not matter on public routes.
    assert.equal((await h().req('GET', '/healthz', { token: 'garbage' })).status, 200);
    assert.ok(health.headers['x-request-id'], 'public routes carry a request id too');
  });

  it('/openapi.json lists every route with its methods and the Problem schema', async () => {
    const spec = (await h().req('GET', '/openapi.json', { token: null })).body;
    assert.match(spec.openapi, /^3\.1/);
    assert.ok(spec.components.schemas.Problem, 'Problem schema is a component');
    assert.deepEqual([...spec.components.schemas.Problem.required].sort(), ['code', 'detail', 'instance', 'status', 'title', 'type']);
    assert.ok(spec.components.securitySchemes.bearer);
    const expected: Record<string, string[]> = {
      '/namespaces/': ['get', 'post'],
      '/namespaces/{namespace_id}/': ['delete', 'get', 'patch'],
      '/namespaces/{namespace_id}/account_refs/': ['post'],
      '/contacts/': ['get', 'post'],
      '/contacts/{contact_id}/': ['delete', 'get', 'patch'],
      '/contacts/{contact_id}/active/': ['put'],
      '/contacts/{contact_id}/inactive/': ['put'],
      '/contacts/{contact_id}/approve/': ['put'],
      '/contacts/{contact_id}/reject/': ['put'],
      '/contacts/{contact_id}/restore/': ['post'],
      '/contacts/{contact_id}/props/': ['delete', 'get', 'put'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      const item = spec.paths[path];
      assert.ok(item, `missing path ${path}`);
      for (const m of methods) {
        const op = item[m];
        assert.ok(op, `missing ${m.toUpperCase()} ${path}`);
        assert.ok(op.summary, `${m} ${path} has a summary`);
        const codes = Object.keys(op.responses);
        assert.ok(codes.some((c) => c.startsWith('2')), `${m} ${path} documents a success`);
        assert.ok(codes.includes('401'), `${m} ${path} documents 401`);
        // Shared error responses are referenced from components.responses.
        const ref: string | undefined = op.responses['401'].$ref;
        const problem = JSON.stringify(ref ? spec.components.responses[ref.replace('#/components/responses/', '')] : op.responses['401']);
        assert.match(problem, /Problem/, `${m} ${path} 401 uses the Problem schema`);
      }
    }
    assert.equal(spec.paths['/healthz'], undefined, 'operational routes are not part of the API reference');
  });

  // ---------------------------------------------------------------- audit

  it('writes one audit entry per write, with matching object ids, user and client info', async () => {
    const c = await newCaller(h(), 'auditor');
    const send = (method: string, url: string, body?: unknown) => c.req(method, url, { body, headers: { 'user-agent': 'audit-test/1.0' } });
    const ns = (await send('POST', '/namespaces/', { name: uniqueName(), account_pattern: 'A{seq}' })).body;
    await send('PATCH', `/namespaces/${ns.id}/`, { contact_counter: 5 });
    await send('POST', `/namespaces/${ns.id}/account_refs/`);
    const ct = (await send('POST', '/contacts/', { name: 'Audited', type: 'individual', namespace: ns.name })).body;
    await send('PATCH', `/contacts/${ct.id}/`, { tags: ['x'] });
    await send('PUT', `/contacts/${ct.id}/props/`, [{ key: 'k', value: 'v', type: 'text' }]);
    await send('DELETE', `/contacts/${ct.id}/props/?keys=k`);
    await send('PUT', `/contacts/${ct.id}/approve/`, { comment: 'ok' });
    await send('DELETE', `/contacts/${ct.id}/`);
    await send('POST', `/contacts/${ct.id}/restore/`);
    await send('DELETE', `/contacts/${ct.id}/`);
    const ns2 = (await send('POST', '/namespaces/', { name: uniqueName() })).body;
    await send('DELETE', `/namespaces/${ns2.id}/`);

    const rows = await auditRows(h(), c.tenant);
    const got = rows.map((r) => [r.object_type, r.action_type, r.object_id, r.comment]).sort();
    const want = [
      ['namespace', 'create', ns.id, null],
      ['namespace', 'update', ns.id, null],
      ['namespace', 'action', ns.id, 'account_ref A1'],
      ['contact', 'create', ct.id, null],
      ['contact', 'update', ct.id, null],
      ['prop', 'update', ct.id, null],
      ['prop', 'delete', ct.id, null],
      ['contact', 'action', ct.id, 'approve: ok'],
      ['contact', 'delete', ct.id, null],
      ['contact', 'action', ct.id, 'restore'],
      ['contact', 'delete', ct.id, null],
      ['namespace', 'create', ns2.id, null],
      ['namespace', 'delete', ns2.id, null],
    ].sort();
    assert.deepEqual(got, want);
    const details = await h().db.query<{ user_id: string; user_agent: string | null; ip_address: string | null; contact_id: string | null; object_type: string }>(
      'SELECT user_id, user_agent, ip_address, contact_id, object_type FROM audit_log WHERE tenant_id = $1',
      [c.tenant],
    );
    for (const d of details.rows) {
      assert.equal(d.user_id, 'auditor');
      assert.equal(d.user_agent, 'audit-test/1.0');
      assert.ok(d.ip_address, 'the client address is recorded');
      assert.equal(d.contact_id, d.object_type === 'namespace' ? null : ct.id);
    }
    const create = rows.find((r) => r.object_type === 'contact' && r.action_type === 'create')!;
    assert.equal(create.before_state, null);
    assert.equal(create.after_state.id, ct.id);
    assert.equal(create.after_state.name, 'Audited');
    const nsCreate = rows.find((r) => r.object_type === 'namespace' && r.action_type === 'create' && r.object_id === ns.id)!;
    assert.equal(nsCreate.after_state.name, ns.name);
  });

  it('leaves no audit entry and no partial rows behind a failed write', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'G{seq}', contact_counter: 10 });
    await createContact(c, { namespace: ns.name, ref_id: 'TAKEN' });
    const count = async (table: string) =>
      Number((await h().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [c.tenant])).rows[0]!.n);
    const snapshot = async () => ({
      audit: await count('audit_log'),
      contacts: await count('contacts'),
      props: await count('contact_props'),
      refIds: await count('contact_ref_ids'),
      namespaces: await count('namespaces'),
      counter: (await c.req('GET', `/namespaces/${ns.id}/`)).body.contact_counter,
    });
    const before = await snapshot();
    assertProblem(await c.req('POST', '/namespaces/', { body: { name: ns.name.toUpperCase() } }), 409);
    assertProblem(await c.req('POST', '/namespaces/', { body: { name: 'bad/name' } }), 400);
    assertProblem(await c.req('PATCH', `/namespaces/${ns.id}/`, { body: { contact_counter: 1 } }), 400);
    const conflict = await c.req('POST', '/contacts/', {
      body: { name: 'Partial', type: 'individual', namespace: ns.name, ref_id: 'TAKEN', props: [{ key: 'p1', value: 'x', type: 'text' }, { key: 'p2', value: 'y', type: 'text' }] },
    });
    assertProblem(conflict, 409);
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'Bad', type: 'individual', namespace: ns.name, props: [{ key: 'n', value: 'x', type: 'number' }] } }), 400);
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'Nowhere', type: 'individual', namespace: 'missing' } }), 400);
    assert.deepEqual(await snapshot(), before, 'nothing was written, no counter number consumed');
    // A generated create after all that still gets the next number.
    assert.equal((await createContact(c, { namespace: ns.name })).ref_id, 'G10');
  });

  it('rolls back the ref-id counter and props when a generated-ref create fails late (PAN duplicate)', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c, { contact_pattern: 'D{seq}' });
    const pan = [{ key: 'pan_no', value: 'ABCPE1234F', type: 'text' }]; // 4th letter P: a person's PAN
    const first = await createContact(c, { namespace: ns.name, props: pan });
    assert.equal(first.ref_id, 'D1');
    const dup = await c.req('POST', '/contacts/', { body: { name: 'Twin', type: 'individual', namespace: ns.name, props: pan } });
    assertProblem(dup, 409);
    assert.equal(dup.body.duplicate_of, first.id);
    assert.equal((await c.req('GET', `/namespaces/${ns.id}/`)).body.contact_counter, 2, 'the rolled-back create consumed nothing');
    const props = await h().db.query('SELECT 1 FROM contact_props WHERE tenant_id = $1', [c.tenant]);
    assert.equal(props.rows.length, 1, 'only the first contact has props');
    const entries = (await auditRows(h(), c.tenant)).filter((r) => r.object_type === 'contact');
    assert.equal(entries.length, 1);
  });
});
