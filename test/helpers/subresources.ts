import assert from 'node:assert/strict';
import type { Harness, Response } from './engines.js';
import { createContact, createNamespace, newCaller, type Caller } from './api.js';

// Fixtures for the contact sub-resource tests (addresses, banks, relations, history, expand).

/** A caller in a fresh tenant with one namespace, and a function making contacts in it. */
export async function tenantWithContacts(h: Harness, sub = 'user-1'): Promise<Caller & { contact: (body?: Record<string, unknown>) => Promise<any> }> {
  const c = await newCaller(h, sub);
  const ns = await createNamespace(c);
  return { ...c, contact: (body = {}) => createContact(c, { namespace: ns.name, ...body }) };
}

export const ADDRESS = {
  address_line: '12, M.G. Road #4/B',
  city: 'Bengaluru',
  state: 'Karnataka',
  pincode: '560001',
  country: 'India',
  coords: { lat: 12.97, lng: 77.59 },
  codes: { district: 'BLR', gst_state: 29 },
  tags: ['home'],
};

export const BANK = {
  account_holder_name: 'Asha Rao',
  account_no: '123456789012',
  ifsc: 'HDFC0001234',
  bank_name: 'HDFC Bank',
  branch_name: 'MG Road',
};

export async function createAddress(c: Pick<Caller, 'req'>, contactId: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await c.req('POST', '/contacts/addresses/', { body: { contact_id: contactId, ...ADDRESS, ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

export async function createBank(c: Pick<Caller, 'req'>, contactId: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await c.req('POST', '/contacts/banks/', { body: { contact_id: contactId, ...BANK, ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

export async function createRelation(c: Pick<Caller, 'req'>, contactId: string, relatedId: string | null, body: Record<string, unknown> = {}): Promise<any> {
  const res = await c.req('POST', '/contacts/relations/', { body: { contact: contactId, type: 'spouse', related_contact: relatedId, ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** History entries of the caller's tenant matching a query string (all pages of up to 200). */
export async function history(c: Pick<Caller, 'req'>, query = ''): Promise<any[]> {
  const res = await c.req('GET', `/history/?page_size=200${query ? '&' + query : ''}`);
  assert.equal(res.status, 200, res.text);
  return res.body.results;
}

export const ids = (res: Response): string[] => res.body.results.map((r: { id: string }) => r.id);

/** A well-formed ULID that names nothing. */
export const MISSING_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
