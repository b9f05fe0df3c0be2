import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { SignJWT } from 'jose';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { DOCS_PREFIX } from '../../src/http/openapi.js';
import { CONSOLE_PREFIX } from '../../src/http/console.js';
import { describeEngines, it, SkipPostgres, TEST_SECRET, type Harness } from '../helpers/engines.js';
import { uniqueName } from '../helpers/api.js';
import { relayOnce } from '../../src/worker/relay.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { runImportJob } from '../../src/resources/imports/imports.service.js';
import { processDuplicateChecks } from '../../src/resources/duplicates/checks.service.js';
import { claimScanJob, runScanJob } from '../../src/resources/duplicates/scans.service.js';

// The security matrix (ARCHITECTURE habit 8), generated from the route table: every route the app
// registers is collected with an onRoute hook, so a new route is covered without editing this
// file. For each non-public route: 8 kinds of bad credentials → 401; a valid token of another
// tenant → 404 on object routes, lists without a single row of the owner, creates that cannot
// link to the owner's objects; and the owner's rows are byte-for-byte unchanged afterwards.

const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'contact-registry';
const AUTH = { jwtSecret: TEST_SECRET, jwksUrl: null, issuer: ISSUER, audience: AUDIENCE, maxTokenTtlSeconds: 86_400 };

interface Route {
  method: string;
  url: string;
  params: string[];
  query: Record<string, { description?: string }>;
  isPublic: boolean;
}

interface Fixture {
  tenant: string;
  sub: string;
  token: string;
  ns: { id: string; name: string };
  contact: { id: string; name: string; ref_id: string };
  contact2: { id: string };
  address: { id: string };
  bank: { id: string };
  relation: { id: string };
  merge: { id: string };
  webhook: { id: string; secret: string; url: string };
  event: { id: string };
  delivery: { id: string };
  importJob: { id: string };
  pair: { id: string };
  scan: { id: string };
  propIds: string[];
  pan: string;
  accountNo: string;
  /** Strings that only this tenant's data contains: none may appear in another tenant's 2xx. */
  markers: string[];
}

interface Res {
  status: number;
  text: string;
  headers: Record<string, unknown>;
  json: any;
}

async function send(app: FastifyInstance, method: string, url: string, auth: string | null, body?: unknown): Promise<Res> {
  const headers: Record<string, string> = {};
  if (auth !== null) headers.authorization = auth;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const res = await app.inject({ method: method as 'GET', url, headers, payload });
  let json: unknown;
  try {
    json = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text: res.body, headers: res.headers, json };
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** The bad credentials every protected route must refuse with 401. */
async function badCredentials(tenant: string): Promise<Array<[string, string | null]>> {
  const now = Math.floor(Date.now() / 1000);
  const valid = { tenant, sub: 'user-a', ttlSeconds: 600, issuer: ISSUER, audience: AUDIENCE };
  const good = await mintToken({ ...valid, secret: TEST_SECRET });
  const [h, p] = good.split('.');
  return [
    ['no token', null],
    ['malformed token', 'Bearer not-a.jwt'],
    ['not a bearer scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['wrong signature', `Bearer ${await mintToken({ ...valid, secret: 'another-secret-another-secret-0123456789' })}`],
    ['tampered payload', `Bearer ${h}.${b64({ tenant_id: 'someone-else', sub: 'x', exp: now + 600, iss: ISSUER, aud: AUDIENCE })}.${good.split('.')[2]}`],
    ['unsigned (alg none)', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${p}.`],
    ['expired', `Bearer ${await mintToken({ ...valid, secret: TEST_SECRET, ttlSeconds: -120 })}`],
    ['wrong audience', `Bearer ${await mintToken({ ...valid, secret: TEST_SECRET, audience: 'another-service' })}`],
    ['wrong issuer', `Bearer ${await mintToken({ ...valid, secret: TEST_SECRET, issuer: 'https://evil.test/' })}`],
    ['no audience/issuer', `Bearer ${await mintToken({ ...valid, secret: TEST_SECRET, issuer: null, audience: null })}`],
    [
      'no tenant claim',
      `Bearer ${await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user-a')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(now + 600)
        .sign(new TextEncoder().encode(TEST_SECRET))}`,
    ],
  ];
}

async function createFixture(h: Harness, app: FastifyInstance, tenant: string, sub: string, label: string): Promise<Fixture> {
  const token = await mintToken({ secret: TEST_SECRET, tenant, sub, ttlSeconds: 3600, issuer: ISSUER, audience: AUDIENCE });
  const auth = `Bearer ${token}`;
  const ok = async (method: string, url: string, body: unknown) => {
    const r = await send(app, method, url, auth, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${url}: ${r.status} ${r.text}`);
    return r.json;
  };
  const pan = label === 'A' ? 'AAAPA1234A' : 'BBBPB5678B';
  const accountNo = label === 'A' ? '111122223333' : '999988887777';
  const ns = await ok('POST', '/namespaces/', { name: uniqueName(`iso${label}`), contact_pattern: `${label}ISO-{seq:4}` });
  const name = label === 'A' ? 'Anita Alpha' : 'Bharat Beta';
  const contact = await ok('POST', '/contacts/', {
    name,
    type: 'individual',
    namespace: ns.name,
    tags: [`tag-${label}`],
    props: [
      { key: 'pan_no', value: pan, type: 'text' },
      { key: 'mobile', value: label === 'A' ? '9811100001' : '9822200002', type: 'text' },
    ],
  });
  const contact2 = await ok('POST', '/contacts/', { name: `${name} Senior`, type: 'individual', namespace: ns.name });
  const address = await ok('POST', '/contacts/addresses/', {
    contact_id: contact.id,
    address_line: label === 'A' ? '12 Alpha Road' : '34 Beta Street',
    city: 'Pune',
    state: 'Maharashtra',
    pincode: label === 'A' ? '411001' : '560001',
    country: 'India',
  });
  const bank = await ok('POST', '/contacts/banks/', { contact_id: contact.id, account_holder_name: name, account_no: accountNo, ifsc: 'HDFC0001234' });
  const relation = await ok('POST', '/contacts/relations/', { contact: contact.id, type: 'father', related_contact: contact2.id });
  const twin = await ok('POST', '/contacts/', { name: `${name} Sr`, type: 'individual', namespace: ns.name });
  const merge = (await ok('POST', `/contacts/${contact2.id}/merge/`, { merge_ids: [twin.id], comment: 'same person' })).merge;
  const propIds = (contact.props as string[]).filter((x) => typeof x === 'string');
  // An import of this tenant, run to its end (its report names the contact it matched by PAN).
  const uploaded = await app.inject({
    method: 'POST',
    url: `/imports/?namespace=${ns.name}&match_on=pan`,
    headers: { authorization: auth, 'content-type': 'text/csv' },
    payload: `name,prop:pan_no\n${name},${pan}\n`,
  });
  assert.equal(uploaded.statusCode, 202, uploaded.body);
  const importJob = uploaded.json() as { id: string };
  for (let claimed = await claimImportJob(h.appDb, 'iso', 30_000); claimed; claimed = await claimImportJob(h.appDb, 'iso', 30_000)) {
    await runImportJob(h.appDb, claimed.tenant_id, claimed.id, { owner: 'iso', batchRows: 10, leaseMs: 30_000, rules: { strictIdentifiers: false } });
  }
  // A contact with the same name and mobile: the write check opens a pair; then a scan runs.
  const lookalike = await ok('POST', '/contacts/', { name, type: 'individual', namespace: ns.name, props: [{ key: 'mobile', value: label === 'A' ? '9811100001' : '9822200002', type: 'text' }] });
  const checks = { owner: 'iso', leaseMs: 30_000, maxAttempts: 5 };
  while ((await processDuplicateChecks(h.appDb, checks, 50)) > 0);
  const pair = (await ok('GET', `/duplicates/?contact=${lookalike.id}`, undefined)).results[0];
  assert.ok(pair, 'the write check opened a pair');
  const scan = await ok('POST', '/duplicates/scan/', {});
  for (let claimed = await claimScanJob(h.appDb, checks); claimed; claimed = await claimScanJob(h.appDb, checks)) {
    await runScanJob(h.appDb, claimed.tenant_id, claimed.id, checks);
  }
  const webhook = await ok('POST', '/webhooks/', { url: `https://hooks.example.com/iso-${label}` });
  await ok('PATCH', `/contacts/${contact.id}/`, { tags: [`tag-${label}`, 'webhooked'] });
  // Publish the outbox: the tenant now has events and, to its webhook, a delivery.
  await relayOnce(h.appDb);
  const event = (await ok('GET', '/events/?type=contact.updated', undefined)).results[0];
  const delivery = (await ok('GET', `/webhooks/${webhook.id}/deliveries/`, undefined)).results[0];
  return {
    tenant,
    sub,
    token,
    ns,
    contact,
    contact2,
    address,
    bank,
    relation,
    merge,
    webhook,
    event,
    delivery,
    importJob,
    pair,
    scan,
    propIds,
    pan,
    accountNo,
    markers: [
      tenant, ns.id, ns.name, contact.id, contact2.id, address.id, bank.id, relation.id, ...propIds, pan, accountNo, name, contact.ref_id, merge.id, twin.id,
      webhook.id, webhook.secret, webhook.url, event.id, delivery.id, importJob.id, lookalike.id, pair.id, scan.id,
    ].filter(Boolean),
  };
}

/** Path parameter → the owner's object that fills it. A new parameter name needs a line here. */
function paramValue(f: Fixture, param: string): string {
  const map: Record<string, string> = {
    namespace_id: f.ns.id,
    contact_id: f.contact.id,
    contact_address_id: f.address.id,
    contact_bank_id: f.bank.id,
    contact_relation_id: f.relation.id,
    merge_id: f.merge.id,
    webhook_id: f.webhook.id,
    event_id: f.event.id,
    delivery_id: f.delivery.id,
    import_id: f.importJob.id,
    pair_id: f.pair.id,
    scan_id: f.scan.id,
  };
  const v = map[param];
  assert.ok(v, `no fixture for path parameter :${param}; add it to paramValue() in the isolation matrix`);
  return v;
}

function fillPath(route: Route, f: Fixture): string {
  return route.url.replace(/:([A-Za-z0-9_]+)/g, (_, p: string) => paramValue(f, p));
}

/** A valid body that points at the owner's (A's) objects, sent with the other tenant's token. */
function bodyFor(route: Route, a: Fixture, b: Fixture): unknown {
  const key = `${route.method} ${route.url.replace(/\/$/, '')}`;
  const bodies: Record<string, unknown> = {
    'POST /namespaces': { name: uniqueName('isoB') },
    'POST /contacts': { name: 'Intruder', type: 'individual', namespace: a.ns.name },
    'POST /contacts/addresses': { contact_id: a.contact.id, address_line: '99 Intruder Lane', city: 'Pune', state: 'Maharashtra', pincode: '411002', country: 'India' },
    'POST /contacts/banks': { contact_id: a.contact.id, account_holder_name: 'Intruder', account_no: '555566667777', ifsc: 'ICIC0001234' },
    'POST /contacts/relations': { contact: b.contact.id, type: 'friend', related_contact: a.contact.id },
    'POST /contacts/dedupe': { name: 'Anita Alpha', type: 'individual', props: [{ key: 'pan_no', value: a.pan, type: 'text' }] },
    'PUT /contacts/:contact_id/props': [{ key: 'intruder', value: 'x', type: 'text' }],
    'PUT /contacts/:contact_id/reject': { comment: 'intruder' },
    'PUT /contacts/:contact_id/approve': { comment: 'intruder' },
    'PATCH /contacts/:contact_id': { tags: ['intruder'] },
    'PATCH /namespaces/:namespace_id': { contact_counter: 999 },
    'PATCH /contacts/addresses/:contact_address_id': { city: 'Mumbai' },
    'PATCH /contacts/banks/:contact_bank_id': { branch_name: 'Intruder' },
    'PATCH /contacts/relations/:contact_relation_id': { tags: ['intruder'] },
    'POST /webhooks': { url: 'https://hooks.example.com/intruder' },
    'PATCH /webhooks/:webhook_id': { enabled: false },
    'POST /events/:event_id/redeliver': { webhook: b.webhook.id },
    'POST /contacts/:contact_id/merge': { merge_ids: [a.contact2.id], comment: 'intruder' },
    'POST /merges/:merge_id/undo': { comment: 'intruder' },
    'PUT /duplicates/:pair_id/dismiss': { comment: 'intruder' },
    'PUT /duplicates/:pair_id/reopen': { comment: 'intruder' },
    'POST /duplicates/scan': {},
  };
  if (key in bodies) return bodies[key];
  return route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH' ? {} : undefined;
}

/** List filters, filled with the owner's values: a filter must never open a window into A. */
function queryValues(name: string, description: string | undefined, a: Fixture): string[] {
  // (The feed's `type` filter names event types, not tenant data: nothing of A to fill in.)
  switch (name) {
    case 'contact':
    case 'contact_id':
    case 'related_contact':
    case 'object_id':
      return [a.contact.id, a.contact2.id, a.relation.id, a.bank.id, a.address.id].slice(0, name === 'object_id' ? 5 : 2);
    case 'namespace':
      return [a.ns.name, a.ns.id];
    case 'search':
      return ['Anita', a.pan, '9811100001', 'Alpha Road', a.contact.ref_id];
    case 'ref_id':
      return [a.contact.ref_id];
    case 'after':
      return [a.event.id];
    case 'tags':
      return ['tag-A'];
    case 'ifsc':
      return ['HDFC0001234'];
    case 'user_id':
      return [a.sub];
    case 'expand': {
      const names = (description ?? '').split(':')[1]?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
      return names.length ? [names.join(',')] : [];
    }
    default:
      return [];
  }
}

function assertNoMarkers(res: Res, a: Fixture, what: string): void {
  for (const m of a.markers) assert.ok(!res.text.includes(m), `${what}: the other tenant's response contains "${m}" of tenant A: ${res.text.slice(0, 500)}`);
}

function assertUnauthorized(res: Res, method: string, what: string): void {
  assert.equal(res.status, 401, `${what}: expected 401, got ${res.status} ${res.text}`);
  if (method === 'HEAD') return;
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
  assert.equal(res.json?.code, 'unauthorized', what);
  assert.equal(res.json?.status, 401, what);
}

/** Every row of a tenant in every table that has a tenant_id, as text (for before/after). */
async function snapshot(h: Harness, tenant: string | null): Promise<string> {
  const tables = await h.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_schema = current_schema() ORDER BY table_name`,
  );
  const out: Record<string, unknown> = {};
  for (const { table_name } of tables.rows) {
    const rows = tenant === null ? await h.db.query(`SELECT count(*)::int AS n FROM "${table_name}"`) : await h.db.query(`SELECT * FROM "${table_name}" WHERE tenant_id = $1`, [tenant]);
    out[table_name] = rows.rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}

describeEngines(
  'tenant isolation matrix (generated from the route table)',
  (h) => {
    let app: FastifyInstance;
    const routes: Route[] = [];
    let skip = false;
    let a: Fixture;
    let b: Fixture;

    before(async () => {
      let harness: Harness;
      try {
        harness = h();
      } catch (err) {
        if (err instanceof SkipPostgres) {
          skip = true;
          return;
        }
        throw err;
      }
      app = await buildApp({
        config: harness.config,
        db: harness.appDb,
        onRoute: (r: RouteOptions) => {
          for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
            const qs = (r.schema?.querystring ?? {}) as { properties?: Record<string, { description?: string }> };
            routes.push({
              method,
              url: r.url,
              params: [...r.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!),
              query: qs.properties ?? {},
              isPublic: Boolean(r.config?.public) || r.url.startsWith(DOCS_PREFIX) || r.url.startsWith(CONSOLE_PREFIX),
            });
          }
        },
      });
      await app.ready();
      const tA = harness.tenant();
      const tB = harness.tenant();
      a = await createFixture(harness, app, tA, 'user-a', 'A');
      b = await createFixture(harness, app, tB, 'user-b', 'B');
    });
    after(async () => {
      await app?.close();
    });

    const protectedRoutes = () => {
      h(); // turns a missing PostgreSQL into a visible skip
      assert.ok(!skip);
      return routes.filter((r) => !r.isPublic);
    };

    it('collects the route table, including every CONTRACT resource', async () => {
      const list = protectedRoutes().map((r) => `${r.method} ${r.url}`);
      for (const expected of [
        'POST /namespaces/',
        'GET /contacts/:contact_id/',
        'PUT /contacts/:contact_id/approve/',
        'PUT /contacts/:contact_id/props/',
        'GET /contacts/addresses/',
        'DELETE /contacts/banks/:contact_bank_id/',
        'PATCH /contacts/relations/:contact_relation_id/',
        'GET /history/',
        'GET /imports/:import_id/rows/',
        'POST /contacts/dedupe/',
        'GET /duplicates/',
        'PUT /duplicates/:pair_id/dismiss/',
        'GET /duplicates/scan/:scan_id/',
      ]) {
        assert.ok(list.includes(expected), `route table lacks ${expected}: ${list.join(', ')}`);
      }
      assert.ok(list.length >= 35, `only ${list.length} protected routes collected`);
      // Public routes are exactly the documented ones.
      const pub = routes.filter((r) => r.isPublic && !r.url.startsWith(DOCS_PREFIX) && !r.url.startsWith(CONSOLE_PREFIX)).map((r) => r.url);
      assert.deepEqual([...new Set(pub)].sort(), ['/healthz', '/metrics', '/openapi.json', '/readyz']);
      // The console's routes: its page, its hashed assets and its settings (no development
      // sign-in here: the harness has a configured secret). The console's data comes from the API.
      const consoleRoutes = routes.filter((r) => r.url.startsWith(CONSOLE_PREFIX) && !r.url.startsWith(`${CONSOLE_PREFIX}/assets/`)).map((r) => r.url);
      assert.deepEqual([...new Set(consoleRoutes)].sort(), ['/console', '/console/*', '/console/config.json']);
    });

    it('every protected route × every kind of bad credential → 401, nothing written', async (t) => {
      const before = await snapshot(h(), null);
      const creds = await badCredentials(a.tenant);
      let n = 0;
      for (const route of protectedRoutes()) {
        const url = fillPath(route, a);
        for (const [label, auth] of creds) {
          const res = await send(app, route.method, url, auth, bodyFor(route, a, b));
          assertUnauthorized(res, route.method, `${route.method} ${route.url} with ${label}`);
          n++;
        }
      }
      assert.ok(n >= 35 * creds.length);
      t.diagnostic(`${protectedRoutes().length} protected routes × ${creds.length} bad credentials = ${n} requests, all 401`);
      assert.equal(await snapshot(h(), null), before, 'a refused request wrote rows');
    });

    it("another tenant's valid token: 404 on A's objects, no A row in any response, A unchanged", async () => {
      const aBefore = await snapshot(h(), a.tenant);
      const authB = `Bearer ${b.token}`;
      for (const route of protectedRoutes()) {
        const url = fillPath(route, a);
        const what = `${route.method} ${route.url} as tenant B`;
        const res = await send(app, route.method, url, authB, bodyFor(route, a, b));
        assert.ok(res.status < 500, `${what}: ${res.status} ${res.text}`);
        if (route.params.length > 0) {
          const emptyList = route.method === 'GET' && res.status === 200 && res.json?.count === 0;
          assert.ok(res.status === 404 || emptyList, `${what}: expected 404, got ${res.status} ${res.text}`);
        } else if (route.method === 'GET' || route.method === 'HEAD') {
          assert.equal(res.status, 200, `${what}: ${res.text}`);
        }
        if (res.status < 300) assertNoMarkers(res, a, what);
      }
      assert.equal(await snapshot(h(), a.tenant), aBefore, "tenant A's rows changed after tenant B's requests");
    });

    it("no list, filter, search or expand of tenant B shows a row of tenant A (and B's own rows are there)", async () => {
      const authB = `Bearer ${b.token}`;
      let checked = 0;
      for (const route of protectedRoutes().filter((r) => r.method === 'GET' && r.params.length === 0)) {
        const plain = await send(app, 'GET', route.url, authB);
        assert.equal(plain.status, 200, `${route.url}: ${plain.text}`);
        // The event feed is a cursor, not a page envelope.
        const rows = plain.json.count ?? plain.json.results?.length;
        assert.ok(rows > 0, `${route.url}: tenant B should see its own rows`);
        assert.ok(plain.text.includes(b.tenant));
        assertNoMarkers(plain, a, route.url);
        // Control: the owner sees its rows on the same list, so the markers would be found.
        const own = await send(app, 'GET', route.url, `Bearer ${a.token}`);
        assert.ok(own.text.includes(a.tenant), `${route.url}: control failed, tenant A does not see its own rows`);
        for (const [name, schema] of Object.entries(route.query)) {
          for (const value of queryValues(name, schema.description, a)) {
            const url = `${route.url}?${name}=${encodeURIComponent(value)}&page_size=200`;
            const res = await send(app, 'GET', url, authB);
            assert.equal(res.status, 200, `${url}: ${res.text}`);
            assertNoMarkers(res, a, url);
            checked++;
          }
        }
      }
      for (const [url, label] of [
        [`/contacts/${b.contact.id}/?expand=props,addresses,banks,relations`, 'B contact expand'],
        [`/contacts/relations/${b.relation.id}/?expand=contact,related_contact`, 'B relation expand'],
        [`/contacts/${b.contact.id}/history/?page_size=200`, 'B contact history'],
        [`/contacts/${b.contact.id}/props/`, 'B props'],
      ] as const) {
        const res = await send(app, 'GET', url, authB);
        assert.equal(res.status, 200, `${label}: ${res.text}`);
        assertNoMarkers(res, a, label);
      }
      assert.ok(checked >= 20, `only ${checked} filtered lists checked`);
    });

    it("tenant B cannot link its objects to tenant A's (400 under the field, nothing written)", async () => {
      const authB = `Bearer ${b.token}`;
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', '/contacts/relations/', { contact: b.contact.id, type: 'friend', related_contact: a.contact.id }, 'related_contact'],
        ['POST', '/contacts/relations/', { contact: a.contact.id, type: 'friend', related_contact: b.contact.id }, 'contact'],
        ['PATCH', `/contacts/relations/${b.relation.id}/`, { related_contact: a.contact.id }, 'related_contact'],
        ['POST', '/contacts/addresses/', { contact_id: a.contact.id, address_line: '1 Some Road', city: 'Pune', state: 'Goa', pincode: '400001', country: 'India' }, 'contact_id'],
        ['POST', '/contacts/banks/', { contact_id: a.contact.id, account_holder_name: 'X', account_no: '123412341234', ifsc: 'HDFC0001234' }, 'contact_id'],
        ['POST', '/contacts/', { name: 'X', type: 'individual', namespace: a.ns.id }, 'namespace'],
        ['POST', `/contacts/${b.contact2.id}/merge/`, { merge_ids: [a.contact.id], comment: 'intruder' }, 'merge_ids'],
      ];
      const bBefore = await snapshot(h(), b.tenant);
      for (const [method, url, body, field] of cases) {
        const res = await send(app, method, url, authB, body);
        assert.equal(res.status, 400, `${method} ${url}: ${res.status} ${res.text}`);
        assert.ok(res.json?.errors?.[field], `${method} ${url}: no errors.${field} in ${res.text}`);
      }
      assert.equal(await snapshot(h(), b.tenant), bBefore);
      // No row of B anywhere references an id of A.
      const aIds = [a.ns.id, a.contact.id, a.contact2.id, a.address.id, a.bank.id, a.relation.id, ...a.propIds];
      const bRows = await snapshot(h(), b.tenant);
      for (const id of aIds) assert.ok(!bRows.includes(id), `a row of tenant B references ${id} of tenant A`);
    });
  },
  { auth: AUTH },
);
