// `npm run bench:tracing`: what tracing costs a database statement (CONTRACT §12) — unset
// (OTEL_EXPORTER_OTLP_ENDPOINT empty: the SDK is not loaded, the wrapper is one null check), and on
// (a span per statement, exported to a local receiver that discards them) — against calling the
// statement's function directly. The statement is an already-resolved promise, so what is left is
// the wrapper's own cost; compare it with the CPU per request in BENCHMARKS.md (a GET sends 3).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { observeStatement } from '../src/db/observe.js';
import { startTracing } from '../src/observability/tracing.js';

const N = Number(process.argv[2] ?? 1_000_000);
const SQL = 'SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2';
const statement = () => Promise.resolve(1);

async function timeIt(label: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50_000; i++) await fn(); // warm-up: let the JIT settle
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await fn();
  const cpu = process.cpuUsage(cpu0);
  const ns = ((cpu.user + cpu.system) * 1000) / N;
  console.log(`${label.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns CPU per statement`);
  return ns;
}

const direct = await timeIt('direct call', statement);
const unset = await timeIt('observeStatement, tracing unset', () => observeStatement(SQL, statement));

const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const tracing = await startTracing({ endpoint: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, serviceName: 'bench' });
const on = await timeIt('observeStatement, tracing on', () => observeStatement(SQL, statement));
await tracing?.shutdown();
receiver.close();

console.log(`unset costs ${(unset - direct).toFixed(0)} ns per statement over a direct call; on costs ${(on - direct).toFixed(0)} ns (${((on - direct) / 1000).toFixed(1)} µs)`);
