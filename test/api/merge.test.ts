import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem, createContact, createNamespace, newCaller, type Caller } from '../helpers/api.js';
import { integrityProblems } from '../helpers/integrity.js';
import { clientView } from '../helpers/merge.js';

// Merge and undo over HTTP (CONTRACT §8.2, §8.3): the rules on fields, props, addresses, banks and
// relations, merged ids for readers and writers, every error, and undo back to the exact state.

const PAN = 'ABCPK1234F';

async function ok(res: { status: number; text: string; body: any }, status = 200): Promise<any> {
  assert.equal(res.status, status, res.text);
  return res.body;
}

async function fixture(c: Caller) {
  const ns = await createNamespace(c);
  const third = await createContact(c, { name: 'Ramesh Kumar', namespace: ns.name });
  const s = await createContact(c, {
    name: 'Suresh Kumar',
    namespace: ns.name,
    tags: ['vip'],
    refs: { crm: 'S1', shared: 'from-s' },
    props: [
      { key: 'pan_no', value: PAN, type: 'text' },
      { key: 'mobile', value: '9876543210', type: 'text' },
    ],
  });
  const v = await ok(
    await c.req('POST', '/contacts/?on_duplicate=allow&reason=same%20person', {
      body: {
        name: 'Suresh K',
        type: 'individual',
        namespace: ns.name,
        tags: ['kyc', 'vip'],
        rm_id: 'RM7',
        refs: { los: 'V1', shared: 'from-v' },
        props: [
          { key: 'pan_no', value: PAN, type: 'text' },
          { key: 'mobile', value: '9123456780', type: 'text' },
          { key: 'email', value: 'suresh@example.com', type: 'text' },
        ],
      },
    }),
    201,
  );
  const addr = (contact_id: string, line: string) => c.req('POST', '/contacts/addresses/', { body: { contact_id, address_line: line, city: 'Pune', state: 'Maharashtra', pincode: '411001', country: 'India' } });
  const bank = (contact_id: string, account_no: string, is_primary: boolean) =>
    c.req('POST', '/contacts/banks/', { body: { contact_id, account_holder_name: 'Suresh', account_no, ifsc: 'HDFC0001234', is_primary } });
  const rel = (contact: string, type: string, related_contact: string) => c.req('POST', '/contacts/relations/', { body: { contact, type, related_contact } });
  const sAddr = await ok(await addr(s.id, '1 MG Road'), 201);
  const vAddr = await ok(await addr(v.id, '2 FC Road'), 201);
  const sBank = await ok(await bank(s.id, '111111111', false), 201);
  const vTwinBank = await ok(await bank(v.id, '111111111', true), 201);
  const vBank = await ok(await bank(v.id, '222222222', false), 201);
  const sFather = await ok(await rel(s.id, 'father', third.id), 201);
  const vFather = await ok(await rel(v.id, 'father', third.id), 201);
  const vSelf = await ok(await rel(v.id, 'sibling', s.id), 201);
  const thirdToV = await ok(await rel(third.id, 'child', v.id), 201);
  return { ns, third, s, v, sAddr, vAddr, sBank, vTwinBank, vBank, sFather, vFather, vSelf, thirdToV };
}

async function merge(c: Caller, survivor: string, body: Record<string, unknown>, headers?: Record<string, string>) {
  return c.req('POST', `/contacts/${survivor}/merge/`, { body: { comment: 'same person', ...body }, headers });
}

async function assertIntegrity(h: Harness): Promise<void> {
  assert.deepEqual(await integrityProblems(h.db), []);
}

// integrityProblems() checks the whole database: a database of its own.
describeEngines('merge and undo (CONTRACT §8.2, §8.3)', (h) => {
  it('merges by the rules, answers old ids with the survivor, refuses writes on them, and undo gives back exactly what was there', async () => {
    const c = await newCaller(h());
    const f = await fixture(c);
    const ids = [f.s.id, f.v.id, f.third.id];
    const before = await Promise.all(ids.map((id) => clientView(c, id)));

    const res = await ok(await merge(c, f.s.id, { merge_ids: [f.v.id], prefer: { 'props.mobile': f.v.id } }));
    const m = res.merge;
    assert.equal(m.survivor, f.s.id);
    assert.deepEqual(m.merged_ids, [f.v.id]);
    assert.equal(res.contact.name, 'Suresh Kumar');
    assert.deepEqual(res.contact.tags, ['vip', 'kyc']);
    assert.deepEqual(res.contact.refs, { crm: 'S1', shared: 'from-s', los: 'V1' });
    assert.equal(res.contact.rm_id, 'RM7', 'a value the survivor lacks comes from the victim');
    assert.deepEqual(res.contact.merged_ids, [f.v.id]);
    const props = Object.fromEntries(res.contact.props.map((p: any) => [p.key, p.value]));
    assert.deepEqual(props, { email: 'suresh@example.com', mobile: '9123456780', pan_no: PAN });
    const mobile = m.decisions.find((d: any) => d.field === 'props.mobile');
    assert.deepEqual(mobile, { field: 'props.mobile', winner: f.v.id, value: '9123456780', dropped: [{ contact: f.s.id, value: '9876543210' }] });
    assert.ok(m.decisions.some((d: any) => d.field === 'name' && d.dropped[0].value === 'Suresh K'));
    assert.deepEqual(m.moved.addresses, [f.vAddr.id]);
    assert.deepEqual(m.moved.banks, [f.vBank.id]);
    assert.deepEqual(m.collapsed.banks, [f.vTwinBank.id]);
    assert.deepEqual(m.moved.relations, [f.thirdToV.id]);
    assert.deepEqual([...m.collapsed.relations].sort(), [f.vFather.id, f.vSelf.id].sort());

    // Survivor's sub-resources: both addresses; banks collapsed by (ifsc, account_no), the victim's primary
    // became the survivor's (it had none) on the account it collapsed into; third contact's relation re-pointed.
    const sv = (await clientView(c, f.s.id)) as any;
    assert.deepEqual(sv.contact.addresses.map((a: any) => a.id).sort(), [f.sAddr.id, f.vAddr.id].sort());
    assert.deepEqual(
      sv.contact.banks.map((b: any) => [b.id, b.is_primary]).sort(),
      [
        [f.sBank.id, true],
        [f.vBank.id, false],
      ].sort(),
    );
    assert.deepEqual(sv.contact.relations.map((r: any) => r.id), [f.sFather.id]);
    assert.deepEqual(sv.incoming.map((r: any) => [r.id, r.contact]), [[f.thirdToV.id, f.third.id]]);

    // Old id: readers get the survivor, writers a 409 naming it.
    const old = await c.req('GET', `/contacts/${f.v.id}/`);
    assert.equal(old.status, 200);
    assert.equal(old.body.id, f.s.id);
    assert.equal(old.headers['content-location'], `/contacts/${f.s.id}/`);
    const hist = await ok(await c.req('GET', `/contacts/${f.v.id}/history/`));
    assert.ok(hist.results.some((e: any) => e.comment === `merged into ${f.s.id}`));
    for (const [method, url, body] of [
      ['PATCH', `/contacts/${f.v.id}/`, { tags: ['x'] }],
      ['DELETE', `/contacts/${f.v.id}/`, undefined],
      ['PUT', `/contacts/${f.v.id}/approve/`, {}],
      ['POST', `/contacts/${f.v.id}/restore/`, undefined],
      ['PUT', `/contacts/${f.v.id}/props/`, [{ key: 'x', value: 'y', type: 'text' }]],
      ['POST', '/contacts/addresses/', { contact_id: f.v.id, city: 'Pune' }],
      ['POST', '/contacts/relations/', { contact: f.third.id, type: 'friend', related_contact: f.v.id }],
    ] as const) {
      const r = await c.req(method, url, { body });
      assertProblem(r, 409, 'merged');
      assert.equal(r.body.merged_into, f.s.id, `${method} ${url}`);
    }
    const list = await ok(await c.req('GET', '/contacts/?page_size=200'));
    assert.ok(!list.results.some((x: any) => x.id === f.v.id), 'a merged contact is hidden from lists');
    const dd = await ok(await c.req('POST', '/contacts/dedupe/', { body: { name: 'Suresh K', type: 'individual', props: [{ key: 'pan_no', value: PAN, type: 'text' }] } }));
    assert.deepEqual(dd.results.map((r: any) => r.contact.id), [f.s.id], 'the merged contact leaves dedupe; its PAN no longer blocks twice');
    const record = await ok(await c.req('GET', `/merges/${m.id}/`));
    assert.deepEqual(record, m);
    const listed = await ok(await c.req('GET', `/merges/?contact=${f.v.id}`));
    assert.deepEqual(listed.results.map((x: any) => x.id), [m.id]);
    assert.equal((await ok(await c.req('GET', `/merges/?contact=${f.third.id}`))).count, 0);
    await assertIntegrity(h());
    const events = await h().db.query<{ type: string; object_id: string }>(`SELECT type, object_id FROM event_outbox WHERE tenant_id = $1 AND type = 'contact.merged' ORDER BY seq`, [c.tenant]);
    assert.deepEqual(events.rows.map((e) => e.object_id).sort(), [f.s.id, f.v.id].sort());

    const undone = await ok(await c.req('POST', `/merges/${m.id}/undo/`, { body: { comment: 'not the same after all' } }));
    assert.equal(undone.undo_comment, 'not the same after all');
    assert.equal(undone.undone_by, c.sub);
    const after = await Promise.all(ids.map((id) => clientView(c, id)));
    assert.deepEqual(after, before, 'undo restores every contact involved exactly');
    assert.deepEqual(JSON.stringify(after), JSON.stringify(before));
    await assertIntegrity(h());
    assertProblem(await c.req('POST', `/merges/${m.id}/undo/`, { body: { comment: 'again' } }), 409, 'undo_refused');
    // The victim's PAN blocks again as it did before the merge (through the survivor's override).
    assertProblem(await c.req('POST', '/contacts/', { body: { name: 'Another', type: 'individual', namespace: f.ns.name, props: [{ key: 'pan_no', value: PAN, type: 'text' }] } }), 409, 'duplicate');
  });

  it('refuses bad merges with the field or id named, and changes nothing', async () => {
    const c = await newCaller(h());
    const other = await newCaller(h());
    const ns = await createNamespace(c);
    const a = await createContact(c, { namespace: ns.name, name: 'Asha Rao' });
    const b = await createContact(c, { namespace: ns.name, name: 'Asha R' });
    const corp = await createContact(c, { namespace: ns.name, name: 'Asha Traders', type: 'corporate' });
    const foreign = await createContact(other, { namespace: (await createNamespace(other)).name, name: 'Asha Rao' });
    const count = async () => (await h().db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1', [c.tenant])).rows[0]!.n;
    const n0 = await count();
    assertFieldErrors(await merge(c, a.id, { merge_ids: [a.id] }), 'merge_ids');
    assertFieldErrors(await merge(c, a.id, { merge_ids: [b.id, b.id] }), 'merge_ids');
    assertFieldErrors(await merge(c, a.id, { merge_ids: [] }), 'merge_ids');
    assertFieldErrors(await merge(c, a.id, { merge_ids: Array.from({ length: 11 }, (_, i) => `01JD8X3QK6Z1V2W3Y4A5B6C7${String(i).padStart(2, '0')}`) }), 'merge_ids');
    assertFieldErrors(await merge(c, a.id, { merge_ids: ['not-an-id'] }), 'merge_ids.0');
    const unknown = await merge(c, a.id, { merge_ids: [foreign.id] });
    assertFieldErrors(unknown, 'merge_ids');
    assert.match(unknown.body.errors.merge_ids[0], new RegExp(foreign.id));
    assertFieldErrors(await merge(c, a.id, { merge_ids: [corp.id] }), 'merge_ids');
    assertFieldErrors(await merge(c, a.id, { merge_ids: [b.id], prefer: { colour: b.id } }), 'prefer.colour');
    assertFieldErrors(await merge(c, a.id, { merge_ids: [b.id], prefer: { name: corp.id } }), 'prefer.name');
    assertFieldErrors(await merge(c, a.id, { merge_ids: [b.id], prefer: { 'props.pan_no': b.id } }), 'prefer.props.pan_no');
    assertFieldErrors(await merge(c, a.id, { merge_ids: [b.id], comment: '  ' }), 'comment');
    assertProblem(await merge(c, foreign.id, { merge_ids: [b.id] }), 404);
    assertProblem(await merge(c, a.id, { merge_ids: [b.id] }, { 'if-match': '"999"' }), 412);
    assert.equal(await count(), n0, 'a refused merge writes nothing');

    // Two different valid PANs: a stated choice or a 409.
    await ok(await c.req('PUT', `/contacts/${a.id}/props/`, { body: [{ key: 'pan_no', value: 'AAAPA1111A', type: 'text' }] }));
    await ok(await c.req('PUT', `/contacts/${b.id}/props/`, { body: [{ key: 'pan_no', value: 'BBBPB2222B', type: 'text' }] }));
    assertProblem(await merge(c, a.id, { merge_ids: [b.id] }), 409, 'conflicting_identifier');

    // Dry run: the full answer, nothing written.
    const tables = async () => JSON.stringify((await h().db.query('SELECT id, version, is_deleted FROM contacts WHERE tenant_id = $1 ORDER BY id', [c.tenant])).rows) + (await count());
    const t0 = await tables();
    const dry = await ok(await merge(c, a.id, { merge_ids: [b.id], prefer: { 'props.pan_no': b.id }, dry_run: true }));
    assert.equal(dry.merge.id, null);
    assert.equal(dry.contact.props.find((p: any) => p.key === 'pan_no').value, 'BBBPB2222B');
    assert.equal(await tables(), t0, 'a dry run changes nothing');
    assert.equal((await ok(await c.req('GET', '/merges/'))).count, 0);

    const done = await ok(await merge(c, a.id, { merge_ids: [b.id], prefer: { 'props.pan_no': b.id } }));
    assertProblem(await merge(c, b.id, { merge_ids: [a.id] }), 409, 'merged');
    assertFieldErrors(await merge(c, corp.id, { merge_ids: [b.id] }), 'merge_ids');
    // Written since: undo refused, listing what changed; nothing restored.
    await ok(await c.req('PATCH', `/contacts/${a.id}/`, { body: { tags: ['later'] } }));
    const refused = await c.req('POST', `/merges/${done.merge.id}/undo/`, { body: { comment: 'oops' } });
    assertProblem(refused, 409, 'undo_refused');
    assert.deepEqual(refused.body.conflicts, [{ object_type: 'contact', object_id: a.id }]);
    assert.equal((await c.req('GET', `/contacts/${b.id}/`)).body.id, a.id);
    assertFieldErrors(await c.req('POST', `/merges/${done.merge.id}/undo/`, { body: { comment: '' } }), 'comment');
    assertProblem(await other.req('POST', `/merges/${done.merge.id}/undo/`, { body: { comment: 'x' } }), 404);
    assertProblem(await other.req('GET', `/merges/${done.merge.id}/`), 404);
  });

  it('a later merge of the survivor blocks undo of the earlier one until it is undone', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const [a, b, d] = [await createContact(c, { namespace: ns.name, name: 'Meena Iyer' }), await createContact(c, { namespace: ns.name, name: 'Meena I' }), await createContact(c, { namespace: ns.name, name: 'M Iyer' })];
    const v0 = await Promise.all([a, b, d].map((x) => clientView(c, x.id)));
    const first = (await ok(await merge(c, a.id, { merge_ids: [b.id] }))).merge;
    const second = (await ok(await merge(c, d.id, { merge_ids: [a.id] }))).merge;
    assert.deepEqual((await c.req('GET', `/contacts/${d.id}/`)).body.merged_ids, [a.id, b.id]);
    const old = await c.req('GET', `/contacts/${b.id}/`);
    assert.equal(old.body.id, d.id, 'a merged id follows later merges to the contact holding its data');
    const refused = await c.req('POST', `/merges/${first.id}/undo/`, { body: { comment: 'x' } });
    assertProblem(refused, 409, 'undo_refused');
    assert.equal(refused.body.later_merge, second.id);
    await ok(await c.req('POST', `/merges/${second.id}/undo/`, { body: { comment: 'x' } }));
    await ok(await c.req('POST', `/merges/${first.id}/undo/`, { body: { comment: 'x' } }));
    assert.deepEqual(await Promise.all([a, b, d].map((x) => clientView(c, x.id))), v0);
    await assertIntegrity(h());
  });
}, {}, { isolated: true });
