import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../../generated/openapi.js';

// A client as the console (or any TypeScript consumer) would write it: types generated from the
// service's own OpenAPI document by openapi-typescript (`npm run build` writes generated/), calls
// made with openapi-fetch. Type-checked by `npm run typecheck`; run against a live server by
// test/api/typed-client.test.ts.

export type Contact = components['schemas']['Contact'];
export type Problem = components['schemas']['Problem'];
export type ContactsClient = Client<paths>;

/** `fetchImpl`: another transport than the global fetch (the tests hand requests to the app directly). */
export function contactsClient(baseUrl: string, token: string, fetchImpl?: typeof fetch): ContactsClient {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` }, fetch: fetchImpl });
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

/** Creates a namespace and a contact in it, lists it back with typed filters, and retrieves it. */
export async function createListRetrieve(
  client: ContactsClient,
  namespace: string,
): Promise<{ created: Contact; listed: Contact[]; retrieved: Contact }> {
  const ns = await client.POST('/namespaces/', { body: { name: namespace, contact_pattern: 'TYP-{seq:4}' } });
  if (ns.error) throw new ApiProblem(ns.error);

  const created = await client.POST('/contacts/', {
    body: { name: 'Asha Verma', type: 'individual', namespace, props: [{ key: 'mobile', type: 'text', value: '9876543210' }] },
  });
  if (created.error) throw new ApiProblem(created.error);

  // page_size is an integer and status/type are enums in the generated types.
  const page = await client.GET('/contacts/', {
    params: {
      query: { namespace, status: 'active', type: 'individual', approval_status: 'pending', page: 1, page_size: 50, expand: 'props' },
    },
  });
  if (page.error) throw new ApiProblem(page.error);

  const one = await client.GET('/contacts/{contact_id}/', { params: { path: { contact_id: created.data.id } } });
  if (one.error) throw new ApiProblem(one.error);
  return { created: created.data, listed: page.data.results, retrieved: one.data };
}

/** Compile-time proof that the generated types constrain what a client may send. Never called. */
export function rejectedAtCompileTime(client: ContactsClient): void {
  // @ts-expect-error status is an enum: active | inactive
  void client.GET('/contacts/', { params: { query: { status: 'archived' } } });
  // @ts-expect-error page_size is an integer, not a string
  void client.GET('/contacts/', { params: { query: { page_size: '50' } } });
  // @ts-expect-error type is required on create
  void client.POST('/contacts/', { body: { name: 'No Type', namespace: 'Vayana' } });
}
