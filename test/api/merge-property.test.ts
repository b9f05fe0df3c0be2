import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEngines, it } from '../helpers/engines.js';
import { createContact, createNamespace, newCaller, type Caller } from '../helpers/api.js';
import { integrityProblems } from '../helpers/integrity.js';
import { clientView } from '../helpers/merge.js';

// Property (issue 18): random contacts with props, addresses, banks and relations among themselves
// and with a third contact; merge a random subset into one; then (a) the survivor holds every prop
// key, (b) every victim prop value is on the survivor or in the record's decisions, (c) undo gives
// back byte-for-byte what every contact involved read before, (d) the integrity check passes
// after the merge and after the undo.

const KEYS = ['mobile', 'email', 'city_code', 'segment'];
const VALUES = ['a', 'b', 'c'];
const RELATION_TYPES = ['father', 'friend', 'sibling'];

const contactArb = fc.record({
  props: fc.uniqueArray(fc.record({ key: fc.constantFrom(...KEYS), value: fc.constantFrom(...VALUES) }), { selector: (p) => p.key, maxLength: 3 }),
  tags: fc.subarray(['vip', 'kyc', 'nri']),
  rm: fc.option(fc.constantFrom('RM1', 'RM2'), { nil: null }),
  addresses: fc.integer({ min: 0, max: 2 }),
  banks: fc.array(fc.record({ account: fc.constantFrom('100000001', '100000002'), primary: fc.boolean() }), { maxLength: 2 }),
});
const graphArb = fc.record({
  contacts: fc.array(contactArb, { minLength: 2, maxLength: 4 }),
  // [from, type, to] over indexes; the last index is the third contact (never merged).
  relations: fc.array(fc.tuple(fc.nat(4), fc.constantFrom(...RELATION_TYPES), fc.nat(4)), { maxLength: 5 }),
  victims: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
});

type Graph = typeof graphArb extends fc.Arbitrary<infer T> ? T : never;

async function build(c: Caller, ns: string, g: Graph) {
  const ids: string[] = [];
  for (const [i, x] of g.contacts.entries()) {
    const body = { namespace: ns, name: `Nikhil Joshi ${i}`, tags: x.tags, rm_id: x.rm, props: x.props.map((p) => ({ ...p, value: `${p.key}-${p.value}`, type: 'text' })) };
    const ct = await createContact(c, body);
    ids.push(ct.id);
    for (let a = 0; a < x.addresses; a++) {
      await c.req('POST', '/contacts/addresses/', { body: { contact_id: ct.id, address_line: `${i}-${a} Road`, city: 'Pune', state: 'Maharashtra', pincode: '411001', country: 'India' } });
    }
    for (const b of x.banks) {
      await c.req('POST', '/contacts/banks/', { body: { contact_id: ct.id, account_holder_name: 'N Joshi', account_no: b.account, ifsc: 'SBIN0001234', is_primary: b.primary } });
    }
  }
  ids.push((await createContact(c, { namespace: ns, name: 'Outside Person' })).id);
  const at = (n: number) => ids[n % ids.length]!;
  for (const [from, type, to] of g.relations) {
    if (at(from) !== at(to)) await c.req('POST', '/contacts/relations/', { body: { contact: at(from), type, related_contact: at(to) } });
  }
  return ids;
}

// integrityProblems() checks the whole database: a database of its own.
describeEngines('merge then undo is the identity (property)', (h) => {
  it('random contact graphs: union on the survivor, nothing lost, exact undo, integrity after both', async () => {
    const c = await newCaller(h());
    const ns = (await createNamespace(c)).name;
    await fc.assert(
      fc.asyncProperty(graphArb, async (g) => {
        const ids = await build(c, ns, g);
        const inMerge = ids.slice(0, g.contacts.length);
        const survivor = inMerge[0]!;
        let victims = inMerge.slice(1).filter((_, i) => g.victims[i]);
        if (victims.length === 0) victims = [inMerge[1]!];
        const before = await Promise.all(ids.map((id) => clientView(c, id)));
        const victimProps = await Promise.all(victims.map(async (v) => (await c.req('GET', `/contacts/${v}/props/`)).body as { key: string; value: string }[]));

        const res = await c.req('POST', `/contacts/${survivor}/merge/`, { body: { merge_ids: victims, comment: 'property' } });
        assert.equal(res.status, 200, res.text);
        const held = new Map<string, string>(res.body.contact.props.map((p: { key: string; value: string }) => [p.key, p.value]));
        for (const [i, props] of victimProps.entries()) {
          for (const p of props) {
            assert.ok(held.has(p.key), `(a) key ${p.key} missing on the survivor`);
            const kept = held.get(p.key) === p.value;
            const recorded = res.body.merge.decisions.some((d: { field: string; dropped: { contact: string; value: string }[] }) =>
              d.field === `props.${p.key}` && d.dropped.some((x) => x.contact === victims[i] && x.value === p.value));
            assert.ok(kept || recorded, `(b) value ${p.key}=${p.value} of ${victims[i]} lost`);
          }
        }
        assert.deepEqual(await integrityProblems(h().db), [], '(d) after merge');

        const undo = await c.req('POST', `/merges/${res.body.merge.id}/undo/`, { body: { comment: 'property' } });
        assert.equal(undo.status, 200, undo.text);
        const after = await Promise.all(ids.map((id) => clientView(c, id)));
        assert.equal(JSON.stringify(after), JSON.stringify(before), '(c) undo is exact');
        assert.deepEqual(await integrityProblems(h().db), [], '(d) after undo');
      }),
      { numRuns: 8, seed: 18 },
    );
  });
}, {}, { isolated: true });
