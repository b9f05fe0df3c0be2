import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// What `GET /metrics` exposes (Prometheus text format, prom-client). Counters of this process
// live in one registry; gauges that read a database are made per app (createDatabaseGauges) and
// merged at scrape time, so several apps in one process (tests) do not collide.

export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: 'contact_registry_' });

export const httpRequests = new Counter({
  name: 'contact_registry_http_requests_total',
  help: 'HTTP requests by method, route template and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [processRegistry],
});

export const httpDuration = new Histogram({
  name: 'contact_registry_http_request_duration_seconds',
  help: 'HTTP request latency by method, route template and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [processRegistry],
});

export const dbStatementErrors = new Counter({
  name: 'contact_registry_db_statement_errors_total',
  help: 'Database statements that failed, by SQLSTATE class (first two characters; "connection" for a lost connection).',
  labelNames: ['class'] as const,
  registers: [processRegistry],
});

export const webhookDeliveries = new Counter({
  name: 'contact_registry_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome (succeeded, retry, failed).',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

export const importRows = new Counter({
  name: 'contact_registry_import_rows_total',
  help: 'Imported rows by outcome (created, updated, unchanged, skipped, failed).',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

export const dedupeDuration = new Histogram({
  name: 'contact_registry_dedupe_duration_seconds',
  help: 'Latency of one dedupe query (POST /contacts/dedupe/ and the matching of written contacts).',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [processRegistry],
});

export interface DatabaseGaugeSources {
  pool(): { size: number; inUse: number; waiting: number };
  /** Events not yet published, and webhook deliveries not yet made (across tenants). */
  backlog(): Promise<{ outbox: number; deliveries: number }>;
}

/** The per-app registry of gauges read from its database at scrape time. */
export function createDatabaseGauges(sources: DatabaseGaugeSources): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'contact_registry_db_pool_connections',
    help: 'Database pool connections by state (in_use, idle) and requests waiting for one (waiting).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const p = sources.pool();
      this.set({ state: 'in_use' }, p.inUse);
      this.set({ state: 'idle' }, p.size - p.inUse);
      this.set({ state: 'waiting' }, p.waiting);
    },
  });
  new Gauge({
    name: 'contact_registry_events_undelivered',
    help: 'Events not yet published to the feed (outbox) and webhook deliveries still pending (deliveries).',
    labelNames: ['stage'] as const,
    registers: [registry],
    async collect() {
      const b = await sources.backlog();
      this.set({ stage: 'outbox' }, b.outbox);
      this.set({ stage: 'deliveries' }, b.deliveries);
    },
  });
  return registry;
}

/** Everything for one scrape: this process's counters and the app's gauges. */
export async function scrape(appRegistry: Registry): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([processRegistry, appRegistry]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
