// Single requests outside the measured runs: the expand probe, response sizes for the hello
// baseline, a sample of any error body, database round trips per request (through the counting
// proxy), and re-reading the state of lifecycle contacts between runs.
import { headersFor } from './load.js';
import type { ActionPool } from './action-pool.js';
import type { Req, Scenario } from './scenarios.js';

export interface ProbeResult {
  roundTrips: number | null;
  statuses: Record<string, number>;
  bytes: number;
  errorSample?: string;
}

export async function send(url: string, r: Req, tokens: Map<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url + r.path, { method: r.method, headers: headersFor(r, tokens), body: r.body });
  return { status: res.status, text: await res.text() };
}

/** `n` sequential requests of a scenario (after 3 unmeasured ones that warm the pool). */
export async function probe(url: string, s: Scenario, tokens: Map<string, string>, n: number, trips?: () => number): Promise<ProbeResult> {
  const out: ProbeResult = { roundTrips: null, statuses: {}, bytes: 0 };
  if (s.actions) await resyncActions(s.actions, url, tokens);
  let t0 = 0;
  for (let i = 0; i < n + 3; i++) {
    if (i === 3 && trips) t0 = trips();
    const r = s.next();
    const { status, text } = await send(url, r, tokens);
    s.onResponse?.(r, status, text);
    out.statuses[status] = (out.statuses[status] ?? 0) + 1;
    if (i >= 3) out.bytes += Buffer.byteLength(text) / n;
    if ((status < 200 || status >= 300) && !out.errorSample) out.errorSample = `${r.method} ${r.path} → ${status} ${text.slice(0, 300)}`;
  }
  if (trips) out.roundTrips = (trips() - t0) / n;
  out.bytes = Math.round(out.bytes);
  return out;
}

/** Reads the current state of lifecycle contacts whose last request may or may not have happened. */
export async function resyncActions(pool: ActionPool, url: string, tokens: Map<string, string>): Promise<void> {
  const todo = pool.unknown();
  const worker = async () => {
    for (let c = todo.pop(); c; c = todo.pop()) {
      const { status, text } = await send(url, { method: 'GET', path: `/contacts/${c.id}/`, tenant: c.tenant }, tokens);
      if (status !== 200) throw new Error(`resync of ${c.id}: ${status} ${text.slice(0, 200)}`);
      const body = JSON.parse(text) as { status: string; approval_status: string };
      pool.set(c.id, body.status, body.approval_status);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
