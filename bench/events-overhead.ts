// `npm run bench:events`: what writing events costs POST and PATCH (issue 19: throughput with
// events ≥ 0.9× without). One build, two API nodes on one PostgreSQL: one as shipped, one with
// BENCH_EVENT_WRITE=off (src/changes/record.ts: every change's audit entry and duplicate check,
// no event). Both run WORKER=off; one `contact-registry worker` serves both, as in production,
// so the "on" rounds also pay for relaying their events into the feed (no webhooks are
// registered: delivery is the worker's cost, bench:webhooks). Rounds alternate on/off and
// off/on, closed loop, so a shared machine's changing load falls on both alike.
//
// Per mode: requests per second, and CPU per request (the API node, the worker, and the
// database's backends during the round) — steadier than throughput on a machine shared with
// other work.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token.js';
import { tenantId } from './dataset.js';
import { preparePostgres } from './db.js';
import { runHttpLoad, type LoadRequest } from './http-load.js';
import { cleanup, cpuSince, databaseBackendsCpuMs, onCleanup, sh, startProcess, treeCpuMs } from './procs.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '8' },
    tenants: { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
if (o.help) {
  console.log('npm run bench:events -- [--rounds 4] [--seconds 8] [--connections 8] [--tenants 10]  (needs `npm run build` and PostgreSQL)');
  process.exit(0);
}
const rounds = Number(o.rounds);
const seconds = Number(o.seconds);
const connections = Number(o.connections);
const tenantCount = Number(o.tenants);
/** Contacts per tenant the PATCHes spread over (PATCHes of one contact wait for each other). */
const PATCHED_PER_TENANT = 50;

type Mode = 'on' | 'off';
type Kind = 'POST' | 'PATCH';
interface Tally {
  ok: number;
  seconds: number;
  apiMs: number;
  workerMs: number;
  dbMs: number;
  p95: number[];
}

async function main(): Promise<void> {
  const load = () => sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' ');
  console.log(`load before: ${load()}`);
  const { serviceUrl, url: ownerUrl } = await preparePostgres({ tenants: tenantCount, perTenant: 100, large: 10 });
  const database = new URL(ownerUrl).pathname.slice(1);
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: serviceUrl,
  };
  const api: Record<Mode, Awaited<ReturnType<typeof startProcess>>> = {
    on: await startProcess('api (events on)', ['dist/cli/index.js', 'serve'], { ...env, WORKER: 'off' }),
    off: await startProcess('api (events off)', ['dist/cli/index.js', 'serve'], { ...env, WORKER: 'off', BENCH_EVENT_WRITE: 'off' }),
  };
  // The worker has no HTTP port to wait on; it is ready long before the warm-up ends.
  const workerChild = spawn(process.execPath, ['dist/cli/index.js', 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  onCleanup(() => void workerChild.kill('SIGKILL'));

  const tenants = Array.from({ length: tenantCount }, (_, i) => tenantId(i));
  const tokens = new Map<string, string>();
  for (const t of tenants) tokens.set(t, await mintToken({ secret: SECRET, tenant: t, sub: 'bench-user', ttlSeconds: 86_400 }));
  const headers = (t: string) => ({ authorization: `Bearer ${tokens.get(t)}`, 'content-type': 'application/json' });

  let n = 0;
  const post = (): LoadRequest => {
    const i = n++;
    const t = tenants[i % tenantCount]!;
    return {
      method: 'POST',
      path: '/contacts/',
      headers: headers(t),
      body: JSON.stringify({ name: `Asha Rao ${i}`, namespace: 'customer', type: 'individual', props: [{ key: 'segment', value: 'retail', type: 'text' }] }),
    };
  };
  // Contacts to PATCH, created through the "on" node before the rounds.
  const patched: string[][] = tenants.map(() => []);
  for (let k = 0; k < PATCHED_PER_TENANT; k++) {
    for (let ti = 0; ti < tenantCount; ti++) {
      const r = post();
      const res = await fetch(api.on.url + r.path, { method: r.method, headers: r.headers, body: r.body });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
      patched[ti]!.push(((await res.json()) as { id: string }).id);
    }
  }
  const patch = (): LoadRequest => {
    const i = n++;
    const ti = i % tenantCount;
    const ids = patched[ti]!;
    return { method: 'PATCH', path: `/contacts/${ids[Math.floor(i / tenantCount) % ids.length]}/`, headers: headers(tenants[ti]!), body: JSON.stringify({ tags: [`t${i}`] }) };
  };

  const tally = new Map<string, Tally>();
  const measure = async (mode: Mode, kind: Kind, ms: number, record: boolean) => {
    const pids = [api[mode].pid, workerChild.pid!];
    const cpu0 = pids.map(treeCpuMs);
    const db0 = databaseBackendsCpuMs(database);
    const res = await runHttpLoad({ url: api[mode].url, connections, durationMs: ms, next: kind === 'POST' ? post : patch });
    if (!record) return;
    const cpu = pids.map((p, i) => treeCpuMs(p) - cpu0[i]!);
    const key = `${kind} ${mode}`;
    const t = tally.get(key) ?? { ok: 0, seconds: 0, apiMs: 0, workerMs: 0, dbMs: 0, p95: [] };
    t.ok += res.ok;
    t.seconds += res.seconds;
    t.apiMs += cpu[0]!;
    t.workerMs += cpu[1]!;
    t.dbMs += cpuSince(db0, databaseBackendsCpuMs(database));
    t.p95.push(res.p95);
    tally.set(key, t);
    if (res.errors || res.ok !== res.requests) console.log(`  ${key}: ${res.requests - res.ok} not 2xx ${JSON.stringify(res.statusCodes)}, ${res.errors} errors`);
  };

  // Warm-up of both nodes (JIT, prepared statements, pools).
  for (const mode of ['on', 'off'] as const) for (const kind of ['POST', 'PATCH'] as const) await measure(mode, kind, 2000, false);
  console.log(`${rounds} rounds × ${seconds} s per mode and kind, ${connections} connections, closed loop, ${tenantCount} tenants`);
  for (let r = 0; r < rounds; r++) {
    const order: Mode[] = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const kind of ['POST', 'PATCH'] as const) for (const mode of order) await measure(mode, kind, seconds * 1000, true);
    console.log(`  round ${r + 1} done, load ${load()}`);
  }

  const us = (ms: number, count: number) => ((ms * 1000) / count).toFixed(0);
  console.log('\n| kind | events | req/s | p95 ms (median of rounds) | CPU per request: API / worker / PostgreSQL / total µs |');
  console.log('|---|---|--:|--:|--:|');
  for (const kind of ['POST', 'PATCH'] as const) {
    for (const mode of ['off', 'on'] as const) {
      const t = tally.get(`${kind} ${mode}`)!;
      const p95 = [...t.p95].sort((a, b) => a - b)[Math.floor(t.p95.length / 2)]!;
      console.log(`| ${kind} | ${mode} | ${(t.ok / t.seconds).toFixed(0)} | ${p95.toFixed(1)} | ${us(t.apiMs, t.ok)} / ${us(t.workerMs, t.ok)} / ${us(t.dbMs, t.ok)} / ${us(t.apiMs + t.workerMs + t.dbMs, t.ok)} |`);
    }
  }
  for (const kind of ['POST', 'PATCH'] as const) {
    const on = tally.get(`${kind} on`)!;
    const off = tally.get(`${kind} off`)!;
    const cpu = (t: Tally) => (t.apiMs + t.workerMs + t.dbMs) / t.ok;
    console.log(
      `${kind}: throughput on/off ${(on.ok / on.seconds / (off.ok / off.seconds)).toFixed(2)}×; ` +
        `CPU per request off/on ${(cpu(off) / cpu(on)).toFixed(2)}× (all processes), API alone ${(off.apiMs / off.ok / (on.apiMs / on.ok)).toFixed(2)}×`,
    );
  }
  console.log(`load after: ${load()}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
