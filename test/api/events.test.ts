import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem, createContact, createNamespace, newCaller, ULID_RE, type Caller } from '../helpers/api.js';
import { relayOnce } from '../../src/worker/relay.js';

// The event outbox and the feed: every write publishes its event once the relay has run, in the
// shape of CONTRACT §9; a write that fails or changes nothing publishes none; readers see their
// tenant's events only, in id order, and page through them with next_after.

/** Everything in the tenant's feed, following next_after. */
async function feed(c: Caller, query = ''): Promise<any[]> {
  const out: any[] = [];
  let after = '';
  for (;;) {
    const res = await c.req('GET', `/events/?limit=2${query}${after ? `&after=${after}` : ''}`);
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.results);
    if (!res.body.has_more) return out;
    after = res.body.next_after;
  }
}

async function published(h: Harness, c: Caller, query = ''): Promise<any[]> {
  await relayOnce(h.appDb);
  return feed(c, query);
}

describeEngines('events feed', (h) => {
  it('publishes one event per change with the object after it and, for updates, the previous values', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const contact = await createContact(c, { namespace: ns.name, name: 'Asha Verma', props: [{ key: 'pan', type: 'text', value: 'ABCPV1234F' }] });
    assert.equal((await c.req('PATCH', `/contacts/${contact.id}/`, { body: { tags: ['vip'] } })).status, 200);
    assert.equal((await c.req('PUT', `/contacts/${contact.id}/approve/`, { body: { comment: 'KYC ok' } })).status, 200);
    assert.equal((await c.req('PUT', `/contacts/${contact.id}/props/`, { body: [{ key: 'email', type: 'text', value: 'a@example.com' }] })).status, 200);
    const address = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contact.id, address_line: '12, MG Road', pincode: '560001' } });
    assert.equal((await c.req('DELETE', `/contacts/addresses/${address.body.id}/`)).status, 204);
    assert.equal((await c.req('DELETE', `/contacts/${contact.id}/`)).status, 204);

    const events = await published(h(), c);
    assert.deepEqual(
      events.map((e) => e.type),
      ['namespace.created', 'contact.created', 'contact.updated', 'contact.approved', 'contact.props_updated', 'address.created', 'address.deleted', 'contact.deleted'],
    );
    const ids = events.map((e) => e.id);
    assert.ok(ids.every((id) => ULID_RE.test(id)));
    assert.deepEqual([...ids].sort(), ids, 'feed order is id order');
    const [, created, updated, approved, props, , addressDeleted, deleted] = events;
    assert.equal(created.object_type, 'contact');
    assert.equal(created.object_id, contact.id);
    assert.equal(created.contact_id, contact.id);
    assert.equal(created.user_id, c.sub);
    assert.equal(created.data.object.name, 'Asha Verma');
    assert.equal(created.data.object.props[0].value, 'ABCPV1234F', 'the object carries its props');
    assert.equal(created.data.previous_attributes, null);
    assert.deepEqual(updated.data.object.tags, ['vip']);
    assert.deepEqual(updated.data.previous_attributes.tags, []);
    assert.equal(updated.data.previous_attributes.name, undefined, 'only changed fields');
    assert.equal(approved.data.previous_attributes.approval_status, 'pending');
    assert.equal(props.object_type, 'contact');
    assert.deepEqual(props.data.object.props.map((p: any) => p.key), ['email', 'pan']);
    assert.deepEqual(props.data.previous_attributes.props.map((p: any) => p.key), ['pan']);
    assert.equal(addressDeleted.object_type, 'address');
    assert.equal(addressDeleted.contact_id, contact.id);
    assert.equal(deleted.data.object, null);
    assert.equal(typeof created.request_id, 'string');

    const one = await c.req('GET', `/events/${created.id}/`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, created);
  });

  it('publishes nothing for a failed or a no-op write', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const a = await createContact(c, { namespace: ns.name, props: [{ key: 'pan', type: 'text', value: 'ABCPK1234F' }] });
    const before = (await published(h(), c)).length;
    // Blocked duplicate (409), a repeated action, props written with the same values, a 412.
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'Dup', type: 'individual', namespace: ns.name, props: [{ key: 'pan', type: 'text', value: 'ABCPK1234F' }] } }), 409);
    assert.equal((await c.req('PUT', `/contacts/${a.id}/active/`)).status, 200);
    assert.equal((await c.req('PUT', `/contacts/${a.id}/props/`, { body: [{ key: 'pan', type: 'text', value: 'ABCPK1234F' }] })).status, 200);
    assertProblem(await c.req('PATCH', `/contacts/${a.id}/`, { body: { tags: ['x'] }, headers: { 'if-match': '"99"' } }), 412);
    assert.equal((await published(h(), c)).length, before);
  });

  it('filters by type and object, pages with next_after, and keeps tenants apart', async () => {
    const c = await newCaller(h());
    const other = await newCaller(h());
    const ns = await createNamespace(c);
    const a = await createContact(c, { namespace: ns.name });
    const b = await createContact(c, { namespace: ns.name });
    await c.req('PATCH', `/contacts/${a.id}/`, { body: { tags: ['t'] } });
    await createContact(other, { namespace: (await createNamespace(other)).name });
    await relayOnce(h().appDb);

    assert.deepEqual((await feed(c, '&type=contact.created')).map((e) => e.object_id), [a.id, b.id]);
    assert.deepEqual((await feed(c, `&object_id=${a.id}`)).map((e) => e.type), ['contact.created', 'contact.updated']);
    assert.deepEqual((await feed(c, '&type=contact.updated,namespace.created')).map((e) => e.type), ['namespace.created', 'contact.updated']);
    const mine = await feed(c);
    assert.equal(mine.length, 4);
    const theirs = await feed(other);
    assert.equal(theirs.length, 2);
    assert.ok(!theirs.some((e) => mine.some((m) => m.id === e.id)));
    assertProblem(await other.req('GET', `/events/${mine[0].id}/`), 404);

    // Past the end: no results, the cursor stays where it was.
    const last = mine.at(-1).id;
    const end = await c.req('GET', `/events/?after=${last}`);
    assert.deepEqual(end.body, { results: [], next_after: last, has_more: false });
    const empty = await (await newCaller(h())).req('GET', '/events/');
    assert.deepEqual(empty.body, { results: [], next_after: null, has_more: false });
  });

  it('answers bad cursors, unknown types and bad limits with 400s naming the parameter', async () => {
    const c = await newCaller(h());
    assertFieldErrors(await c.req('GET', '/events/?after=not-an-id'), 'after');
    assertFieldErrors(await c.req('GET', '/events/?object_id=42'), 'object_id');
    assertFieldErrors(await c.req('GET', '/events/?type=contact.created,contact.exploded'), 'type');
    assertFieldErrors(await c.req('GET', '/events/?limit=0'), 'limit');
    assertFieldErrors(await c.req('GET', '/events/?limit=501'), 'limit');
    assertFieldErrors(await c.req('GET', '/events/?limit=1.5'), 'limit');
    assertProblem(await c.req('GET', '/events/nope/'), 404);
  });
});
