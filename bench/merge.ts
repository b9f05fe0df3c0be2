// `npm run bench:merge`: what a merge and its undo cost next to a PATCH (issue "Resolving
// duplicates": a merge at most 10× a PATCH), measured in one run on the large seeded tenant.
// Each merge has a survivor and 3 victims; every one of the four holds 5 props, 2 addresses, 1
// bank account and 3 relations to seeded contacts. PATCH (a tags change on seeded contacts), merge,
// undo and PATCH again run in turn with the same concurrency; CPU per request is the server's
// process tree plus its PostgreSQL backends.
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/token.js';
import { LARGE_INDEX, contactId, tenantId } from './dataset.js';
import { BENCH_SERVICE_ROLE, preparePostgres } from './db.js';
import { cleanup, cpuSince, databaseBackendsCpuMs, sh, startProcess, treeCpuMs } from './procs.js';

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

const { values: o } = parseArgs({
  options: {
    large: { type: 'string', default: '200000' },
    merges: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '4' },
    help: { type: 'boolean', default: false },
  },
});
if (o.help) {
  console.log('npm run bench:merge -- [--large 200000] [--merges 60] [--concurrency 4]  (needs `npm run build` and PostgreSQL)');
  process.exit(0);
}
const large = Number(o.large);
const mergeCount = Number(o.merges);
const concurrency = Number(o.concurrency);

interface Timed {
  label: string;
  n: number;
  seconds: number;
  p50: number;
  p95: number;
  cpuUs: number;
  statuses: Record<number, number>;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const load = () => sh('cat /proc/loadavg').split(' ').slice(0, 3).join(' ');
  console.log(`load before: ${load()}; seeding ${large} contacts…`);
  const { url, serviceUrl } = await preparePostgres({ tenants: 1, perTenant: 10, large });
  const database = new URL(url).pathname.slice(1);
  const server = await startProcess('ours', ['dist/cli/index.js', 'serve'], {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: serviceUrl,
    WORKER: 'off',
  });
  const tenant = tenantId(LARGE_INDEX);
  const token = await mintToken({ secret: SECRET, tenant, sub: 'bench-user', ttlSeconds: 86_400 });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const must = async (method: string, path: string, body: unknown) => {
    const r = await call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const seeded = (j: number) => contactId(LARGE_INDEX, j % large);

  console.log(`building ${mergeCount} groups of 4 contacts (5 props, 2 addresses, 1 bank, 3 relations each)…`);
  let serial = 0;
  const member = async (): Promise<string> => {
    const i = serial++;
    const c = await must('POST', '/contacts/', {
      name: `Meera Iyer ${i}`,
      namespace: 'customer',
      type: 'individual',
      props: Array.from({ length: 5 }, (_, k) => ({ key: `attr_${k}`, value: `v${i}-${k}`, type: 'text' })),
    });
    for (let k = 0; k < 2; k++)
      await must('POST', '/contacts/addresses/', { contact_id: c.id, address_line: `${i}-${k} Residency Road`, city: 'Bengaluru', state: 'Karnataka', pincode: '560025', country: 'India' });
    await must('POST', '/contacts/banks/', { contact_id: c.id, account_holder_name: `Meera Iyer ${i}`, account_no: String(100000000000 + i), ifsc: 'HDFC0001234' });
    for (let k = 0; k < 3; k++) await must('POST', '/contacts/relations/', { contact: c.id, type: 'guarantor', related_contact: seeded(i * 3 + k) });
    return c.id as string;
  };
  const groups: string[][] = [];
  await pool(mergeCount, concurrency, async () => {
    groups.push([await member(), await member(), await member(), await member()]);
  });

  const run = async (label: string, n: number, request: (i: number) => Promise<{ status: number }>): Promise<Timed> => {
    const cpu0 = treeCpuMs(server.pid);
    const db0 = databaseBackendsCpuMs(`${BENCH_SERVICE_ROLE} ${database}`);
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    const t0 = performance.now();
    await pool(n, concurrency, async (i) => {
      const start = performance.now();
      const r = await request(i);
      latencies.push(performance.now() - start);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = treeCpuMs(server.pid) - cpu0 + cpuSince(db0, databaseBackendsCpuMs(`${BENCH_SERVICE_ROLE} ${database}`));
    latencies.sort((a, b) => a - b);
    const t: Timed = { label, n, seconds, p50: pct(latencies, 50), p95: pct(latencies, 95), cpuUs: (cpu * 1000) / n, statuses };
    console.log(
      `  ${label.padEnd(6)} ${n} in ${seconds.toFixed(1)} s = ${(n / seconds).toFixed(1)}/s  p50 ${t.p50.toFixed(1)} ms  p95 ${t.p95.toFixed(1)} ms  CPU ${t.cpuUs.toFixed(0)} µs/req  ${JSON.stringify(statuses)}`,
    );
    return t;
  };

  const patches = mergeCount * 4;
  const patch = (i: number) => call('PATCH', `/contacts/${seeded(1000 + i)}/`, { tags: [`bench-${i}`] });
  const before = await run('PATCH', patches, patch);
  const mergeIds: string[] = [];
  const merges = await run('merge', mergeCount, async (i) => {
    const [survivor, ...victims] = groups[i]!;
    const r = await call('POST', `/contacts/${survivor}/merge/`, { merge_ids: victims, comment: 'bench' });
    if (r.status === 200) mergeIds.push(r.body.merge.id);
    return r;
  });
  const undos = await run('undo', mergeIds.length, (i) => call('POST', `/merges/${mergeIds[i]}/undo/`, { comment: 'bench' }));
  const after = await run('PATCH', patches, (i) => patch(patches + i));

  const patchP95 = (before.p95 + after.p95) / 2;
  const patchCpu = (before.cpuUs + after.cpuUs) / 2;
  const patchRate = (before.n / before.seconds + after.n / after.seconds) / 2;
  for (const t of [merges, undos])
    console.log(
      `${t.label} ÷ PATCH: p95 ${(t.p95 / patchP95).toFixed(1)}×, CPU per request ${(t.cpuUs / patchCpu).toFixed(1)}×, throughput ${(patchRate / (t.n / t.seconds)).toFixed(1)}× lower`,
    );
  console.log(`load after: ${load()}`);
}

/** Runs task(0…n-1) with at most `width` at once. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
