import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem, createContact, createNamespace, newCaller, uniqueName, type Caller } from '../helpers/api.js';
import { bodyHash, capIdempotencyKeys, purgeExpiredIdempotencyKeys } from '../../src/http/idempotency.js';
import { buildApp } from '../../src/app.js';

// CONTRACT §6b: Idempotency-Key on every POST and on the PUT actions, Stripe semantics.

const KEY = 'Idempotency-Key';

async function contactCount(h: Harness, tenant: string): Promise<number> {
  const r = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1', [tenant]);
  return r.rows[0]!.n;
}

async function keyRow(h: Harness, tenant: string, key: string): Promise<any> {
  const r = await h.db.query('SELECT * FROM idempotency_keys WHERE tenant_id = $1 AND key = $2', [tenant, key]);
  return r.rows[0];
}

async function setup(h: Harness): Promise<{ c: Caller; ns: string }> {
  const c = await newCaller(h);
  const ns = await createNamespace(c);
  return { c, ns: ns.name };
}

describeEngines('idempotency keys', (h) => {
  it("caps each tenant's stored keys, dropping the oldest completed ones first", async () => {
    const a = await setup(h());
    const b = await setup(h());
    for (let i = 0; i < 4; i++) {
      assert.equal((await a.c.req('POST', '/namespaces/', { body: { name: uniqueName() }, headers: { [KEY]: `a-${i}` } })).status, 201);
    }
    assert.equal((await b.c.req('POST', '/namespaces/', { body: { name: uniqueName() }, headers: { [KEY]: 'b-0' } })).status, 201);
    await capIdempotencyKeys(h().appDb, 2);
    const left = async (tenant: string) => (await h().db.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE tenant_id = $1 ORDER BY key', [tenant])).rows.map((r) => r.key);
    assert.deepEqual(await left(a.c.tenant), ['a-2', 'a-3']);
    assert.deepEqual(await left(b.c.tenant), ['b-0'], 'another tenant under the cap keeps its keys');
  });

  it('stores no key for a POST that only reads (dedupe)', async () => {
    const { c } = await setup(h());
    const res = await c.req('POST', '/contacts/dedupe/', { body: { name: 'Asha Rao', type: 'individual' }, headers: { [KEY]: 'read-only' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['idempotent-replayed'], undefined);
    assert.equal(await keyRow(h(), c.tenant, 'read-only'), undefined);
  });

  it('replays a create: same status, body, id and ETag; one contact row and one audit entry', async () => {
    const { c, ns } = await setup(h());
    const body = { name: 'Asha Rao', type: 'individual', namespace: ns, props: [{ key: 'pan_no', value: 'ABCDE1234F', type: 'text' }] };
    const first = await c.req('POST', '/contacts/', { body, headers: { [KEY]: 'create-1' } });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    // Same request with keys in another order and other whitespace, without the trailing slash.
    const raw = JSON.stringify({ props: body.props, namespace: ns, type: 'individual', name: 'Asha Rao' }, null, 2);
    const second = await c.req('POST', '/contacts', { rawBody: raw, headers: { [KEY]: 'create-1' } });
    assert.equal(second.status, 201, second.text);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.text, first.text);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.headers.etag, first.headers.etag);
    assert.match(String(second.headers['content-type']), /^application\/json/);
    assert.notEqual(second.headers['x-request-id'], first.headers['x-request-id']);
    assert.equal(await contactCount(h(), c.tenant), 1);
    const audit = await h().db.query('SELECT 1 FROM audit_log WHERE tenant_id = $1 AND object_type = $2', [c.tenant, 'contact']);
    assert.equal(audit.rowCount, 1);
    const row = await keyRow(h(), c.tenant, 'create-1');
    assert.equal(row.state, 'completed');
    assert.equal(row.status, 201);
  });

  it('replays a 4xx outcome even after the cause went away', async () => {
    const c = await newCaller(h());
    const name = uniqueName();
    const existing = await createNamespace(c, { name });
    const conflict = await c.req('POST', '/namespaces/', { body: { name }, headers: { [KEY]: 'ns-dup' } });
    assertProblem(conflict, 409, 'conflict');
    assert.equal((await c.req('DELETE', `/namespaces/${existing.id}/`)).status, 204);
    // Executed again, the create would now succeed; the key replays the stored 409 instead.
    const retry = await c.req('POST', '/namespaces/', { body: { name }, headers: { [KEY]: 'ns-dup' } });
    assert.equal(retry.status, 409);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.text, conflict.text);
    assert.match(String(retry.headers['content-type']), /^application\/problem\+json/);
    const live = await c.req('GET', `/namespaces/?search=${encodeURIComponent(name)}`);
    assert.equal(live.body.count, 0);
  });

  it('replays a PUT action with its original body and ETag, without executing it again', async () => {
    const { c, ns } = await setup(h());
    const contact = await createContact(c, { namespace: ns });
    const approve = await c.req('PUT', `/contacts/${contact.id}/approve/`, { body: { comment: 'ok' }, headers: { [KEY]: 'approve-1' } });
    assert.equal(approve.status, 200, approve.text);
    assert.equal(approve.body.approval_status, 'approved');
    const reject = await c.req('PUT', `/contacts/${contact.id}/reject/`, { body: { comment: 'no' } });
    assert.equal(reject.body.approval_status, 'rejected');
    const retry = await c.req('PUT', `/contacts/${contact.id}/approve/`, { body: { comment: 'ok' }, headers: { [KEY]: 'approve-1' } });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.text, approve.text);
    assert.equal(retry.headers.etag, approve.headers.etag);
    const now = await c.req('GET', `/contacts/${contact.id}/`);
    assert.equal(now.body.approval_status, 'rejected', 'the replay must not approve again');
  });

  it('a key reused with another body, path or method is a 422', async () => {
    const { c, ns } = await setup(h());
    const first = await c.req('POST', '/contacts/', { body: { name: 'Ravi', type: 'individual', namespace: ns }, headers: { [KEY]: 'reuse' } });
    assert.equal(first.status, 201);
    const otherBody = await c.req('POST', '/contacts/', { body: { name: 'Ravi K', type: 'individual', namespace: ns }, headers: { [KEY]: 'reuse' } });
    assertProblem(otherBody, 422, 'idempotency_mismatch');
    const otherQuery = await c.req('POST', '/contacts/?on_duplicate=allow&reason=x', { body: { name: 'Ravi', type: 'individual', namespace: ns }, headers: { [KEY]: 'reuse' } });
    assertProblem(otherQuery, 422, 'idempotency_mismatch');
    const otherPath = await c.req('POST', '/namespaces/', { body: { name: uniqueName() }, headers: { [KEY]: 'reuse' } });
    assertProblem(otherPath, 422, 'idempotency_mismatch');
    const otherMethod = await c.req('PUT', `/contacts/${first.body.id}/approve/`, { headers: { [KEY]: 'reuse' } });
    assertProblem(otherMethod, 422, 'idempotency_mismatch');
    assert.equal(await contactCount(h(), c.tenant), 1);
    assert.equal((await c.req('GET', `/contacts/${first.body.id}/`)).body.approval_status, 'pending');
  });

  it('a key whose first request is still running is a 409; an abandoned claim (lease over) is taken over', async () => {
    const { c, ns } = await setup(h());
    const body = { name: 'Meera', type: 'individual', namespace: ns };
    const insert = (key: string, ageSeconds: number) =>
      h().db.query(
        `INSERT INTO idempotency_keys (tenant_id, key, method, path, body_hash, state, claim_id, created_at)
         SELECT $1, $2, 'POST', '/contacts/', $3, 'in_progress', 'other-process', now() - $4::int * interval '1 second'`,
        [c.tenant, key, bodyHash(body), ageSeconds],
      );
    await insert('running', 5);
    const res = await c.req('POST', '/contacts/', { body, headers: { [KEY]: 'running' } });
    assertProblem(res, 409, 'idempotency_in_progress');
    assert.equal(await contactCount(h(), c.tenant), 0);
    assert.equal((await keyRow(h(), c.tenant, 'running')).claim_id, 'other-process');

    await insert('abandoned', 600);
    const taken = await c.req('POST', '/contacts/', { body, headers: { [KEY]: 'abandoned' } });
    assert.equal(taken.status, 201, taken.text);
    assert.equal(taken.headers['idempotent-replayed'], undefined);
    assert.equal((await keyRow(h(), c.tenant, 'abandoned')).state, 'completed');
  });

  it('concurrent requests with one key execute once', async () => {
    const { c, ns } = await setup(h());
    const body = { name: 'Parallel Person', type: 'individual', namespace: ns };
    const results = await Promise.all(Array.from({ length: 8 }, () => c.req('POST', '/contacts/', { body, headers: { [KEY]: 'parallel' } })));
    const created = results.filter((r) => r.status === 201);
    assert.ok(created.length >= 1);
    for (const r of results) {
      if (r.status === 201) assert.equal(r.body.id, created[0]!.body.id);
      else assertProblem(r, 409, 'idempotency_in_progress');
    }
    assert.equal(created.filter((r) => r.headers['idempotent-replayed'] === undefined).length, 1);
    assert.equal(await contactCount(h(), c.tenant), 1);
  });

  it('keys are scoped per tenant', async () => {
    const a = await setup(h());
    const b = await setup(h());
    const ra = await a.c.req('POST', '/contacts/', { body: { name: 'Same Key', type: 'individual', namespace: a.ns }, headers: { [KEY]: 'shared' } });
    const rb = await b.c.req('POST', '/contacts/', { body: { name: 'Other Body', type: 'corporate', namespace: b.ns }, headers: { [KEY]: 'shared' } });
    assert.equal(ra.status, 201);
    assert.equal(rb.status, 201, rb.text);
    assert.equal(rb.headers['idempotent-replayed'], undefined);
    assert.notEqual(rb.body.id, ra.body.id);
    assert.equal(rb.body.tenant_id, b.c.tenant);
    assert.equal(await contactCount(h(), a.c.tenant), 1);
    assert.equal(await contactCount(h(), b.c.tenant), 1);
  });

  it('keys expire after 24 h: an expired key executes again and the purge removes it', async () => {
    const { c, ns } = await setup(h());
    const body = { name: 'Old Key', type: 'individual', namespace: ns };
    const first = await c.req('POST', '/contacts/', { body, headers: { [KEY]: 'old' } });
    assert.equal(first.status, 201);
    await c.req('POST', '/contacts/', { body: { ...body, name: 'Fresh Key' }, headers: { [KEY]: 'fresh' } });
    await h().db.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE tenant_id = $1 AND key = 'old'`, [c.tenant]);
    const again = await c.req('POST', '/contacts/', { body: { ...body, name: 'Old Key Reused' }, headers: { [KEY]: 'old' } });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.headers['idempotent-replayed'], undefined);
    assert.notEqual(again.body.id, first.body.id);
    assert.equal(await contactCount(h(), c.tenant), 3);

    await h().db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE tenant_id = $1 AND key = 'old'`, [c.tenant]);
    // As the service role: the purge crosses tenants through its SECURITY DEFINER function.
    const purged = await purgeExpiredIdempotencyKeys(h().appDb);
    assert.ok(purged >= 1);
    assert.equal(await keyRow(h(), c.tenant, 'old'), undefined);
    assert.equal((await keyRow(h(), c.tenant, 'fresh'))?.state, 'completed');
  });

  it('a 5xx outcome is not stored: the same key may be retried and then executes', async () => {
    const { c, ns } = await setup(h());
    // A trigger makes contact inserts fail with an internal error while the switch table has a row
    // (SECURITY DEFINER: the service role may not read the test's switch table).
    await h().db.exec(`
      CREATE TABLE IF NOT EXISTS test_fail_switch (tenant_id text PRIMARY KEY);
      CREATE OR REPLACE FUNCTION test_fail_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_fail_switch WHERE tenant_id = NEW.tenant_id) THEN
          RAISE EXCEPTION 'injected failure' USING ERRCODE = 'XX000';
        END IF;
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS test_fail_insert ON contacts;
      CREATE TRIGGER test_fail_insert BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION test_fail_insert();`);
    await h().db.query('INSERT INTO test_fail_switch VALUES ($1)', [c.tenant]);
    const body = { name: 'Retry Me', type: 'individual', namespace: ns };
    const failed = await c.req('POST', '/contacts/', { body, headers: { [KEY]: 'flaky' } });
    assertProblem(failed, 500, 'internal');
    assert.equal(await keyRow(h(), c.tenant, 'flaky'), undefined, 'a 5xx must not leave a claim');
    await h().db.query('DELETE FROM test_fail_switch WHERE tenant_id = $1', [c.tenant]);
    const retry = await c.req('POST', '/contacts/', { body, headers: { [KEY]: 'flaky' } });
    assert.equal(retry.status, 201, retry.text);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(await contactCount(h(), c.tenant), 1);
  });

  it('validation failures are not stored (nothing ran); the key stays usable', async () => {
    const { c, ns } = await setup(h());
    const bad = await c.req('POST', '/contacts/', { body: { name: 'No Type', namespace: ns }, headers: { [KEY]: 'fix-me' } });
    assertFieldErrors(bad, 'type');
    assert.equal(await keyRow(h(), c.tenant, 'fix-me'), undefined);
    const good = await c.req('POST', '/contacts/', { body: { name: 'No Type', namespace: ns, type: 'individual' }, headers: { [KEY]: 'fix-me' } });
    assert.equal(good.status, 201, good.text);
  });

  it('rejects malformed keys with 400 errors.Idempotency-Key, before the body is looked at', async () => {
    const { c, ns } = await setup(h());
    for (const key of ['', 'x'.repeat(256), 'schlüssel', 'tab\there']) {
      const res = await c.req('POST', '/contacts/', { body: { name: 'Key Test', namespace: ns, type: 'individual' }, headers: { [KEY]: key } });
      assertFieldErrors(res, 'Idempotency-Key');
    }
    const noBody = await c.req('POST', '/contacts/', { body: { bogus: 1 }, headers: { [KEY]: '' } });
    assertFieldErrors(noBody, 'Idempotency-Key');
    const longest = await c.req('POST', '/contacts/', { body: { name: 'Key Test', namespace: ns, type: 'individual' }, headers: { [KEY]: '~'.repeat(255) } });
    assert.equal(longest.status, 201, longest.text);
    assert.equal(await contactCount(h(), c.tenant), 1);
  });

  it('a rate-limited (429) attempt is not stored: the key executes once the limit allows', async () => {
    const { c, ns } = await setup(h());
    // The limit counts per clock minute: both requests must fall in the same one, so the clock stands still.
    const at = Date.now();
    const limited = await buildApp({ config: { ...h().config, rateLimitPerMinute: 1 }, db: h().appDb, rateLimitClock: () => at });
    await limited.ready();
    try {
      const send = (key: string, name: string) =>
        limited.inject({
          method: 'POST',
          url: '/contacts/',
          headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json', [KEY]: key },
          payload: JSON.stringify({ name, type: 'individual', namespace: ns }),
        });
      assert.equal((await send('first', 'Limited One')).statusCode, 201);
      const refused = await send('second', 'Limited Two');
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(await keyRow(h(), c.tenant, 'second'), undefined, 'a 429 must not be stored');
    } finally {
      await limited.close();
    }
    const later = await c.req('POST', '/contacts/', { body: { name: 'Limited Two', type: 'individual', namespace: ns }, headers: { [KEY]: 'second' } });
    assert.equal(later.status, 201, later.text);
    assert.equal(later.headers['idempotent-replayed'], undefined);
  });

  it('is ignored on GET and PATCH, and documented in OpenAPI on POST and the PUT actions', async () => {
    const { c, ns } = await setup(h());
    const contact = await createContact(c, { namespace: ns });
    const p1 = await c.req('PATCH', `/contacts/${contact.id}/`, { body: { tags: ['a'] }, headers: { [KEY]: 'patch' } });
    const p2 = await c.req('PATCH', `/contacts/${contact.id}/`, { body: { tags: ['b'] }, headers: { [KEY]: 'patch' } });
    assert.equal(p1.status, 200);
    assert.equal(p2.status, 200);
    assert.deepEqual(p2.body.tags, ['b']);
    const doc = (await h().req('GET', '/openapi.json', { token: null })).body;
    const hasHeader = (op: any) => (op?.parameters ?? []).some((p: any) => p.in === 'header' && p.name === 'idempotency-key');
    assert.ok(hasHeader(doc.paths['/contacts/'].post));
    assert.ok(hasHeader(doc.paths['/contacts/{contact_id}/approve/'].put));
    assert.ok(!hasHeader(doc.paths['/contacts/{contact_id}/props/'].put));
    assert.ok(!hasHeader(doc.paths['/contacts/{contact_id}/'].patch));
  });
});
