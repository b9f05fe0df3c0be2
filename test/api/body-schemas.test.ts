import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { databaseRefusingAll } from '../../src/db/none.js';
import { TEST_SECRET, testConfig } from '../helpers/engines.js';
import { mintToken } from '../../src/auth/index.js';

// CONTRACT §1: an unknown body field is a 400, on every route. Generated from the route table: a
// route added later is covered without editing this file. Every object in a body schema must
// refuse unknown properties, except the free JSON objects (`refs`, `codes`), which are records.

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  patternProperties?: Record<string, Schema>;
}

/** Paths of object schemas (with declared properties) that accept unknown ones. */
function openObjects(s: Schema | undefined, path: string, out: string[]): void {
  if (!s || typeof s !== 'object') return;
  if (s.properties) {
    if (s.additionalProperties !== false) out.push(path || '(body)');
    for (const [k, v] of Object.entries(s.properties)) openObjects(v, path ? `${path}.${k}` : k, out);
  }
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) openObjects(branch, path, out);
  if (s.items) for (const item of Array.isArray(s.items) ? s.items : [s.items]) openObjects(item, `${path}[]`, out);
}

test('every body schema refuses unknown fields, at every level', async () => {
  const bodies: { route: string; schema: Schema }[] = [];
  const app = await buildApp({
    config: testConfig(),
    db: databaseRefusingAll('no database in this test'),
    onRoute: (r: RouteOptions) => {
      const body = r.schema?.body as Schema | undefined;
      if (body) bodies.push({ route: `${String(r.method)} ${r.url}`, schema: body });
    },
  });
  await app.ready();
  await app.close();
  assert.ok(bodies.length >= 20, `only ${bodies.length} routes with a body`);
  assert.ok(bodies.some((b) => b.route === 'POST /contacts/dedupe/'));
  const open = bodies.flatMap(({ route, schema }) => {
    const out: string[] = [];
    openObjects(schema, '', out);
    return out.map((p) => `${route}: ${p}`);
  });
  assert.deepEqual(open, [], 'body objects that accept unknown fields');
});

test('POST /contacts/dedupe/ answers an unknown field with a 400 naming it (it used to be ignored)', async () => {
  const app = await buildApp({ config: testConfig(), db: databaseRefusingAll('no database in this test') });
  await app.ready();
  try {
    const token = await mintToken({ secret: TEST_SECRET, tenant: 'acme', sub: 'alice', ttlSeconds: 600 });
    const res = await app.inject({
      method: 'POST',
      url: '/contacts/dedupe/',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Asha Verma', type: 'individual', colour: 'red', props: [{ key: 'pan', value: 'ABCPV1234F', extra: 1 }] }),
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(Object.keys(JSON.parse(res.body).errors).sort(), ['colour', 'props.0.extra']);
  } finally {
    await app.close();
  }
});
