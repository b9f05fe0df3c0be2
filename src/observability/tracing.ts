import { trace, type Tracer } from '@opentelemetry/api';

// OpenTelemetry traces (CONTRACT §12): an HTTP server span per request (src/app.ts) and a client
// span per database statement (src/db/observe.ts), exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set. Unset, the SDK is never even loaded and the instrumented
// paths cost one null check.

let tracer: Tracer | null = null;

/** The tracer while tracing is on; null otherwise. */
export function activeTracer(): Tracer | null {
  return tracer;
}

export interface TracingSettings {
  /** OTLP/HTTP base URL (e.g. http://collector:4318); spans go to `<endpoint>/v1/traces`. */
  endpoint: string | null;
  serviceName: string;
}

export interface Tracing {
  /** Flushes the spans not yet exported and stops. */
  shutdown(): Promise<void>;
}

/** Starts exporting spans when an endpoint is configured; returns null (and loads nothing) otherwise. */
export async function startTracing(settings: TracingSettings): Promise<Tracing | null> {
  if (!settings.endpoint || tracer) return null;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 1000 })],
  });
  // Registers the AsyncLocalStorage context manager: a statement's span finds its request's span.
  provider.register();
  tracer = trace.getTracer('contact-registry');
  return {
    async shutdown() {
      tracer = null;
      await provider.shutdown();
    },
  };
}
