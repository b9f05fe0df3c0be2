// A small closed-loop HTTP load generator (keep-alive node:http; every request timed, so p95 is
// exact rather than read off a coarse histogram) and a one-off request helper.
import http from 'node:http';

export interface Req {
  method: 'GET' | 'POST';
  path: string;
  token: string;
  body?: unknown;
}

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

export function makeClient(baseUrl: string, maxSockets: number): (r: Req) => Promise<Reply> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return (r) =>
    new Promise((resolve, reject) => {
      const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
      const headers: Record<string, string | number> = { authorization: `Bearer ${r.token}` };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const t0 = performance.now();
      const req = http.request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
}

export interface LoadResult {
  latencies: number[];
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  seconds: number;
}

/** `concurrency` workers send requests from `next` back to back for `seconds`. */
export async function runLoad(baseUrl: string, o: { concurrency: number; seconds: number; next: () => Req; onReply?: (r: Req, reply: Reply) => void }): Promise<LoadResult> {
  const send = makeClient(baseUrl, o.concurrency);
  const out: LoadResult = { latencies: [], ok: 0, statuses: {}, errors: 0, seconds: 0 };
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const r = o.next();
      try {
        const reply = await send(r);
        out.latencies.push(reply.ms);
        out.statuses[reply.status] = (out.statuses[reply.status] ?? 0) + 1;
        if (reply.status >= 200 && reply.status < 300) out.ok++;
        o.onReply?.(r, reply);
      } catch {
        out.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/** Runs `reqs` with bounded concurrency and returns the replies in order. */
export async function runAll(baseUrl: string, reqs: Req[], concurrency: number): Promise<Reply[]> {
  const send = makeClient(baseUrl, concurrency);
  const out: Reply[] = new Array(reqs.length);
  let i = 0;
  const worker = async () => {
    while (i < reqs.length) {
      const k = i++;
      out[k] = await send(reqs[k]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k]!;
}
