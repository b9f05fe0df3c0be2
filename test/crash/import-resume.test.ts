import assert from 'node:assert/strict';
import { mintToken } from '../../src/auth/index.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer, startWorkerProcess } from './server-process.js';

// An import whose worker is SIGKILLed mid-file, on PostgreSQL with real processes: the next
// worker resumes after the last committed batch. Every row ends with exactly one outcome, every
// created contact exists once with one audit entry, and the duplicates within the file (some on
// either side of the kill) are blocked exactly as without the kill.

const ROWS = 500;
const WORKER_ENV = { WORKER_POLL_MS: '50', IMPORT_BATCH_ROWS: '25', IMPORT_LEASE_MS: '1500' };

/** A PAN per row; every 10th row repeats the PAN of the row before it. */
function pan(i: number): string {
  const n = i % 10 === 0 ? i - 1 : i;
  const letters = (k: number) => String.fromCharCode(65 + (k % 26));
  return `AB${letters(Math.floor(n / 26 / 10))}P${letters(n)}${String(n % 10000).padStart(4, '0')}K`;
}

const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

pgTest(
  'a worker SIGKILLed mid-import: the next one resumes after the last committed batch, no row written twice or lost',
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    const api = await startServer(url, await freePort(), { WORKER: 'off' });
    const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    const workers: ReturnType<typeof startWorkerProcess>[] = [];
    t.after(async () => {
      for (const w of workers) {
        w.child.kill('SIGKILL');
        await w.exited;
      }
      api.child.kill('SIGKILL');
      await api.exited;
      await db.close();
      await drop();
    });
    const tenant = `import${process.pid}`;
    const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'ops', ttlSeconds: 3600 });
    const auth = { authorization: `Bearer ${token}` };
    const ns = await fetch(`${api.base}/namespaces/`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'book' }) });
    assert.equal(ns.status, 201);

    const lines = ['name,type,ref_id,prop:pan_no'];
    for (let i = 1; i <= ROWS; i++) lines.push(`Borrower ${i},individual,B-${i},${pan(i)}`);
    const upload = await fetch(`${api.base}/imports/?namespace=book`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: lines.join('\n') });
    assert.equal(upload.status, 202, await upload.clone().text());
    const { id } = (await upload.json()) as { id: string };
    const job = async () => (await db.query<{ status: string; position: number; created: number; failed: number }>('SELECT status, position, created, failed FROM import_jobs WHERE id = $1', [id])).rows[0]!;

    // This server runs without autovacuum: statistics as a live database has them, or the PAN
    // lookup of duplicate blocking is planned for empty tables and slows down row by row.
    await db.query('ANALYZE');
    const first = startWorkerProcess(url, WORKER_ENV);
    workers.push(first);
    await until('the first batches to commit', async () => (await job()).position >= 100);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await job();
    assert.ok(atKill.position < ROWS, `the kill came too late to test a resume (position ${atKill.position})`);
    assert.equal(atKill.position % 25, 0, 'the position is always at a batch boundary');
    // What the dead worker committed is all there, and nothing of its unfinished batch.
    const contactsAtKill = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1', [tenant])).rows[0]!.n;
    assert.equal(contactsAtKill, atKill.created);

    workers.push(startWorkerProcess(url, WORKER_ENV));
    await until('the import to finish', async () => (await job()).status === 'succeeded').catch(async (err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(await job())}\n${workers.map((w) => w.output()).join('\n---\n')}`);
    });
    const done = await job();
    const expectedDuplicates = Math.floor(ROWS / 10);
    assert.deepEqual({ position: done.position, created: done.created, failed: done.failed }, { position: ROWS, created: ROWS - expectedDuplicates, failed: expectedDuplicates });

    const q = async (sql: string) => (await db.query<{ n: number }>(sql, [tenant, id])).rows[0]!.n;
    assert.equal(await q('SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND $2::text IS NOT NULL'), ROWS - expectedDuplicates);
    assert.equal(await q('SELECT count(DISTINCT name)::int AS n FROM contacts WHERE tenant_id = $1 AND $2::text IS NOT NULL'), ROWS - expectedDuplicates, 'no contact written twice');
    assert.equal(await q(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND object_type = 'contact' AND comment = 'import ' || $2`), ROWS - expectedDuplicates);
    assert.equal(await q('SELECT count(*)::int AS n FROM import_rows WHERE tenant_id = $1 AND import_id = $2 AND outcome IS NULL'), 0, 'every row has its outcome');
    assert.equal(await q(`SELECT count(*)::int AS n FROM import_rows WHERE tenant_id = $1 AND import_id = $2 AND outcome = 'failed' AND duplicate_of IS NOT NULL AND row % 10 = 0`), expectedDuplicates);
    assert.equal(await q(`SELECT count(DISTINCT contact_id)::int AS n FROM import_rows WHERE tenant_id = $1 AND import_id = $2 AND outcome = 'created'`), ROWS - expectedDuplicates);
  },
  { timeout: 180_000 },
);
