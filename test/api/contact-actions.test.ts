import assert from 'node:assert/strict';
import { describeEngines, it, type Harness, type Response } from '../helpers/engines.js';
import { ISO_Z_RE, assertFieldErrors, assertProblem, auditRows, createNamespace, newCaller, sleep, type Caller } from '../helpers/api.js';

const EMPTY_JSON = { rawBody: '', headers: { 'content-type': 'application/json' } };

async function freshContact(h: Harness, sub = 'maker', extra: Record<string, unknown> = {}): Promise<{ c: Caller; id: string; etag: string }> {
  const c = await newCaller(h, sub);
  const ns = await createNamespace(c);
  const res = await c.req('POST', '/contacts/', { body: { name: 'Action Target', type: 'individual', namespace: ns.name, ...extra } });
  assert.equal(res.status, 201, res.text);
  return { c, id: res.body.id, etag: String(res.headers.etag) };
}

const put = (c: Caller, id: string, action: string, opts: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Response> =>
  c.req('PUT', `/contacts/${id}/${action}/`, opts);

describeEngines('contact actions', (h) => {
  it('approve from pending: approved + active, with comment, user and time recorded', async () => {
    const { c, id } = await freshContact(h(), 'maker', { status: 'inactive' });
    await sleep(3);
    const checker = await h().token(c.tenant, 'checker');
    const res = await h().req('PUT', `/contacts/${id}/approve/`, { token: checker, body: { comment: '  KYC verified  ' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.approval_status, 'approved');
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.approval_comment, 'KYC verified', 'comments are trimmed');
    assert.equal(res.body.approval_by, 'checker');
    assert.match(res.body.approval_at, ISO_Z_RE);
    assert.equal(res.body.updated_by, 'checker');
    assert.equal(res.body.approval_at, res.body.updated_at);
    assert.match(String(res.headers.etag), /^"\d+"$/);
    const got = await c.req('GET', `/contacts/${id}/`);
    assert.deepEqual(got.body, res.body);
    const entries = (await auditRows(h(), c.tenant)).filter((r) => r.object_id === id && r.action_type === 'action');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.comment, 'approve: KYC verified');
    assert.equal(entries[0]!.user_id, 'checker');
    assert.equal(entries[0]!.before_state.approval_status, 'pending');
    assert.equal(entries[0]!.after_state.approval_status, 'approved');
  });

  it('approve works without a body, with an empty JSON body, with {} and with null', async () => {
    for (const opts of [{}, EMPTY_JSON, { body: {} }, { rawBody: 'null' }, { body: { comment: null } }]) {
      const { c, id } = await freshContact(h());
      const res = await put(c, id, 'approve', opts);
      assert.equal(res.status, 200, `${JSON.stringify(opts)}: ${res.text}`);
      assert.equal(res.body.approval_status, 'approved');
      assert.equal(res.body.approval_comment, null);
      assert.equal(res.body.approval_by, 'maker');
    }
  });

  it('reject requires a comment (400 errors.comment), also when already rejected', async () => {
    const { c, id, etag } = await freshContact(h());
    for (const opts of [{}, EMPTY_JSON, { body: {} }, { body: { comment: '' } }, { body: { comment: '   ' } }, { body: { comment: null } }]) {
      assertFieldErrors(await put(c, id, 'reject', opts), 'comment');
    }
    const unchanged = await c.req('GET', `/contacts/${id}/`);
    assert.equal(unchanged.body.approval_status, 'pending');
    assert.equal(unchanged.headers.etag, etag);
    assert.equal((await put(c, id, 'reject', { body: { comment: 'PAN mismatch' } })).status, 200);
    assertFieldErrors(await put(c, id, 'reject'), 'comment');
    assertFieldErrors(await put(c, id, 'reject', { body: {} }), 'comment');
  });

  it('reject: rejected + inactive, with the comment recorded', async () => {
    const { c, id } = await freshContact(h(), 'checker');
    const res = await put(c, id, 'reject', { body: { comment: 'PAN mismatch' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.approval_status, 'rejected');
    assert.equal(res.body.status, 'inactive');
    assert.equal(res.body.approval_comment, 'PAN mismatch');
    assert.equal(res.body.approval_by, 'checker');
    assert.match(res.body.approval_at, ISO_Z_RE);
    const entries = (await auditRows(h(), c.tenant)).filter((r) => r.object_id === id && r.action_type === 'action');
    assert.deepEqual(entries.map((e) => e.comment), ['reject: PAN mismatch']);
  });

  it('active on a rejected contact is 409 invalid_state naming the state; approve then makes it active', async () => {
    const { c, id } = await freshContact(h());
    await put(c, id, 'reject', { body: { comment: 'no' } });
    const before = await c.req('GET', `/contacts/${id}/`);
    const res = await put(c, id, 'active');
    assertProblem(res, 409, 'invalid_state');
    assert.match(res.body.detail, /rejected/);
    const after = await c.req('GET', `/contacts/${id}/`);
    assert.deepEqual(after.body, before.body, 'nothing changed');
    assert.equal(after.headers.etag, before.headers.etag);
    // Inactive is already in effect: a no-op, not a conflict.
    assert.equal((await put(c, id, 'inactive')).status, 200);
    const approved = await put(c, id, 'approve', { body: { comment: 'fixed' } });
    assert.equal(approved.status, 200);
    assert.equal(approved.body.approval_status, 'approved');
    assert.equal(approved.body.status, 'active');
    assert.equal(approved.body.approval_comment, 'fixed');
  });

  it('reject from approved is allowed; approve from rejected is allowed', async () => {
    const { c, id } = await freshContact(h());
    await put(c, id, 'approve');
    const rejected = await put(c, id, 'reject', { body: { comment: 'fraud flag' } });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.body.approval_status, 'rejected');
    assert.equal(rejected.body.status, 'inactive');
    const approved = await put(c, id, 'approve');
    assert.equal(approved.body.approval_status, 'approved');
    assert.equal(approved.body.status, 'active');
    assert.equal(approved.body.approval_comment, null, 'the last decision is what is shown');
  });

  it('active and inactive toggle status without touching approval', async () => {
    const { c, id } = await freshContact(h());
    const off = await put(c, id, 'inactive', EMPTY_JSON);
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.status, 'inactive');
    assert.equal(off.body.approval_status, 'pending');
    assert.equal(off.body.approval_by, null);
    const on = await put(c, id, 'active', { body: { comment: 'back' } });
    assert.equal(on.status, 200);
    assert.equal(on.body.status, 'active');
    assert.equal(on.body.approval_comment, null, 'status actions do not record approval comments');
    const comments = (await auditRows(h(), c.tenant)).filter((r) => r.object_id === id && r.action_type === 'action').map((r) => r.comment).sort();
    assert.deepEqual(comments, ['active: back', 'inactive']);
  });

  it('repeating an action in effect is a no-op 200: same ETag and updated_at, no audit entry', async () => {
    const { c, id } = await freshContact(h());
    const cases: [string, unknown][] = [
      ['active', undefined],
      ['approve', { comment: 'first' }],
      ['approve', { comment: 'second' }],
      ['inactive', undefined],
      ['inactive', undefined],
      ['approve', undefined], // already approved, even though inactive (CONTRACT §6a)
      ['reject', { comment: 'r1' }],
      ['reject', { comment: 'r2' }],
    ];
    // Expected effect: true = a write, false = a no-op.
    const writes = [false, true, false, true, false, false, true, false];
    for (const [i, [action, body]] of cases.entries()) {
      const before = await c.req('GET', `/contacts/${id}/`);
      const auditBefore = (await auditRows(h(), c.tenant)).length;
      await sleep(2);
      const res = await put(c, id, action, body === undefined ? {} : { body });
      assert.equal(res.status, 200, `${action}: ${res.text}`);
      const auditAfter = (await auditRows(h(), c.tenant)).length;
      if (writes[i]) {
        assert.notEqual(res.headers.etag, before.headers.etag, `${action} #${i} changes the ETag`);
        assert.equal(auditAfter, auditBefore + 1);
      } else {
        assert.equal(res.headers.etag, before.headers.etag, `${action} #${i} keeps the ETag`);
        assert.equal(res.body.updated_at, before.body.updated_at, `${action} #${i} keeps updated_at`);
        assert.deepEqual(res.body, before.body, `${action} #${i} changes nothing`);
        assert.equal(auditAfter, auditBefore, `${action} #${i} writes no audit entry`);
      }
    }
    const final = await c.req('GET', `/contacts/${id}/`);
    assert.equal(final.body.approval_comment, 'r1');
    assert.equal(final.body.status, 'inactive');
  });

  it('If-Match: a mismatch is 412 with the current ETag and changes nothing; a match and * proceed', async () => {
    const { c, id, etag } = await freshContact(h());
    const stale = await put(c, id, 'inactive', { headers: { 'if-match': '"999"' } });
    assertProblem(stale, 412, 'precondition_failed');
    assert.equal(stale.headers.etag, etag);
    assert.equal((await c.req('GET', `/contacts/${id}/`)).body.status, 'active');
    const ok = await put(c, id, 'inactive', { headers: { 'if-match': etag } });
    assert.equal(ok.status, 200);
    assert.notEqual(ok.headers.etag, etag);
    assertProblem(await put(c, id, 'active', { headers: { 'if-match': etag } }), 412);
    assertProblem(await put(c, id, 'reject', { headers: { 'if-match': etag }, body: { comment: 'x' } }), 412);
    const star = await put(c, id, 'approve', { headers: { 'if-match': '*' } });
    assert.equal(star.status, 200);
    assert.equal(star.body.approval_status, 'approved');
    const list = await put(c, id, 'inactive', { headers: { 'if-match': `"1", ${String(star.headers.etag)}` } });
    assert.equal(list.status, 200, 'any tag of a list may match');
    // Restore honours If-Match too.
    assert.equal((await c.req('DELETE', `/contacts/${id}/`)).status, 204);
    assertProblem(await c.req('POST', `/contacts/${id}/restore/`, { headers: { 'if-match': '"1"' } }), 412);
    assert.equal((await c.req('POST', `/contacts/${id}/restore/`, { headers: { 'if-match': '*' } })).status, 200);
  });

  it('actions on a deleted, unknown or malformed contact are 404', async () => {
    const { c, id } = await freshContact(h());
    assert.equal((await c.req('DELETE', `/contacts/${id}/`)).status, 204);
    for (const action of ['active', 'inactive', 'approve']) {
      assertProblem(await put(c, id, action), 404, 'not_found');
      assertProblem(await put(c, '01ARZ3NDEKTSV4RRFFQ69G5FAV', action), 404);
      assertProblem(await put(c, 'not-an-id', action), 404);
    }
    assertProblem(await put(c, id, 'reject', { body: { comment: 'x' } }), 404);
  });

  it('validates the action body: comment type and length, unknown fields, malformed JSON', async () => {
    const { c, id } = await freshContact(h());
    const typed = await put(c, id, 'approve', { body: { comment: 5 } });
    assertFieldErrors(typed, 'comment');
    assert.deepEqual(Object.keys(typed.body.errors), ['comment']);
    assertFieldErrors(await put(c, id, 'reject', { body: { comment: 'x'.repeat(501) } }), 'comment');
    assertFieldErrors(await put(c, id, 'approve', { body: { comment: 'ok', note: 'x' } }), 'note');
    assertFieldErrors(await put(c, id, 'approve', { rawBody: '{"comment":"a\\u0000b"}' }), 'comment');
    assertProblem(await put(c, id, 'approve', { body: ['x'] }), 400);
    assertProblem(await put(c, id, 'approve', { rawBody: '{"comment": ' }), 400, 'bad_request');
    assertProblem(await put(c, id, 'inactive', { rawBody: 'nope' }), 400, 'bad_request');
    const ok = await put(c, id, 'reject', { body: { comment: 'x'.repeat(500) } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await c.req('GET', `/contacts/${id}/`)).body.approval_comment.length, 500);
  });

  it('only PUT is routed for actions (other methods answer a 404/405 problem and change nothing)', async () => {
    const { c, id } = await freshContact(h());
    for (const method of ['POST', 'GET', 'PATCH', 'DELETE']) {
      const res = await c.req(method, `/contacts/${id}/approve/`);
      assert.ok(res.status === 404 || res.status === 405, `${method}: ${res.status}`);
      assertProblem(res, res.status);
    }
    assert.equal((await c.req('GET', `/contacts/${id}/`)).body.approval_status, 'pending');
  });
});
