import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem, createContact, createNamespace, newCaller, type Caller } from '../helpers/api.js';
import { relayOnce } from '../../src/worker/relay.js';
import { attemptDelivery, claimDeliveries, type DeliverySettings } from '../../src/worker/deliveries.js';

// /webhooks/ and the deliveries the worker makes to them: signed per Standard Webhooks (checked
// here by a verifier written from the spec, not by the library that signs), retried, disabled by
// a 410, inspectable, retryable and redeliverable; one tenant never sees another's.

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local receiver whose next answers the test decides (200 by default). */
function receiver() {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(answers.shift() ?? 200).end('ok');
    });
  });
  return {
    received,
    answers,
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
  };
}

/** Standard Webhooks verification, from the spec: HMAC-SHA256 over `id.timestamp.body` with the base64 secret. */
function verifySignature(secret: string, r: Received): boolean {
  const id = r.headers['webhook-id'] as string;
  const timestamp = r.headers['webhook-timestamp'] as string;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${r.body}`).digest();
  return String(r.headers['webhook-signature'])
    .split(' ')
    .some((s) => s.startsWith('v1,') && timingSafeEqual(Buffer.from(s.slice(3), 'base64'), expected));
}

const settings: DeliverySettings = { owner: 'test-worker', timeoutMs: 3000, allowPrivate: true, disableAfterDays: 5, leaseMs: 20_000 };

/** What the worker does: publish the outbox, then attempt every due delivery once. */
async function work(h: Harness): Promise<void> {
  await relayOnce(h.appDb);
  for (const d of await claimDeliveries(h.appDb, settings, 100)) await attemptDelivery(h.appDb, d.tenant_id, d.id, settings);
}

async function hook(c: Caller, url: string, body: Record<string, unknown> = {}) {
  const res = await c.req('POST', '/webhooks/', { body: { url, ...body } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

describeEngines('webhooks', (h) => {
  const r = receiver();
  before(() => new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve)));
  after(() => new Promise<void>((resolve) => r.server.close(() => resolve())));

  it('shows the secret only on create and rotation; validates URL and event filters', async () => {
    const c = await newCaller(h());
    const created = await hook(c, r.url(), { events: ['contact.*', 'bank.created'], description: 'LOS' });
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/);
    assert.deepEqual(created.events, ['contact.*', 'bank.created']);
    const got = await c.req('GET', `/webhooks/${created.id}/`);
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined);
    assert.equal((await c.req('GET', '/webhooks/')).body.results[0].secret, undefined);
    const rotated = await c.req('POST', `/webhooks/${created.id}/rotate_secret/`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.body.secret, created.secret);

    assertFieldErrors(await c.req('POST', '/webhooks/', { body: { url: 'not a url' } }), 'url');
    assertFieldErrors(await c.req('POST', '/webhooks/', { body: { url: r.url(), events: ['contact.created', 'contact.exploded', 'nope.*'] } }), 'events.1', 'events.2');
    assertFieldErrors(await c.req('POST', '/webhooks/', { body: { url: r.url(), colour: 'red' } }), 'colour');
    assertFieldErrors(await c.req('PATCH', `/webhooks/${created.id}/`, { body: { url: 'ftp://example.com/x' } }), 'url');

    const patched = await c.req('PATCH', `/webhooks/${created.id}/`, { body: { enabled: false } });
    assert.equal(patched.body.enabled, false);
    assert.equal((await c.req('DELETE', `/webhooks/${created.id}/`)).status, 204);
    assertProblem(await c.req('GET', `/webhooks/${created.id}/`), 404);
  });

  it('delivers matching events, signed, once each; records each attempt', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const all = await hook(c, r.url());
    const banks = await hook(c, r.url(), { events: ['bank.*'] });
    const start = r.received.length;
    const contact = await createContact(c, { namespace: ns.name });
    await work(h());
    const got = r.received.slice(start);
    // namespace.created and contact.created to the catch-all endpoint; nothing to the bank one.
    assert.equal(got.length, 2);
    for (const d of got) assert.ok(verifySignature(all.secret, d), 'signature verifies');
    const events = got.map((d) => JSON.parse(d.body));
    assert.deepEqual(events.map((e) => e.type).sort(), ['contact.created', 'namespace.created']);
    assert.equal(got.find((d) => JSON.parse(d.body).type === 'contact.created')!.headers['webhook-id'], events.find((e) => e.type === 'contact.created').id);
    assert.equal(events.find((e) => e.type === 'contact.created').data.object.id, contact.id);

    const deliveries = await c.req('GET', `/webhooks/${all.id}/deliveries/`);
    assert.equal(deliveries.status, 200);
    assert.equal(deliveries.body.count, 2);
    for (const d of deliveries.body.results) {
      assert.equal(d.status, 'succeeded');
      assert.equal(d.attempt, 1);
      assert.equal(d.status_code, 200);
      assert.equal(d.next_attempt_at, null);
    }
    assert.equal((await c.req('GET', `/webhooks/${banks.id}/deliveries/`)).body.count, 0);
    await work(h());
    assert.equal(r.received.length, start + 2, 'nothing delivered twice');
  });

  it('retries a failed attempt later, and a manual retry makes it due now', async () => {
    const c = await newCaller(h());
    const w = await hook(c, r.url(), { events: ['namespace.created'] });
    r.answers.push(500);
    await createNamespace(c);
    await work(h());
    let [d] = (await c.req('GET', `/webhooks/${w.id}/deliveries/`)).body.results;
    assert.equal(d.status, 'pending');
    assert.equal(d.attempt, 1);
    assert.equal(d.status_code, 500);
    assert.ok(new Date(d.next_attempt_at).getTime() > Date.now(), 'the next attempt is later');
    const start = r.received.length;
    await work(h());
    assert.equal(r.received.length, start, 'not due yet');
    const retried = await c.req('POST', `/webhooks/${w.id}/deliveries/${d.id}/retry/`);
    assert.equal(retried.status, 200);
    await work(h());
    [d] = (await c.req('GET', `/webhooks/${w.id}/deliveries/`)).body.results;
    assert.equal(d.status, 'succeeded');
    assert.equal(d.attempt, 2);
    assert.equal(r.received.length, start + 1);
  });

  it('a 410 disables the endpoint and publishes webhook.disabled', async () => {
    const c = await newCaller(h());
    const w = await hook(c, r.url(), { events: ['namespace.created'] });
    r.answers.push(410);
    await createNamespace(c);
    await work(h());
    const after410 = await c.req('GET', `/webhooks/${w.id}/`);
    assert.equal(after410.body.enabled, false);
    assert.match(after410.body.disabled_reason, /410/);
    const [d] = (await c.req('GET', `/webhooks/${w.id}/deliveries/`)).body.results;
    assert.equal(d.status, 'failed');
    await relayOnce(h().appDb);
    const disabled = (await c.req('GET', '/events/?type=webhook.disabled')).body.results;
    assert.equal(disabled.length, 1);
    assert.equal(disabled[0].object_id, w.id);
    // Enabling it again clears the reason.
    const enabled = await c.req('PATCH', `/webhooks/${w.id}/`, { body: { enabled: true } });
    assert.equal(enabled.body.disabled_reason, null);
  });

  it('disables an endpoint whose deliveries kept failing for WEBHOOK_DISABLE_AFTER_DAYS', async () => {
    const c = await newCaller(h());
    const w = await hook(c, r.url(), { events: ['namespace.created'] });
    await h().db.query(`UPDATE webhooks SET failing_since = now() - interval '6 days' WHERE tenant_id = $1 AND id = $2`, [c.tenant, w.id]);
    r.answers.push(503);
    await createNamespace(c);
    await work(h());
    const disabled = await c.req('GET', `/webhooks/${w.id}/`);
    assert.equal(disabled.body.enabled, false);
    assert.match(disabled.body.disabled_reason, /failed since/);
    // A first failure only starts the streak.
    const fresh = await hook(c, r.url(), { events: ['namespace.created'] });
    r.answers.push(503);
    await createNamespace(c);
    await work(h());
    assert.equal((await c.req('GET', `/webhooks/${fresh.id}/`)).body.enabled, true);
  });

  it('delivery bookkeeping leaves the ETag alone; an auto-disable moves it', async () => {
    const c = await newCaller(h());
    const w = await hook(c, r.url(), { events: ['namespace.created'] });
    const etag = async () => {
      const got = await c.req('GET', `/webhooks/${w.id}/`);
      assert.equal(got.status, 200);
      return { tag: String(got.headers.etag), updatedAt: got.body.updated_at };
    };
    // A failure starts the streak, a success ends it: both recorded between the GET and the PATCH.
    const before = await etag();
    r.answers.push(500);
    await createNamespace(c);
    await work(h());
    const streak = await h().db.query<{ failing_since: Date | null }>('SELECT failing_since FROM webhooks WHERE tenant_id = $1 AND id = $2', [c.tenant, w.id]);
    assert.ok(streak.rows[0]!.failing_since, 'the failure was recorded on the endpoint');
    await createNamespace(c);
    await work(h());
    const cleared = await h().db.query<{ failing_since: Date | null }>('SELECT failing_since FROM webhooks WHERE tenant_id = $1 AND id = $2', [c.tenant, w.id]);
    assert.equal(cleared.rows[0]!.failing_since, null, 'the success cleared the streak');
    assert.deepEqual(await etag(), before, 'neither ETag nor updated_at moved');
    const edited = await c.req('PATCH', `/webhooks/${w.id}/`, { body: { description: 'edited in the console' }, headers: { 'if-match': before.tag } });
    assert.equal(edited.status, 200, edited.text);

    // An auto-disable flips `enabled`: a client holding the old ETag must re-read first.
    const held = await etag();
    await h().db.query(`UPDATE webhooks SET failing_since = now() - interval '6 days' WHERE tenant_id = $1 AND id = $2`, [c.tenant, w.id]);
    r.answers.push(503);
    await createNamespace(c);
    await work(h());
    assert.equal((await c.req('GET', `/webhooks/${w.id}/`)).body.enabled, false);
    assertProblem(await c.req('PATCH', `/webhooks/${w.id}/`, { body: { description: 'stale' }, headers: { 'if-match': held.tag } }), 412);
  });

  it('purges events past the retention period, with their finished deliveries', async () => {
    const c = await newCaller(h());
    await createNamespace(c);
    await relayOnce(h().appDb);
    const [event] = (await c.req('GET', '/events/')).body.results;
    await h().db.query(`UPDATE events SET created_at = now() - interval '31 days' WHERE tenant_id = $1 AND id = $2`, [c.tenant, event.id]);
    await h().appDb.query('SELECT purge_old_events($1, $2)', [30 * 86_400_000, 1000]);
    assertProblem(await c.req('GET', `/events/${event.id}/`), 404);
  });

  it('redelivers an event to one endpoint or every matching one; keeps tenants apart', async () => {
    const c = await newCaller(h());
    const other = await newCaller(h());
    const a = await hook(c, r.url(), { events: ['namespace.*'] });
    await hook(c, r.url(), { events: ['namespace.created'] });
    await createNamespace(c);
    await work(h());
    const [event] = (await c.req('GET', '/events/?type=namespace.created')).body.results;
    const toAll = await c.req('POST', `/events/${event.id}/redeliver/`);
    assert.equal(toAll.status, 202);
    assert.equal(toAll.body.deliveries.length, 2);
    const toOne = await c.req('POST', `/events/${event.id}/redeliver/`, { body: { webhook: a.id } });
    assert.equal(toOne.body.deliveries.length, 1);
    assert.equal(toOne.body.deliveries[0].status, 'pending');
    const start = r.received.length;
    await work(h());
    assert.equal(r.received.length, start + 3);

    assertProblem(await other.req('POST', `/events/${event.id}/redeliver/`), 404);
    assertProblem(await other.req('GET', `/webhooks/${a.id}/`), 404);
    assertProblem(await other.req('GET', `/webhooks/${a.id}/deliveries/`), 404);
    assertFieldErrors(await other.req('POST', `/events/${(await otherEvent(h(), other)).id}/redeliver/`, { body: { webhook: a.id } }), 'webhook');
    assert.equal((await other.req('GET', '/webhooks/')).body.count, 0);
  });
});

async function otherEvent(h: Harness, c: Caller) {
  await createNamespace(c);
  await relayOnce(h.appDb);
  return (await c.req('GET', '/events/')).body.results[0];
}

describeEngines(
  'webhook URLs in production',
  (h) => {
    it('refuses plain http and private or loopback addresses unless WEBHOOK_ALLOW_PRIVATE', async () => {
      const c = await newCaller(h());
      for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://10.1.2.3/x', 'https://169.254.169.254/latest', 'https://[::1]/x']) {
        assertFieldErrors(await c.req('POST', '/webhooks/', { body: { url } }), 'url');
      }
      assert.equal((await c.req('POST', '/webhooks/', { body: { url: 'https://hooks.example.com/crm' } })).status, 201);
    });
  },
  { webhooks: { allowPrivate: false, timeoutMs: 1000, disableAfterDays: 5 } },
);
