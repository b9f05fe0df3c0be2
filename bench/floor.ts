// The one-statement floor: the least a correct server must do for the benchmark's requests on our
// tables — raw node:http + pg, an HS256 bearer token verified per request, the tenant checked in
// every statement, and ONE prepared statement (one round trip) per request:
//   GET  /contacts/{id}/   the contact with its namespace name and prop ids;
//   GET  /contacts/        a page (status, type, page, page_size) and its exact count;
//   POST /contacts/        namespace lookup, ref-id counter, contact, props, match keys, PAN holder
//                          check, audit entry and outbox event, in data-modifying CTEs.
// The responses are our service's representation (test/api/bench-floor.test.ts compares them).
// It connects as the tables' owner (row-level security does not bind; every statement filters by
// tenant instead), and its PAN check sees the statement's snapshot only: two concurrent creates
// with one PAN can both pass, which our service prevents with advisory locks and a second
// statement. Both simplifications flatter the floor. Run: `node --import tsx bench/floor.ts`.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ulid } from '../src/ids.js';
import { analyzeIdentifiers, blockingPans } from '../src/dedupe/identifiers.js';
import { matchPropsJson, nameColumns } from '../src/resources/contacts/derived.js';
import { CONTACT_SELECT, FIND_CONTACT, toContact } from './baseline-raw-sql.js';

export interface FloorOptions {
  connectionString: string;
  secret: string;
  poolSize?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** HS256 JWT: signature, expiry and not-before; tenant from `tenant_id` (else `tenant`), user from `sub`. */
export function verifyHs256(header: string | undefined, secret: string, nowSeconds = Date.now() / 1000): { tenant: string; user: string } {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(header ?? '');
  if (!m) throw new HttpError(401, 'missing or malformed bearer token');
  const [, h, p, s] = m as unknown as [string, string, string, string];
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401, 'bad signature');
  let head: { alg?: string };
  let claims: { tenant_id?: unknown; tenant?: unknown; sub?: unknown; exp?: unknown; nbf?: unknown };
  try {
    head = JSON.parse(Buffer.from(h, 'base64url').toString());
    claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  } catch {
    throw new HttpError(401, 'malformed token');
  }
  if (head.alg !== 'HS256') throw new HttpError(401, 'unexpected alg');
  if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) throw new HttpError(401, 'expired');
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) throw new HttpError(401, 'not yet valid');
  const tenant = claims.tenant_id ?? claims.tenant;
  if (typeof tenant !== 'string' || !tenant || typeof claims.sub !== 'string') throw new HttpError(401, 'no tenant or subject');
  return { tenant, user: claims.sub };
}

const [PAGE_SELECT, PAGE_FROM] = CONTACT_SELECT.replace(/^SELECT /, '').split('\n  FROM ') as [string, string];

/** Page and exact count in one statement; the count reads contacts alone (no namespace join). */
function listSql(status: boolean, type: boolean): string {
  const cond = ['c.tenant_id = $1', 'NOT c.is_deleted'];
  let n = 3;
  if (status) cond.push(`c.status = $${++n}`);
  if (type) cond.push(`c.type = $${++n}`);
  const where = cond.join(' AND ');
  return `SELECT t.total, pg.* FROM (SELECT count(*)::int AS total FROM contacts c WHERE ${where}) t
     LEFT JOIN LATERAL (SELECT true AS page_row, ${PAGE_SELECT} FROM ${PAGE_FROM} WHERE ${where}
                        ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3) pg ON true`;
}

// The POST statement's parameters, by name, in order.
const P = [
  'tenant',
  'namespace',
  'id',
  'name',
  'status',
  'type',
  'tags',
  'refs',
  'rm_id',
  'branch_id',
  'name_key',
  'name_phonetic',
  'at',
  'user',
  'match_props',
  'prop_ids',
  'prop_keys',
  'prop_values',
  'prop_types',
  'mk_kinds',
  'mk_values',
  'mk_keys',
  'mk_via',
  'pans',
  'audit_id',
  'after',
  'ip',
  'user_agent',
] as const;
type PName = (typeof P)[number];
const $ = (name: PName): string => `$${P.indexOf(name) + 1}`;

/** The ref id from the namespace's pattern in SQL ({seq}, {seq:N} padded never truncated, {yyyy} {yy} {mm} {dd} in UTC). */
const RENDER_REF = `replace(replace(replace(replace(regexp_replace(k.pattern, '\\{seq(:[0-9]+)?\\}',
      CASE WHEN length(k.seq::text) >= coalesce((regexp_match(k.pattern, '\\{seq:([0-9]+)\\}'))[1]::int, 0) THEN k.seq::text
           ELSE lpad(k.seq::text, (regexp_match(k.pattern, '\\{seq:([0-9]+)\\}'))[1]::int, '0') END),
      '{yyyy}', to_char(${$('at')}::timestamptz AT TIME ZONE 'UTC', 'YYYY')), '{yy}', to_char(${$('at')}::timestamptz AT TIME ZONE 'UTC', 'YY')),
      '{mm}', to_char(${$('at')}::timestamptz AT TIME ZONE 'UTC', 'MM')), '{dd}', to_char(${$('at')}::timestamptz AT TIME ZONE 'UTC', 'DD'))`;

const CREATE_SQL = `WITH ns AS (
    SELECT id, name, contact_pattern FROM namespaces
     WHERE tenant_id = ${$('tenant')} AND NOT is_deleted AND (id = upper(${$('namespace')}) OR lower(name) = lower(${$('namespace')}))
     ORDER BY (id = upper(${$('namespace')})) DESC LIMIT 1),
  holder AS (
    SELECT mk.contact_id FROM contact_match_keys mk
      JOIN contacts c ON c.tenant_id = mk.tenant_id AND c.id = mk.contact_id AND NOT c.is_deleted
     WHERE mk.tenant_id = ${$('tenant')} AND mk.kind = 'pan' AND mk.value = ANY(${$('pans')}::text[])
     ORDER BY c.created_at, c.id LIMIT 1),
  go AS (SELECT * FROM ns WHERE NOT EXISTS (SELECT 1 FROM holder)),
  counter AS (
    UPDATE namespaces n SET contact_counter = n.contact_counter + 1, version = n.version + 1 FROM go
     WHERE n.tenant_id = ${$('tenant')} AND n.id = go.id AND go.contact_pattern IS NOT NULL
     RETURNING n.contact_counter - 1 AS seq, n.contact_pattern AS pattern),
  ref AS (SELECT ${RENDER_REF} AS ref_id FROM counter k),
  reserve AS (
    INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at)
    SELECT ${$('tenant')}, go.id, ref.ref_id, ${$('id')}, ${$('at')} FROM go, ref ON CONFLICT DO NOTHING),
  ins AS (
    INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id,
                          name_key, name_phonetic, created_at, created_by, updated_at, match_props)
    SELECT ${$('tenant')}, ${$('id')}, go.id, ${$('name')}, ${$('status')}, ${$('type')}, (SELECT ref_id FROM ref), ${$('tags')}::text[],
           ${$('refs')}::jsonb, ${$('rm_id')}, ${$('branch_id')}, ${$('name_key')}, ${$('name_phonetic')}, ${$('at')}, ${$('user')}, ${$('at')},
           ${$('match_props')}::jsonb
      FROM go RETURNING id),
  props AS (
    INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
    SELECT ${$('tenant')}, u.id, ins.id, u.key, u.value, u.type, ${$('at')}, ${$('user')}, ${$('at')}
      FROM ins, unnest(${$('prop_ids')}::text[], ${$('prop_keys')}::text[], ${$('prop_values')}::text[], ${$('prop_types')}::text[]) AS u(id, key, value, type)),
  keys AS (
    INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via)
    SELECT ${$('tenant')}, ins.id, k.kind, k.value, k.prop_key, k.via
      FROM ins, unnest(${$('mk_kinds')}::text[], ${$('mk_values')}::text[], ${$('mk_keys')}::text[], ${$('mk_via')}::text[]) AS k(kind, value, prop_key, via)
    ON CONFLICT DO NOTHING),
  state AS (
    SELECT ${$('after')}::jsonb || jsonb_build_object('namespace', go.name, 'ref_id', (SELECT ref_id FROM ref)) AS after FROM go),
  audit AS (
    INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp, ip_address, user_agent, after_state)
    SELECT ${$('tenant')}, ${$('audit_id')}, ${$('user')}, 'create', 'contact', ins.id, ins.id, ${$('at')}, ${$('ip')}, ${$('user_agent')}, s.after
      FROM ins, state s),
  outbox AS (
    INSERT INTO event_outbox (tenant_id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)
    SELECT ${$('tenant')}, 'contact.created', 'contact', ins.id, ins.id, jsonb_build_object('object', s.after, 'previous_attributes', null),
           NULL, ${$('user')}, ${$('at')}
      FROM ins, state s)
  SELECT (SELECT id FROM ns) AS namespace_id, (SELECT name FROM ns) AS namespace_name, (SELECT contact_id FROM holder) AS holder_id,
         (SELECT ref_id FROM ref) AS ref_id`;

const STATUSES = new Set(['active', 'inactive']);
const TYPES = new Set(['individual', 'corporate']);
const PROP_TYPES = new Set(['text', 'number', 'boolean', 'date', 'json']);
const CONTACT_PATH = /^\/contacts\/([0-9A-Za-z]{26})\/$/;
const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

const stmtName = (text: string) => `floor_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;

export function createFloor(o: FloorOptions): { server: Server; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: o.connectionString, max: o.poolSize ?? 10 });
  pool.on('error', () => {});
  const run = (text: string, values: unknown[]) => pool.query({ name: stmtName(text), text, values });
  const listTexts = [false, true].map((s) => [false, true].map((t) => listSql(s, t)));

  async function getContact(tenant: string, id: string) {
    const row = (await run(FIND_CONTACT, [tenant, id.toUpperCase()])).rows[0];
    if (!row) throw new HttpError(404, 'not found');
    return { body: toContact(row), version: row.version as number };
  }

  async function list(tenant: string, q: URLSearchParams) {
    const int = (name: string, fallback: number, max: number) => {
      const raw = q.get(name);
      if (raw === null) return fallback;
      if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new HttpError(400, `${name}: 1–${max}`);
      return Number(raw);
    };
    const size = int('page_size', 20, 200);
    const page = int('page', 1, 1_000_000);
    const status = q.get('status');
    const type = q.get('type');
    if (status !== null && !STATUSES.has(status)) throw new HttpError(400, 'status');
    if (type !== null && !TYPES.has(type)) throw new HttpError(400, 'type');
    const params: unknown[] = [tenant, size, (page - 1) * size];
    if (status !== null) params.push(status);
    if (type !== null) params.push(type);
    const rows = (await run(listTexts[Number(status !== null)]![Number(type !== null)]!, params)).rows;
    const count = rows[0] ? Number(rows[0].total) : 0;
    const totalPages = Math.max(1, Math.ceil(count / size));
    return {
      count,
      total_pages: totalPages,
      current_page: page,
      has_previous: page > 1,
      has_next: page < totalPages,
      previous_page: page > 1 ? Math.min(page - 1, totalPages) : null,
      next_page: page < totalPages ? page + 1 : null,
      results: rows.filter((r) => r.page_row).map((r) => toContact(r)),
    };
  }

  async function create(req: IncomingMessage, tenant: string, user: string, body: any) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be an object');
    const str = (k: string, max = 255) => {
      const v = body[k];
      if (typeof v !== 'string' || v.trim() === '' || v.length > max) throw new HttpError(400, k);
      return v;
    };
    const name = str('name');
    const namespace = str('namespace');
    const type = str('type');
    if (!TYPES.has(type)) throw new HttpError(400, 'type');
    const status = body.status ?? 'active';
    if (!STATUSES.has(status)) throw new HttpError(400, 'status');
    if (body.tags !== undefined && !(Array.isArray(body.tags) && body.tags.every((t: unknown) => typeof t === 'string')))
      throw new HttpError(400, 'tags');
    const tags = [...new Set<string>(body.tags ?? [])];
    const refs = body.refs ?? {};
    if (typeof refs !== 'object' || refs === null || Array.isArray(refs)) throw new HttpError(400, 'refs');
    const input: { key: string; value: string; type: string }[] = body.props ?? [];
    if (
      !Array.isArray(input) ||
      !input.every((p) => p && typeof p.key === 'string' && typeof p.value === 'string' && PROP_TYPES.has(p.type ?? 'text'))
    )
      throw new HttpError(400, 'props');
    if (new Set(input.map((p) => p.key)).size !== input.length) throw new HttpError(400, 'props: duplicate key');
    const analysis = analyzeIdentifiers(input);
    if (analysis.invalid.length) throw new HttpError(400, `props: invalid ${analysis.invalid[0]!.key}`);
    const at = new Date();
    const id = ulid(at.getTime());
    const props = input
      .map((p) => ({ tenant_id: tenant, id: ulid(at.getTime()), contact_id: id, key: p.key, value: p.value, type: p.type ?? 'text' }))
      .sort(byKey);
    const stamp = { created_at: at.toISOString(), created_by: user, updated_at: at.toISOString(), updated_by: null };
    const { name_key, name_phonetic } = nameColumns(name, type);
    const row = {
      tenant_id: tenant,
      id,
      name,
      status,
      type,
      tags,
      refs,
      rm_id: body.rm_id ?? null,
      branch_id: body.branch_id ?? null,
      approval_status: 'pending',
      approval_comment: null,
      approval_by: null,
      approval_at: null,
      is_deleted: false,
      deleted_at: null,
      version: 1,
      created_at: at,
      created_by: user,
      updated_at: at,
      updated_by: null,
      prop_ids: props.map((p) => p.id),
    };
    const after = { ...toContact({ ...row, namespace_name: null, ref_id: null }), props: props.map((p) => ({ ...p, ...stamp })) };
    const values: Record<PName, unknown> = {
      tenant,
      namespace,
      id,
      name,
      status,
      type,
      tags,
      refs: JSON.stringify(refs),
      rm_id: row.rm_id,
      branch_id: row.branch_id,
      name_key,
      name_phonetic,
      at,
      user,
      match_props: matchPropsJson(props),
      prop_ids: props.map((p) => p.id),
      prop_keys: props.map((p) => p.key),
      prop_values: props.map((p) => p.value),
      prop_types: props.map((p) => p.type),
      mk_kinds: analysis.keys.map((k) => k.kind),
      mk_values: analysis.keys.map((k) => k.value),
      mk_keys: analysis.keys.map((k) => k.key),
      mk_via: analysis.keys.map((k) => k.via ?? null),
      pans: blockingPans(analysis.keys),
      audit_id: ulid(at.getTime()),
      after: JSON.stringify(after),
      ip: req.socket.remoteAddress ?? null,
      user_agent: req.headers['user-agent'] ?? null,
    };
    const r = (
      await run(
        CREATE_SQL,
        P.map((k) => values[k]),
      )
    ).rows[0];
    if (!r.namespace_id) throw new HttpError(400, 'namespace: unknown');
    if (r.holder_id) throw new HttpError(409, `duplicate PAN held by ${r.holder_id}`);
    return { body: toContact({ ...row, namespace_id: r.namespace_id, namespace_name: r.namespace_name, ref_id: r.ref_id }), version: 1 };
  }

  async function route(req: IncomingMessage, text: string): Promise<[number, unknown, number?]> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/healthz') return [200, { status: 'ok' }];
    const { tenant, user } = verifyHs256(req.headers.authorization, o.secret);
    if (url.pathname === '/contacts/') {
      if (req.method === 'GET') return [200, await list(tenant, url.searchParams)];
      if (req.method === 'POST') {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'body is not JSON');
        }
        const r = await create(req, tenant, user, json);
        return [201, r.body, r.version];
      }
    }
    const m = CONTACT_PATH.exec(url.pathname);
    if (m && req.method === 'GET') {
      const r = await getContact(tenant, m[1]!);
      return [200, r.body, r.version];
    }
    return [404, { status: 404, detail: 'no such route' }];
  }

  const send = (res: ServerResponse, status: number, payload: unknown, version?: number) => {
    const text = JSON.stringify(payload);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    };
    if (version !== undefined) headers.etag = `"${version}"`;
    res.writeHead(status, headers);
    res.end(text);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      route(req, Buffer.concat(chunks).toString()).then(
        ([status, payload, version]) => send(res, status, payload, version),
        (err: unknown) =>
          err instanceof HttpError
            ? send(res, err.status, { status: err.status, detail: err.message })
            : send(res, 500, { status: 500, detail: 'internal error' }),
      );
    });
  });
  return { server, pool };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { server, pool } = createFloor({
    connectionString: process.env.DATABASE_URL ?? '',
    secret: process.env.AUTH_JWT_SECRET ?? '',
    poolSize: Number(process.env.DB_POOL_SIZE ?? 10),
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 8092), process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void pool.end().finally(() => process.exit(0))));
}
