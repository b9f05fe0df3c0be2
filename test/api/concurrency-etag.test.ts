import assert from 'node:assert/strict';
import { createHarness, type Harness, type Response } from '../helpers/engines.js';
import { assertProblem, createContact, createNamespace, newCaller, type Caller } from '../helpers/api.js';
import { pgTest } from '../helpers/postgres-only.js';

// CONTRACT §6b If-Match under real concurrency (PostgreSQL, a pool of connections): two writers
// holding the same ETag race; the row lock makes exactly one win, the other gets 412 with the
// winner's ETag, and a stale ETag never changes anything.

const ROUNDS = 15;

async function auditCount(h: Harness, tenant: string, objectId: string): Promise<number> {
  const r = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND object_id = $2', [tenant, objectId]);
  return r.rows[0]!.n;
}

function assertPreconditionFailed(res: Response, currentEtag: string): void {
  assertProblem(res, 412, 'precondition_failed');
  assert.equal(res.headers.etag, currentEtag, 'a 412 carries the current ETag');
}

/** Runs two requests at the same moment with the same If-Match; returns [winner, loser]. */
async function race(c: Caller, etag: string, a: () => [string, string, unknown], b: () => [string, string, unknown]): Promise<[Response, Response]> {
  const send = ([method, url, body]: [string, string, unknown]) => c.req(method, url, { body, headers: { 'if-match': etag } });
  const results = await Promise.all([send(a()), send(b())]);
  const statuses = results.map((r) => r.status).sort();
  assert.equal(statuses[1], 412, `expected one 412, got ${statuses.join(', ')}: ${results.map((r) => r.text).join(' | ')}`);
  assert.ok(statuses[0] === 200 || statuses[0] === 204, `expected one success, got ${statuses.join(', ')}`);
  const winner = results.find((r) => r.status !== 412)!;
  const loser = results.find((r) => r.status === 412)!;
  return [winner, loser];
}

pgTest('If-Match under concurrency [postgres]', async (t) => {
  const h = await createHarness('postgres');
  t.after(() => h.close());
  const c = await newCaller(h);
  const ns = await createNamespace(c);

  await t.test(`two concurrent PATCHes with the same If-Match: one 200, one 412 (${ROUNDS} rounds)`, async () => {
    const contact = await createContact(c, { namespace: ns.name });
    for (let i = 0; i < ROUNDS; i++) {
      const before = await c.req('GET', `/contacts/${contact.id}/`);
      const etag = String(before.headers.etag);
      const auditBefore = await auditCount(h, c.tenant, contact.id);
      const [winner, loser] = await race(
        c,
        etag,
        () => ['PATCH', `/contacts/${contact.id}/`, { tags: [`a-${i}`] }],
        () => ['PATCH', `/contacts/${contact.id}/`, { tags: [`b-${i}`] }],
      );
      assert.notEqual(winner.headers.etag, etag);
      assertPreconditionFailed(loser, String(winner.headers.etag));
      const after = await c.req('GET', `/contacts/${contact.id}/`);
      assert.equal(after.headers.etag, winner.headers.etag);
      assert.deepEqual(after.body.tags, winner.body.tags, 'the loser changed nothing');
      assert.equal(await auditCount(h, c.tenant, contact.id), auditBefore + 1, 'exactly one update entry');
    }
  });

  await t.test('concurrent approve and reject with the same If-Match: one wins', async () => {
    for (let i = 0; i < 5; i++) {
      const contact = await createContact(c, { namespace: ns.name });
      const etag = String((await c.req('GET', `/contacts/${contact.id}/`)).headers.etag);
      const [winner, loser] = await race(
        c,
        etag,
        () => ['PUT', `/contacts/${contact.id}/approve/`, { comment: 'fine' }],
        () => ['PUT', `/contacts/${contact.id}/reject/`, { comment: 'no' }],
      );
      assertPreconditionFailed(loser, String(winner.headers.etag));
      const after = await c.req('GET', `/contacts/${contact.id}/`);
      assert.equal(after.body.approval_status, winner.body.approval_status);
      assert.equal(await auditCount(h, c.tenant, contact.id), 2, 'create + one action');
    }
  });

  await t.test('DELETE and approve with a stale If-Match: 412 with the current ETag, nothing changes', async () => {
    const contact = await createContact(c, { namespace: ns.name });
    const stale = String((await c.req('GET', `/contacts/${contact.id}/`)).headers.etag);
    const patched = await c.req('PATCH', `/contacts/${contact.id}/`, { body: { tags: ['moved-on'] } });
    assert.equal(patched.status, 200);
    const current = String(patched.headers.etag);
    assert.notEqual(current, stale);
    const audit = await auditCount(h, c.tenant, contact.id);

    const del = await c.req('DELETE', `/contacts/${contact.id}/`, { headers: { 'if-match': stale } });
    assertPreconditionFailed(del, current);
    const approve = await c.req('PUT', `/contacts/${contact.id}/approve/`, { body: { comment: 'x' }, headers: { 'if-match': stale } });
    assertPreconditionFailed(approve, current);
    const props = await c.req('PUT', `/contacts/${contact.id}/props/`, { body: [{ key: 'k', value: 'v', type: 'text' }], headers: { 'if-match': stale } });
    assertPreconditionFailed(props, current);

    const after = await c.req('GET', `/contacts/${contact.id}/`);
    assert.equal(after.status, 200, 'not deleted');
    assert.equal(after.body.is_deleted, false);
    assert.equal(after.body.approval_status, 'pending', 'not approved');
    assert.deepEqual(after.body.props, [], 'no props written');
    assert.equal(after.headers.etag, current, 'version unchanged');
    assert.equal(await auditCount(h, c.tenant, contact.id), audit, 'no audit entry');
    const row = await h.db.query('SELECT version, is_deleted FROM contacts WHERE tenant_id = $1 AND id = $2', [c.tenant, contact.id]);
    assert.equal(row.rows[0]!.is_deleted, false);
    assert.equal(`"${row.rows[0]!.version}"`, current);

    // With the current ETag the same writes go through (the 412s were about staleness).
    const ok = await c.req('DELETE', `/contacts/${contact.id}/`, { headers: { 'if-match': current } });
    assert.equal(ok.status, 204, ok.text);
  });

  await t.test('concurrent DELETE and PATCH with the same If-Match: one wins', async () => {
    for (let i = 0; i < 5; i++) {
      const contact = await createContact(c, { namespace: ns.name });
      const etag = String((await c.req('GET', `/contacts/${contact.id}/`)).headers.etag);
      const results = await Promise.all([
        c.req('DELETE', `/contacts/${contact.id}/`, { headers: { 'if-match': etag } }),
        c.req('PATCH', `/contacts/${contact.id}/`, { body: { tags: ['late'] }, headers: { 'if-match': etag } }),
      ]);
      const ok = results.filter((r) => r.status === 200 || r.status === 204);
      assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.text}`).join(' | '));
      const other = results.find((r) => r !== ok[0])!;
      // The PATCH that lost to the DELETE finds no live contact (404); a DELETE that lost gets 412.
      assert.ok(other.status === 412 || other.status === 404, `${other.status} ${other.text}`);
      assert.equal(await auditCount(h, c.tenant, contact.id), 2);
    }
  });
});
