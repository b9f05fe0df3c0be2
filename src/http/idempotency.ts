import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ulid } from '../ids.js';
import { AppError, fieldError } from '../errors/index.js';
import type { Executor } from '../db/index.js';
import { loggableError } from './error-handler.js';

// Idempotency keys (CONTRACT §6b), after Stripe: a client may send `Idempotency-Key` on every POST
// and on the PUT actions. The first request claims the key (tenant-scoped) before its handler runs;
// its 2xx/4xx response is stored and replayed to every retry with the same key and the same
// request. Validation (400), authentication (401) and rate-limit (429) failures happen before the
// claim and are not stored — as at Stripe, nothing began executing, so a retry is safe.
//
// Known window: the claim lives outside the handler's transaction. If the process dies after the
// handler committed but before the response was stored, the claim stays `in_progress` (retries get
// 409) until its lease runs out; the next retry then executes again.

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Keys are kept 24 h (CONTRACT §6b). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** An in-progress claim older than this is taken to be abandoned (its process died). */
export const IDEMPOTENCY_LEASE_MS = 2 * 60 * 1000;

const KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;
const ACTION_PUT = /^\/(contacts\/:contact_id\/(active|inactive|approve|reject)|duplicates\/:pair_id\/(dismiss|reopen))\/?$/;
/** Response headers a replay must carry to be indistinguishable from the original. */
const STORED_HEADERS = ['content-type', 'etag', 'location', 'retry-after'] as const;

export interface IdempotencyOptions {
  ttlMs?: number;
  leaseMs?: number;
}

interface Claim {
  tenantId: string;
  key: string;
  claimId: string;
}

interface StoredRow {
  method: string;
  path: string;
  body_hash: string;
  state: 'in_progress' | 'completed';
  status: number | null;
  response_headers: Record<string, string> | string | null;
  response_body: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyClaim: Claim | null;
  }
  interface FastifyContextConfig {
    /** Route honours `Idempotency-Key` (set by the idempotency plugin at registration). */
    idempotent?: boolean;
  }
}

/** POSTs that only read: nothing to make idempotent, so no key is stored for them. */
const READ_ONLY_POSTS = new Set(['/contacts/dedupe/']);
/** POSTs whose body is a stream (an import file, up to IMPORT_MAX_BYTES): never hashed nor replayed. */
const STREAMED_POSTS = new Set(['/imports/']);

/** Which routes honour the header: every POST that writes, and the PUT lifecycle actions. */
export function isIdempotentRoute(method: string, url: string): boolean {
  return (method === 'POST' && !READ_ONLY_POSTS.has(url) && !STREAMED_POSTS.has(url)) || (method === 'PUT' && ACTION_PUT.test(url));
}

/**
 * Canonical JSON (object keys sorted) so a retry whose body differs only in key order or
 * whitespace is the same request. Iterative: a deeply nested body must not overflow the stack.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const LIT = Symbol('lit');
  type Lit = { [LIT]: string };
  const lit = (s: string): Lit => ({ [LIT]: s });
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item !== null && typeof item === 'object' && LIT in item) {
      out.push((item as Lit)[LIT]);
    } else if (Array.isArray(item)) {
      stack.push(lit(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i] === undefined ? null : item[i]);
        if (i > 0) stack.push(lit(','));
      }
      stack.push(lit('['));
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      stack.push(lit('}'));
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push(entries[i]![1]);
        stack.push(lit(`${JSON.stringify(entries[i]![0])}:`));
        if (i > 0) stack.push(lit(','));
      }
      stack.push(lit('{'));
    } else {
      out.push(JSON.stringify(item) ?? 'null');
    }
  }
  return out.join('');
}

/** The body part of a request's fingerprint. */
export function bodyHash(body: unknown): string {
  return createHash('sha256')
    .update(body === undefined ? '' : canonicalJson(body))
    .digest('hex');
}

/** Path and query as sent, with the optional trailing slash of the path made canonical. */
function requestPath(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  return (path.length > 1 && !path.endsWith('/') ? `${path}/` : path) + query;
}

async function claimKey(
  db: Executor,
  claim: Claim,
  fp: { method: string; path: string; bodyHash: string },
  ttlMs: number,
  leaseMs: number,
): Promise<boolean> {
  // Inserts a fresh claim, or takes over a row that expired (24 h) or whose in-progress attempt
  // was abandoned (lease). A live row is left alone: no row comes back.
  const res = await db.query(
    `INSERT INTO idempotency_keys (tenant_id, key, method, path, body_hash, state, claim_id, created_at)
     VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, now())
     ON CONFLICT (tenant_id, key) DO UPDATE
       SET method = EXCLUDED.method, path = EXCLUDED.path, body_hash = EXCLUDED.body_hash, state = 'in_progress',
           claim_id = EXCLUDED.claim_id, status = NULL, response_headers = NULL, response_body = NULL,
           created_at = EXCLUDED.created_at, completed_at = NULL
       WHERE idempotency_keys.created_at < now() - $7::double precision * interval '1 millisecond'
          OR (idempotency_keys.state = 'in_progress'
              AND idempotency_keys.created_at < now() - $8::double precision * interval '1 millisecond')
     RETURNING claim_id`,
    [claim.tenantId, claim.key, fp.method, fp.path, fp.bodyHash, claim.claimId, ttlMs, leaseMs],
  );
  return res.rowCount > 0;
}

async function findLive(db: Executor, tenantId: string, key: string, ttlMs: number): Promise<StoredRow | undefined> {
  const res = await db.query<StoredRow>(
    `SELECT method, path, body_hash, state, status, response_headers, response_body
       FROM idempotency_keys
      WHERE tenant_id = $1 AND key = $2 AND created_at >= now() - $3::double precision * interval '1 millisecond'`,
    [tenantId, key, ttlMs],
  );
  return res.rows[0];
}

function replay(reply: FastifyReply, row: StoredRow): FastifyReply {
  const headers = typeof row.response_headers === 'string' ? (JSON.parse(row.response_headers) as Record<string, string>) : (row.response_headers ?? {});
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  reply.header(REPLAYED_HEADER, 'true');
  reply.code(row.status!);
  return row.response_body === null ? reply.send() : reply.send(row.response_body);
}

/**
 * Deletes keys older than the TTL, of every tenant, in batches; returns how many went. The
 * database function does it (migration 0007): row-level security would confine the service to
 * one tenant.
 */
export async function purgeExpiredIdempotencyKeys(db: Executor, ttlMs = IDEMPOTENCY_TTL_MS, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await db.query<{ n: number }>('SELECT purge_expired_idempotency_keys($1, $2) AS n', [ttlMs, batch]);
    const n = res.rows[0]!.n;
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Drops each tenant's oldest completed keys beyond `maxPerTenant` (IDEMPOTENCY_MAX_KEYS_PER_TENANT):
 * one tenant's traffic cannot grow the table without bound within the 24 h. A retry of a request
 * whose key was dropped runs again, as after the 24 h. Returns how many went.
 */
export async function capIdempotencyKeys(db: Executor, maxPerTenant: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await db.query<{ n: number }>('SELECT cap_idempotency_keys($1, $2) AS n', [maxPerTenant, batch]);
    const n = res.rows[0]!.n;
    total += n;
    if (n < batch) return total;
  }
}

/** A route's hooks of one kind as an array (Fastify takes one function or an array). */
function hooks<T>(h: T | T[] | undefined): T[] {
  return h === undefined ? [] : Array.isArray(h) ? h : [h];
}

export function registerIdempotency(app: FastifyInstance, opts: IdempotencyOptions = {}): void {
  const ttlMs = opts.ttlMs ?? IDEMPOTENCY_TTL_MS;
  const leaseMs = opts.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  app.decorateRequest('idempotencyClaim', null);

  // Marks the routes, gives them the hooks below and documents the header in OpenAPI (the schema
  // accepts any string: the format is checked before parsing so its 400 names `Idempotency-Key`
  // and precedes body errors). The hooks are the route's own, not global: a GET or a list runs
  // none of them. A route's hooks run after the global ones of the same kind, where these ran when
  // they were global (registered after the auth gate and compression; no other route has hooks).
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => isIdempotentRoute(m, route.url)) || route.config?.public) return;
    route.config = { ...(route.config ?? {}), idempotent: true } as RouteOptions['config'];
    route.preParsing = [...hooks(route.preParsing), checkKey];
    route.preHandler = [...hooks(route.preHandler), claimBeforeHandler];
    route.onSend = [...hooks(route.onSend), storeResponse];
    if (route.schema && !route.schema.hide) {
      const existing = (route.schema.headers ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown> };
      route.schema = {
        ...route.schema,
        headers: {
          ...existing,
          type: 'object',
          properties: {
            ...(existing.properties ?? {}),
            [IDEMPOTENCY_HEADER]: {
              type: 'string',
              description:
                'Optional, 1–255 printable ASCII characters, per tenant, kept 24 h. A retry with the same key and request replays the stored response (header `Idempotent-Replayed: true`); another request with the same key → 422; while the first is running → 409.',
            },
          },
        },
      };
    }
  });

  // After the auth gate (a global hook), so this runs on authenticated requests; before the body is parsed.
  async function checkKey(request: FastifyRequest): Promise<void> {
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw fieldError('Idempotency-Key', 'Must be 1–255 printable ASCII characters.');
    }
  }

  async function claimBeforeHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (!request.ctx) return;
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (typeof key !== 'string') return;
    const claim: Claim = { tenantId: request.ctx.tenantId, key, claimId: ulid() };
    const fp = { method: request.method, path: requestPath(request.url), bodyHash: bodyHash(request.body) };
    // A live row can vanish between the claim attempt and the read (its attempt ended in 5xx):
    // then claiming again succeeds.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await claimKey(request.db, claim, fp, ttlMs, leaseMs)) {
        request.idempotencyClaim = claim;
        return;
      }
      const row = await findLive(request.db, claim.tenantId, key, ttlMs);
      if (!row) continue;
      if (row.method !== fp.method || row.path !== fp.path || row.body_hash !== fp.bodyHash) {
        throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used with a different request (method, path or body).');
      }
      if (row.state === 'in_progress') {
        throw new AppError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress; retry later.', {
          headers: { 'retry-after': '1' },
        });
      }
      return replay(reply, row);
    }
    throw new AppError('idempotency_in_progress', 'A request with this Idempotency-Key is being retried concurrently; retry later.', {
      headers: { 'retry-after': '1' },
    });
  }

  async function storeResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = request.idempotencyClaim;
    if (!claim) return payload;
    request.idempotencyClaim = null;
    const status = reply.statusCode;
    try {
      if (status >= 500 || status < 200 || status === 429) {
        // Not stored: the client may retry with the same key (a 429 means nothing ran).
        await request.db.query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND claim_id = $3', [claim.tenantId, claim.key, claim.claimId]);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const h of STORED_HEADERS) {
        const v = reply.getHeader(h);
        if (v !== undefined) headers[h] = String(v);
      }
      const body = status === 204 || status === 304 || payload === null || payload === undefined ? null : String(payload);
      await request.db.query(
        `UPDATE idempotency_keys
            SET state = 'completed', status = $4, response_headers = $5, response_body = $6, completed_at = now()
          WHERE tenant_id = $1 AND key = $2 AND claim_id = $3`,
        [claim.tenantId, claim.key, claim.claimId, status, JSON.stringify(headers), body],
      );
    } catch (err) {
      // The response itself is fine; only its record failed. Release the claim if possible so
      // the key does not stay blocked; otherwise the lease frees it.
      request.log.warn({ err: loggableError(err), code: 'idempotency_store_failed' }, 'could not store the idempotent response');
      await request.db
        .query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND claim_id = $3', [claim.tenantId, claim.key, claim.claimId])
        .catch(() => {});
    }
    return payload;
  }
}
