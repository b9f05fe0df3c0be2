import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { integrityProblems } from '../helpers/integrity.js';

// Fuzzing driven by the OpenAPI document: every operation it lists gets generated inputs derived
// from its own schemas (valid ones, mutated ones — wrong types, missing required fields, unknown
// fields, over-long and odd unicode strings, huge numbers, deep JSON, malformed ids, bad headers —
// and raw bodies that are not JSON at all). Fixed seed, so a failure reproduces.
// Asserted: no 5xx; every error is a complete problem document; no partial rows afterwards.

const SEED = Number(process.env.FUZZ_SEED ?? 20260501);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 100);
const BATCH = 4;

type Schema = Record<string, any>;

interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query' | 'header'; schema: Schema }>;
  body: Schema | null;
}

interface Case {
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType?: string };
  auth: 'valid' | 'none' | 'garbage';
}

interface Pools {
  ids: Record<string, string[]>;
  namespaces: string[];
}

const ULID_CHARS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// ---------------------------------------------------------------- schema → arbitraries

function resolve(doc: Schema, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 10 && cur && typeof cur.$ref === 'string'; i++) {
    const name = cur.$ref.replace('#/components/schemas/', '');
    cur = doc.components?.schemas?.[name] ?? {};
  }
  return cur ?? {};
}

const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', '\uDFFF\uD800', '💥'.repeat(40), 'Ω≈ç√', '\u202E\u0041', 'ﬀ', 'İ', '\r\n', '\t', '%00', '../../etc/passwd', "' OR 1=1 --", '${jndi:x}'),
);

const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.5, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

function idArb(pool: string[] | undefined): fc.Arbitrary<string> {
  const bad = fc.oneof(
    fc.string({ minLength: 26, maxLength: 26, unit: fc.constantFrom(...ULID_CHARS.split('')) }),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', 'null', '0', '01ARZ3NDEKTSV4RRFFQ69G5FAV'.toLowerCase(), 'I'.repeat(26), 'U'.repeat(26), 'Z'.repeat(27), 'A'.repeat(5000)),
    unicodeString,
  );
  return pool && pool.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 2, arbitrary: bad }) : bad;
}

function fieldOverride(name: string, pools: Pools): fc.Arbitrary<unknown> | null {
  if (name === 'namespace') return fc.oneof(fc.constantFrom(...pools.namespaces), fc.constantFrom(...(pools.ids.namespace_id ?? [])));
  if (name === 'contact_id' || name === 'contact' || name === 'related_contact') return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pools.ids.contact_id!) }, { weight: 1, arbitrary: idArb(undefined) });
  return null;
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  if (typeof s.pattern === 'string') {
    try {
      const arb = fc.stringMatching(new RegExp(s.pattern, 'u'));
      const { minLength = 0, maxLength = Infinity } = s;
      return arb.filter((v) => v.length >= minLength && v.length <= maxLength);
    } catch {
      /* pattern not supported by the generator: fall through */
    }
  }
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
}

/** Values that (mostly) satisfy the schema. */
function validArb(doc: Schema, raw: Schema, pools: Pools, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, raw);
  if (depth > 4) return fc.constant(null);
  const alts = s.anyOf ?? s.oneOf;
  if (Array.isArray(alts)) return fc.oneof(...alts.map((a: Schema) => validArb(doc, a, pools, depth + 1)));
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 100000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validArb(doc, s.items ?? {}, pools, depth + 1), { maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const props: Record<string, Schema> = s.properties ?? {};
      const required: string[] = s.required ?? [];
      // Read-only echo fields (`id`, `created_at`, …) are accepted and ignored: rarely worth sending.
      const names = Object.keys(props).filter((k) => required.includes(k) || !(props[k]?.description ?? '').startsWith('read-only'));
      if (names.length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const k of names) model[k] = fieldOverride(k, pools) ?? validArb(doc, props[k]!, pools, depth + 1);
      return fc.record(model, { requiredKeys: required.filter((k) => names.includes(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values that break the schema in one place (or are plainly of the wrong kind). */
function invalidArb(doc: Schema, raw: Schema, pools: Pools, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, raw);
  const options: fc.Arbitrary<unknown>[] = [wrongType];
  const alts: Schema[] | undefined = s.anyOf ?? s.oneOf;
  const objectBranch = alts?.map((a) => resolve(doc, a)).find((a) => a.type === 'object');
  const target = objectBranch ?? s;
  if (target.type === 'object' && depth < 3) {
    const props: Record<string, Schema> = target.properties ?? {};
    const required: string[] = target.required ?? [];
    const valid = validArb(doc, target, pools, depth) as fc.Arbitrary<Record<string, unknown>>;
    if (required.length > 0) {
      options.push(fc.tuple(valid, fc.constantFrom(...required)).map(([o, k]) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k))));
    }
    options.push(fc.tuple(valid, fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).map(([o, k, v]) => ({ ...o, [`x_${k}`]: v })));
    const names = Object.keys(props);
    if (names.length > 0) {
      options.push(
        fc.constantFrom(...names).chain((k) => fc.tuple(valid, invalidArb(doc, props[k]!, pools, depth + 1)).map(([o, bad]) => ({ ...o, [k]: bad }))),
      );
    }
  } else if (target.type === 'string') {
    options.push(
      fc.constantFrom('x'.repeat((target.maxLength ?? 200) + 1), 'y'.repeat(10_000), '', ' ', '  padded  '),
      unicodeString,
      fc.string({ minLength: 1, maxLength: 30 }),
    );
  } else if (target.type === 'integer' || target.type === 'number') {
    options.push(fc.constantFrom(1e308, -1e308, 2 ** 63, -(2 ** 63), 0.1, -1, 0, (target.maximum ?? 0) + 1, (target.minimum ?? 0) - 1));
  } else if (target.type === 'array') {
    const item = validArb(doc, target.items ?? {}, pools, depth + 1);
    options.push(
      fc.array(item, { minLength: (target.maxItems ?? 50) + 1, maxLength: (target.maxItems ?? 50) + 1 }),
      fc.array(invalidArb(doc, target.items ?? {}, pools, depth + 1), { minLength: 1, maxLength: 3 }),
    );
  }
  return fc.oneof(...options);
}

/** Bodies that are not what any schema expects: deep, huge, malformed or hostile. */
function specialBody(pools: Pools): fc.Arbitrary<Case['body']> {
  return fc.constantFrom(...specialBodies(pools));
}

function specialBodies(pools: Pools): Case['body'][] {
  const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const ns = pools.namespaces[0]!;
  return [
    { kind: 'raw', text: deepArray(20_000) },
    { kind: 'raw', text: deepObject(5_000) },
    { kind: 'raw', text: `{"name":"Deep","type":"individual","namespace":${JSON.stringify(ns)},"refs":${deepObject(3_000)}}` },
    { kind: 'raw', text: `{"name":"Deep","type":"individual","namespace":${JSON.stringify(ns)},"refs":{"a":${deepArray(3_000)}}}` },
    { kind: 'raw', text: `{"name":"Deep","type":"individual","namespace":${JSON.stringify(ns)},"refs":{"big":"${'z'.repeat(9000)}"}}` },
    { kind: 'raw', text: `{"name":"Nul","type":"individual","namespace":${JSON.stringify(ns)},"refs":{"k":"a\\u0000b"}}` },
    { kind: 'raw', text: `{"name":"Nul","type":"individual","namespace":${JSON.stringify(ns)},"refs":{"a\\u0000":1}}` },
    { kind: 'raw', text: `{"name":"Big","type":"individual","namespace":${JSON.stringify(ns)},"refs":{"n":1e400}}` },
    { kind: 'raw', text: '{' },
    { kind: 'raw', text: '{"a":}' },
    { kind: 'raw', text: 'nul' },
    { kind: 'raw', text: '\uFEFF{}' },
    { kind: 'raw', text: '"just a string"' },
    { kind: 'raw', text: '12345678901234567890123456789' },
    { kind: 'raw', text: '[]' },
    { kind: 'raw', text: 'null' },
    { kind: 'raw', text: '{"__proto__":{"polluted":true}}' },
    { kind: 'raw', text: '{"constructor":{"prototype":{"polluted":true}}}' },
    { kind: 'raw', text: `{"keys":[${Array.from({ length: 5000 }, () => '"k"').join(',')}]}` },
    { kind: 'raw', text: JSON.stringify({ props: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: 'v', type: 'text' })) }) },
    { kind: 'raw', text: 'x'.repeat(1_100_000) },
    { kind: 'raw', text: '{"name":"x"}', contentType: 'text/plain' },
    { kind: 'raw', text: '{"name":"x"}', contentType: 'application/x-www-form-urlencoded' },
    { kind: 'raw', text: '{"name":"x"}', contentType: 'application/json; charset=utf-16' },
    { kind: 'raw', text: '<xml/>', contentType: 'application/xml' },
    { kind: 'raw', text: '', contentType: 'application/json' },
  ];
}

function queryValueArb(name: string, s: Schema, pools: Pools): fc.Arbitrary<string> {
  const interesting = fc.constantFrom('1', '0', '-1', '200', '201', '1.5', '1e3', '9'.repeat(400), ' 1', '0x10', '', 'true', 'null', '-created_at', 'created_at', '-', 'name,-name', 'props,addresses,banks,relations', 'contact,related_contact', 'bogus', '2024-02-30', '2024-01-01', '2024-01-01T00:00:00Z', '99999-01-01', 'active', 'pending', 'allow', 'individual');
  const ids = pools.ids.contact_id ?? [];
  const parts: fc.Arbitrary<string>[] = [interesting, unicodeString.map(String), fc.string({ maxLength: 20 })];
  if (ids.length) parts.push(fc.constantFrom(...ids));
  if (name === 'namespace') parts.push(fc.constantFrom(...pools.namespaces));
  if (s.type === 'string' && typeof s.pattern === 'string') parts.push(stringArb(s));
  return fc.oneof(...parts);
}

function headerArb(): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      'idempotency-key': fc.oneof(
        fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(...'abcdefgh-_0123456789'.split('')) }),
        fc.constantFrom('', 'k'.repeat(256), 'ключ', 'tab\tkey', 'fixed-key-1', 'fixed-key-2'),
      ),
      'if-match': fc.oneof(fc.constantFrom('*', '"1"', '"2"', 'W/"1"', '"999999999999"', 'garbage', '', '"1", "2"'), fc.string({ maxLength: 10 })),
      'x-request-id': fc.oneof(fc.constantFrom('req-1', 'x'.repeat(500), 'bad id!'), fc.string({ maxLength: 20, unit: fc.constantFrom(...'abc-_:.'.split('')) })),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'),
    },
    { requiredKeys: [] },
  );
}

function caseArb(doc: Schema, op: Operation, pools: Pools): fc.Arbitrary<Case> {
  const pathModel: Record<string, fc.Arbitrary<string>> = {};
  for (const p of op.params.filter((x) => x.in === 'path')) pathModel[p.name] = idArb(pools.ids[p.name]);
  const queryParams = op.params.filter((x) => x.in === 'query');
  const query: fc.Arbitrary<Array<[string, string]>> =
    queryParams.length === 0
      ? fc.constant([])
      : fc.array(
          fc.constantFrom(...queryParams).chain((p) => queryValueArb(p.name, p.schema, pools).map((v) => [p.name, v] as [string, string])),
          { maxLength: 4 },
        );
  let body: fc.Arbitrary<Case['body']> = fc.constant({ kind: 'none' });
  if (op.body) {
    const valid = validArb(doc, op.body, pools).map((value) => ({ kind: 'json' as const, value }));
    const invalid = invalidArb(doc, op.body, pools).map((value) => ({ kind: 'json' as const, value }));
    body = fc.oneof(
      { weight: 4, arbitrary: valid },
      { weight: 4, arbitrary: invalid },
      { weight: 1, arbitrary: specialBody(pools) },
      { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    );
  } else {
    body = fc.oneof({ weight: 8, arbitrary: body }, { weight: 1, arbitrary: specialBody(pools) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({ kind: 'json' as const, value })) });
  }
  return fc.record({
    path: fc.record(pathModel),
    query,
    headers: headerArb(),
    body,
    auth: fc.constantFrom<Case['auth']>('valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'none', 'garbage'),
  });
}

// ---------------------------------------------------------------- the run

function operations(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  // Deletes last, so most of the run works against live objects.
  return ops.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

async function seed(h: Harness, token: string): Promise<Pools> {
  const auth = { token };
  const must = async (method: string, url: string, body: unknown) => {
    const r = await h.req(method, url, { ...auth, body });
    assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${r.text}`);
    return r.body;
  };
  const ids: Record<string, string[]> = { namespace_id: [], contact_id: [], contact_address_id: [], contact_bank_id: [], contact_relation_id: [] };
  const namespaces: string[] = [];
  for (let i = 0; i < 3; i++) {
    const ns = await must('POST', '/namespaces/', { name: `fuzz-ns-${i}`, contact_pattern: `F${i}-{seq:5}`, account_pattern: `ACC${i}-{seq}` });
    ids.namespace_id!.push(ns.id);
    namespaces.push(ns.name);
  }
  for (let i = 0; i < 8; i++) {
    const c = await must('POST', '/contacts/', {
      name: `Fuzz Person ${i}`,
      type: i % 2 ? 'corporate' : 'individual',
      namespace: namespaces[i % 3],
      props: [{ key: 'pan_no', value: `ABCDE${String(1000 + i)}F`, type: 'text' }],
    });
    ids.contact_id!.push(c.id);
  }
  for (let i = 0; i < 4; i++) {
    const contact_id = ids.contact_id![i]!;
    ids.contact_address_id!.push((await must('POST', '/contacts/addresses/', { contact_id, address_line: `${i} Fuzz Road`, city: 'Pune', state: 'Maharashtra', pincode: '411001', country: 'India' })).id);
    ids.contact_bank_id!.push((await must('POST', '/contacts/banks/', { contact_id, account_holder_name: 'Fuzz Person', account_no: `12345678${i}0`, ifsc: 'HDFC0001234' })).id);
    ids.contact_relation_id!.push((await must('POST', '/contacts/relations/', { contact: contact_id, type: 'friend', related_contact: ids.contact_id![i + 4] })).id);
  }
  return { ids, namespaces };
}

/** encodeURIComponent that also encodes lone surrogates (as the invalid UTF-8 a sloppy client sends). */
function enc(text: string): string {
  return text.replace(/[\s\S]/gu, (ch) => {
    const u = ch.charCodeAt(0);
    if (ch.length === 1 && u >= 0xd800 && u <= 0xdfff) return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    return encodeURIComponent(ch);
  });
}

function buildRequest(op: Operation, c: Case): { url: string; headers: Record<string, string>; payload?: string } {
  let url = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => enc(c.path[name] ?? 'missing'));
  if (c.query.length) url += '?' + c.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers)) {
    // Node refuses to send non-latin1 header values; those are the client's problem, not ours.
    if (/^[\t\x20-\x7E\x80-\xFF]*$/.test(v)) headers[k] = v;
  }
  let payload: string | undefined;
  if (c.body.kind === 'json') {
    payload = JSON.stringify(c.body.value) ?? 'null';
    headers['content-type'] = 'application/json';
  } else if (c.body.kind === 'raw') {
    payload = c.body.text;
    headers['content-type'] = c.body.contentType ?? 'application/json';
  }
  return { url, headers, payload };
}

describeEngines('OpenAPI-driven fuzzing', (h) => {
  it(`every operation × ${RUNS_PER_OPERATION} generated inputs (seed ${SEED}): no 5xx, problem documents, no partial rows`, async (t) => {
    const started = Date.now();
    const tenant = h().tenant();
    const token = await h().token(tenant, 'fuzzer');
    const pools = await seed(h(), token);
    const doc = (await h().req('GET', '/openapi.json', { token: null })).body;
    const ops = operations(doc);
    assert.ok(ops.length >= 35, `only ${ops.length} operations in the OpenAPI document`);

    const failures: string[] = [];
    const statusCounts: Record<number, number> = {};
    let sent = 0;
    for (const [i, op] of ops.entries()) {
      // Random cases from the schemas, then every hostile body once against a real object.
      const cases = fc.sample(caseArb(doc, op, pools), { seed: SEED + i, numRuns: RUNS_PER_OPERATION });
      const realPath = Object.fromEntries(op.params.filter((p) => p.in === 'path').map((p) => [p.name, pools.ids[p.name]?.[0] ?? 'missing']));
      for (const body of specialBodies(pools)) cases.push({ path: realPath, query: [], headers: {}, body, auth: 'valid' });
      for (let k = 0; k < cases.length; k += BATCH) {
        await Promise.all(
          cases.slice(k, k + BATCH).map(async (c) => {
            const { url, headers, payload } = buildRequest(op, c);
            if (c.auth === 'valid') headers.authorization = `Bearer ${token}`;
            else if (c.auth === 'garbage') headers.authorization = 'Bearer x.y.z';
            const res = await h().app.inject({ method: op.method as 'GET', url, headers, payload });
            sent++;
            statusCounts[res.statusCode] = (statusCounts[res.statusCode] ?? 0) + 1;
            const where = `${op.method} ${url.slice(0, 200)} body=${(payload ?? '').slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
            if (res.statusCode >= 500) return void failures.push(`5xx: ${where}`);
            if (res.statusCode >= 400) {
              const problem = problemViolation(res.statusCode, res.headers, res.body);
              if (problem) failures.push(`${problem}: ${where}`);
            } else if (res.statusCode !== 204 && res.body !== '') {
              try {
                JSON.parse(res.body);
              } catch {
                failures.push(`2xx body is not JSON: ${where}`);
              }
            }
          }),
        );
      }
    }
    const problems = await integrityProblems(h().db);
    t.diagnostic(`[${h().engine}] ${sent} requests over ${ops.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(statusCounts)}`);
    assert.deepEqual(failures.slice(0, 8), [], `${failures.length} bad responses`);
    assert.deepEqual(problems, [], 'partial or orphaned rows after fuzzing');
    assert.ok(sent >= ops.length * (RUNS_PER_OPERATION + 20));
    // The run must also have succeeded sometimes, or it only ever tested the validator.
    const ok = Object.entries(statusCounts).filter(([s]) => Number(s) < 300).reduce((n, [, v]) => n + v, 0);
    assert.ok(ok > sent * 0.1, `only ${ok} of ${sent} requests succeeded`);
  });
});

function problemViolation(status: number, headers: Record<string, unknown>, text: string): string | null {
  if (!/^application\/problem\+json/.test(String(headers['content-type']))) return `content-type ${String(headers['content-type'])}`;
  let b: any;
  try {
    b = JSON.parse(text);
  } catch {
    return 'problem body is not JSON';
  }
  for (const f of ['type', 'title', 'detail', 'code', 'instance']) if (typeof b?.[f] !== 'string' || b[f] === '') return `problem without ${f}`;
  if (b.status !== status) return `problem status ${b.status} ≠ ${status}`;
  if (b.instance !== headers['x-request-id']) return 'problem instance ≠ X-Request-Id';
  return null;
}
