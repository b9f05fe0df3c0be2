import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, auditRows, createNamespace, newCaller, sleep, type Caller } from '../helpers/api.js';

interface PropOut {
  id: string;
  key: string;
  value: string;
  type: string;
  updated_at: string;
  updated_by: string | null;
}

const triples = (props: PropOut[]) => props.map((p) => [p.key, p.value, p.type]);

async function contactWithProps(h: Harness, props: { key: string; value: string; type: string }[], sub = 'user-1'): Promise<{ c: Caller; id: string }> {
  const c = await newCaller(h, sub);
  const ns = await createNamespace(c);
  const res = await c.req('POST', '/contacts/', { body: { name: 'Prop Owner', type: 'individual', namespace: ns.name, props } });
  assert.equal(res.status, 201, res.text);
  return { c, id: res.body.id };
}

describeEngines('props', (h) => {
  it('GET lists all props as full objects sorted by key', async () => {
    const { c, id } = await contactWithProps(h(), [
      { key: 'pan_no', value: 'ABCDE1234F', type: 'text' },
      { key: 'Email', value: 'a@b.in', type: 'text' },
      { key: 'age', value: '42', type: 'number' },
    ]);
    const res = await c.req('GET', `/contacts/${id}/props/`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(triples(res.body), [['Email', 'a@b.in', 'text'], ['age', '42', 'number'], ['pan_no', 'ABCDE1234F', 'text']]);
    for (const p of res.body) {
      assert.deepEqual(Object.keys(p).sort(), ['created_at', 'created_by', 'id', 'key', 'tenant_id', 'type', 'updated_at', 'updated_by', 'value']);
      assert.match(p.id, ULID_RE);
      assert.match(p.created_at, ISO_Z_RE);
      assert.equal(p.tenant_id, c.tenant);
      assert.equal(p.updated_by, null);
    }
    assert.equal(res.headers.etag, (await c.req('GET', `/contacts/${id}/`)).headers.etag, "the contact's ETag");
    const bare = await contactWithProps(h(), []);
    assert.deepEqual((await bare.c.req('GET', `/contacts/${bare.id}/props`)).body, []);
  });

  it('PUT upserts by key, keeps the others and returns the full sorted list', async () => {
    const { c, id } = await contactWithProps(h(), [
      { key: 'a', value: '1', type: 'number' },
      { key: 'b', value: 'two', type: 'text' },
    ], 'maker');
    const before: PropOut[] = (await c.req('GET', `/contacts/${id}/props/`)).body;
    const etag0 = (await c.req('GET', `/contacts/${id}/`)).headers.etag;
    await sleep(3);
    const editor = await h().token(c.tenant, 'editor');
    const res = await h().req('PUT', `/contacts/${id}/props/`, {
      token: editor,
      body: [{ key: 'c', value: 'false', type: 'boolean' }, { key: 'b', value: 'docs/b.pdf', type: 'file' }],
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(triples(res.body), [['a', '1', 'number'], ['b', 'docs/b.pdf', 'file'], ['c', 'false', 'boolean']]);
    const [a, b, cc] = res.body as PropOut[];
    assert.equal(a!.id, before[0]!.id);
    assert.equal(a!.updated_at, before[0]!.updated_at, 'untouched prop keeps updated_at');
    assert.equal(b!.id, before[1]!.id, 'upsert keeps the id');
    assert.equal(b!.updated_by, 'editor');
    assert.ok(b!.updated_at > before[1]!.updated_at);
    assert.match(cc!.id, ULID_RE);
    assert.deepEqual((await c.req('GET', `/contacts/${id}/props/`)).body, res.body);
    assert.notEqual(res.headers.etag, etag0, 'a props write changes the contact ETag');
    const contact = await c.req('GET', `/contacts/${id}/`);
    assert.equal(contact.headers.etag, res.headers.etag);
    assert.deepEqual(contact.body.props, res.body.map((p: PropOut) => p.id));
    assert.equal(contact.body.updated_by, 'editor');
  });

  it('PUT of identical values is a no-op: same ETag, no audit entry', async () => {
    const { c, id } = await contactWithProps(h(), [{ key: 'a', value: '1', type: 'number' }]);
    const first = await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'a', value: '1', type: 'number' }] });
    assert.equal(first.status, 200);
    const contact = await c.req('GET', `/contacts/${id}/`);
    assert.equal(first.headers.etag, contact.headers.etag);
    const audit = (await auditRows(h(), c.tenant)).filter((r) => r.object_type === 'prop');
    assert.equal(audit.length, 0);
    const empty = await c.req('PUT', `/contacts/${id}/props/`, { body: [] });
    assert.equal(empty.status, 200);
    assert.deepEqual(triples(empty.body), [['a', '1', 'number']]);
  });

  it('PUT validates values by type, keys, duplicates and the body shape', async () => {
    const { c, id } = await contactWithProps(h(), [{ key: 'keep', value: 'x', type: 'text' }]);
    assertFieldErrors(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'n', value: 'abc', type: 'number' }] }), '0.value');
    assertFieldErrors(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'ok', value: '1', type: 'text' }, { key: 'b', value: 'yes', type: 'boolean' }] }), '1.value');
    assertFieldErrors(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'bad/key', value: 'x', type: 'text' }] }), '0.key');
    assertFieldErrors(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'k', value: 'x', type: 'date' }] }), '0.type');
    assertFieldErrors(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'd', value: 'a', type: 'text' }, { key: 'd', value: 'b', type: 'text' }] }), '1.key');
    assertFieldErrors(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'k', value: '', type: 'text' }] }), '0.value');
    for (const body of [{ key: 'k', value: 'v', type: 'text' }, 'x', null, 5]) {
      assertProblem(await c.req('PUT', `/contacts/${id}/props/`, { body }), 400);
    }
    assertProblem(await c.req('PUT', `/contacts/${id}/props/`, { rawBody: '[{' }), 400, 'bad_request');
    assert.deepEqual(triples((await c.req('GET', `/contacts/${id}/props/`)).body), [['keep', 'x', 'text']], 'nothing written');
  });

  it('DELETE by ?keys=, by body {"keys": [...]}, or both; unknown keys are ignored', async () => {
    const { c, id } = await contactWithProps(h(), [
      { key: 'pan_no', value: 'P', type: 'text' },
      { key: 'email', value: 'e@x.in', type: 'text' },
      { key: 'kyc done', value: 'true', type: 'boolean' },
      { key: "a, b's", value: 'v', type: 'text' },
      { key: 'mobile', value: '9876543210', type: 'number' },
      { key: 'keep', value: 'k', type: 'text' },
    ]);
    const etag0 = (await c.req('GET', `/contacts/${id}/`)).headers.etag;
    const q = await c.req('DELETE', `/contacts/${id}/props/?keys=pan_no,email,nope`);
    assert.equal(q.status, 204, q.text);
    assert.equal(q.text, '');
    const etag1 = (await c.req('GET', `/contacts/${id}/`)).headers.etag;
    assert.notEqual(etag1, etag0);
    const b = await c.req('DELETE', `/contacts/${id}/props/`, { body: { keys: ["a, b's", 'kyc done'] } });
    assert.equal(b.status, 204, b.text);
    const both = await c.req('DELETE', `/contacts/${id}/props/?keys=${encodeURIComponent('mobile')}`, { body: { keys: ['ghost'] } });
    assert.equal(both.status, 204);
    assert.deepEqual(triples((await c.req('GET', `/contacts/${id}/props/`)).body), [['keep', 'k', 'text']]);

    const etag2 = (await c.req('GET', `/contacts/${id}/`)).headers.etag;
    const auditBefore = (await auditRows(h(), c.tenant)).length;
    assert.equal((await c.req('DELETE', `/contacts/${id}/props/?keys=ghost,other`)).status, 204);
    assert.equal((await c.req('DELETE', `/contacts/${id}/props/`)).status, 204, 'no keys at all');
    assert.equal((await c.req('GET', `/contacts/${id}/`)).headers.etag, etag2, 'deleting nothing changes nothing');
    assert.equal((await auditRows(h(), c.tenant)).length, auditBefore);
    assertFieldErrors(await c.req('DELETE', `/contacts/${id}/props/`, { body: { keys: 'keep' } }), 'keys');
    assertFieldErrors(await c.req('DELETE', `/contacts/${id}/props/`, { body: { key: ['keep'] } }), 'key');
    assertFieldErrors(await c.req('DELETE', `/contacts/${id}/props/`, { body: { toString: ['keep'] } }), 'toString');
    assert.deepEqual(triples((await c.req('GET', `/contacts/${id}/props/`)).body), [['keep', 'k', 'text']]);
  });

  it('records one audit entry per props write, against the contact', async () => {
    const { c, id } = await contactWithProps(h(), [{ key: 'a', value: '1', type: 'text' }]);
    await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'a', value: '2', type: 'text' }, { key: 'b', value: '3', type: 'text' }] });
    await c.req('DELETE', `/contacts/${id}/props/?keys=a`);
    const entries = (await auditRows(h(), c.tenant)).filter((r) => r.object_type === 'prop');
    assert.deepEqual(entries.map((e) => e.action_type).sort(), ['delete', 'update']);
    for (const e of entries) {
      assert.equal(e.object_id, id);
      assert.equal(e.contact_id, id);
    }
    const update = entries.find((e) => e.action_type === 'update')!;
    assert.deepEqual(update.before_state.map((p: PropOut) => [p.key, p.value]), [['a', '1']]);
    assert.deepEqual(update.after_state.map((p: PropOut) => [p.key, p.value]), [['a', '2'], ['b', '3']]);
  });

  it('PUT and DELETE honour If-Match against the contact', async () => {
    const { c, id } = await contactWithProps(h(), [{ key: 'a', value: '1', type: 'text' }]);
    const etag = String((await c.req('GET', `/contacts/${id}/`)).headers.etag);
    const stale = await c.req('PUT', `/contacts/${id}/props/`, { headers: { 'if-match': '"12345"' }, body: [{ key: 'a', value: '2', type: 'text' }] });
    assertProblem(stale, 412, 'precondition_failed');
    assert.equal(stale.headers.etag, etag);
    assertProblem(await c.req('DELETE', `/contacts/${id}/props/?keys=a`, { headers: { 'if-match': '"12345"' } }), 412);
    assert.deepEqual(triples((await c.req('GET', `/contacts/${id}/props/`)).body), [['a', '1', 'text']]);
    const ok = await c.req('PUT', `/contacts/${id}/props/`, { headers: { 'if-match': etag }, body: [{ key: 'a', value: '2', type: 'text' }] });
    assert.equal(ok.status, 200);
    assert.equal((await c.req('DELETE', `/contacts/${id}/props/?keys=a`, { headers: { 'if-match': '*' } })).status, 204);
  });

  it("another tenant's contact, a deleted contact and bad ids are 404 on every props route", async () => {
    const { c, id } = await contactWithProps(h(), [{ key: 'a', value: '1', type: 'text' }]);
    const other = await newCaller(h());
    assertProblem(await other.req('GET', `/contacts/${id}/props/`), 404, 'not_found');
    assertProblem(await other.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'a', value: 'hijack', type: 'text' }] }), 404);
    assertProblem(await other.req('DELETE', `/contacts/${id}/props/?keys=a`), 404);
    assert.deepEqual(triples((await c.req('GET', `/contacts/${id}/props/`)).body), [['a', '1', 'text']], 'untouched');
    for (const bad of ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'zzz']) {
      assertProblem(await c.req('GET', `/contacts/${bad}/props/`), 404);
      assertProblem(await c.req('PUT', `/contacts/${bad}/props/`, { body: [] }), 404);
      assertProblem(await c.req('DELETE', `/contacts/${bad}/props/?keys=a`), 404);
    }
    await c.req('DELETE', `/contacts/${id}/`);
    assertProblem(await c.req('GET', `/contacts/${id}/props/`), 404);
    assertProblem(await c.req('PUT', `/contacts/${id}/props/`, { body: [{ key: 'b', value: '1', type: 'text' }] }), 404);
    assertProblem(await c.req('DELETE', `/contacts/${id}/props/?keys=a`), 404);
  });
});
