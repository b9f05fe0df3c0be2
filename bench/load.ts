// One measured run: autocannon against one target with one scenario's request generator, plus
// the target's CPU time read from /proc before and after.
import autocannon, { type RequestSpec } from 'autocannon';
import { cpuMs } from './procs.js';
import type { Req, Scenario } from './scenarios.js';

export type TargetName = 'ours' | 'raw' | 'hello';

export interface Target {
  name: TargetName;
  url: string;
  pid: number;
}

export interface LoadOptions {
  duration: number;
  connections: number;
  /** Fixed offered load (requests/s over all connections); 0 = as fast as possible. */
  overallRate?: number;
  tokens: Map<string, string>;
  /** Body size the hello-world target should answer with. */
  helloBytes?: number;
}

export interface RunResult {
  /** Successful (2xx) responses per second: a fast error is not throughput. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  cpuMsPerReq: number;
}

export function headersFor(r: Req, tokens: Map<string, string>): Record<string, string> {
  const h: Record<string, string> = {
    authorization: `Bearer ${tokens.get(r.tenant)}`,
    // The raw baseline has no auth: it takes the tenant from here (our service ignores it).
    'x-tenant': r.tenant,
  };
  if (r.body !== undefined) h['content-type'] = 'application/json';
  return h;
}

export async function runLoad(target: Target, scenario: Scenario, o: LoadOptions): Promise<RunResult> {
  // The hello-world target changes no state: lifecycle requests for it are sampled, not planned.
  const hello = target.name === 'hello';
  const next = hello && scenario.actions ? () => scenario.actions!.sample() : () => scenario.next();
  const spec: RequestSpec = {
    setupRequest: (req, context) => {
      const r = next();
      context.req = r;
      req.method = r.method;
      req.path = r.path;
      req.headers = headersFor(r, o.tokens);
      if (hello) req.headers['x-body-size'] = String(o.helloBytes ?? 1000);
      req.body = r.body ?? '';
      return req;
    },
  };
  // Only the action scenario reads bodies: collecting them costs the load generator CPU that the
  // servers share on a small machine.
  if (scenario.onResponse && !hello) {
    spec.onResponse = (status, body, context) => scenario.onResponse!(context.req as Req, status, body);
  }
  const cpu0 = cpuMs(target.pid);
  const result = await autocannon({
    url: target.url,
    connections: o.connections,
    duration: o.duration,
    overallRate: o.overallRate || undefined,
    // Long enough that an overloaded list scenario shows up as latency, not as client time-outs.
    timeout: 60,
    requests: [spec],
  });
  const cpu = cpuMs(target.pid) - cpu0;
  scenario.actions?.endRun();
  const requests = result.requests.total;
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count;
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    cpuMsPerReq: requests > 0 ? cpu / requests : NaN,
  };
}
