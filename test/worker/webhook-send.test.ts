import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { generateWebhookSecret, sendWebhook, type SendRequest } from '../../src/resources/webhooks/webhook-send.js';
import { checkWebhookUrl } from '../../src/validation/webhook-url.js';
import { refusedAddressKind } from '../../src/validation/egress-address.js';

// One delivery attempt against local receivers only (no network, no database). Successful sends go
// over plain http with allowPrivate: true (a local receiver is private by definition, and a
// self-signed certificate would need a trust option the API deliberately lacks); the https path is
// exercised by the refusals and by the "reaches the socket when allowed" contrasts, which count TCP
// connections so a refusal is shown to happen before connecting, not merely to fail.

/**
 * Standard Webhooks verification written from the spec, independent of the `standardwebhooks`
 * package that signs (svix's verifier is not independent: it wraps that same package).
 * Signed content: `${webhook-id}.${webhook-timestamp}.${body}`; key: base64 after `whsec_`;
 * header: space-separated `v1,<base64 HMAC-SHA256>`; timestamp within 5 minutes.
 */
function verifyPerSpec(secret: string, headers: http.IncomingHttpHeaders, body: string, nowSeconds: number): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, sig] = entry.split(',');
      const given = Buffer.from(sig ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: { close(): void }[] = [];
after(() => servers.forEach((s) => s.close()));

/** An http receiver on 127.0.0.1 that records every request, then lets `respond` answer it. */
async function receiver(respond: (res: http.ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      respond(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({ close: () => (server.closeAllConnections(), server.close()) });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hooks?tenant=t1`, received };
}

/** A raw TCP listener on 127.0.0.1 that counts connections; `onSocket` decides what each gets. */
async function tcpListener(
  onSocket: (socket: net.Socket) => void = (s) => s.destroy(),
): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({ close: () => (sockets.forEach((s) => s.destroy()), server.close()) });
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

const secret = generateWebhookSecret();
const payload = JSON.stringify({ id: '01J9Z3M6Q4W8E2R5T7Y9U1I3O5', type: 'contact.created', data: { object: { name: 'Asha Rao ✓' } } });
const base = (url: string, extra: Partial<SendRequest> = {}): SendRequest => ({
  url,
  secret,
  messageId: '01J9Z3M6Q4W8E2R5T7Y9U1I3O5',
  payload,
  timeoutMs: 5000,
  allowPrivate: true,
  ...extra,
});

describe('generateWebhookSecret', () => {
  test('is whsec_ + base64 of at least 24 random bytes, different every time', () => {
    const a = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(Buffer.from(a.slice(6), 'base64').length >= 24);
    assert.notEqual(a, generateWebhookSecret());
  });
});

describe('sendWebhook: responses', () => {
  test('2xx: delivered, with Standard Webhooks headers an independent verifier accepts', async () => {
    const r = await receiver((res) => res.writeHead(204).end());
    const now = new Date('2030-01-02T03:04:05.678Z');
    const outcome = await sendWebhook(base(r.url, { now }));
    assert.deepEqual({ ...outcome, latencyMs: 0 }, { delivered: true, statusCode: 204, latencyMs: 0, error: null, gone: false });
    assert.ok(outcome.latencyMs >= 0);
    const [got] = r.received;
    assert.ok(got);
    assert.equal(got.body, payload);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.match(String(got.headers['user-agent']), /^contact-registry-webhooks\//);
    assert.equal(got.headers['webhook-id'], '01J9Z3M6Q4W8E2R5T7Y9U1I3O5');
    assert.equal(got.headers['webhook-timestamp'], String(Math.floor(now.getTime() / 1000)));
    assert.match(String(got.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+={0,2}$/);
    const nowSeconds = Math.floor(now.getTime() / 1000);
    assert.equal(verifyPerSpec(secret, got.headers, got.body, nowSeconds), true);
    // The verifier can fail: a changed body, another secret or a stale timestamp is rejected.
    assert.equal(verifyPerSpec(secret, got.headers, got.body.replace('Asha', 'Asho'), nowSeconds), false);
    assert.equal(verifyPerSpec(generateWebhookSecret(), got.headers, got.body, nowSeconds), false);
    assert.equal(verifyPerSpec(secret, got.headers, got.body, nowSeconds + 301), false);
  });

  test('a retry keeps webhook-id and is signed afresh for its own timestamp', async () => {
    const r = await receiver((res) => res.writeHead(200).end('ok'));
    await sendWebhook(base(r.url, { now: new Date('2030-01-01T00:00:00Z') }));
    await sendWebhook(base(r.url, { now: new Date('2030-01-01T00:00:30Z') }));
    const [first, second] = r.received;
    assert.ok(first && second);
    assert.equal(first.headers['webhook-id'], second.headers['webhook-id']);
    assert.notEqual(first.headers['webhook-signature'], second.headers['webhook-signature']);
    assert.equal(verifyPerSpec(secret, second.headers, second.body, Date.parse('2030-01-01T00:00:30Z') / 1000), true);
  });

  test('keeps the connection alive between attempts, unless the answer was cut short', async () => {
    // Connections told apart by their client ports.
    const ports = new Set<number>();
    const r = await receiver((res) => {
      ports.add(res.req.socket.remotePort!);
      res.writeHead(200).end('ok');
    });
    for (let i = 0; i < 3; i++) assert.equal((await sendWebhook(base(r.url))).delivered, true);
    assert.equal(r.received.length, 3);
    assert.equal(ports.size, 1, 'three attempts, one connection');

    // A body read only to the cap is dropped with its connection: the next attempt opens another.
    const capped = new Set<number>();
    const endless = await receiver((res) => {
      capped.add(res.req.socket.remotePort!);
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    assert.equal((await sendWebhook(base(endless.url))).delivered, true);
    assert.equal((await sendWebhook(base(endless.url))).delivered, true);
    assert.equal(capped.size, 2);
  });

  test('500: a failed attempt with its status', async () => {
    const r = await receiver((res) => res.writeHead(500).end('boom'));
    const outcome = await sendWebhook(base(r.url));
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.statusCode, 500);
    assert.equal(outcome.error, 'HTTP 500');
    assert.equal(outcome.gone, false);
  });

  test('410: gone, so the worker can disable the endpoint', async () => {
    const r = await receiver((res) => res.writeHead(410).end());
    const outcome = await sendWebhook(base(r.url));
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.statusCode, 410);
    assert.equal(outcome.gone, true);
  });

  test('3xx: the redirect is not followed', async () => {
    const target = await receiver((res) => res.writeHead(200).end());
    const r = await receiver((res) => res.writeHead(307, { location: target.url }).end());
    const outcome = await sendWebhook(base(r.url));
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.statusCode, 307);
    assert.match(String(outcome.error), /redirects are not followed/);
    assert.equal(target.received.length, 0);
  });

  test('a slow answer within the time-out is delivered', async () => {
    const r = await receiver((res) => setTimeout(() => res.writeHead(200).end(), 150));
    const outcome = await sendWebhook(base(r.url));
    assert.equal(outcome.delivered, true);
    assert.ok(outcome.latencyMs >= 100, `latency ${outcome.latencyMs}`);
  });

  test('an endless body is read to the cap and dropped: delivered, not timed out', async () => {
    const r = await receiver((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const outcome = await sendWebhook(base(r.url, { timeoutMs: 10_000 }));
    assert.equal(outcome.delivered, true);
    assert.equal(outcome.error, null); // a time-out would have said so
  });
});

describe('sendWebhook: receivers that misbehave give an outcome within timeoutMs', () => {
  // Bounds are generous (CPU is shared): they prove "does not wait for the receiver", not speed.
  const SLACK_MS = 2000;

  test('a receiver that never answers', async () => {
    const r = await receiver(() => {});
    const started = Date.now();
    const outcome = await sendWebhook(base(r.url, { timeoutMs: 300 }));
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.statusCode, null);
    assert.equal(outcome.error, 'timed out after 300 ms');
    assert.ok(Date.now() - started < 300 + SLACK_MS);
  });

  test('a receiver that trickles its body past the deadline', async () => {
    const r = await receiver((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const tick = setInterval(() => (res.destroyed ? clearInterval(tick) : res.write('.')), 20);
    });
    const started = Date.now();
    const outcome = await sendWebhook(base(r.url, { timeoutMs: 400 }));
    assert.equal(outcome.delivered, false);
    assert.equal(outcome.statusCode, 200);
    assert.equal(outcome.error, 'timed out after 400 ms reading the response body');
    assert.ok(Date.now() - started < 400 + SLACK_MS);
  });

  test('a connection reset (RST) while waiting for the answer', async () => {
    const listener = await tcpListener((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const outcome = await sendWebhook(base(`http://127.0.0.1:${listener.port}/`));
    assert.deepEqual([outcome.delivered, outcome.statusCode, outcome.error], [false, null, 'connection reset']);
  });

  test('a connection closed without an answer', async () => {
    const listener = await tcpListener((socket) => socket.once('data', () => socket.end()));
    const outcome = await sendWebhook(base(`http://127.0.0.1:${listener.port}/`));
    assert.deepEqual([outcome.delivered, outcome.statusCode, outcome.error], [false, null, 'connection reset']);
  });

  test('a reset in the middle of a 200 body is not a delivery', async () => {
    const listener = await tcpListener((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial');
        setTimeout(() => socket.resetAndDestroy(), 50);
      }),
    );
    const outcome = await sendWebhook(base(`http://127.0.0.1:${listener.port}/`));
    assert.deepEqual([outcome.delivered, outcome.statusCode, outcome.error], [false, 200, 'connection reset']);
  });

  test('nothing listening', async () => {
    const listener = await tcpListener();
    servers.pop()!.close();
    const outcome = await sendWebhook(base(`http://127.0.0.1:${listener.port}/`));
    assert.deepEqual([outcome.delivered, outcome.error], [false, 'connection refused']);
  });

  test('a malformed secret is an outcome, not an exception', async () => {
    const r = await receiver((res) => res.writeHead(200).end());
    const outcome = await sendWebhook(base(r.url, { secret: 'whsec_' }));
    assert.deepEqual([outcome.delivered, outcome.error], [false, 'invalid signing secret']);
    assert.equal(r.received.length, 0);
  });
});

describe('sendWebhook: egress refusals (allowPrivate: false)', () => {
  const strict = (url: string): SendRequest => base(url, { allowPrivate: false });

  test('http is refused and never reaches the receiver; allowPrivate lifts the https-only rule', async () => {
    const r = await receiver((res) => res.writeHead(200).end());
    const outcome = await sendWebhook(strict(r.url));
    assert.deepEqual([outcome.delivered, outcome.statusCode, outcome.error], [false, null, 'refused: URL must use https']);
    assert.equal(r.received.length, 0);
    assert.equal((await sendWebhook(base(r.url))).delivered, true);
  });

  test('https://127.0.0.1 is refused before connecting; allowed, it connects', async () => {
    const listener = await tcpListener();
    const url = `https://127.0.0.1:${listener.port}/`;
    const refused = await sendWebhook(strict(url));
    assert.match(String(refused.error), /^refused: .*127\.0\.0\.1 \(loopback\)/);
    assert.equal(listener.connections(), 0);
    const allowed = await sendWebhook(base(url));
    assert.equal(allowed.delivered, false); // the listener is not a TLS server
    assert.equal(listener.connections(), 1);
  });

  test('https://localhost: a name resolving to loopback is refused at connect time', async () => {
    const listener = await tcpListener();
    const url = `https://localhost:${listener.port}/`;
    assert.equal(checkWebhookUrl(url, false), null); // names pass at create time…
    const refused = await sendWebhook(strict(url));
    // …and are refused on the address DNS returned for this connection.
    assert.match(String(refused.error), /^refused: localhost resolves to a non-public address: (127\.0\.0\.1|::1) \(loopback\)$/);
    assert.equal(listener.connections(), 0);
    await sendWebhook(base(url));
    assert.equal(listener.connections(), 1);
  });

  for (const [url, kind] of [
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://[fd00:ec2::254]/', 'private'],
    ['https://[::1]:9/', 'loopback'],
    ['https://[::ffff:127.0.0.1]:9/', 'loopback'],
    ['https://10.1.2.3/', 'private'],
    ['https://100.64.0.1/', 'carrier-grade NAT'],
    ['https://0.0.0.0/', 'unspecified'],
  ] as const) {
    test(`${url} is refused (${kind})`, async () => {
      const outcome = await sendWebhook(strict(url));
      assert.equal(outcome.delivered, false);
      assert.equal(outcome.statusCode, null);
      assert.match(String(outcome.error), new RegExp(`^refused: URL must not point at a non-public address: .* \\(${kind}\\)$`));
    });
  }
});

describe('checkWebhookUrl', () => {
  const cases: [string, boolean, RegExp | null][] = [
    ['https://hooks.example.com/contact-registry?x=1', false, null],
    ['https://hooks.example.com:8443/a', false, null],
    ['https://localhost/hook', false, null], // names are judged at delivery time
    ['https://93.184.215.14/hook', false, null],
    ['https://[2606:4700:4700::1111]/hook', false, null],
    ['http://hooks.example.com/', false, /must use https$/],
    ['http://127.0.0.1:3000/', true, null],
    ['ftp://hooks.example.com/', true, /must use https or http/],
    ['javascript:alert(1)', false, /must use https/],
    ['not a url', false, /spaces or control/],
    ['hooks.example.com/path', false, /absolute URL/],
    ['https://', false, /absolute URL/],
    [' https://hooks.example.com/', false, /spaces or control/],
    ['https://hooks.exa\nmple.com/', false, /spaces or control/],
    [`https://hooks.example.com/${'a'.repeat(2048 - 26)}`, false, null],
    [`https://hooks.example.com/${'a'.repeat(2048 - 25)}`, false, /at most 2048/],
    ['https://user:pw@hooks.example.com/', false, /credentials/],
    ['https://user@hooks.example.com/', true, /credentials/],
    ['https://hooks.example.com/#frag', false, /fragment/],
    ['https://hooks.example.com/#', true, /fragment/],
    ['https://127.0.0.1/', false, /127\.0\.0\.1 \(loopback\)/],
    ['https://127.1/', false, /127\.0\.0\.1 \(loopback\)/], // the URL parser normalises short forms…
    ['https://2130706433/', false, /127\.0\.0\.1 \(loopback\)/], // …decimal…
    ['https://0x7f000001/', false, /127\.0\.0\.1 \(loopback\)/], // …and hex
    ['https://172.16.5.4/', false, /\(private\)/],
    ['https://192.168.1.1/', false, /\(private\)/],
    ['https://169.254.169.254/', false, /\(link-local\)/],
    ['https://100.127.255.254/', false, /\(carrier-grade NAT\)/],
    ['https://255.255.255.255/', false, /\(broadcast\)/],
    ['https://224.0.0.1/', false, /\(multicast\)/],
    ['https://[::]/', false, /\(unspecified\)/],
    ['https://[fe80::1]/', false, /\(link-local\)/],
    ['https://[fc00::1]/', false, /\(private\)/],
    ['https://[ff02::1]/', false, /\(multicast\)/],
    ['https://[::ffff:169.254.169.254]/', false, /\(link-local\)/],
    ['https://[::ffff:10.0.0.1]/', false, /\(private\)/],
    ['https://[64:ff9b::7f00:1]/', false, /\(loopback\)/],
    ['https://[::7f00:1]/', false, /\(reserved\)/],
    ['https://127.0.0.1:8080/', true, null],
    ['https://[::1]/', true, null],
  ];
  for (const [raw, allowPrivate, expected] of cases) {
    test(`${JSON.stringify(raw.length > 60 ? raw.slice(0, 40) + '…' : raw)} allowPrivate=${allowPrivate}`, () => {
      const reason = checkWebhookUrl(raw, allowPrivate);
      if (expected === null) assert.equal(reason, null);
      else assert.match(String(reason), expected);
    });
  }
});

describe('refusedAddressKind', () => {
  test('public unicast passes, everything else is named', () => {
    assert.equal(refusedAddressKind('8.8.8.8'), null);
    assert.equal(refusedAddressKind('2001:4860:4860::8888'), null);
    assert.equal(refusedAddressKind('::ffff:8.8.8.8'), null);
    assert.equal(refusedAddressKind('64:ff9b::808:808'), null); // NAT64 of 8.8.8.8
    assert.equal(refusedAddressKind('127.0.0.53'), 'loopback');
    assert.equal(refusedAddressKind('fd00:ec2::254'), 'private');
    assert.equal(refusedAddressKind('192.0.2.1'), 'reserved');
    assert.equal(refusedAddressKind('4000::1'), 'reserved');
    assert.equal(refusedAddressKind('not-an-ip'), 'invalid');
  });
});
