import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken } from '../../src/auth/index.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer } from './server-process.js';

// OpenTelemetry (CONTRACT §12): with OTEL_EXPORTER_OTLP_ENDPOINT set, the server exports a span
// per request and per database statement to a local OTLP/HTTP receiver.

pgTest(
  'with OTEL_EXPORTER_OTLP_ENDPOINT, request and statement spans reach an OTLP receiver',
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const exports: { path: string; contentType: string; body: Buffer }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        exports.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const server = await startServer(url, await freePort(), {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_SERVICE_NAME: 'registry-under-test',
    });
    t.after(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
      await new Promise<void>((r) => receiver.close(() => r()));
      await drop();
    });
    const token = await mintToken({ secret: TEST_SECRET, tenant: 'traced', sub: 'ops', ttlSeconds: 600 });
    const res = await fetch(`${server.base}/namespaces/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'traced' }),
    });
    assert.equal(res.status, 201);
    const seen = () => Buffer.concat(exports.map((e) => e.body)).toString('latin1');
    const deadline = Date.now() + 15_000;
    while (!(seen().includes('POST /namespaces/') && seen().includes('db INSERT'))) {
      if (Date.now() > deadline) assert.fail(`no request and statement spans exported in 15 s (${exports.length} exports)\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(exports.every((e) => e.path === '/v1/traces' && e.contentType.startsWith('application/json')));
    assert.ok(seen().includes('registry-under-test'), 'the service name is the resource');
    // The statements of the request are children of its span.
    type OtlpSpan = { name: string; spanId: string; parentSpanId?: string; traceId: string };
    const spans: OtlpSpan[] = exports.flatMap((e) =>
      (JSON.parse(e.body.toString('utf8')).resourceSpans ?? []).flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans as OtlpSpan[])),
    );
    const request = spans.find((s) => s.name === 'POST /namespaces/')!;
    const statements = spans.filter((s) => s.traceId === request.traceId && s.name.startsWith('db '));
    assert.ok(statements.some((s) => s.name === 'db INSERT'), `statements of the request: ${statements.map((s) => s.name).join(', ')}`);
    assert.ok(statements.every((s) => s.parentSpanId === request.spanId));
  },
  { timeout: 180_000 },
);
