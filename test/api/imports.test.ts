import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem, auditRows, createContact, createNamespace, newCaller, ULID_RE, type Caller } from '../helpers/api.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { PassThrough } from 'node:stream';
import { expireStaleUploads, receiveImport, runImportJob } from '../../src/resources/imports/imports.service.js';
import { systemActor } from '../../src/changes/index.js';
import type { AppError } from '../../src/errors/index.js';

// Bulk import (CONTRACT §10) through the API: upload, the worker's run (driven here by the same
// runner the worker uses), the job and its per-row report; every outcome, dry run, cancel,
// isolation, and files that cannot be used.

const MAX_BYTES = 64 * 1024;

/** Runs every runnable job of the database to its end, as the worker would, in batches of 2. */
async function drain(h: Harness): Promise<void> {
  for (;;) {
    const claimed = await claimImportJob(h.appDb, 'test-runner', 30_000);
    if (!claimed) return;
    await runImportJob(h.appDb, claimed.tenant_id, claimed.id, { owner: 'test-runner', batchRows: 2, leaseMs: 30_000, rules: { strictIdentifiers: false }, asyncCommit: true });
  }
}

async function upload(c: Caller, body: string, query = '', type = 'text/csv') {
  return c.req('POST', `/imports/${query}`, { rawBody: body, headers: { 'content-type': type } });
}

/** Uploads, runs, and returns the finished job and its rows. */
async function runImport(h: Harness, c: Caller, body: string, query = '', type = 'text/csv'): Promise<{ job: any; rows: any[] }> {
  const res = await upload(c, body, query, type);
  assert.equal(res.status, 202, res.text);
  assert.equal(res.headers.location, `/imports/${res.body.id}/`);
  await drain(h);
  const job = await c.req('GET', `/imports/${res.body.id}/`);
  assert.equal(job.status, 200, job.text);
  const rows = await c.req('GET', `/imports/${res.body.id}/rows/?page_size=200`);
  assert.equal(rows.status, 200, rows.text);
  return { job: job.body, rows: rows.body.results };
}

async function liveContacts(h: Harness, tenant: string): Promise<number> {
  const res = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND NOT is_deleted', [tenant]);
  return Number(res.rows[0]!.n);
}

// This suite runs a queue (its worker claims any tenant's job): a database of its own.
describeEngines(
  'imports',
  (h) => {
    it('CSV: creates rows through the API paths, reports bad rows by row and field, blocks duplicates within the file', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c, { contact_pattern: 'IMP-{seq:4}' });
      const csv = [
        '\uFEFFname,type,tags,prop:pan_no,prop:score:number,address.address_line,address.pincode',
        'Asha Rao,individual,vip|retail,ABCPR1234K,42,"12, MG Road",560001',
        'Bad Type,robot,,,,,',
        '"Multi ""Line""\nName",individual,,,,,',
        'Asha R,individual,,ABCPR1234K,,,',
        '=HYPERLINK(x),individual,,,,,',
        'Score Wrong,individual,,,abc,,',
        'Too,Many,Columns,Here,1,2,3,4',
      ].join('\r\n');
      const { job, rows } = await runImport(h(), c, csv, `?namespace=${ns.name}`);
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.counts, { rows: 7, processed: 7, created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 6 });
      assert.ok(job.started_at && job.finished_at);
      const [asha, badType, multi, dup, formula, score, columns] = rows;
      assert.equal(asha.outcome, 'created');
      assert.match(asha.contact_id, ULID_RE);
      assert.equal(asha.line, 2);
      assert.ok(badType.errors.type, JSON.stringify(badType));
      assert.equal(badType.row, 2);
      // A quoted newline: the row's line is where it starts; the name pattern refuses the newline as the API does.
      assert.equal(multi.line, 4);
      assert.ok(multi.errors.name);
      assert.equal(dup.outcome, 'failed');
      assert.equal(dup.duplicate_of, asha.contact_id);
      assert.equal(dup.line, 6);
      // A formula is text; here it fails the name pattern like any other text would.
      assert.ok(formula.errors.name);
      assert.ok(score.errors['props.0.value'], JSON.stringify(score));
      assert.match(columns.errors.non_field_errors[0], /Expected 7 columns/);

      const contact = await c.req('GET', `/contacts/${asha.contact_id}/?expand=props,addresses`);
      assert.equal(contact.body.ref_id, 'IMP-0001');
      assert.deepEqual(contact.body.tags, ['vip', 'retail']);
      assert.deepEqual(contact.body.props.map((p: any) => [p.key, p.value, p.type]), [['pan_no', 'ABCPR1234K', 'text'], ['score', '42', 'number']]);
      assert.equal(contact.body.addresses[0].address_line, '12, MG Road');
      const audit = (await auditRows(h(), c.tenant)).filter((a) => a.contact_id === asha.contact_id);
      assert.deepEqual(audit.map((a) => [a.object_type, a.action_type, a.comment]).sort(), [['address', 'create', `import ${job.id}`], ['contact', 'create', `import ${job.id}`]]);
      const events = await h().db.query<{ type: string }>('SELECT type FROM event_outbox WHERE tenant_id = $1 ORDER BY seq', [c.tenant]);
      assert.deepEqual(events.rows.map((e) => e.type).filter((t) => t !== 'namespace.created'), ['contact.created', 'address.created', 'import.finished']);

      const failed = await c.req('GET', `/imports/${job.id}/rows/?outcome=failed&page_size=2&page=2`);
      assert.equal(failed.body.count, 6);
      assert.deepEqual(failed.body.results.map((r: any) => r.row), [4, 5]);
    });

    it('match_on=ref_id and pan update (PATCH semantics), unchanged rows write nothing, skip and allow', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      const a = await createContact(c, { namespace: ns.name, name: 'Ravi Kumar', ref_id: 'R-1', props: [{ key: 'pan_no', value: 'BCDPK2345L', type: 'text' }] });
      const b = await createContact(c, { namespace: ns.name, name: 'Meera Iyer', props: [{ key: 'pan_no', value: 'CDEPI3456M', type: 'text' }] });
      const byRef = await runImport(h(), c, `name,ref_id,prop:mobile\nRavi Kumar,R-1,9876543210\nRavi Kumar,R-1,9876543210\nNew Person,R-2,\n`, `?namespace=${ns.id}&match_on=ref_id`);
      assert.deepEqual(byRef.rows.map((r) => r.outcome), ['updated', 'unchanged', 'failed']);
      assert.equal(byRef.rows[0].contact_id, a.id);
      assert.ok(byRef.rows[2].errors.type, 'a create needs type, as POST /contacts/ does');
      const props = await c.req('GET', `/contacts/${a.id}/props/`);
      assert.deepEqual(props.body.map((p: any) => p.key).sort(), ['mobile', 'pan_no'], 'props upserted by key, others kept');

      const byPan = await runImport(h(), c, `prop:pan_no,tags\nCDEPI3456M,gold\n`, '?match_on=pan');
      assert.equal(byPan.rows[0].outcome, 'updated');
      assert.equal(byPan.rows[0].contact_id, b.id);
      assert.deepEqual((await c.req('GET', `/contacts/${b.id}/`)).body.tags, ['gold']);

      const skip = await runImport(h(), c, `name,type,prop:pan_no\nOther Ravi,individual,BCDPK2345L\n`, `?namespace=${ns.name}&on_duplicate=skip`);
      assert.deepEqual([skip.rows[0].outcome, skip.rows[0].duplicate_of, skip.job.counts.skipped], ['skipped', a.id, 1]);
      const allow = await runImport(h(), c, `name,type,prop:pan_no\nOther Ravi,individual,BCDPK2345L\n`, `?namespace=${ns.name}&on_duplicate=allow&reason=migration`);
      assert.equal(allow.rows[0].outcome, 'created');
      const entry = (await auditRows(h(), c.tenant)).find((r) => r.object_id === allow.rows[0].contact_id)!;
      assert.match(entry.comment!, new RegExp(`^import ${allow.job.id}; duplicate override \\(duplicate_of ${a.id}\\): migration$`));
    });

    it('dry run: reports what would happen (duplicates within the file included) and writes nothing but the job', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      await createContact(c, { namespace: ns.name, name: 'Held Pan', props: [{ key: 'pan_no', value: 'DEFPH4567N', type: 'text' }] });
      const before = await auditRows(h(), c.tenant);
      const csv = `name,type,prop:pan_no\nOne,individual,EFGPO5678P\nTwo,individual,EFGPO5678P\nThree,individual,DEFPH4567N\nFour,individual,FGHPF6789Q\nFive,individual,FGHPF6789Q\nBad,,\n`;
      const { job, rows } = await runImport(h(), c, csv, `?namespace=${ns.name}&dry_run=true`);
      assert.equal(job.dry_run, true);
      assert.deepEqual(rows.map((r) => r.outcome), ['created', 'failed', 'failed', 'created', 'failed', 'failed']);
      assert.ok(rows[2].duplicate_of, 'blocked by a live contact: duplicate_of names it');
      assert.match(rows[1].errors.non_field_errors[0], /row 1 of this file/);
      assert.match(rows[4].errors.non_field_errors[0], /row 4 of this file/, 'across batches too (batches of 2)');
      assert.equal(rows[0].contact_id, null);
      assert.deepEqual(job.counts, { rows: 6, processed: 6, created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 4 });
      assert.equal(await liveContacts(h(), c.tenant), 1);
      assert.deepEqual(await auditRows(h(), c.tenant), before);
    });

    it('NDJSON: contact bodies with addresses and banks; bad JSON fails its line only', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      const lines = [
        JSON.stringify({ name: 'Nd One', type: 'individual', namespace: ns.name, addresses: [{ city: 'Pune', pincode: '411001' }], banks: [{ account_holder_name: 'Nd One', account_no: '123456789012', ifsc: 'HDFC0001234' }] }),
        '{not json',
        '',
        JSON.stringify({ name: 'Nd Two', type: 'individual', namespace: ns.name, banks: [{ account_no: 'x' }] }),
        JSON.stringify([1]),
      ].join('\n');
      const { job, rows } = await runImport(h(), c, lines, '', 'application/x-ndjson');
      assert.deepEqual(rows.map((r) => [r.row, r.line, r.outcome]), [[1, 1, 'created'], [2, 2, 'failed'], [3, 4, 'failed'], [4, 5, 'failed']]);
      assert.match(rows[1].errors.non_field_errors[0], /Not valid JSON/);
      assert.ok(rows[2].errors['banks.0.account_holder_name'] && rows[2].errors['banks.0.account_no'], JSON.stringify(rows[2].errors));
      assert.equal(job.counts.created, 1);
      const one = await c.req('GET', `/contacts/${rows[0].contact_id}/?expand=addresses,banks`);
      assert.equal(one.body.addresses.length, 1);
      assert.equal(one.body.banks[0].account_no, '123456789012');
    });

    it('cancel: a queued job stops before any row; a finished one is a 409; listing and filters', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      const res = await upload(c, `name,type\nNever,individual\n`, `?namespace=${ns.name}`);
      assert.equal(res.status, 202);
      assert.equal(res.body.status, 'queued');
      const cancelled = await c.req('POST', `/imports/${res.body.id}/cancel/`);
      assert.equal(cancelled.status, 200, cancelled.text);
      assert.equal(cancelled.body.status, 'cancelled');
      const finished = await h().db.query<{ data: any }>(`SELECT data FROM event_outbox WHERE tenant_id = $1 AND type = 'import.finished' AND object_id = $2`, [c.tenant, res.body.id]);
      assert.deepEqual(finished.rows.map((r) => r.data.object.status), ['cancelled'], 'a job cancelled while queued publishes import.finished once');
      await drain(h());
      assert.equal(await liveContacts(h(), c.tenant), 0);
      const done = await runImport(h(), c, `name,type\nOnce,individual\n`, `?namespace=${ns.name}`);
      assertProblem(await c.req('POST', `/imports/${done.job.id}/cancel/`), 409, 'invalid_state');
      const list = await c.req('GET', '/imports/?status=cancelled');
      assert.deepEqual(list.body.results.map((j: any) => j.id), [res.body.id]);
      assertFieldErrors(await c.req('GET', '/imports/?status=nope'), 'status');
      assertFieldErrors(await c.req('GET', `/imports/${done.job.id}/rows/?outcome=nope`), 'outcome');
    });

    it('files that cannot be used: 400 (no job left), 413 over IMPORT_MAX_BYTES, 415 for other media types', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      const unknown = await upload(c, `name,type,colour\nX,individual,red\n`, `?namespace=${ns.name}`);
      assertFieldErrors(unknown, 'header');
      assert.match(unknown.body.errors.header[0], /Unknown column: column 3 "colour"/);
      assertFieldErrors(await upload(c, ''), 'file');
      assertFieldErrors(await upload(c, 'name,type\n\u0000\u0001binary'), 'file');
      const latin1 = await c.req('POST', '/imports/', { rawBody: Buffer.from('name,type\nJos\xe9,individual\n', 'latin1') as unknown as string, headers: { 'content-type': 'text/csv' } });
      assertFieldErrors(latin1, 'file');
      assertFieldErrors(await upload(c, 'name,type\nX,individual\n', '?namespace=nowhere'), 'namespace');
      assertFieldErrors(await upload(c, 'name,type\nX,individual\n', '?match_on=email&on_duplicate=allow'), 'match_on', 'reason');
      assertProblem(await upload(c, `name,type\n${'A,individual\n'.repeat(MAX_BYTES / 10)}`), 413, 'payload_too_large');
      assertProblem(await c.req('POST', '/imports/', { body: { name: 'x' } }), 415, 'unsupported_media_type');
      const jobs = await h().db.query('SELECT id FROM import_jobs WHERE tenant_id = $1', [c.tenant]);
      assert.equal(jobs.rows.length, 0, 'a refused upload leaves no job');
      assert.equal((await c.req('GET', '/imports/')).body.count, 0);
    });

    it("isolation: an import never matches or touches another tenant's contacts, nor shows its jobs", async () => {
      const a = await newCaller(h());
      const b = await newCaller(h());
      const nsA = await createNamespace(a);
      const nsB = await createNamespace(b);
      const held = await createContact(a, { namespace: nsA.name, name: 'Tenant A', ref_id: 'SAME-1', props: [{ key: 'pan_no', value: 'GHIPT7890R', type: 'text' }] });
      const aImport = await runImport(h(), a, `name,type\nA Row,individual\n`, `?namespace=${nsA.name}`);
      const byPan = await runImport(h(), b, `name,type,ref_id,prop:pan_no\nTenant B,individual,SAME-1,GHIPT7890R\n`, `?namespace=${nsB.name}&match_on=pan`);
      assert.equal(byPan.rows[0].outcome, 'created');
      assert.notEqual(byPan.rows[0].contact_id, held.id);
      assert.equal((await a.req('GET', `/contacts/${held.id}/`)).body.updated_at, held.updated_at, 'the contact of A is untouched');
      assertProblem(await b.req('GET', `/imports/${aImport.job.id}/`), 404);
      assertProblem(await b.req('GET', `/imports/${aImport.job.id}/rows/`), 404);
      assertProblem(await b.req('POST', `/imports/${aImport.job.id}/cancel/`), 404);
      assert.ok(!(await b.req('GET', '/imports/')).text.includes(aImport.job.id));
    });

    it('an upload whose process died is failed as stalled once nothing arrived for IMPORT_LEASE_MS; a live one is not', async () => {
      const c = await newCaller(h());
      const ns = await createNamespace(c);
      const actor = systemActor(c.tenant, c.sub, 'test');
      const options = { format: 'csv' as const, dryRun: false, namespace: ns.name, matchOn: 'none' as const, onDuplicate: 'block' as const, reason: null, maxBytes: MAX_BYTES, uploadTimeoutMs: 30_000 };
      // Three uploads that never finish: their streams stay open (as a dead process's would stay unfinished).
      const jobsOf = async () =>
        (await h().db.query<{ id: string; status: string; rows: number }>(`SELECT id, status, (SELECT count(*)::int FROM import_rows r WHERE r.import_id = j.id) AS rows FROM import_jobs j WHERE tenant_id = $1 ORDER BY id`, [c.tenant])).rows;
      const stuck = [new PassThrough(), new PassThrough(), new PassThrough()];
      const receiving: Promise<unknown>[] = [];
      // One after the other, each until its first 500 rows are staged: job ids in stream order.
      for (const [i, input] of stuck.entries()) {
        receiving.push(receiveImport(h().appDb.forTenant(c.tenant), actor, options, input));
        input.write(`name,type\n${'Row,individual\n'.repeat(600)}`);
        const deadline = Date.now() + 10_000;
        while ((await jobsOf()).filter((j) => j.rows >= 500).length < i + 1) {
          assert.ok(Date.now() < deadline, 'the upload stages its first rows');
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      const [dead, legacy, live] = (await jobsOf()).map((j) => j.id);
      // `dead` last staged long ago; `legacy` has no lease (staged before migration 0033) and is old.
      await h().db.query(`UPDATE import_jobs SET lease_until = now() - interval '1 second' WHERE tenant_id = $1 AND id = $2`, [c.tenant, dead]);
      await h().db.query(`UPDATE import_jobs SET lease_until = NULL, created_at = now() - interval '31 seconds' WHERE tenant_id = $1 AND id = $2`, [c.tenant, legacy]);

      assert.equal(await expireStaleUploads(h().appDb, 30_000), 2);
      assert.equal(await expireStaleUploads(h().appDb, 30_000), 0, 'once');
      for (const id of [dead, legacy]) {
        const job = await c.req('GET', `/imports/${id}/`);
        assert.equal(job.status, 200, job.text);
        assert.equal(job.body.status, 'failed');
        assert.equal(job.body.error.code, 'upload_stalled');
        assert.match(job.body.error.detail, /nothing arrived for 30 s/);
        assert.ok(job.body.finished_at);
        const finished = await h().db.query(`SELECT 1 FROM event_outbox WHERE tenant_id = $1 AND type = 'import.finished' AND object_id = $2`, [c.tenant, id]);
        assert.equal(finished.rows.length, 1);
      }
      const after = await jobsOf();
      assert.deepEqual(
        after.map((j) => [j.status, j.rows]),
        [['failed', 0], ['failed', 0], ['receiving', 500]],
        'the staged rows of failed uploads are gone; the live upload is untouched',
      );
      assertProblem(await c.req('GET', `/imports/${live}/`), 404);

      // The live upload finishes: queued with all its rows. The dead one's stream ending late is refused (408) and leaves no job.
      stuck[2]!.end();
      const done = (await receiving[2]!) as { status: string; rows: number };
      assert.equal(done.status, 'queued');
      assert.equal(done.rows, 600);
      stuck[0]!.end();
      await assert.rejects(receiving[0]!, (err: AppError) => err.code === 'request_timeout');
      stuck[1]!.destroy(new Error('client gone'));
      await assert.rejects(receiving[1]!);
      assert.deepEqual((await jobsOf()).map((j) => j.id), [live]);
      assert.equal(await liveContacts(h(), c.tenant), 0, 'no row of a stalled upload was imported');
    });
  },
  { imports: { maxBytes: MAX_BYTES, batchRows: 2, leaseMs: 30_000, asyncCommit: true } },
  { isolated: true },
);
