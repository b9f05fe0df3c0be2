import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';

// Free JSON on sub-resources gets the same checks as contact `refs`: storable text, bounded depth,
// every key kept (also keys with a newline); and non-JSON bodies are a 415.
describeEngines('free JSON on sub-resources', (h) => {
  it('address codes and relation refs: bad text and deep nesting are 400s naming the field; odd keys survive', async () => {
    assert.equal((await h().req('POST', '/namespaces/', { body: { name: 'fj' } })).status, 201);
    const c = await h().req('POST', '/contacts/', { body: { name: 'Free Json', type: 'individual', namespace: 'fj' } });
    const surrogate = await h().req('POST', '/contacts/addresses/', { rawBody: `{"contact_id":"${c.body.id}","codes":{"a":"\\ud800"}}` });
    assert.equal(surrogate.status, 400, surrogate.text);
    assert.ok(surrogate.body.errors.codes);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const nested = await h().req('POST', '/contacts/relations/', { body: { contact: c.body.id, type: 'friend', related_contact: null, refs: { x: deep } } });
    assert.equal(nested.status, 400, nested.text);
    assert.ok(nested.body.errors.refs);
    const odd = await h().req('POST', '/contacts/relations/', { body: { contact: c.body.id, type: 'friend', related_contact: null, refs: { 'line\nbreak': 1 } } });
    assert.equal(odd.status, 201, odd.text);
    assert.deepEqual(odd.body.refs, { 'line\nbreak': 1 });
  });

  it('numbers that cannot be kept exactly are 400s naming their path; others are kept as sent', async () => {
    assert.equal((await h().req('POST', '/namespaces/', { body: { name: 'fjn' } })).status, 201);
    const raw = `{"name":"Num Bers","type":"individual","namespace":"fjn","refs":{"big":9007199254740993,"inf":1e400,"neg":-0,"deep":{"list":[1,-18446744073709551616]},"exp":1e21}}`;
    const bad = await h().req('POST', '/contacts/', { rawBody: raw });
    assert.equal(bad.status, 400, bad.text);
    assert.deepEqual(Object.keys(bad.body.errors).sort(), ['refs.big', 'refs.deep.list.1', 'refs.exp', 'refs.inf', 'refs.neg']);
    const c = await h().req('POST', '/contacts/', { rawBody: `{"name":"Num Bers","type":"individual","namespace":"fjn","refs":{"max":9007199254740991,"min":-9007199254740991,"f":1.5,"e":1e-7,"z":0}}` });
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.body.refs, { max: 9007199254740991, min: -9007199254740991, f: 1.5, e: 1e-7, z: 0 });
    const codes = await h().req('POST', '/contacts/addresses/', { rawBody: `{"contact_id":"${c.body.id}","codes":{"n":123456789012345678901}}` });
    assert.equal(codes.status, 400, codes.text);
    assert.ok(codes.body.errors['codes.n']);
  });

  it('a text/plain body is a 415 problem', async () => {
    const res = await h().req('POST', '/namespaces/', { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415, res.text);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  });
});
