import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { assertFieldErrors, createContact, createNamespace, newCaller } from '../helpers/api.js';
import { MAX_EXPANDED_ITEMS } from '../../src/resources/views/expand.js';

// A request within every documented limit must not build an unbounded response: the items a page
// inlines through `expand` are budgeted (MAX_EXPANDED_ITEMS), checked before they are read.

describeEngines('response amplification', (h) => {
  it(`refuses a page that would inline more than ${MAX_EXPANDED_ITEMS} items, naming expand; a smaller page fits`, async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const perContact = 200;
    const contacts = Math.floor(MAX_EXPANDED_ITEMS / perContact) + 1;
    const props = Array.from({ length: perContact }, (_, i) => ({ key: `k${String(i).padStart(3, '0')}`, type: 'text', value: 'v'.repeat(500) }));
    for (let i = 0; i < contacts; i++) {
      const contact = await createContact(c, { namespace: ns.name, name: `Wide Contact ${i}` });
      assert.equal((await c.req('PUT', `/contacts/${contact.id}/props/`, { body: props })).status, 200);
    }
    const refused = await c.req('GET', `/contacts/?page_size=${contacts}&expand=props`);
    assertFieldErrors(refused, 'expand');
    const fits = await c.req('GET', `/contacts/?page_size=${contacts - 1}&expand=props,addresses`);
    assert.equal(fits.status, 200, fits.text.slice(0, 300));
    assert.equal(fits.body.results.length, contacts - 1);
    assert.equal(fits.body.results[0].props.length, perContact);
    // Without expand the same page is small.
    assert.equal((await c.req('GET', `/contacts/?page_size=${contacts}`)).status, 200);
  });
});
