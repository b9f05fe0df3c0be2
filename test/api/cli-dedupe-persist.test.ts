import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createMigratedPgTestDatabase, TEST_SECRET, testConfig } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { cliNodeArgs } from '../helpers/cli-process.js';

// `contact-registry dedupe-scan --persist`: the real entry point in a child process on PostgreSQL
// opens a review-queue pair (source `scan`) for each pair it finds, band `possible` by default,
// and leaves a dismissed pair alone.

function spawnCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliNodeArgs(), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

pgTest('dedupe-scan --persist opens a pair for every pair found and keeps dismissed ones', async (t) => {
  const { url, drop } = await createMigratedPgTestDatabase();
  const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  const app = await buildApp({ config: testConfig(), db });
  t.after(async () => {
    await app.close();
    await db.close();
    await drop();
  });
  const tenant = `cliscan${process.pid}`;
  const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'ops', ttlSeconds: 3600 });
  const send = async (method: string, url: string, body?: unknown) => {
    const res = await app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: body as object });
    return { status: res.statusCode, body: res.json() };
  };
  assert.equal((await send('POST', '/namespaces/', { name: 'n1' })).status, 201);
  const create = async (body: object, query = '') => {
    const res = await send('POST', `/contacts/${query}`, { type: 'individual', namespace: 'n1', ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const pan = [{ key: 'pan_no', value: 'ABCPD1234E', type: 'text' }];
  const a = await create({ name: 'Deepak Rao', props: pan });
  const b = await create({ name: 'Deepak R', props: pan }, '?on_duplicate=allow&reason=joint%20account');
  const c = await create({ name: 'Anjali Desai' });
  const d = await create({ name: 'Anjali Desai' });

  const run = await spawnCli(['dedupe-scan', '--tenant', tenant, '--persist', '--user', 'nightly'], { DATABASE_URL: url });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /pairs: 2 found, 1 opened, 0 refreshed, 0 unchanged, 1 kept/);
  const rows = await db.query<{ contact_a: string; contact_b: string; status: string; source: string; band: string }>(
    'SELECT contact_a, contact_b, status, source, band FROM duplicate_pairs WHERE tenant_id = $1 ORDER BY source',
    [tenant],
  );
  assert.deepEqual(rows.rows, [
    { contact_a: [a, b].sort()[0], contact_b: [a, b].sort()[1], status: 'dismissed', source: 'override', band: 'exact' },
    { contact_a: [c, d].sort()[0], contact_b: [c, d].sort()[1], status: 'open', source: 'scan', band: 'possible' },
  ]);
  const entry = await db.query<{ user_id: string; comment: string }>(`SELECT user_id, comment FROM audit_log WHERE tenant_id = $1 AND object_type = 'duplicate' AND action_type = 'create' AND comment = 'opened by scan'`, [tenant]);
  assert.deepEqual(entry.rows, [{ user_id: 'nightly', comment: 'opened by scan' }]);
});
