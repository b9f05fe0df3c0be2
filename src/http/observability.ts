import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Database } from '../db/index.js';
import { AppError } from '../errors/index.js';
import { createDatabaseGauges, httpDuration, httpRequests, scrape } from '../observability/metrics.js';
import { activeTracer } from '../observability/tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    span: Span | null;
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Request metrics (by route template, never a raw path with ids), the request's server span when
 * tracing is on, and `GET /metrics`. Registered first, so the span covers every other hook.
 */
export function registerObservability(app: FastifyInstance, db: Database, metricsToken: string | null): void {
  app.decorateRequest('span', null);
  app.addHook('onRequest', (request, _reply, done) => {
    const tracer = activeTracer();
    if (!tracer) return done();
    const span = tracer.startSpan(`${request.method} ${routeOf(request)}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': routeOf(request) },
    });
    request.span = span;
    // The rest of the request runs inside the span's context: database spans become its children.
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const labels = labelsOf(request.method, routeOf(request), reply.statusCode);
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (request.span) {
      request.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) request.span.setStatus({ code: SpanStatusCode.ERROR });
      request.span.end();
    }
    done();
  });

  const gauges = createDatabaseGauges({
    pool: () => db.poolStats?.() ?? { size: 0, inUse: 0, waiting: 0 },
    backlog: async () => {
      const res = await db.query<{ outbox: string | number; deliveries: string | number }>('SELECT outbox, deliveries FROM event_backlog()');
      return { outbox: Number(res.rows[0]?.outbox ?? 0), deliveries: Number(res.rows[0]?.deliveries ?? 0) };
    },
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    checkMetricsAccess(request, metricsToken);
    const { contentType, body } = await scrape(gauges);
    return reply.type(contentType).send(body);
  });
}

const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';

type Labels = { method: string; route: string; status: string };
/** One label set per method, route template and status, made once (route templates are few). */
const labelSets = new Map<string, Map<string, Map<number, Labels>>>();
function labelsOf(method: string, route: string, status: number): Labels {
  let byMethod = labelSets.get(route);
  if (!byMethod) labelSets.set(route, (byMethod = new Map()));
  let byStatus = byMethod.get(method);
  if (!byStatus) byMethod.set(method, (byStatus = new Map()));
  let labels = byStatus.get(status);
  if (!labels) byStatus.set(status, (labels = { method, route, status: String(status) }));
  return labels;
}

/** METRICS_TOKEN as a bearer token when set; otherwise loopback clients only. */
function checkMetricsAccess(request: FastifyRequest, token: string | null): void {
  if (token === null) {
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      throw new AppError('forbidden', 'Metrics are served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere.');
    }
    return;
  }
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('unauthorized', 'GET /metrics needs the METRICS_TOKEN bearer token.');
  }
}
