import assert from 'node:assert/strict';
import type { Harness, Response } from './engines.js';

// Shared assertions and fixtures for the API tests.

export const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const ISO_Z_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Asserts an RFC 9457 problem document with the given status (and code), instance = request id. */
export function assertProblem(res: Response, status: number, code?: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const b = res.body;
  assert.ok(b && typeof b === 'object', `problem body is not an object: ${res.text}`);
  assert.equal(typeof b.type, 'string');
  assert.equal(typeof b.title, 'string');
  assert.equal(b.status, status);
  assert.equal(typeof b.detail, 'string');
  assert.ok(b.detail.length > 0);
  assert.equal(typeof b.code, 'string');
  assert.equal(b.instance, res.headers['x-request-id']);
  if (code !== undefined) assert.equal(b.code, code);
}

/** Asserts a 400 validation problem whose `errors` names each of the given fields. */
export function assertFieldErrors(res: Response, ...fields: string[]): void {
  assertProblem(res, 400);
  assert.ok(res.body.errors && typeof res.body.errors === 'object', `no errors member: ${res.text}`);
  for (const f of fields) {
    const msgs = res.body.errors[f];
    assert.ok(Array.isArray(msgs) && msgs.length > 0 && msgs.every((m: unknown) => typeof m === 'string'), `errors.${f} missing in ${res.text}`);
  }
}

/** A caller in a fresh tenant: every request it sends uses that tenant's token. */
export interface Caller {
  tenant: string;
  sub: string;
  token: string;
  req: (method: string, url: string, opts?: { body?: unknown; rawBody?: string; headers?: Record<string, string> }) => Promise<Response>;
}

export async function newCaller(h: Harness, sub = 'user-1', tenant = h.tenant()): Promise<Caller> {
  const token = await h.token(tenant, sub);
  return { tenant, sub, token, req: (method, url, opts = {}) => h.req(method, url, { ...opts, token }) };
}

let nameSeq = 0;
/** A namespace name unique within the process (names are unique per tenant). */
export const uniqueName = (prefix = 'ns'): string => `${prefix}-${process.pid}-${nameSeq++}`;

export async function createNamespace(c: Pick<Caller, 'req'>, body: Record<string, unknown> = {}): Promise<any> {
  const res = await c.req('POST', '/namespaces/', { body: { name: uniqueName(), ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

export async function createContact(c: Pick<Caller, 'req'>, body: Record<string, unknown>): Promise<any> {
  const res = await c.req('POST', '/contacts/', { body: { name: 'Test Person', type: 'individual', ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** Audit rows of a tenant, oldest first. */
export async function auditRows(h: Harness, tenant: string): Promise<AuditRow[]> {
  const res = await h.db.query<AuditRow>(
    'SELECT id, user_id, action_type, object_type, object_id, contact_id, comment, before_state, after_state FROM audit_log WHERE tenant_id = $1 ORDER BY id',
    [tenant],
  );
  return res.rows;
}

export interface AuditRow {
  id: string;
  user_id: string;
  action_type: string;
  object_type: string;
  object_id: string;
  contact_id: string | null;
  comment: string | null;
  before_state: any;
  after_state: any;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
