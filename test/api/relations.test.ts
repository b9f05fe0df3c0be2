import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, newCaller } from '../helpers/api.js';
import { MISSING_ID, createRelation, history, ids, tenantWithContacts } from '../helpers/subresources.js';

const RELATION_KEYS = ['contact', 'created_at', 'created_by', 'deleted_at', 'id', 'is_deleted', 'refs', 'related_contact', 'tags', 'tenant_id', 'type', 'updated_at', 'updated_by'];
const TYPES = ['father', 'mother', 'spouse', 'child', 'sibling', 'friend', 'co_applicant', 'guarantor', 'witness', 'nominee'];

describeEngines('relations', (h) => {
  // ---------------------------------------------------------------- create

  it('creates a relation with audit fields and an ETag', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const a = await c.contact({ name: 'Asha' });
    const b = await c.contact({ name: 'Ravi' });
    const res = await c.req('POST', '/contacts/relations/', {
      body: { contact: a.id, related_contact: b.id.toLowerCase(), type: 'spouse', tags: ['kyc', 'kyc'], refs: { source: 'los' } },
    });
    assert.equal(res.status, 201, res.text);
    const r = res.body;
    assert.deepEqual(Object.keys(r).sort(), RELATION_KEYS);
    assert.match(r.id, ULID_RE);
    assert.equal(r.contact, a.id);
    assert.equal(r.related_contact, b.id);
    assert.equal(r.type, 'spouse');
    assert.deepEqual(r.tags, ['kyc']);
    assert.deepEqual(r.refs, { source: 'los' });
    assert.equal(r.created_by, 'alice');
    assert.equal(r.updated_by, null);
    assert.match(r.created_at, ISO_Z_RE);
    assert.equal(r.updated_at, r.created_at);
    assert.equal(res.headers.etag, '"1"');
  });

  it('accepts all ten types and rejects others', async () => {
    const c = await tenantWithContacts(h());
    const a = await c.contact();
    const b = await c.contact();
    for (const type of TYPES) assert.equal((await createRelation(c, a.id, b.id, { type })).type, type);
    for (const type of ['uncle', 'Spouse', '', 3]) {
      assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, related_contact: b.id, type } }), 'type');
    }
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { related_contact: b.id } }), 'contact', 'type');
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, type: 'friend', refs: [] } }), 'refs');
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, type: 'friend', refs: { x: 'y'.repeat(9000) } } }), 'refs');
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, type: 'friend', tags: ['\u0000'] } }), 'tags.0');
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, type: 'friend', weight: 1 } }), 'weight');
  });

  it('allows a null or missing related_contact, and such relations never collide', async () => {
    const c = await tenantWithContacts(h());
    const a = await c.contact();
    const r1 = await createRelation(c, a.id, null, { type: 'nominee' });
    const r2 = await createRelation(c, a.id, null, { type: 'nominee' });
    const res = await c.req('POST', '/contacts/relations/', { body: { contact: a.id, type: 'nominee' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.related_contact, null);
    assert.notEqual(r1.id, r2.id);
  });

  it('rejects a contact related to itself (400 related_contact)', async () => {
    const c = await tenantWithContacts(h());
    const a = await c.contact();
    assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, related_contact: a.id.toLowerCase(), type: 'friend' } }), 'related_contact');
    const r = await createRelation(c, a.id, null);
    assertFieldErrors(await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { related_contact: a.id } }), 'related_contact');
  });

  it('rejects malformed, unknown, deleted or other-tenant contacts under the field named, writing nothing', async () => {
    const c = await tenantWithContacts(h());
    const other = await tenantWithContacts(h());
    const foreign = await other.contact();
    const a = await c.contact();
    const deleted = await c.contact();
    await c.req('DELETE', `/contacts/${deleted.id}/`);
    const before = (await history(c)).length;
    for (const bad of ['bad', MISSING_ID, deleted.id, foreign.id]) {
      assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: bad, related_contact: a.id, type: 'friend' } }), 'contact');
      assertFieldErrors(await c.req('POST', '/contacts/relations/', { body: { contact: a.id, related_contact: bad, type: 'friend' } }), 'related_contact');
    }
    const both = await c.req('POST', '/contacts/relations/', { body: { contact: foreign.id, related_contact: MISSING_ID, type: 'friend' } });
    assertFieldErrors(both, 'contact', 'related_contact');
    assert.equal((await history(c)).length, before);
    const rows = await h().db.query('SELECT 1 FROM contact_relations WHERE tenant_id = $1 OR tenant_id = $2', [c.tenant, other.tenant]);
    assert.equal(rows.rowCount, 0);
  });

  it('refuses the same (contact, type, related_contact) twice among live relations (409)', async () => {
    const c = await tenantWithContacts(h());
    const a = await c.contact();
    const b = await c.contact();
    const r = await createRelation(c, a.id, b.id, { type: 'guarantor' });
    const before = (await history(c)).length;
    const dup = await c.req('POST', '/contacts/relations/', { body: { contact: a.id, related_contact: b.id, type: 'guarantor' } });
    assertProblem(dup, 409, 'conflict');
    assert.equal((await history(c)).length, before);
    await createRelation(c, a.id, b.id, { type: 'witness' });
    await createRelation(c, b.id, a.id, { type: 'guarantor' });
    const w = (await c.req('GET', `/contacts/relations/?contact=${a.id}&type=witness`)).body.results[0];
    assertProblem(await c.req('PATCH', `/contacts/relations/${w.id}/`, { body: { type: 'guarantor' } }), 409);
    assert.equal((await c.req('DELETE', `/contacts/relations/${r.id}/`)).status, 204);
    await createRelation(c, a.id, b.id, { type: 'guarantor' });
  });

  // ---------------------------------------------------------------- list, expand

  it('lists forward (contact), reverse (related_contact) and by type', async () => {
    const c = await tenantWithContacts(h());
    const [a, b, d] = [await c.contact(), await c.contact(), await c.contact()];
    const ab = await createRelation(c, a.id, b.id, { type: 'spouse' });
    const ad = await createRelation(c, a.id, d.id, { type: 'child' });
    const db = await createRelation(c, d.id, b.id, { type: 'mother' });
    const an = await createRelation(c, a.id, null, { type: 'nominee', tags: ['x'] });
    assert.deepEqual(ids(await c.req('GET', '/contacts/relations/')), [an.id, db.id, ad.id, ab.id]);
    assert.deepEqual(ids(await c.req('GET', `/contacts/relations/?contact=${a.id}&ordering=created_at`)), [ab.id, ad.id, an.id]);
    assert.deepEqual(ids(await c.req('GET', `/contacts/relations/?related_contact=${b.id.toLowerCase()}`)), [db.id, ab.id]);
    assert.deepEqual(ids(await c.req('GET', '/contacts/relations/?type=child')), [ad.id]);
    assert.deepEqual(ids(await c.req('GET', `/contacts/relations/?contact=${a.id}&related_contact=${b.id}&type=spouse`)), [ab.id]);
    assert.deepEqual(ids(await c.req('GET', '/contacts/relations/?tags=x')), [an.id]);
    assertFieldErrors(await c.req('GET', '/contacts/relations/?type=uncle'), 'type');
    assertFieldErrors(await c.req('GET', '/contacts/relations/?contact=no&related_contact=no'), 'contact', 'related_contact');
    assertFieldErrors(await c.req('GET', '/contacts/relations/?ordering=type'), 'ordering');
    assertFieldErrors(await c.req('GET', '/contacts/relations/?expand=props'), 'expand');
  });

  it('inlines contact objects with expand=contact,related_contact on list and retrieve', async () => {
    const c = await tenantWithContacts(h());
    const a = await c.contact({ name: 'Asha', props: [{ key: 'pan_no', value: 'ABCDE1234F', type: 'text' }] });
    const b = await c.contact({ name: 'Ravi' });
    const ab = await createRelation(c, a.id, b.id);
    const an = await createRelation(c, a.id, null, { type: 'nominee' });
    const list = await c.req('GET', '/contacts/relations/?expand=contact,related_contact&ordering=created_at');
    assert.equal(list.status, 200, list.text);
    const [r1, r2] = list.body.results;
    assert.equal(r1.contact.name, 'Asha');
    assert.deepEqual(r1.contact.props, a.props, 'expanded contacts carry prop ids');
    assert.equal(r1.related_contact.name, 'Ravi');
    assert.equal(r2.related_contact, null);
    const onlyRelated = await c.req('GET', `/contacts/relations/${ab.id}/?expand=related_contact`);
    assert.equal(onlyRelated.body.contact, a.id);
    assert.equal(onlyRelated.body.related_contact.id, b.id);
    assert.equal(onlyRelated.headers.etag, '"1"');
    const plain = await c.req('GET', `/contacts/relations/${an.id}`);
    assert.deepEqual(plain.body, an);
    assertFieldErrors(await c.req('GET', `/contacts/relations/${an.id}/?expand=contacts`), 'expand');
  });

  // ---------------------------------------------------------------- update, delete

  it('updates type, related_contact, tags and refs; the contact is fixed', async () => {
    const c = await tenantWithContacts(h());
    const [a, b, d] = [await c.contact(), await c.contact(), await c.contact()];
    const r = await createRelation(c, a.id, b.id, { type: 'friend' });
    const up = await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { type: 'sibling', related_contact: d.id, tags: ['t'], refs: { k: 1 } } });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.body.type, 'sibling');
    assert.equal(up.body.related_contact, d.id);
    assert.deepEqual(up.body.tags, ['t']);
    assert.deepEqual(up.body.refs, { k: 1 });
    assert.equal(up.headers.etag, '"2"');
    const cleared = await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { related_contact: null, contact: a.id } });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.body.related_contact, null);
    assertFieldErrors(await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { contact: b.id } }), 'contact');
    const other = await tenantWithContacts(h());
    const foreign = await other.contact();
    assertFieldErrors(await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { related_contact: foreign.id } }), 'related_contact');
    assertFieldErrors(await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { related_contact: MISSING_ID, type: 'x' } }), 'type');
    assertFieldErrors(await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { related_contact: MISSING_ID } }), 'related_contact');
    assert.equal((await c.req('GET', `/contacts/relations/${r.id}/`)).headers.etag, '"3"', 'failed PATCHes change nothing');
  });

  it('honours If-Match and soft-deletes', async () => {
    const c = await tenantWithContacts(h());
    const r = await createRelation(c, (await c.contact()).id, (await c.contact()).id);
    const stale = await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: { tags: ['a'] }, headers: { 'if-match': '"0"' } });
    assertProblem(stale, 412);
    assert.equal(stale.headers.etag, '"1"');
    assertProblem(await c.req('DELETE', `/contacts/relations/${r.id}/`, { headers: { 'if-match': '"2"' } }), 412);
    assert.equal((await c.req('DELETE', `/contacts/relations/${r.id}/`, { headers: { 'if-match': '"1"' } })).status, 204);
    assertProblem(await c.req('GET', `/contacts/relations/${r.id}/`), 404);
    assertProblem(await c.req('PATCH', `/contacts/relations/${r.id}/`, { body: {} }), 404);
    assertProblem(await c.req('DELETE', `/contacts/relations/${r.id}/`), 404);
    assert.equal((await c.req('GET', '/contacts/relations/')).body.count, 0);
    assertProblem(await c.req('GET', '/contacts/relations/nope/'), 404);
  });

  it("hides another tenant's relation (404) and needs a token everywhere", async () => {
    const owner = await tenantWithContacts(h());
    const r = await createRelation(owner, (await owner.contact()).id, null);
    const intruder = await newCaller(h());
    assertProblem(await intruder.req('GET', `/contacts/relations/${r.id}/`), 404);
    assertProblem(await intruder.req('PATCH', `/contacts/relations/${r.id}/`, { body: { type: 'friend' } }), 404);
    assertProblem(await intruder.req('DELETE', `/contacts/relations/${r.id}/`), 404);
    assert.equal((await intruder.req('GET', `/contacts/relations/?contact=${r.contact}`)).body.count, 0);
    assert.equal((await owner.req('GET', `/contacts/relations/${r.id}/`)).body.type, 'spouse');
    for (const [m, u] of [['POST', '/contacts/relations/'], ['GET', '/contacts/relations/'], ['GET', `/contacts/relations/${r.id}/`], ['PATCH', `/contacts/relations/${r.id}/`], ['DELETE', `/contacts/relations/${r.id}/`]] as const) {
      assertProblem(await h().req(m, u, { token: null, body: m === 'POST' || m === 'PATCH' ? {} : undefined }), 401);
    }
  });

  // ---------------------------------------------------------------- deleted contacts

  it('hides relations whose contact or related_contact is deleted, and shows them again on restore', async () => {
    const c = await tenantWithContacts(h());
    const [a, b, d] = [await c.contact(), await c.contact(), await c.contact()];
    const ab = await createRelation(c, a.id, b.id);
    const db = await createRelation(c, d.id, b.id, { type: 'friend' });
    const ad = await createRelation(c, a.id, d.id, { type: 'sibling' });
    await c.req('DELETE', `/contacts/${b.id}/`);
    assert.deepEqual(ids(await c.req('GET', '/contacts/relations/')), [ad.id], 'relations to a deleted contact are hidden');
    assertProblem(await c.req('GET', `/contacts/relations/${ab.id}/`), 404);
    assertProblem(await c.req('PATCH', `/contacts/relations/${ab.id}/`, { body: { tags: [] } }), 404);
    assertProblem(await c.req('DELETE', `/contacts/relations/${db.id}/`), 404);
    assert.equal((await c.req('GET', `/contacts/relations/?related_contact=${b.id}`)).body.count, 0);
    const expanded = await c.req('GET', `/contacts/${a.id}/?expand=relations`);
    assert.deepEqual(expanded.body.relations.map((r: { id: string }) => r.id), [ad.id]);
    await c.req('DELETE', `/contacts/${a.id}/`);
    assert.equal((await c.req('GET', '/contacts/relations/')).body.count, 0, 'relations of a deleted contact are hidden');
    await c.req('POST', `/contacts/${a.id}/restore/`);
    await c.req('POST', `/contacts/${b.id}/restore/`);
    assert.deepEqual(ids(await c.req('GET', '/contacts/relations/?ordering=created_at')), [ab.id, db.id, ad.id]);
    assert.deepEqual((await c.req('GET', `/contacts/relations/${ab.id}/`)).body, ab, 'restored unchanged');
  });
});
