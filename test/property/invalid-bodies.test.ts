import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHarness, type Harness, type Response } from '../helpers/engines.js';
import { assertProblem } from '../helpers/api.js';

// API invariant under arbitrary input: whatever the body, the service never answers 5xx, and every
// 4xx is a well-formed problem document. PGlite only (no network, fast); fixed seed so a failure
// reproduces — FC_SEED=<n> explores others.

const SEED = Number(process.env.FC_SEED ?? 20260521);
const RUNS = { seed: SEED, numRuns: 200 };

/** Short strings dense in the characters that break storage and matching (NUL, lone surrogates, LIKE metacharacters). */
const nastyChar = fc.constantFrom('\u0000', '\ud800', '\udfff', '\u0001', '\n', '\t', 'a', 'Z', '9', ' ', 'é', '😀', '%', '_', '\\', '"', "'", '{', '}', '/', '-', '.');
const nasty = fc.array(nastyChar, { minLength: 1, maxLength: 20 }).map((cs) => cs.join(''));

/**
 * One unit of a generated string: any code point, lone surrogates and control characters included.
 * fast-check's `unit: 'binary'` is the same set, but creating its first string arbitrary maps all
 * 1.1 million code points (over a second of CPU in every test process that loads this file).
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map(
  (c) => String.fromCodePoint(c),
  (s) => {
    const c = typeof s === 'string' ? s.codePointAt(0) : undefined;
    if (c === undefined || String.fromCodePoint(c) !== s) throw new Error('not one code point');
    return c;
  },
);

/** Values that stress validation: wrong types, edge numbers, huge and exotic strings. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nasty },
  // Strings weigh most: they are what passes type checks and reaches the database.
  { weight: 4, arbitrary: fc.string({ unit: anyCodePoint, maxLength: 60 }) }, // NUL, control characters, lone surrogates
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff x', 'x'.repeat(10_000), '😀'.repeat(60), '-1', '1e400', 'NaN', 'null', 'true', '{seq}', '{seq}{seq}', "'; drop table contacts; --", '%_\\'),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e15, 1e16, Number.MAX_SAFE_INTEGER, 2 ** 63, -0.5)) },
  { weight: 1, arbitrary: fc.oneof(fc.boolean(), fc.constant(null)) },
  { weight: 2, arbitrary: fc.array(fc.string({ unit: anyCodePoint, maxLength: 60 }), { maxLength: 60 }) },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(nasty, fc.string({ unit: anyCodePoint, maxLength: 10 })), fc.oneof(nasty, fc.jsonValue({ maxDepth: 1 })), { maxKeys: 5 }) },
);

/** A well-shaped prop whose value is exotic text: passes the schema and reaches the database. */
const shapedProp = fc.record({
  key: fc.stringMatching(/^[A-Za-z0-9_ ,.'&()-]{1,20}$/),
  value: fc.oneof(nasty, fc.string({ unit: anyCodePoint, minLength: 1, maxLength: 80 })),
  type: fc.constantFrom('text', 'text', 'file', 'number', 'boolean'),
});
/** Anything in each prop field. */
const propLike = fc.record(
  { key: weird, value: weird, type: fc.oneof(fc.constantFrom('text', 'number', 'boolean', 'file'), weird), id: weird, extra: weird },
  { requiredKeys: [] },
);
const propsLike = fc.oneof(
  { weight: 3, arbitrary: fc.uniqueArray(shapedProp, { minLength: 1, maxLength: 4, selector: (p) => p.key }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(shapedProp, propLike), { maxLength: 5 }) },
  { weight: 1, arbitrary: weird },
);

type Body = { json: unknown } | { raw: string } | { none: true };

/** A body: a valid one with some fields replaced by weird values, or anything at all. */
function bodies(valid: Record<string, unknown>, fields: readonly string[], props = false): fc.Arbitrary<Body> {
  const fieldValue = (f: string) => (props && f === 'props' ? propsLike : weird);
  const overrides = fc
    .uniqueArray(fc.constantFrom(...fields), { minLength: 1, maxLength: 2 })
    .chain((keys) => fc.tuple(...keys.map((k) => fieldValue(k).map((v) => [k, v] as const))))
    .map((pairs) => ({ json: { ...valid, ...Object.fromEntries(pairs) } }) as Body);
  const dropped = fc.subarray(Object.keys(valid)).map((drop) => ({ json: Object.fromEntries(Object.entries(valid).filter(([k]) => !drop.includes(k))) }) as Body);
  return fc.oneof(
    { weight: 5, arbitrary: overrides },
    { weight: 1, arbitrary: dropped },
    { weight: 2, arbitrary: fc.jsonValue().map((json) => ({ json }) as Body) },
    { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withObjectString: true }).map((v) => ({ json: v }) as Body) },
    { weight: 1, arbitrary: fc.string({ unit: anyCodePoint, maxLength: 80 }).map((raw) => ({ raw }) as Body) },
    { weight: 1, arbitrary: fc.constantFrom<Body>({ none: true }, { raw: '' }, { raw: 'null' }, { raw: '{"__proto__": {"x": 1}}' }, { raw: '{"a": 1' }, { raw: '[]' }) },
  );
}

/** The invariant: never 5xx; a 4xx is a problem document; a 2xx is JSON (or empty for 204). */
function checkResponse(res: Response, what: string): void {
  assert.ok(res.status < 500, `${what} → ${res.status}: ${res.text}`);
  if (res.status >= 400) assertProblem(res, res.status);
  else if (res.status !== 204) assert.match(String(res.headers['content-type']), /^application\/json/, `${what}: ${res.text}`);
}

async function send(h: Harness, method: string, url: string, body: Body): Promise<Response> {
  if ('none' in body) return h.req(method, url);
  if ('raw' in body) return h.req(method, url, { rawBody: body.raw, headers: { 'content-type': 'application/json' } });
  const text = JSON.stringify(body.json);
  return text === undefined ? h.req(method, url) : h.req(method, url, { rawBody: text, headers: { 'content-type': 'application/json' } });
}

/** Percent-encodes the UTF-8 bytes of any string (encodeURIComponent throws on lone surrogates). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('arbitrary request bodies never produce 5xx [pglite]', () => {
  let h: Harness & { close(): Promise<void> };
  let contactId: string;
  let nsName: string;

  before(async () => {
    h = await createHarness('pglite');
    const ns = await h.req('POST', '/namespaces/', { body: { name: 'fuzz', contact_pattern: 'F-{seq:4}' } });
    assert.equal(ns.status, 201, ns.text);
    nsName = ns.body.name;
    const ct = await h.req('POST', '/contacts/', { body: { name: 'Fuzz Target', type: 'individual', namespace: nsName, props: [{ key: 'pan_no', value: 'ABCPE1234F', type: 'text' }] } });
    assert.equal(ct.status, 201, ct.text);
    contactId = ct.body.id;
  });
  after(async () => {
    await h?.close();
  });

  test('POST /namespaces/', async () => {
    const fields = ['name', 'contact_pattern', 'contact_counter', 'account_pattern', 'account_counter', 'id', 'created_at', 'is_deleted', 'unknown'];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(bodies({ name: 'ns', contact_pattern: 'C{seq}' }, fields), async (body) => {
        // A unique valid name by default, so most near-valid bodies really create.
        const b = 'json' in body && body.json && typeof body.json === 'object' && (body.json as { name?: unknown }).name === 'ns' ? { json: { ...(body.json as object), name: `ns-${n++}` } } : body;
        checkResponse(await send(h, 'POST', '/namespaces/', b), `POST /namespaces/ ${JSON.stringify(b).slice(0, 300)}`);
      }),
      RUNS,
    );
  });

  test('POST /contacts/', async () => {
    const fields = ['name', 'namespace', 'type', 'status', 'ref_id', 'tags', 'refs', 'props', 'rm_id', 'branch_id', 'id', 'approval_status', 'unknown'];
    await fc.assert(
      fc.asyncProperty(bodies({ name: 'Fuzz', type: 'individual', namespace: 'fuzz' }, fields, true), async (body) => {
        checkResponse(await send(h, 'POST', '/contacts/', body), `POST /contacts/ ${JSON.stringify(body).slice(0, 300)}`);
      }),
      RUNS,
    );
  });

  test('PATCH /contacts/{id}/', async () => {
    const fields = ['name', 'namespace', 'type', 'status', 'ref_id', 'tags', 'refs', 'props', 'rm_id', 'branch_id', 'updated_at', 'unknown'];
    await fc.assert(
      fc.asyncProperty(bodies({ tags: ['fuzz'] }, fields, true), async (body) => {
        checkResponse(await send(h, 'PATCH', `/contacts/${contactId}/`, body), `PATCH ${JSON.stringify(body).slice(0, 300)}`);
      }),
      RUNS,
    );
    assert.equal((await h.req('GET', `/contacts/${contactId}/`)).status, 200, 'the contact survived');
  });

  test('PUT /contacts/{id}/props/', async () => {
    const arb = fc.oneof(
      { weight: 4, arbitrary: propsLike.map((json) => ({ json }) as Body) },
      { weight: 2, arbitrary: bodies({ key: 'k', value: 'v', type: 'text' }, ['key', 'value', 'type', 'id']) },
    );
    await fc.assert(
      fc.asyncProperty(arb, async (body) => {
        checkResponse(await send(h, 'PUT', `/contacts/${contactId}/props/`, body), `PUT props ${JSON.stringify(body).slice(0, 300)}`);
      }),
      RUNS,
    );
  });

  test('PUT /contacts/{id}/<action>/ and DELETE /contacts/{id}/props/', async () => {
    const action = fc.constantFrom('active', 'inactive', 'approve', 'reject');
    await fc.assert(
      fc.asyncProperty(action, bodies({ comment: 'ok' }, ['comment', 'unknown']), bodies({ keys: ['a'] }, ['keys']), async (a, actionBody, deleteBody) => {
        checkResponse(await send(h, 'PUT', `/contacts/${contactId}/${a}/`, actionBody), `PUT ${a} ${JSON.stringify(actionBody).slice(0, 300)}`);
        checkResponse(await send(h, 'DELETE', `/contacts/${contactId}/props/`, deleteBody), `DELETE props ${JSON.stringify(deleteBody).slice(0, 300)}`);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });

  test('POST /contacts/: text that is accepted is stored exactly; text that cannot be is a 400', async () => {
    const fields = ['name', 'ref_id', 'tag', 'refs_key', 'refs_value', 'prop_key', 'prop_value', 'rm_id', 'branch_id', 'namespace'] as const;
    const text = fc.oneof(nasty, fc.string({ unit: anyCodePoint, minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), text, async (field, t) => {
        const body: Record<string, unknown> = { name: 'Round Trip', type: 'individual', namespace: nsName };
        if (field === 'tag') body.tags = [t];
        else if (field === 'refs_key') body.refs = { [t]: 1 };
        else if (field === 'refs_value') body.refs = { k: [t] };
        else if (field === 'prop_key') body.props = [{ key: t, value: 'v', type: 'text' }];
        else if (field === 'prop_value') body.props = [{ key: 'k', value: t, type: 'text' }];
        else body[field] = t;
        const res = await h.req('POST', '/contacts/', { body });
        checkResponse(res, `POST /contacts/ ${field}=${JSON.stringify(t)}`);
        if (res.status !== 201) {
          assert.ok(res.body.errors?.[field === 'tag' ? 'tags.0' : field.startsWith('refs') ? 'refs' : field === 'prop_key' ? 'props.0.key' : field === 'prop_value' ? 'props.0.value' : field], `${field}=${JSON.stringify(t)}: ${res.text}`);
          return;
        }
        const got = (await h.req('GET', `/contacts/${res.body.id}/?expand=props`)).body;
        const stored: Record<(typeof fields)[number], unknown> = {
          name: got.name,
          ref_id: got.ref_id,
          tag: got.tags[0],
          refs_key: Object.keys(got.refs)[0],
          refs_value: got.refs.k?.[0],
          prop_key: got.props[0]?.key,
          prop_value: got.props[0]?.value,
          rm_id: got.rm_id,
          branch_id: got.branch_id,
          namespace: got.namespace,
        };
        assert.equal(stored[field], field === 'namespace' ? nsName : t, `${field} changed in storage: ${JSON.stringify(t)} → ${JSON.stringify(stored[field])}`);
      }),
      RUNS,
    );
  });

  test('GET /contacts/ and /namespaces/ with arbitrary query parameters', async () => {
    const params = ['page', 'page_size', 'ordering', 'search', 'created_at_after', 'created_at_before', 'namespace', 'status', 'type', 'tags', 'approval_status', 'rm_id', 'branch_id', 'ref_id', 'expand', 'other'];
    const value = fc.oneof(nasty, fc.string({ unit: anyCodePoint, maxLength: 40 }), fc.constantFrom('', '0', '-1', '201', '1e3', '99999999999', '2024-02-30', '%', '\u0000', 'props,nope', '-name'));
    const query = fc.dictionary(fc.constantFrom(...params), value, { maxKeys: 4 });
    const rawQuery = fc.string({ maxLength: 40 }).map((s) => s.replace(/[#\s]/g, ''));
    await fc.assert(
      fc.asyncProperty(query, rawQuery, fc.constantFrom('/contacts/', '/namespaces/'), async (q, raw, path) => {
        const qs = Object.entries(q).map(([k, v]) => `${k}=${pct(v)}`).join('&');
        checkResponse(await h.req('GET', `${path}?${qs}`), `GET ${path}?${qs}`);
        checkResponse(await h.req('GET', `${path}?${raw}`), `GET ${path}?${raw}`);
      }),
      RUNS,
    );
  });
});
