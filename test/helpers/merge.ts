import assert from 'node:assert/strict';
import type { Caller } from './api.js';

/** Everything a client can read about a contact: the retrieve with every expand, and the relations pointing at it. */
export async function clientView(c: Caller, id: string): Promise<unknown> {
  const one = await c.req('GET', `/contacts/${id}/?expand=props,addresses,banks,relations`);
  assert.equal(one.status, 200, one.text);
  const incoming = await c.req('GET', `/contacts/relations/?related_contact=${id}&page_size=200&ordering=created_at`);
  const banks = await c.req('GET', `/contacts/banks/?contact_id=${id}&page_size=200&ordering=created_at`);
  return { contact: one.body, location: one.headers['content-location'] ?? null, incoming: incoming.body.results, banks: banks.body.results };
}

