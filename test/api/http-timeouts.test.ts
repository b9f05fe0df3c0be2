import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { databaseRefusingAll } from '../../src/db/none.js';
import { TEST_SECRET, testConfig } from '../helpers/engines.js';

// The server's own deadlines, over a real socket: a client that trickles its headers or its body,
// or leaves a keep-alive connection idle, is cut off. No database is involved (the requests never
// reach a handler), so this runs once, not per engine.

const REQUEST_TIMEOUT_MS = 1200;
const HEADERS_TIMEOUT_MS = 600;
const KEEP_ALIVE_TIMEOUT_MS = 400;
/**
 * Node checks the deadlines every connectionsCheckingInterval (≤ 1 s); the rest is room for a
 * loaded machine. The trickled body below would take over 10 s to arrive.
 */
const CHECK_SLACK_MS = 3000;

interface Outcome {
  response: string;
  elapsedMs: number;
  bytesSent: number;
}

/** Sends `head`, then `drip` one byte every `everyMs`, until the server answers or closes. */
function trickle(port: number, head: string, drip: string, everyMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`not cut off after 10 s (sent ${sent} bytes): ${response}`));
    }, 10_000);
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (i >= drip.length || socket.destroyed) return;
        socket.write(drip[i++]!);
        sent++;
      }, everyMs);
    });
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('error', () => {}); // a reset after the 408 is a cut-off too
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(guard);
      resolve({ response, elapsedMs: Date.now() - started, bytesSent: sent });
    });
  });
}

/** A raw HTTP response whose body is an RFC 9457 problem document with this status and code. */
function assertProblemResponse(raw: string, status: number, code: string): void {
  const [head, body] = raw.split('\r\n\r\n');
  assert.match(head!, /content-type: application\/problem\+json/i);
  const doc = JSON.parse(body!);
  assert.equal(doc.status, status);
  assert.equal(doc.code, code);
  assert.equal(typeof doc.detail, 'string');
  assert.equal(typeof doc.instance, 'string');
}

describe('HTTP server deadlines (real socket)', () => {
  let app: FastifyInstance;
  let port: number;
  let token: string;

  before(async () => {
    const config = testConfig();
    config.http = {
      ...config.http,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    };
    app = await buildApp({ config, db: databaseRefusingAll('no database in this test') });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    token = await mintToken({ secret: TEST_SECRET, tenant: 'acme', sub: 'alice', ttlSeconds: 600 });
  });
  after(() => app.close());

  test('a body trickled slower than the request deadline is cut off with 408', async () => {
    const body = JSON.stringify({ name: 'Asha Verma', type: 'individual', namespace: 'Vayana', pad: 'x'.repeat(200) });
    const head =
      `POST /contacts/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const out = await trickle(port, head, body, 50);
    assert.match(out.response, /^HTTP\/1\.1 408 /, `408 expected, got: ${out.response.slice(0, 200)}`);
    assertProblemResponse(out.response, 408, 'request_timeout');
    assert.ok(out.bytesSent < body.length, `cut off before the body was complete (${out.bytesSent} of ${body.length} bytes)`);
    assert.ok(out.elapsedMs >= REQUEST_TIMEOUT_MS - 100, `not before the deadline (${out.elapsedMs} ms)`);
    assert.ok(out.elapsedMs <= REQUEST_TIMEOUT_MS + CHECK_SLACK_MS, `soon after the deadline (${out.elapsedMs} ms)`);
  });

  test('headers trickled slower than the headers deadline are cut off with 408', async () => {
    const headers = 'X-Slow: ' + 'a'.repeat(200) + '\r\n\r\n';
    const out = await trickle(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', headers, 50);
    assert.match(out.response, /^HTTP\/1\.1 408 /, `408 expected, got: ${out.response.slice(0, 200)}`);
    assert.ok(out.bytesSent < headers.length, `cut off before the headers were complete (${out.bytesSent} bytes)`);
    assert.ok(out.elapsedMs <= HEADERS_TIMEOUT_MS + CHECK_SLACK_MS, `soon after the deadline (${out.elapsedMs} ms)`);
  });

  test('a 100 KB bearer token gets a 431 problem document, not a bare parser error', async () => {
    const out = await trickle(port, `GET /namespaces/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${'a'.repeat(100_000)}\r\n\r\n`, '', 1000);
    assert.match(out.response, /^HTTP\/1\.1 431 /, `431 expected, got: ${out.response.slice(0, 200)}`);
    assertProblemResponse(out.response, 431, 'headers_too_large');
  });

  test('a request sent at once is answered; its idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const out = await trickle(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', '', 1000);
    assert.match(out.response, /^HTTP\/1\.1 200 /);
    assert.match(out.response, /keep-alive: timeout=0?\b/i);
    assert.ok(out.elapsedMs >= KEEP_ALIVE_TIMEOUT_MS - 50, `kept alive until the timeout (${out.elapsedMs} ms)`);
    assert.ok(out.elapsedMs <= KEEP_ALIVE_TIMEOUT_MS + CHECK_SLACK_MS, `closed soon after it (${out.elapsedMs} ms)`);
  });
});
