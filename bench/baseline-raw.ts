// Raw baseline: node:http + pg running the same SQL as our service for the benchmark scenarios,
// with the same transaction structure for writes (audit insert included) — but no auth, no
// validation, no framework. The tenant comes from the `x-tenant` header. It is the floor our
// service is measured against. Pure domain functions (name keys, identifier normalization, ref
// patterns) are imported from src: that work is the same in both and not what is measured.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { ulid } from '../src/ids.js';
import { analyzeIdentifiers, blockingPans } from '../src/dedupe/identifiers.js';
import { nameKey, phoneticKey } from '../src/dedupe/names.js';
import { matchPropsJson } from '../src/resources/contacts/derived.js';
import { renderPatternText } from '../src/resources/namespaces/ref-pattern.js';
import * as Q from './baseline-raw-sql.js';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE ?? 10),
  types: {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)),
  } as never,
});
pool.on('error', () => {});
type Client = pg.PoolClient | pg.Pool;
const USER = 'bench-user';
const CONTACT_PATH = /^\/contacts\/([0-9A-Z]{26})\/(?:(approve|reject|active|inactive)\/)?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every fixed statement runs prepared (named by its text), as the service's hot statements do
 * (QueryOptions.prepare): the floor we measure against plans each statement once per connection.
 */
function run(c: Client, text: string, values: unknown[]) {
  return c.query({ name: `raw_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text, values });
}

/** Like the service's Database.forTenant: a transaction that sets app.tenant_id first (one round trip). */
async function tx<T>(tenant: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(`BEGIN; SELECT set_config('app.tenant_id', ${pg.escapeLiteral(tenant)}, true)`);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

async function state(c: Client, tenant: string, id: string): Promise<{ row: any; state: Record<string, unknown> }> {
  const row = (await c.query({ ...FIND_CONTACT_PREPARED, values: [tenant, id] })).rows[0];
  if (!row) throw new HttpError(404, 'not found');
  const props = (await run(c, Q.PROPS_OF, [tenant, [id]])).rows;
  return { row, state: Q.toContact(row, props) };
}

async function audit(
  c: Client,
  req: IncomingMessage,
  tenant: string,
  action: string,
  id: string,
  before: unknown,
  after: unknown,
  at: Date,
  comment: string | null,
) {
  await run(c, Q.INSERT_AUDIT, [
    tenant,
    ulid(at.getTime()),
    USER,
    action,
    'contact',
    id,
    id,
    at,
    req.socket.remoteAddress ?? null,
    req.headers['user-agent'] ?? null,
    before === null ? null : JSON.stringify(before),
    JSON.stringify(after),
    comment,
  ]);
}

/** refreshIdentifiers: rebuild match keys, then block new PANs held by another live contact. */
async function refreshIdentifiers(c: Client, tenant: string, id: string, checkAll: boolean) {
  const before = checkAll ? new Set<string>() : new Set((await run(c, Q.PANS_OF, [tenant, id])).rows.map((r) => r.value as string));
  const props = (await run(c, Q.PROPS_OF, [tenant, [id]])).rows;
  const { keys } = analyzeIdentifiers(props);
  await run(c, Q.DELETE_MATCH_KEYS, [tenant, id]);
  if (keys.length) {
    await run(c, Q.INSERT_MATCH_KEYS, [
      tenant,
      id,
      keys.map((k) => k.kind),
      keys.map((k) => k.value),
      keys.map((k) => k.key),
      keys.map((k) => k.via ?? null),
    ]);
  }
  const pans = blockingPans(keys).filter((p) => !before.has(p));
  if (pans.length === 0) return;
  for (const pan of [...pans].sort()) await run(c, Q.LOCK_PAN, [`${tenant}:pan:${pan}`]);
  if ((await run(c, Q.FIND_PAN_HOLDER, [tenant, pans, id])).rows[0]) throw new HttpError(409, 'duplicate');
}

/** A lone read runs in a tenant transaction of its own, as in the service. */
const read = (tenant: string, sql: string, params: unknown[]) => tx(tenant, (c) => c.query(sql, params));
/** The statements the service keeps prepared (QueryOptions.prepare) are prepared here too. */
const FIND_CONTACT_PREPARED = { name: 'raw_find_contact', text: Q.FIND_CONTACT };

async function getContact(tenant: string, id: string, expand: string[]) {
  // The row and its expands in one tenant transaction, as the service reads them.
  return tx(tenant, async (c) => {
    const row = (await c.query({ ...FIND_CONTACT_PREPARED, values: [tenant, id] })).rows[0];
    if (!row) throw new HttpError(404, 'not found');
    const out = Q.toContact(row);
    if (expand.includes('props')) out.props = (await run(c, Q.PROPS_OF, [tenant, [id]])).rows.map(Q.toRow);
    if (expand.includes('addresses')) out.addresses = (await run(c, Q.ADDRESSES_OF, [tenant, [id]])).rows.map(Q.toRow);
    if (expand.includes('banks')) out.banks = (await run(c, Q.BANKS_OF, [tenant, [id]])).rows.map(Q.toRow);
    return out;
  });
}

async function listContacts(tenant: string, q: URLSearchParams) {
  const { sql, params, limit, page } = Q.listContactsSql(tenant, q);
  const rows = (await read(tenant, sql, params)).rows;
  const count = rows[0] ? Number(rows[0].total) : 0;
  const totalPages = Math.max(1, Math.ceil(count / limit));
  return {
    count,
    total_pages: totalPages,
    current_page: page,
    has_previous: page > 1,
    has_next: page < totalPages,
    previous_page: page > 1 ? Math.min(page - 1, totalPages) : null,
    next_page: page < totalPages ? page + 1 : null,
    results: rows.filter((r) => r.page_row).map((r) => Q.toContact(r)),
  };
}

async function createContact(req: IncomingMessage, tenant: string, body: any) {
  const at = new Date();
  return tx(tenant, async (c) => {
    const ns = (await run(c, Q.FIND_NAMESPACE, [tenant, body.namespace])).rows[0];
    if (!ns) throw new HttpError(400, 'unknown namespace');
    const id = ulid(at.getTime());
    let refId: string | null = null;
    if (ns.contact_pattern) {
      const { seq } = (await run(c, Q.TAKE_COUNTER, [tenant, ns.id])).rows[0];
      refId = renderPatternText(ns.contact_pattern, Number(seq), at);
      await run(c, Q.RESERVE_REF_ID, [tenant, ns.id, refId, id, at]);
    }
    const tags = [...new Set<string>(body.tags ?? [])];
    const bodyPans = blockingPans(analyzeIdentifiers(body.props ?? []).keys);
    const lockKeys = [...new Set(bodyPans)].sort().map((pan) => `${tenant}:pan:${pan}`);
    const input: { key: string; value: string; type: string }[] = body.props ?? [];
    const propIds = input.map(() => ulid(at.getTime()));
    await run(c, lockKeys.length ? Q.INSERT_CONTACT_LOCKING : Q.INSERT_CONTACT, [
      tenant,
      id,
      ns.id,
      body.name,
      body.status ?? 'active',
      body.type,
      refId,
      tags,
      JSON.stringify(body.refs ?? {}),
      null,
      null,
      nameKey(body.name, body.type),
      phoneticKey(body.name, body.type),
      at,
      USER,
      matchPropsJson(input.map((p, i) => ({ id: propIds[i]!, key: p.key, value: p.value }))),
      ...(lockKeys.length ? [lockKeys] : []),
    ]);
    // Mirrors createContact: props, match keys (from the request's props) and the PAN holder in
    // one statement, and the new row built in memory (no read-back).
    const { keys } = analyzeIdentifiers(input);
    const pans = blockingPans(keys);
    let props: any[] = [];
    if (input.length > 0) {
      // The locks were taken by the contact insert.
      const res = await run(c, Q.INSERT_PROPS_AND_MATCH_KEYS, [
        tenant,
        pans,
        id,
        at,
        USER,
        propIds,
        input.map((p) => p.key),
        input.map((p) => p.value),
        input.map((p) => p.type),
        keys.map((k) => k.kind),
        keys.map((k) => k.value),
        keys.map((k) => k.key),
        keys.map((k) => k.via ?? null),
      ]);
      if (res.rows[0]?.holder_id) throw new HttpError(409, 'duplicate');
      props = res.rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    const row = {
      tenant_id: tenant,
      id,
      namespace_id: ns.id,
      namespace_name: ns.name,
      name: body.name,
      status: body.status ?? 'active',
      type: body.type,
      ref_id: refId,
      tags,
      refs: body.refs ?? {},
      rm_id: null,
      branch_id: null,
      approval_status: 'pending',
      approval_comment: null,
      approval_by: null,
      approval_at: null,
      is_deleted: false,
      deleted_at: null,
      version: 1,
      created_at: at,
      created_by: USER,
      updated_at: at,
      updated_by: null,
      prop_ids: props.map((p) => p.id),
    };
    await audit(c, req, tenant, 'create', id, null, Q.toContact(row, props), at, null);
    return row;
  });
}

async function upsertPropRows(
  c: Client,
  tenant: string,
  id: string,
  props: { key: string; value: string; type: string }[],
  at: Date,
): Promise<any[]> {
  if (props.length === 0) return [];
  const res = await run(c, Q.UPSERT_PROPS, [
    tenant,
    id,
    at,
    USER,
    props.map(() => ulid(at.getTime())),
    props.map((p) => p.key),
    props.map((p) => p.value),
    props.map((p) => p.type),
  ]);
  return res.rows;
}
/** How many props the upsert changed (it returns the changed rows). */
async function upsertProps(c: Client, tenant: string, id: string, props: { key: string; value: string; type: string }[], at: Date): Promise<number> {
  return (await upsertPropRows(c, tenant, id, props, at)).length;
}

async function patchContact(req: IncomingMessage, tenant: string, id: string, body: any) {
  const at = new Date();
  return tx(tenant, async (c) => {
    if (!(await c.query({ name: 'raw_find_contact_lock', text: Q.FIND_CONTACT_LOCK, values: [tenant, id] })).rows[0])
      throw new HttpError(404, 'not found');
    const before = (await state(c, tenant, id)).state;
    const cols = ['tags', 'refs', 'rm_id', 'branch_id', 'status'].filter((k) => body[k] !== undefined);
    const values = cols.map((k) => (k === 'tags' ? [...new Set(body.tags)] : k === 'refs' ? JSON.stringify(body.refs) : body[k]));
    const changedProps = await upsertProps(c, tenant, id, body.props ?? [], at);
    await c.query(Q.updateContactSql(cols, changedProps > 0), [...values, at, USER, tenant, id]);
    if (changedProps > 0) await refreshIdentifiers(c, tenant, id, false);
    const { row, state: after } = await state(c, tenant, id);
    await audit(c, req, tenant, 'update', id, before, after, at, null);
    return row;
  });
}

const PLAN: Record<string, (r: any, comment: string | null, at: Date) => Record<string, unknown> | null> = {
  active: (r) => (r.status === 'active' ? null : { status: 'active' }),
  inactive: (r) => (r.status === 'inactive' ? null : { status: 'inactive' }),
  approve: (r, comment, at) =>
    r.approval_status === 'approved'
      ? null
      : { approval_status: 'approved', status: 'active', approval_comment: comment, approval_by: USER, approval_at: at },
  reject: (r, comment, at) =>
    r.approval_status === 'rejected'
      ? null
      : { approval_status: 'rejected', status: 'inactive', approval_comment: comment, approval_by: USER, approval_at: at },
};

async function action(req: IncomingMessage, tenant: string, id: string, name: string, body: any) {
  const at = new Date();
  const comment = body?.comment ?? null;
  return tx(tenant, async (c) => {
    const current = (await c.query({ name: 'raw_find_contact_lock', text: Q.FIND_CONTACT_LOCK, values: [tenant, id] })).rows[0];
    if (!current) throw new HttpError(404, 'not found');
    if (name === 'active' && current.status !== 'active' && current.approval_status === 'rejected') throw new HttpError(409, 'rejected');
    const changes = PLAN[name]!(current, comment, at);
    if (!changes) return current;
    const before = (await state(c, tenant, id)).state;
    await c.query(Q.updateContactSql(Object.keys(changes)), [...Object.values(changes), at, USER, tenant, id]);
    const after = (await state(c, tenant, id)).state;
    await audit(c, req, tenant, 'action', id, before, after, at, comment ? `${name}: ${comment}` : name);
    return (await c.query({ ...FIND_CONTACT_PREPARED, values: [tenant, id] })).rows[0];
  });
}

async function route(req: IncomingMessage, body: string): Promise<[number, unknown, number?]> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/healthz') return [200, { status: 'ok' }];
  const tenant = String(req.headers['x-tenant'] ?? '');
  const json = body ? JSON.parse(body) : undefined;
  if (url.pathname === '/contacts/') {
    if (req.method === 'GET') return [200, await listContacts(tenant, url.searchParams)];
    if (req.method === 'POST') {
      const row = await createContact(req, tenant, json);
      return [201, Q.toContact(row), row.version];
    }
  }
  const m = CONTACT_PATH.exec(url.pathname);
  if (m && req.method === 'GET' && !m[2]) return [200, await getContact(tenant, m[1]!, (url.searchParams.get('expand') ?? '').split(','))];
  if (m && req.method === 'PATCH' && !m[2]) {
    const row = await patchContact(req, tenant, m[1]!, json ?? {});
    return [200, Q.toContact(row), row.version];
  }
  if (m && req.method === 'PUT' && m[2]) {
    const row = await action(req, tenant, m[1]!, m[2], json);
    return [200, Q.toContact(row), row.version];
  }
  return [404, { status: 404 }];
}

function send(res: ServerResponse, status: number, payload: unknown, version?: number) {
  const text = JSON.stringify(payload);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  };
  if (version !== undefined) headers.etag = `"${version}"`;
  res.writeHead(status, headers);
  res.end(text);
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    route(req, Buffer.concat(chunks).toString()).then(
      ([status, payload, version]) => send(res, status, payload, version),
      (err: unknown) => send(res, err instanceof HttpError ? err.status : 500, { detail: (err as Error).message }),
    );
  });
}).listen(Number(process.env.PORT ?? 8091), process.env.HOST ?? '127.0.0.1');

process.on('SIGTERM', () => pool.end().finally(() => process.exit(0)));
