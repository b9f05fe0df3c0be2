// The load generator of `npm run bench`: node:http with a keep-alive agent, one in-flight request
// per connection. A server that answers `Connection: close` (gunicorn's sync workers, the DRF
// peer) gets a fresh connection for the next request, whose set-up is then part of that request's
// latency, as it is for that server's real clients; nothing is written into a closing socket.
//
// Closed loop (rate 0): each connection sends its next request when the last one is answered.
// Fixed rate: request i is due at start + i/rate and its latency counts from when it was due, so
// a server that falls behind shows the queueing in its percentiles (no coordinated omission).
import { Agent, request } from 'node:http';

export interface LoadRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  /** Requests per second over all connections; 0 = as fast as the server answers. */
  rate?: number;
  next: () => LoadRequest;
  /** Called with each response's status and (only when given) body. */
  onResponse?: (req: LoadRequest, status: number, body: string) => void;
  /** Gives up on a request after this long (counted as an error). */
  timeoutMs?: number;
}

export interface LoadResult {
  requests: number;
  /** Answered with 2xx. */
  ok: number;
  errors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** 2xx responses per second. */
  rps: number;
  /** Latency percentiles in ms over all answered requests. */
  p50: number;
  p95: number;
  p99: number;
}

export function percentile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function runHttpLoad(o: LoadOptions): Promise<LoadResult> {
  const target = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections });
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let ok = 0;
  const start = performance.now();
  const end = start + o.durationMs;
  const interval = o.rate ? 1000 / o.rate : 0;
  let issued = 0;

  const once = (r: LoadRequest): Promise<number> =>
    new Promise((resolve) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          method: r.method,
          path: r.path,
          headers: r.body === undefined ? r.headers : { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => void (o.onResponse && chunks.push(c)));
          res.on('end', () => {
            o.onResponse?.(r, res.statusCode ?? 0, Buffer.concat(chunks).toString());
            resolve(res.statusCode ?? 0);
          });
          res.on('error', () => resolve(0));
        },
      );
      req.setTimeout(o.timeoutMs ?? 60_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end(r.body);
    });

  async function worker(): Promise<void> {
    for (;;) {
      let due = performance.now();
      if (interval) {
        due = start + issued++ * interval;
        if (due >= end) return;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      } else if (due >= end) return;
      const status = await once(o.next());
      if (status === 0) {
        errors++;
        continue;
      }
      latencies.push(performance.now() - due);
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) ok++;
    }
  }

  await Promise.all(Array.from({ length: o.connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length + errors,
    ok,
    errors,
    statusCodes,
    seconds,
    rps: ok / seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}
