import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { ApiProblem, contactsClient, createListRetrieve } from '../client/contacts-client.js';

// What a client builds on the OpenAPI document works against the service: the generated typed
// client round-trips a contact, and the request examples /docs pre-fills ("Try it out") are
// accepted as they are, with only the placeholder ids replaced by real ones.

/** A fetch that hands the request to the app (no port), so openapi-fetch runs unchanged. */
function injectFetch(h: () => Harness): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const body = req.body ? await req.text() : undefined;
    const res = await h().app.inject({
      method: req.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(req.headers),
      payload: body,
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers });
  };
}

const PLACEHOLDER_CONTACT = '01JD8X3QK6Z1V2W3Y4A5B6C7D8';
const PLACEHOLDER_RELATED = '01JD8X5C3D4E5F6G7H8J9K0M1N';

describeEngines('OpenAPI clients', (h) => {
  it('the generated typed client creates, lists (integer page_size, enum filters) and retrieves a contact', async () => {
    const tenantClient = contactsClient('http://registry.test', await h().token(h().tenant()), injectFetch(h));
    const { created, listed, retrieved } = await createListRetrieve(tenantClient, 'Typed');
    assert.equal(created.name, 'Asha Verma');
    assert.equal(created.ref_id, 'TYP-0001');
    assert.deepEqual(
      listed.map((c) => c.id),
      [created.id],
    );
    assert.equal(retrieved.id, created.id);
    await assert.rejects(
      createListRetrieve(tenantClient, 'Typed'),
      (err: unknown) => err instanceof ApiProblem && err.problem.status === 409 && err.problem.code === 'conflict',
    );
  });

  it('every request example /docs pre-fills is accepted as it is', async () => {
    const doc = h().app.swagger() as any;
    const example = (path: string, method: string) => {
      const value = doc.paths[path][method].requestBody?.content?.['application/json']?.example;
      assert.ok(value !== undefined, `${method.toUpperCase()} ${path} has a request example`);
      return JSON.parse(JSON.stringify(value).replaceAll(PLACEHOLDER_CONTACT, ids.contact).replaceAll(PLACEHOLDER_RELATED, ids.related));
    };
    const ids = { contact: '', related: '' };
    const send = async (method: string, path: string, url = path, expected = method === 'post' ? 201 : 200) => {
      const res = await h().req(method.toUpperCase(), url, { body: example(path, method) });
      assert.equal(res.status, expected, `${method.toUpperCase()} ${url}: ${res.text}`);
      return res.body;
    };

    const ns = await send('post', '/namespaces/');
    ids.contact = (await send('post', '/contacts/')).id;
    ids.related = (await h().req('POST', '/contacts/', { body: { name: 'Vikram Verma', type: 'individual', namespace: ns.name } })).body.id;
    await send('patch', '/namespaces/{namespace_id}/', `/namespaces/${ns.id}/`);
    await send('patch', '/contacts/{contact_id}/', `/contacts/${ids.contact}/`);
    await send('put', '/contacts/{contact_id}/approve/', `/contacts/${ids.contact}/approve/`);
    const address = await send('post', '/contacts/addresses/');
    await send('patch', '/contacts/addresses/{contact_address_id}/', `/contacts/addresses/${address.id}/`);
    const bank = await send('post', '/contacts/banks/');
    await send('patch', '/contacts/banks/{contact_bank_id}/', `/contacts/banks/${bank.id}/`);
    const relation = await send('post', '/contacts/relations/');
    await send('patch', '/contacts/relations/{contact_relation_id}/', `/contacts/relations/${relation.id}/`);
    const dedupe = await send('post', '/contacts/dedupe/', '/contacts/dedupe/', 200);
    assert.deepEqual(
      dedupe.results.map((r: any) => r.contact.id),
      [ids.contact],
      'the dedupe example finds the contact of the create example',
    );
  });
});
