import assert from 'node:assert/strict';
import { describePostgres, it } from '../helpers/engines.js';
import { createContact, createNamespace, newCaller } from '../helpers/api.js';
import { integrityProblems } from '../helpers/integrity.js';

// Merges racing each other and ordinary writes on PostgreSQL, with real connections in parallel
// (CONTRACT §8.2: contacts locked in id order). No deadlock error, no 5xx, no half-merged state,
// no lost write: a write that succeeded before the merge is on the survivor, one after it is a 409.

// integrityProblems() checks the whole database: a database of its own.
describePostgres('merge concurrency', (h) => {
  it('merges sharing contacts, PATCHes, props and address writes in parallel: serialized, consistent, nothing lost', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    for (let round = 0; round < 2; round++) {
      const people: { id: string }[] = [];
      for (let i = 0; i < 5; i++) people.push(await createContact(c, { namespace: ns.name, name: `Kiran Patil ${round}${i}` }));
      const id = (i: number) => people[i]!.id as string;
      const merges: Array<[number, number[]]> = [
        [0, [1, 2]],
        [1, [3]],
        [3, [0]],
        [2, [4]],
        [4, [1]],
      ];
      // PATCH writes a prop, not tags: tags are replaced by every PATCH, so a later PATCH of the
      // survivor would rightly drop the tags a merge brought in.
      const patched = (i: number) => `w${round}${i}`;
      const requests = [
        ...merges.map(([s, vs]) => c.req('POST', `/contacts/${id(s)}/merge/`, { body: { merge_ids: vs.map(id), comment: 'race' } }).then((r) => ({ kind: 'merge', s, vs, r }))),
        ...people.map((_, i) => c.req('PATCH', `/contacts/${id(i)}/`, { body: { props: [{ key: patched(i), value: 'v', type: 'text' }] } }).then((r) => ({ kind: 'patch', i, r }))),
        ...people.map((_, i) => c.req('PUT', `/contacts/${id(i)}/props/`, { body: [{ key: `k${i}`, value: 'v', type: 'text' }] }).then((r) => ({ kind: 'props', i, r }))),
        ...people.map((_, i) =>
          c.req('POST', '/contacts/addresses/', { body: { contact_id: id(i), address_line: `${i} Lane`, city: 'Pune', state: 'Maharashtra', pincode: '411001', country: 'India' } }).then((r) => ({ kind: 'address', i, r })),
        ),
      ];
      const results = await Promise.all(requests);
      for (const x of results) {
        assert.ok([200, 201, 400, 409].includes(x.r.status), `${x.kind}: ${x.r.status} ${x.r.text}`);
        if (x.r.status === 409) assert.ok(['merged'].includes(x.r.body.code), `${x.kind}: ${x.r.text}`);
      }
      assert.ok(results.some((x) => x.kind === 'merge' && x.r.status === 200), 'at least one merge went through');
      // Every contact is live or merged into a contact that holds its data; every successful write is visible.
      const finalOf = async (i: number) => (await c.req('GET', `/contacts/${id(i)}/?expand=props,addresses`)).body;
      for (const x of results) {
        if (x.kind === 'merge' || !(x.r.status === 200 || x.r.status === 201)) continue;
        const i = (x as { i: number }).i;
        const holder = await finalOf(i);
        if (x.kind === 'patch') assert.ok(holder.props.some((p: { key: string }) => p.key === patched(i)), `PATCH of ${i} lost`);
        if (x.kind === 'props') assert.ok(holder.props.some((p: { key: string }) => p.key === `k${i}`), `props write of ${i} lost`);
        if (x.kind === 'address') assert.ok(holder.addresses.some((a: { address_line: string }) => a.address_line === `${i} Lane`), `address of ${i} lost`);
      }
      const rows = await h().db.query<{ id: string; merged_into: string | null; is_deleted: boolean }>(
        'SELECT id, merged_into, is_deleted FROM contacts WHERE tenant_id = $1 AND id = ANY($2::text[])',
        [c.tenant, people.map((p) => p.id)],
      );
      for (const r of rows.rows) assert.equal(r.is_deleted, r.merged_into !== null, `contact ${r.id} is half-merged`);
      const records = await h().db.query<{ survivor_id: string; merged_ids: string[] }>('SELECT survivor_id, merged_ids FROM merges WHERE tenant_id = $1', [c.tenant]);
      const victims = records.rows.flatMap((m) => m.merged_ids);
      assert.equal(new Set(victims).size, victims.length, 'no contact was merged twice');
    }
    assert.deepEqual(await integrityProblems(h().db), []);
  });
}, {}, { isolated: true });
