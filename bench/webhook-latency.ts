// `npm run bench:webhooks`: how long after a write commits its webhook arrives (CONTRACT §9), with
// the production layout of §12 — an API node with WORKER=off and separate `contact-registry worker`
// processes sharing one PostgreSQL — under a fixed rate of contact creates spread over tenants,
// each tenant with one endpoint subscribed to `contact.created` on a local receiver.
//
// Latency of one event = when the receiver got it − when its POST's response arrived (the write had
// committed by then), so it slightly understates the true commit-to-delivery time by the response's
// way back. Every event must arrive exactly once; missing or repeated ones are reported.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token.js';
import { tenantId } from './dataset.js';
import { preparePostgres } from './db.js';
import { runHttpLoad, type LoadRequest } from './http-load.js';
import { cleanup, cpuSince, databaseBackendsCpuMs, onCleanup, sh, startProcess, treeCpuMs } from './procs.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

const { values: o } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    workers: { type: 'string', default: '2' },
    tenants: { type: 'string', default: '10' },
    'poll-ms': { type: 'string', default: '250' },
    // create: POST /contacts/ (each also queues the contact's duplicate check, which the workers
    // run too); patch: PATCH a tag of existing contacts (contact.updated, no duplicate check), so
    // the workers' CPU is the events' alone: relay, delivery, signature, attempt record.
    write: { type: 'string', default: 'create' },
    // Workers run with --cpu-prof into this directory and are stopped gracefully at the end.
    // drain: the workers are paused (SIGSTOP) while the writes run and resumed after them, so
    // their CPU per event is measured on a backlog, apart from the API's load and from its rate.
    drain: { type: 'boolean', default: false },
    'profile-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (o.help) {
  console.log(
    'npm run bench:webhooks -- [--rate 200] [--seconds 30] [--workers 2] [--tenants 10] [--poll-ms 250] [--write create|patch] [--profile-dir DIR]  (needs `npm run build` and PostgreSQL)',
  );
  process.exit(0);
}
const rate = Number(o.rate);
const seconds = Number(o.seconds);
const workerCount = Number(o.workers);
const tenantCount = Number(o.tenants);
const patching = o.write === 'patch';
if (!patching && o.write !== 'create') throw new Error('--write: create or patch');
/** Contacts per tenant the patch mode spreads its PATCHes over (concurrent PATCHes of one contact wait for each other). */
const PATCHED_PER_TENANT = 20;

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

async function main(): Promise<void> {
  const load = () => sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' ');
  console.log(`load before: ${load()}`);
  const { serviceUrl, url: ownerUrl } = await preparePostgres({ tenants: tenantCount, perTenant: 10, large: 10 });

  const committedAt = new Map<string, number>();
  const arrivals = new Map<string, number[]>();
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const event = JSON.parse(Buffer.concat(chunks).toString()) as { type: string; data: { object: { id: string; tags: string[] } } };
      // A create is known by its contact's id, a PATCH by the unique tag it set.
      const id = event.type === 'contact.updated' ? event.data.object.tags[0]! : event.data.object.id;
      arrivals.set(id, [...(arrivals.get(id) ?? []), at]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => sink.close(() => r())));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;

  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: serviceUrl,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WORKER_POLL_MS: o['poll-ms'],
  };
  const api = await startProcess('api', ['dist/cli/index.js', 'serve'], { ...env, WORKER: 'off' });
  const profile = o['profile-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${o['profile-dir']}`] : [];
  const workers = Array.from({ length: workerCount }, () => {
    const child = spawn(process.execPath, [...profile, 'dist/cli/index.js', 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    onCleanup(() => void child.kill('SIGKILL'));
    return child;
  });
  const database = new URL(ownerUrl).pathname.slice(1);

  const tenants = Array.from({ length: tenantCount }, (_, i) => tenantId(i));
  const tokens = new Map<string, string>();
  for (const t of tenants) {
    tokens.set(t, await mintToken({ secret: SECRET, tenant: t, sub: 'bench-user', ttlSeconds: 86_400 }));
    const r = await fetch(`${api.url}/webhooks/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(t)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: sinkUrl, events: [patching ? 'contact.updated' : 'contact.created'] }),
    });
    if (r.status !== 201) throw new Error(`webhook create: ${r.status} ${await r.text()}`);
  }

  let n = 0;
  const create = (i: number) => {
    const tenant = tenants[i % tenants.length]!;
    return {
      method: 'POST',
      path: '/contacts/',
      headers: { authorization: `Bearer ${tokens.get(tenant)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Asha Rao ${i}`, namespace: 'customer', type: 'individual', props: [{ key: 'segment', value: 'retail', type: 'text' }] }),
    };
  };
  // Warm-up: creates (one per tenant, or the contacts to patch), then one delivered write per
  // tenant, so the workers have started and found the endpoints.
  const created: string[] = [];
  for (let i = 0; i < tenantCount * (patching ? PATCHED_PER_TENANT : 1); i++) {
    const r = create(n++);
    const res = await fetch(api.url + r.path, { method: r.method, headers: r.headers, body: r.body });
    created.push(((await res.json()) as { id: string }).id);
  }
  const patch = (i: number) => {
    const tenant = tenants[i % tenants.length]!;
    const contact = created[(i % tenantCount) + tenantCount * (Math.floor(i / tenantCount) % PATCHED_PER_TENANT)]!;
    return {
      method: 'PATCH',
      path: `/contacts/${contact}/`,
      headers: { authorization: `Bearer ${tokens.get(tenant)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tags: [`b${i}`] }),
    };
  };
  const write = (i: number) => (patching ? patch(i) : create(i));
  const keyOf = (i: number, body: string) => (patching ? `b${i}` : (JSON.parse(body) as { id: string }).id);
  const warm: string[] = [];
  for (let i = 0; i < tenantCount; i++) {
    const r = write(n);
    const res = await fetch(api.url + r.path, { method: r.method, headers: r.headers, body: r.body });
    warm.push(keyOf(n++, await res.text()));
  }
  await waitFor(() => warm.every((id) => arrivals.has(id)), 60_000);
  arrivals.clear();

  if (o.drain) for (const w of workers) w.kill('SIGSTOP');
  let cpu0 = [api.pid, ...workers.map((w) => w.pid!)].map(treeCpuMs);
  let db0 = databaseBackendsCpuMs(database);
  console.log(`${rate} ${patching ? 'PATCHes' : 'creates'}/s for ${seconds} s over ${tenantCount} tenants; 1 API node (WORKER=off), ${workerCount} workers, poll ${o['poll-ms']} ms`);
  const res = await runHttpLoad({
    url: api.url,
    connections: 32,
    durationMs: seconds * 1000,
    rate,
    next: () => {
      const i = n++;
      return { ...write(i), i };
    },
    onResponse: (req, status, body) => {
      if (status === 201 || status === 200) committedAt.set(keyOf((req as LoadRequest & { i: number }).i, body), performance.now());
    },
  });
  console.log(`writes: ${res.ok} created (${res.rps.toFixed(0)}/s), p95 ${res.p95.toFixed(1)} ms, codes ${JSON.stringify(res.statusCodes)}, errors ${res.errors}`);

  let drainStart = 0;
  if (o.drain) {
    // From here the workers' CPU and the backends' are the backlog's delivery alone.
    const apiCpu = treeCpuMs(api.pid) - cpu0[0]!;
    cpu0 = [api.pid, ...workers.map((w) => w.pid!)].map(treeCpuMs);
    cpu0[0]! -= apiCpu;
    db0 = databaseBackendsCpuMs(database);
    drainStart = performance.now();
    for (const w of workers) w.kill('SIGCONT');
  }
  await waitFor(() => [...committedAt.keys()].every((id) => arrivals.has(id)), 120_000);
  if (o.drain) console.log(`drain: ${committedAt.size} events delivered in ${((performance.now() - drainStart) / 1000).toFixed(1)} s by ${workerCount} workers`);
  const cpu = [api.pid, ...workers.map((w) => w.pid!)].map((pid, i) => treeCpuMs(pid) - cpu0[i]!);
  const dbCpu = cpuSince(db0, databaseBackendsCpuMs(database));

  const latencies: number[] = [];
  let missing = 0;
  for (const [id, at] of committedAt) {
    const got = arrivals.get(id);
    if (!got) missing++;
    else latencies.push(got[0]! - at);
  }
  const repeated = [...arrivals.values()].filter((a) => a.length > 1).length;
  latencies.sort((a, b) => a - b);
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(
    `deliveries: ${latencies.length}/${committedAt.size} arrived, ${missing} missing, ${repeated} repeated; ` +
      `${o.drain ? '(latency includes the pause) ' : ''}latency p50 ${ms(percentile(latencies, 50))} p95 ${ms(percentile(latencies, 95))} p99 ${ms(percentile(latencies, 99))} max ${ms(latencies.at(-1) ?? NaN)}`,
  );
  const per = (ms: number) => `${((ms * 1000) / committedAt.size).toFixed(0)} µs`;
  console.log(
    `CPU per ${patching ? 'PATCH' : 'created contact'}: API ${per(cpu[0]!)}, workers ${per(cpu.slice(1).reduce((a, b) => a + b, 0))}, ` +
      `PostgreSQL backends (${o.drain ? "workers' alone" : "API's and workers'"}) ${per(dbCpu)}`,
  );
  console.log(`load after: ${load()}`);
  if (profile.length) {
    // SIGTERM: a graceful stop, so that --cpu-prof writes each worker's profile.
    await Promise.all(workers.map((w) => new Promise<void>((r) => (w.once('exit', () => r()), w.kill('SIGTERM')))));
    console.log(`worker profiles in ${o['profile-dir']} (bench/profile-summary.ts)`);
  }
  if (missing || repeated) process.exitCode = 1;
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
