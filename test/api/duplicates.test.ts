import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { assertFieldErrors, assertProblem, auditRows, createContact, createNamespace, newCaller, type Caller } from '../helpers/api.js';
import { processDuplicateChecks } from '../../src/resources/duplicates/checks.service.js';
import { claimScanJob, runScanJob } from '../../src/resources/duplicates/scans.service.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { runImportJob } from '../../src/resources/imports/imports.service.js';

// The review queue (CONTRACT §8.1): pairs from overrides, from writes (the worker's checks run
// here by hand), the list's filters, ordering and expand, dismiss and reopen with their rules,
// audit entries and events, and tenant isolation of every route.

const PAN = 'ABCPK1234F';
const CHECKS = { owner: 'test', leaseMs: 30_000, maxAttempts: 5 };

async function ok(res: { status: number; text: string; body: any }, status = 200): Promise<any> {
  assert.equal(res.status, status, res.text);
  return res.body;
}

type Tenant = Caller & { ns: string; contact: (body: Record<string, unknown>) => Promise<any> };

/** A caller in a fresh tenant with a namespace its contacts go in. */
async function tenant(h: Harness): Promise<Tenant> {
  const c = await newCaller(h);
  const ns = (await createNamespace(c)).name as string;
  return { ...c, ns, contact: (body) => createContact(c, { namespace: ns, ...body }) };
}

/** Runs every pending duplicate check (what the worker does after each write). */
async function drainChecks(h: Harness): Promise<void> {
  while ((await processDuplicateChecks(h.appDb, CHECKS, 50, (err) => assert.fail(String(err)), h.engine === 'postgres' ? 3 : 1)) > 0);
}

/** Runs every queued scan (what the worker does). */
async function drainScans(h: Harness): Promise<void> {
  for (let claimed = await claimScanJob(h.appDb, CHECKS); claimed; claimed = await claimScanJob(h.appDb, CHECKS)) {
    await runScanJob(h.appDb, claimed.tenant_id, claimed.id, CHECKS);
  }
}

/** A contact and a second one with its PAN, allowed by an override: a dismissed `override` pair. */
async function overridden(c: Tenant) {
  const first = await c.contact({ name: 'Suresh Kumar', props: [{ key: 'pan_no', value: PAN, type: 'text' }] });
  const second = await ok(
    await c.req('POST', '/contacts/?on_duplicate=allow&reason=two%20loan%20files', {
      body: { name: 'Suresh K', type: 'individual', namespace: c.ns, props: [{ key: 'pan_no', value: PAN, type: 'text' }] },
    }),
    201,
  );
  return { first, second };
}

/** Two contacts sharing a mobile and a similar name: a `probable` pair once the checks ran. */
async function probablePair(h: Harness, c: Tenant, mobile = '9876543210') {
  const x = await c.contact({ name: 'Meera Iyer', props: [{ key: 'mobile', value: mobile, type: 'text' }] });
  const y = await c.contact({ name: 'Meera Iyer', props: [{ key: 'mobile', value: `0${mobile}`, type: 'text' }] });
  await drainChecks(h);
  const list = await ok(await c.req('GET', `/duplicates/?contact=${x.id}`));
  assert.equal(list.count, 1, JSON.stringify(list));
  return { x, y, pair: list.results[0] };
}

// This suite runs a queue (its worker claims any tenant's job): a database of its own.
describeEngines('duplicate pairs (/duplicates/)', (h) => {
  it('an on_duplicate=allow override records the pair as dismissed, with the reason; dedupe flags it', async () => {
    const c = await tenant(h());
    const { first, second } = await overridden(c);
    const list = await ok(await c.req('GET', '/duplicates/?status=dismissed&expand=contacts'));
    assert.equal(list.count, 1);
    const p = list.results[0];
    const [a, b] = [first.id, second.id].sort();
    assert.deepEqual(
      { contact_a: p.contact_a, contact_b: p.contact_b, status: p.status, source: p.source, comment: p.comment, band: p.band, resolved_by: p.resolved_by },
      { contact_a: a, contact_b: b, status: 'dismissed', source: 'override', comment: 'two loan files', band: 'exact', resolved_by: c.sub },
    );
    assert.deepEqual(p.contacts.map((x: any) => x.id), [a, b]);
    assert.ok(p.contacts.every((x: any) => Array.isArray(x.props) && x.props[0].key === 'pan_no'));
    // Not in the default (open) queue; never re-opened by the write check.
    await drainChecks(h());
    assert.equal((await ok(await c.req('GET', '/duplicates/'))).count, 0);
    assert.equal((await ok(await c.req('GET', `/duplicates/${p.id}/`))).status, 'dismissed');
    // Dedupe of the existing contact: the other is still a candidate, flagged dismissed.
    const d = await ok(await c.req('POST', '/contacts/dedupe/', { body: { id: second.id, name: 'Suresh K', type: 'individual', props: [{ key: 'pan_no', value: PAN, type: 'text' }] } }));
    assert.deepEqual(d.results.map((r: any) => [r.contact.id, r.dismissed]), [[first.id, true]]);
    // Without `id` nothing is flagged (and the contact itself is a result).
    const plain = await ok(await c.req('POST', '/contacts/dedupe/', { body: { name: 'Suresh K', type: 'individual', props: [{ key: 'pan_no', value: PAN, type: 'text' }] } }));
    assert.equal(plain.results.length, 2);
    assert.ok(plain.results.every((r: any) => r.dismissed === undefined));
    // The audit entry and event of the pair.
    const entries = (await auditRows(h(), c.tenant)).filter((e) => e.object_type === 'duplicate');
    assert.deepEqual(entries.map((e) => [e.object_id, e.action_type, e.comment]), [[p.id, 'create', 'dismiss: two loan files']]);
    const events = await h().db.query<{ type: string }>(`SELECT type FROM event_outbox WHERE tenant_id = $1 AND object_type = 'duplicate'`, [c.tenant]);
    assert.deepEqual(events.rows.map((r) => r.type), ['duplicate.dismissed']);
  });

  it('writes open pairs for probable-or-better candidates (create, PATCH, props, address, restore), refresh open ones, and open nothing twice', async () => {
    const c = await tenant(h());
    const { x, y, pair } = await probablePair(h(), c);
    const [a, b] = [x.id, y.id].sort();
    assert.deepEqual([pair.contact_a, pair.contact_b, pair.status, pair.source, pair.band], [a, b, 'open', 'write', 'probable']);
    assert.ok(pair.reasons.some((r: any) => r.field === 'mobile' && r.match === 'exact'), JSON.stringify(pair.reasons));
    const opened = (await auditRows(h(), c.tenant)).filter((e) => e.object_type === 'duplicate');
    assert.deepEqual(opened.map((e) => [e.action_type, e.contact_id]), [['create', a]]);
    // A later write that changes the evidence refreshes the open pair (same id, new score).
    await ok(await c.req('PUT', `/contacts/${y.id}/props/`, { body: [{ key: 'email', value: 'meera@example.com', type: 'text' }] }));
    await ok(await c.req('PUT', `/contacts/${x.id}/props/`, { body: [{ key: 'email', value: 'meera@example.com', type: 'text' }] }));
    await drainChecks(h());
    const after = await ok(await c.req('GET', `/duplicates/?contact=${y.id}`));
    assert.equal(after.count, 1);
    assert.equal(after.results[0].id, pair.id);
    assert.ok(after.results[0].score >= pair.score);
    assert.ok(after.results[0].reasons.some((r: any) => r.field === 'email'));
    // Still one `duplicate.opened` entry: refreshing is not a new pair.
    assert.equal((await auditRows(h(), c.tenant)).filter((e) => e.object_type === 'duplicate').length, 1);
    // A PATCH that makes a third contact match opens its pairs.
    const z = await c.contact({ name: 'Someone Else' });
    await drainChecks(h());
    assert.equal((await ok(await c.req('GET', `/duplicates/?contact=${z.id}`))).count, 0);
    await ok(await c.req('PATCH', `/contacts/${z.id}/`, { body: { name: 'Meera Iyer', props: [{ key: 'mobile', value: '+91 98765 43210', type: 'text' }] } }));
    await drainChecks(h());
    assert.equal((await ok(await c.req('GET', `/duplicates/?contact=${z.id}`))).count, 2);
    // Nothing pending is left behind.
    assert.equal((await h().db.query('SELECT 1 FROM duplicate_checks WHERE tenant_id = $1', [c.tenant])).rowCount, 0);
  });

  it('a deleted contact\'s pairs are hidden, and come back with its restore', async () => {
    const c = await tenant(h());
    const { y, pair } = await probablePair(h(), c, '9811122233');
    assert.equal((await c.req('DELETE', `/contacts/${y.id}/`)).status, 204);
    assert.equal((await ok(await c.req('GET', '/duplicates/'))).count, 0);
    assertProblem(await c.req('GET', `/duplicates/${pair.id}/`), 404, 'not_found');
    assertProblem(await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'x' } }), 404, 'not_found');
    await ok(await c.req('POST', `/contacts/${y.id}/restore/`));
    await drainChecks(h());
    const back = await ok(await c.req('GET', '/duplicates/'));
    assert.deepEqual(back.results.map((p: any) => [p.id, p.status]), [[pair.id, 'open']]);
  });

  it('dismiss needs a comment, is a no-op when repeated, and is never undone by writes; reopen brings it back', async () => {
    const c = await tenant(h());
    const { x, pair } = await probablePair(h(), c, '9822233344');
    assertFieldErrors(await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: '  ' } }), 'comment');
    assertFieldErrors(await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: {} }), 'comment');
    assertFieldErrors(await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'x'.repeat(501) } }), 'comment');
    assertProblem(await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'twins', extra: 1 } }), 400);
    // If-Match against the pair's version.
    const got = await c.req('GET', `/duplicates/${pair.id}/`);
    const etag = String(got.headers.etag);
    assertProblem(await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'twins' }, headers: { 'if-match': '"999"' } }), 412, 'precondition_failed');
    const dismissed = await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'twins' }, headers: { 'if-match': etag, 'idempotency-key': `dismiss-${pair.id}` } });
    // The PUT actions honour Idempotency-Key (CONTRACT §6b): the same request is replayed.
    const replayed = await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'twins' }, headers: { 'if-match': etag, 'idempotency-key': `dismiss-${pair.id}` } });
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.equal(replayed.text, dismissed.text);
    const d = await ok(dismissed);
    assert.deepEqual([d.status, d.comment, d.resolved_by], ['dismissed', 'twins', c.sub]);
    assert.notEqual(dismissed.headers.etag, etag);
    const again = await c.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'again' } });
    assert.equal((await ok(again)).comment, 'twins', 'a repeat is a no-op');
    assert.equal(again.headers.etag, dismissed.headers.etag);
    // A later write to either contact never re-opens it.
    await ok(await c.req('PATCH', `/contacts/${x.id}/`, { body: { tags: ['touched'] } }));
    await drainChecks(h());
    assert.equal((await ok(await c.req('GET', `/duplicates/${pair.id}/`))).status, 'dismissed');
    assert.equal((await ok(await c.req('GET', '/duplicates/'))).count, 0);
    const entries = (await auditRows(h(), c.tenant)).filter((e) => e.object_type === 'duplicate').map((e) => e.comment);
    assert.deepEqual(entries, ['opened by write', 'dismiss: twins']);
    // Reopen: back to open, resolution cleared; a repeat is a no-op.
    const reopened = await ok(await c.req('PUT', `/duplicates/${pair.id}/reopen/`, { body: { comment: 'not twins after all' } }));
    assert.deepEqual([reopened.status, reopened.resolved_at, reopened.resolved_by], ['open', null, null]);
    assert.equal((await ok(await c.req('PUT', `/duplicates/${pair.id}/reopen/`))).status, 'open');
    const types = await h().db.query<{ type: string }>(`SELECT type FROM event_outbox WHERE tenant_id = $1 AND object_type = 'duplicate' ORDER BY seq`, [c.tenant]);
    assert.deepEqual(types.rows.map((r) => r.type), ['duplicate.opened', 'duplicate.dismissed', 'duplicate.opened']);
  });

  it('list filters, ordering, paging and their validation errors', async () => {
    const c = await tenant(h());
    const p1 = (await probablePair(h(), c, '9833344455')).pair;
    const p2 = (await probablePair(h(), c, '9844455566')).pair;
    const { second } = await overridden(c);
    const all = await ok(await c.req('GET', '/duplicates/?ordering=created_at'));
    assert.deepEqual(all.results.map((p: any) => p.id), [p1.id, p2.id]);
    assert.deepEqual((await ok(await c.req('GET', '/duplicates/?ordering=-created_at'))).results.map((p: any) => p.id), [p2.id, p1.id]);
    assert.equal((await ok(await c.req('GET', '/duplicates/?band=probable&source=write&min_score=0.5'))).count, 2);
    assert.equal((await ok(await c.req('GET', '/duplicates/?band=exact'))).count, 0);
    assert.equal((await ok(await c.req('GET', '/duplicates/?source=override'))).count, 0);
    assert.equal((await ok(await c.req('GET', '/duplicates/?status=dismissed&source=override'))).count, 1);
    assert.equal((await ok(await c.req('GET', `/duplicates/?status=dismissed&contact=${second.id}`))).count, 1);
    assert.equal((await ok(await c.req('GET', '/duplicates/?min_score=1'))).count, 0);
    assert.equal((await ok(await c.req('GET', '/duplicates/?created_at_after=2000-01-01&created_at_before=2999-01-01'))).count, 2);
    assert.equal((await ok(await c.req('GET', '/duplicates/?created_at_before=2000-01-01'))).count, 0);
    const paged = await ok(await c.req('GET', '/duplicates/?page_size=1&page=2'));
    assert.deepEqual([paged.count, paged.total_pages, paged.current_page, paged.has_previous, paged.results.length], [2, 2, 2, true, 1]);
    assertFieldErrors(
      await c.req('GET', '/duplicates/?status=closed&band=likely&source=api&contact=nope&min_score=1.5&ordering=name&expand=banks&page=0&created_at_after=yesterday'),
      'status', 'band', 'source', 'contact', 'min_score', 'ordering', 'expand', 'page', 'created_at_after',
    );
    assertFieldErrors(await c.req('GET', '/duplicates/?min_score=abc'), 'min_score');
    assertProblem(await c.req('GET', '/duplicates/not-an-id/'), 404, 'not_found');
    assertProblem(await c.req('GET', '/duplicates/01JD8X3QK6Z1V2W3Y4A5B6C7D9/'), 404, 'not_found');
    assertFieldErrors(await c.req('GET', `/duplicates/${p1.id}/?expand=nope`), 'expand');
    const one = await ok(await c.req('GET', `/duplicates/${p1.id}/?expand=contacts`));
    assert.deepEqual(one.contacts.map((x: any) => x.id), [p1.contact_a, p1.contact_b]);
  });

  it("another tenant never sees, dismisses or reopens a tenant's pairs", async () => {
    const a = await tenant(h());
    const b = await tenant(h());
    const { pair } = await probablePair(h(), a, '9855566677');
    assert.equal((await ok(await b.req('GET', '/duplicates/'))).count, 0);
    assert.equal((await ok(await b.req('GET', `/duplicates/?contact=${pair.contact_a}`))).count, 0);
    assertProblem(await b.req('GET', `/duplicates/${pair.id}/`), 404, 'not_found');
    assertProblem(await b.req('PUT', `/duplicates/${pair.id}/dismiss/`, { body: { comment: 'intruder' } }), 404, 'not_found');
    assertProblem(await b.req('PUT', `/duplicates/${pair.id}/reopen/`), 404, 'not_found');
    assert.equal((await ok(await a.req('GET', `/duplicates/${pair.id}/`))).status, 'open');
  });

  it('POST /duplicates/scan/ runs one scan per tenant, opens possible-or-better pairs and keeps dismissed ones', async () => {
    const c = await tenant(h());
    const other = await tenant(h());
    const { first, second } = await overridden(c);
    // Namesakes at one pincode: `possible` (a write never opens those; a scan does).
    const n1 = await c.contact({ name: 'Lakshmi Narayanan' });
    const n2 = await c.contact({ name: 'Lakshmi Narayanan' });
    await drainChecks(h());
    assert.equal((await ok(await c.req('GET', '/duplicates/'))).count, 0, 'writes open only probable-or-better pairs');
    const queued = await c.req('POST', '/duplicates/scan/', { body: {} });
    const job = await ok(queued, 202);
    assert.equal(queued.headers.location, `/duplicates/scan/${job.id}/`);
    assert.deepEqual([job.status, job.min_band, job.counts.opened], ['queued', 'possible', 0]);
    const second409 = await c.req('POST', '/duplicates/scan/');
    assertProblem(second409, 409, 'conflict');
    assert.equal(second409.body.running_scan, job.id);
    // Another tenant has its own slot, and cannot read this tenant's job.
    const theirs = await ok(await other.req('POST', '/duplicates/scan/', { body: { min_band: 'probable' } }), 202);
    assertProblem(await other.req('GET', `/duplicates/scan/${job.id}/`), 404, 'not_found');
    assertFieldErrors(await c.req('POST', '/duplicates/scan/', { body: { min_band: 'exact' } }), 'min_band');
    await drainScans(h());
    const done = await ok(await c.req('GET', `/duplicates/scan/${job.id}/`));
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.ok(done.counts.pairs_found >= 2 && done.counts.opened >= 1 && done.counts.kept >= 1, JSON.stringify(done.counts));
    assert.equal((await ok(await other.req('GET', `/duplicates/scan/${theirs.id}/`))).status, 'succeeded');
    const open = await ok(await c.req('GET', '/duplicates/?source=scan'));
    assert.ok(open.results.some((p: any) => [p.contact_a, p.contact_b].sort().join() === [n1.id, n2.id].sort().join() && p.band === 'possible'), JSON.stringify(open));
    const [a, b] = [first.id, second.id].sort();
    const kept = await ok(await c.req('GET', `/duplicates/?status=dismissed&contact=${a}`));
    assert.deepEqual(kept.results.map((p: any) => [p.contact_b, p.status, p.source]), [[b, 'dismissed', 'override']]);
    // The slot is free again; a second scan finds the same pairs and opens nothing new.
    const again = await ok(await c.req('POST', '/duplicates/scan/'), 202);
    await drainScans(h());
    const after = await ok(await c.req('GET', `/duplicates/scan/${again.id}/`));
    assert.equal(after.counts.opened, 0, JSON.stringify(after.counts));
  });

  it('a merge closes the pairs among its contacts, re-points or drops the victims\' others, and its undo gives them back', async () => {
    const c = await tenant(h());
    const mobile = { key: 'mobile', value: '9866677788', type: 'text' };
    const x = await c.contact({ name: 'Kavita Menon', props: [mobile] });
    const y = await c.contact({ name: 'Kavita Menon', props: [mobile, { key: 'pan_no', value: 'AAAPM1234C', type: 'text' }] });
    const z = await c.contact({ name: 'Kavita Menon', props: [mobile] });
    // w takes y's PAN under an override: a dismissed pair (y, w) that x has no counterpart of.
    const w = await ok(
      await c.req('POST', '/contacts/?on_duplicate=allow&reason=trust%20account', {
        body: { name: 'Menon Family Trust', type: 'individual', namespace: c.ns, props: [{ key: 'pan_no', value: 'AAAPM1234C', type: 'text' }] },
      }),
      201,
    );
    await drainChecks(h());
    const pairOf = async (p: string, q: string, status = 'open') =>
      (await ok(await c.req('GET', `/duplicates/?status=${status}&contact=${p}&page_size=200`))).results.find((r: any) => [r.contact_a, r.contact_b].includes(q));
    const xy = await pairOf(x.id, y.id);
    const xz = await pairOf(x.id, z.id);
    const yz = await pairOf(y.id, z.id);
    const yw = await pairOf(y.id, w.id, 'dismissed');
    assert.ok(xy && xz && yz && yw, 'the fixture pairs exist');
    await ok(await c.req('PUT', `/duplicates/${yz.id}/dismiss/`, { body: { comment: 'not the same Kavita' } }));
    const view = async () => {
      const all = [];
      for (const status of ['open', 'dismissed', 'merged']) all.push(...(await ok(await c.req('GET', `/duplicates/?status=${status}&page_size=200`))).results);
      return all.map((p: any) => [p.id, p.contact_a, p.contact_b, p.status, p.comment]).sort();
    };
    const before = await view();

    const merged = await ok(await c.req('POST', `/contacts/${x.id}/merge/`, { body: { merge_ids: [y.id], comment: 'same person' } }));
    const after = await ok(await c.req('GET', `/duplicates/${xy.id}/`));
    assert.deepEqual([after.status, after.resolved_by], ['merged', c.sub]);
    assert.equal((await ok(await c.req('GET', `/duplicates/${xz.id}/`))).status, 'open', "the survivor's own pair stays");
    const closed = await ok(await c.req('GET', `/duplicates/${yz.id}/`));
    assert.deepEqual([closed.contact_a, closed.contact_b, closed.status, closed.comment], [yz.contact_a, yz.contact_b, 'merged', 'not the same Kavita']);
    const moved = await ok(await c.req('GET', `/duplicates/${yw.id}/`));
    assert.deepEqual([[moved.contact_a, moved.contact_b], moved.status, moved.comment], [[x.id, w.id].sort(), 'dismissed', 'trust account']);
    assertProblem(await c.req('PUT', `/duplicates/${xy.id}/reopen/`), 409, 'invalid_state');
    assertProblem(await c.req('PUT', `/duplicates/${xy.id}/dismiss/`, { body: { comment: 'x' } }), 409, 'invalid_state');
    const merges = await ok(await c.req('GET', '/duplicates/?status=merged&expand=contacts'));
    const closedPairs = merges.results.map((p: any) => p.contacts.map((k: any) => k.id).join()).sort();
    assert.deepEqual(closedPairs, [[x.id, y.id].sort().join(), [y.id, z.id].sort().join()].sort());
    // No write check re-opens anything for the merged contact.
    await drainChecks(h());
    assert.equal((await ok(await c.req('GET', `/duplicates/?contact=${y.id}`))).count, 0);

    await ok(await c.req('POST', `/merges/${merged.merge.id}/undo/`, { body: { comment: 'two people' } }));
    await drainChecks(h());
    assert.deepEqual(await view(), before, 'undo gives every pair back as the merge found it');
  });

  it('import rows and address writes queue checks too (every writer passes the change seam)', async () => {
    const c = await tenant(h());
    const x = await c.contact({ name: 'Rohit Verma', props: [{ key: 'email', value: 'rohit.verma@example.com', type: 'text' }] });
    await drainChecks(h());
    const queued = async () => (await h().db.query<{ contact_id: string }>('SELECT contact_id FROM duplicate_checks WHERE tenant_id = $1', [c.tenant])).rows.map((r) => r.contact_id);
    const addr = await ok(
      await c.req('POST', '/contacts/addresses/', { body: { contact_id: x.id, address_line: '4 Park Street', city: 'Kolkata', state: 'West Bengal', pincode: '700016', country: 'India' } }),
      201,
    );
    assert.deepEqual(await queued(), [x.id]);
    await drainChecks(h());
    assert.equal((await c.req('DELETE', `/contacts/addresses/${addr.id}/`)).status, 204);
    assert.deepEqual(await queued(), [x.id]);
    await drainChecks(h());
    // A PATCH of what matching does not read queues nothing; one of the name does.
    await ok(await c.req('PATCH', `/contacts/${x.id}/`, { body: { tags: ['vip'], rm_id: 'RM1' } }));
    assert.deepEqual(await queued(), []);
    await ok(await c.req('PATCH', `/contacts/${x.id}/`, { body: { name: 'Rohit Kumar Verma' } }));
    assert.deepEqual(await queued(), [x.id]);
    await ok(await c.req('PATCH', `/contacts/${x.id}/`, { body: { name: 'Rohit Verma' } }));
    await drainChecks(h());
    const csv = `name,type,prop:email\nRohit Verma,individual,Rohit.Verma@example.com\n`;
    await ok(await c.req('POST', `/imports/?namespace=${c.ns}`, { rawBody: csv, headers: { 'content-type': 'text/csv' } }), 202);
    for (let claimed = await claimImportJob(h().appDb, 'dup', 30_000); claimed; claimed = await claimImportJob(h().appDb, 'dup', 30_000)) {
      await runImportJob(h().appDb, claimed.tenant_id, claimed.id, { owner: 'dup', batchRows: 10, leaseMs: 30_000, rules: { strictIdentifiers: false } });
    }
    assert.equal((await queued()).length, 1, 'the imported row queued its check');
    await drainChecks(h());
    const pairs = await ok(await c.req('GET', `/duplicates/?contact=${x.id}`));
    assert.deepEqual(pairs.results.map((p: any) => [p.source, p.band]), [['write', 'probable']]);
  });
}, {}, { isolated: true });
