import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createMigratedPgTestDatabase } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { cliNodeArgs } from '../helpers/cli-process.js';

// `contact-registry import FILE`: the real entry point in a child process on PostgreSQL (the
// same runner as the worker, so the API tests cover the row semantics), its exit codes, summary
// and non-terminal progress; and its usage errors, checked before any database is opened.

const SECRET = 'cli-import-secret-cli-import-secret-0123';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

function spawnCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cliNodeArgs(), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('CLI import: usage', () => {
  test('FILE, tenant and choices are checked before any database is opened (exit 2)', async () => {
    for (const [args, message] of [
      [['import', '--tenant', 'acme'], /FILE is required/],
      [['import', 'a.csv', 'b.csv', '--tenant', 'acme'], /only one FILE/],
      [['import', 'a.csv'], /--tenant is required/],
      [['import', 'a.csv', '--tenant', 'a b'], /is not a tenant id/],
      [['import', 'a.xlsx', '--tenant', 'acme'], /FILE must end in .csv, .ndjson or .jsonl/],
      [['import', 'a.csv', '--tenant', 'acme', '--match-on', 'email'], /--match-on must be one of none, ref_id, pan/],
      [['import', 'a.csv', '--tenant', 'acme', '--on-duplicate', 'allow'], /--reason is required/],
      [['import', '/nonexistent/a.csv', '--tenant', 'acme'], /cannot read FILE/],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err.split('\n')[0]!, message);
    }
  });
});

pgTest(
  'CLI import on PostgreSQL: summary and exit codes (3 with a failed row, 0 all good, 1 for a bad header); dry run writes nothing',
  async (t) => {
    const { url, drop } = await createMigratedPgTestDatabase();
    const db = createPgDatabase({ connectionString: url, max: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
    const dir = mkdtempSync(join(tmpdir(), 'cr-import-'));
    t.after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await db.close();
      await drop();
    });
    await db.query(`INSERT INTO namespaces (tenant_id, id, name, created_at, created_by, updated_at) VALUES ('acme', '01JNNXBS0914ZAYS2Q00PK5T2Z', 'book', now(), 'ops', now())`);
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const env = { DATABASE_URL: url, IMPORT_BATCH_ROWS: '2' };
    const contacts = async () => Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = 'acme'`)).rows[0]!.n);

    const mixed = file('mixed.csv', 'name,type,prop:pan_no\nAsha Rao,individual,ABCPR1234K\nBad,robot,\nRavi Rao,individual,BCDPR2345L\n');
    const dry = await spawnCli(['import', mixed, '--tenant', 'acme', '--namespace', 'book', '--dry-run'], env);
    assert.equal(dry.status, 3, dry.stderr);
    assert.match(dry.stdout, /succeeded \(dry run: nothing written\): 3\/3 rows/);
    assert.equal(await contacts(), 0);

    const real = await spawnCli(['import', mixed, '--tenant', 'acme', '--namespace', 'book', '--user', 'ops'], env);
    assert.equal(real.status, 3, real.stderr);
    assert.match(real.stdout, /^import [0-9A-Z]{26} succeeded: 3\/3 rows in [\d.]+ s \(\d+ rows\/s\)\ncreated 2, updated 0, unchanged 0, skipped 0, failed 1\n/);
    assert.match(real.stdout, /GET \/imports\/[0-9A-Z]{26}\/rows\/\?outcome=failed/);
    // Not a terminal: no bar, no escape codes.
    assert.doesNotMatch(real.stderr, /\x1b\[/);
    assert.equal(await contacts(), 2);
    const audit = await db.query<{ user_id: string; comment: string }>(`SELECT user_id, comment FROM audit_log WHERE tenant_id = 'acme' AND object_type = 'contact'`);
    assert.ok(audit.rows.every((r) => r.user_id === 'ops' && /^import [0-9A-Z]{26}$/.test(r.comment)));

    const again = await spawnCli(['import', mixed, '--tenant', 'acme', '--namespace', 'book', '--match-on', 'pan'], env);
    assert.equal(again.status, 3, again.stderr);
    assert.match(again.stdout, /created 0, updated 0, unchanged 2, skipped 0, failed 1/);

    const good = await spawnCli(['import', file('good.ndjson', '{"name":"Nd Person","type":"individual","namespace":"book"}\n'), '--tenant', 'acme'], env);
    assert.equal(good.status, 0, good.stderr);

    const bad = await spawnCli(['import', file('bad.csv', 'name,colour\nX,red\n'), '--tenant', 'acme', '--namespace', 'book'], env);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^error: the import failed before any row: The CSV header is not valid/);
    assert.match(bad.stderr, /header: Unknown column: column 2 "colour"/);
  },
  { timeout: 60_000 },
);
