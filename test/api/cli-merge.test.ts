import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { mintToken } from '../../src/auth/index.js';
import { runCli } from '../../src/cli/run.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createMigratedPgTestDatabase, TEST_SECRET, testConfig } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';

// `contact-registry merge`: the API's merge for scripted clean-ups. Usage errors come before any
// database is opened; on PostgreSQL a dry run writes nothing, a merge writes what the API's
// would (record, audit entries naming --user), and a refusal says why and exits 1.

async function cli(args: string[], env: Record<string, string> = {}) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  try {
    const code = await runCli(args, { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const ID = '01JD8X3QK6Z1V2W3Y4A5B6C7D9';

describe('CLI merge: usage', () => {
  test('ids, tenant, survivor, comment and --prefer are checked before any database is opened (exit 2)', async () => {
    for (const [args, message] of [
      [['merge', '--tenant', 'acme', '--into', ID, '--comment', 'x'], /give the ids/],
      [['merge', ID, '--into', ID, '--comment', 'x'], /--tenant is required/],
      [['merge', ID, '--tenant', 'a b', '--into', ID, '--comment', 'x'], /is not a tenant id/],
      [['merge', ID, '--tenant', 'acme', '--comment', 'x'], /--into \(the survivor\) is required/],
      [['merge', ID, '--tenant', 'acme', '--into', ID], /--comment is required/],
      [['merge', ID, '--tenant', 'acme', '--into', 'nope', '--comment', 'x'], /--into "nope" is not a contact id/],
      [['merge', ID, '--tenant', 'acme', '--into', ID, '--comment', 'x', '--prefer', 'name'], /--prefer takes field=<contact id>/],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err.split('\n')[0]!, message);
    }
  });
});

pgTest('CLI merge on PostgreSQL: dry run writes nothing, a merge writes the record and audit entries, a refusal exits 1', async (t) => {
  const { url, drop } = await createMigratedPgTestDatabase();
  const db = createPgDatabase({ connectionString: url, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 3000 });
  const app = await buildApp({ config: testConfig(), db });
  t.after(async () => {
    await app.close();
    await db.close();
    await drop();
  });
  const tenant = `climerge${process.pid}`;
  const token = await mintToken({ secret: TEST_SECRET, tenant, sub: 'ops', ttlSeconds: 3600 });
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await app.inject({ method: method as 'POST', url: path, headers: { authorization: `Bearer ${token}` }, payload: body as object });
    return { status: res.statusCode, body: res.json() };
  };
  assert.equal((await send('POST', '/namespaces/', { name: 'n1' })).status, 201);
  const create = async (body: object) => {
    const res = await send('POST', '/contacts/', { namespace: 'n1', ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const a = await create({ name: 'Deepak Rao', type: 'individual', tags: ['a'] });
  const b = await create({ name: 'Deepak R Rao', type: 'individual', tags: ['b'], props: [{ key: 'mobile', value: '9876543210', type: 'text' }] });
  const firm = await create({ name: 'Rao Traders', type: 'corporate' });
  const env = { DATABASE_URL: url, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' };
  const base = ['--tenant', tenant, '--into', a, '--comment', 'same mobile, same person', '--user', 'cleanup-script'];

  const dry = await cli(['merge', b, ...base, '--prefer', `name=${b}`, '--dry-run'], env);
  assert.equal(dry.code, 0, dry.err);
  const preview = JSON.parse(dry.out);
  assert.equal(preview.merge.id, null);
  assert.equal(preview.contact.name, 'Deepak R Rao', 'prefer picked the name');
  assert.match(dry.err, /dry run: 1 contact\(s\) would be merged .*nothing was written/);
  assert.equal((await send('GET', `/contacts/${a}/`)).body.name, 'Deepak Rao');
  assert.equal((await send('GET', '/merges/')).body.count, 0);

  const done = await cli(['merge', b, ...base], env);
  assert.equal(done.code, 0, done.err);
  const { merge, contact } = JSON.parse(done.out);
  assert.match(done.err, new RegExp(`merged ${b} into ${a} \\(merge ${merge.id}\\)`));
  assert.deepEqual(contact.tags.sort(), ['a', 'b']);
  assert.equal((await send('GET', `/merges/${merge.id}/`)).body.created_by, 'cleanup-script');
  const old = await send('GET', `/contacts/${b}/?expand=props`);
  assert.equal(old.body.id, a, 'the merged id answers with its survivor');
  assert.deepEqual(old.body.props.map((p: { key: string }) => p.key), ['mobile']);
  const audit = await db.query<{ user_id: string }>(`SELECT DISTINCT user_id FROM audit_log WHERE tenant_id = $1 AND comment LIKE 'merge%'`, [tenant]);
  assert.deepEqual(audit.rows, [{ user_id: 'cleanup-script' }]);

  const again = await cli(['merge', b, ...base], env);
  assert.equal(again.code, 1);
  assert.match(again.err, /^merge refused \(400 validation_error\)/);
  assert.match(again.err, new RegExp(`merge_ids: Contact ${b} is already merged`));
  const company = await cli(['merge', firm, ...base], env);
  assert.equal(company.code, 1);
  assert.match(company.err, /only contacts of one type merge/);
  assert.equal((await send('GET', '/merges/')).body.count, 1, 'refusals wrote nothing');
});
