import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';

describeEngines('smoke', (h) => {
  it('creates a namespace and the Crego example contact', async () => {
    const ns = await h().req('POST', '/namespaces/', { body: { name: 'Vayana' } });
    assert.equal(ns.status, 201, ns.text);
    const c = await h().req('POST', '/contacts/', {
      body: { name: 'Sukumar', ref_id: 'jijkdmkdoedmsaad', status: 'active', type: 'individual', tags: ['string'], refs: {}, branch_id: '', namespace: 'Vayana', props: [{ key: 'pan_no', type: 'number', value: '123254684' }] },
    });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.namespace, 'Vayana');
    assert.equal(c.body.props.length, 1);
  });
});
