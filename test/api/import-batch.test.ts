import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { createContact, newCaller, type Caller } from '../helpers/api.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { runImportJob } from '../../src/resources/imports/imports.service.js';
import { verifyContactCounts, verifyDerived } from '../../src/resources/contacts/derived.verify.js';

// The batch path of an import that creates (import-batch.service.ts) must decide and write exactly
// what the row-by-row path (importRow, the API's services one row at a time) does. The same file
// is imported into two tenants set up alike, once each way, and everything the import leaves is
// compared with ids and times taken out: row outcomes and errors, contacts, props, match keys,
// addresses and their copies, ref id reservations, the namespace counter, audit entries, events
// and queued duplicate checks. Small batches make rows of one batch block rows of the next.

const PAN_A = 'ABCPR1234K';
const PAN_T = 'AAAPT1111A';
const GSTIN_B = '29ABCPV1234F1Z5'; // embeds the PAN ABCPV1234F
const PAN_B = 'ABCPV1234F';

const row = (name: string, extra: Record<string, unknown> = {}, props: [string, string][] = []) =>
  JSON.stringify({ name, type: 'individual', ...(props.length ? { props: props.map(([key, value]) => ({ key, value, type: 'text' })) } : {}), ...extra });

/** Rows covering every decision the batch path takes itself, and the ones it hands to importRow. */
const FILE = [
  row('Asha Rao', { tags: ['vip', 'retail', 'vip'], addresses: [{ address_line: '12, MG Road', pincode: '560001', city: 'Bengaluru' }] }, [['pan_no', PAN_A], ['mobile', '9876543210']]),
  row('Bad Type', { type: 'robot' }),
  row('Asha Again', {}, [['pan_no', PAN_A]]), // blocked by row 1
  row('Holder Clash', {}, [['pan_no', PAN_T]]), // blocked by the tenant's contact
  row('Client Ref', { ref_id: 'R-1', rm_id: '', branch_id: 'BR-9' }),
  row('Client Ref Again', { ref_id: 'R-1' }), // taken by row 5
  row('Taken Ref', { ref_id: 'TAKEN' }), // taken by the tenant's contact
  row('Lost Namespace', { namespace: 'nowhere' }),
  row('With Bank', { banks: [{ account_holder_name: 'With Bank', account_no: '123456789012', ifsc: 'HDFC0001234' }] }, [['pan_no', 'ABCPW5555Q']]),
  row('With Codes', { addresses: [{ city: 'Pune', pincode: '411001', codes: { lgd: 7 } }, { city: 'Pune', pincode: '411002' }] }),
  row('Corp Via Gstin', { type: 'corporate' }, [['gstin', GSTIN_B], ['email', 'a@b.in']]),
  row('Pan Of Gstin', {}, [['pan_no', PAN_B]]), // blocked by row 11 through its GSTIN
  row('Disguised', {}, [['pan_no', 'ABCPR 1234K!']]),
  row('Twice', {}, [['segment', 'a'], ['segment', 'b']]),
  row('Future Ref', { ref_id: 'IMP-0007' }), // a generated ref id of a later row: allocation skips ahead
  '{not json',
  row('Gen One', { addresses: [{ pincode: '110001' }, { address_line: 'Flat 2', pincode: '110001' }] }, [['pan_no', 'ABCPG1111G']]),
  row('Gen Two'),
  row('Gen Three', {}, [['pan_no', 'ABCPG1111G']]), // blocked by row 17
  row('Blank Prop', {}, [['email', '  ']]),
  row('Last One', { status: 'inactive', refs: { los: { id: 7 } } }, [['pan_no', 'ABCPL2222L'], ['aadhaar', '234567890123']]),
].join('\n');

/** Runs every runnable job to its end, as the worker would. */
async function drain(h: Harness, rowByRow: boolean, batchRows: number): Promise<void> {
  for (;;) {
    const claimed = await claimImportJob(h.appDb, 'test-runner', 30_000);
    if (!claimed) return;
    await runImportJob(h.appDb, claimed.tenant_id, claimed.id, { owner: 'test-runner', batchRows, leaseMs: 30_000, rules: { strictIdentifiers: false }, rowByRow, asyncCommit: !rowByRow });
  }
}

async function setUpTenant(h: Harness): Promise<Caller> {
  const c = await newCaller(h);
  assert.equal((await c.req('POST', '/namespaces/', { body: { name: 'book', contact_pattern: 'IMP-{seq:4}' } })).status, 201);
  await createContact(c, { name: 'Tenant Holder', type: 'individual', namespace: 'book', ref_id: 'TAKEN', props: [{ key: 'pan_no', value: PAN_T, type: 'text' }] });
  return c;
}

/** Everything the import left in the tenant, ids replaced by the names of their contacts, times dropped. */
async function snapshot(h: Harness, tenant: string, importId: string) {
  const q = async (sql: string) => (await h.db.query<Record<string, unknown>>(sql, [tenant])).rows;
  const names = new Map((await q('SELECT id, name FROM contacts WHERE tenant_id = $1')).map((r) => [r.id as string, `<${r.name as string}>`]));
  const ids = new Map(names);
  for (const r of await q('SELECT id, contact_id, key FROM contact_props WHERE tenant_id = $1')) ids.set(r.id as string, `<prop ${names.get(r.contact_id as string)} ${r.key as string}>`);
  const addressRows = await q('SELECT id, contact_id, address_line, pincode FROM contact_addresses WHERE tenant_id = $1');
  for (const r of addressRows) ids.set(r.id as string, `<address ${names.get(r.contact_id as string)} ${r.pincode as string} ${r.address_line as string}>`);
  for (const r of await q('SELECT id, contact_id FROM contact_banks WHERE tenant_id = $1')) ids.set(r.id as string, `<bank ${names.get(r.contact_id as string)}>`);
  for (const r of await q('SELECT id, name FROM namespaces WHERE tenant_id = $1')) ids.set(r.id as string, `<namespace ${r.name as string}>`);
  ids.set(importId, '<import>');
  // Ids anywhere in a value become names; ISO times go.
  const norm = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v ?? null, (_k, x: unknown) => (x instanceof Date ? '<time>' : x)).replace(/"(\d{4}-\d\d-\d\dT[^"]*Z)"/g, '"<time>"').replace(/[0-9A-HJKMNP-TV-Z]{26}/g, (id) => ids.get(id) ?? id).replaceAll(`"${tenant}"`, '"<tenant>"'),
    );
  // Addresses a contact gets in one millisecond are ordered by their random ids, on either path.
  const contactRows = (await q(`SELECT c.id, c.name, c.type, c.status, c.ref_id, c.tags, c.refs, c.rm_id, c.branch_id, c.name_key, c.name_phonetic,
                      c.match_props::text AS match_props, c.match_addresses, c.version, c.approval_status, c.created_by, c.updated_by, n.name AS namespace
                 FROM contacts c JOIN namespaces n ON n.tenant_id = c.tenant_id AND n.id = c.namespace_id WHERE c.tenant_id = $1`)).map((r) => ({
    ...r,
    match_addresses: (r.match_addresses as unknown[]).map((a) => JSON.stringify(a)).sort(),
  }));
  const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(pairs(norm(r)))).sort();
  // A pair's contacts are stored in id order, and so is which of them its entry names: random here.
  const pairs = (r: any) => {
    if (r.object_type !== 'duplicate') return r;
    const pair = r.after_state ?? r.data?.object;
    const [a, b] = [pair.contact_a, pair.contact_b].sort();
    Object.assign(pair, { id: '<pair>', contact_a: a, contact_b: b });
    return { ...r, object_id: '<pair>', contact_id: [a, b].includes(r.contact_id) ? '<pair member>' : r.contact_id };
  };
  return {
    rows: norm(await q(`SELECT row, outcome, contact_id, errors, duplicate_of FROM import_rows WHERE tenant_id = $1 ORDER BY row`)),
    job: norm(await q(`SELECT status, created, updated, unchanged, skipped, failed, error FROM import_jobs WHERE tenant_id = $1`)),
    contacts: sorted(contactRows),
    props: sorted(await q('SELECT id, contact_id, key, value, type, created_by, updated_by FROM contact_props WHERE tenant_id = $1')),
    keys: sorted(await q('SELECT contact_id, kind, value, prop_key, via, name_key FROM contact_match_keys WHERE tenant_id = $1')),
    addresses: sorted(await q('SELECT id, contact_id, address_line, city, state, pincode, country, coords, codes, tags, name_key, version, created_by FROM contact_addresses WHERE tenant_id = $1')),
    banks: sorted(await q('SELECT contact_id, account_no, ifsc FROM contact_banks WHERE tenant_id = $1')),
    refIds: sorted(await q('SELECT namespace_id, ref_id, contact_id FROM contact_ref_ids WHERE tenant_id = $1')),
    namespace: norm(await q(`SELECT contact_counter, version FROM namespaces WHERE tenant_id = $1`)),
    // Entries of one millisecond are ordered by their random ids: compared as a set (events keep the order).
    audit: sorted(
      await q(`SELECT user_id, action_type, object_type, object_id, contact_id, comment, before_state, after_state FROM audit_log
                WHERE tenant_id = $1 AND comment LIKE 'import %'`),
    ),
    // Events in the order the outbox holds them (the feed's order).
    events: (norm(await q(`SELECT type, object_type, object_id, contact_id, data, request_id, user_id FROM event_outbox WHERE tenant_id = $1 AND request_id LIKE 'import:%' AND type <> 'import.finished' ORDER BY seq`)) as any[]).map(pairs),
    checks: sorted(await q('SELECT contact_id FROM duplicate_checks WHERE tenant_id = $1')),
  };
}

async function importBoth(h: Harness, query: string, batchRows: number) {
  const out = [];
  for (const rowByRow of [true, false]) {
    const c = await setUpTenant(h);
    const res = await c.req('POST', `/imports/?namespace=book${query}`, { rawBody: FILE, headers: { 'content-type': 'application/x-ndjson' } });
    assert.equal(res.status, 202, res.text);
    await drain(h, rowByRow, batchRows);
    assert.deepEqual(await verifyDerived(h.db, c.tenant), [], `derived data after the ${rowByRow ? 'row-by-row' : 'batch'} import`);
    assert.deepEqual(await verifyContactCounts(h.db, c.tenant), [], `contact counts after the ${rowByRow ? 'row-by-row' : 'batch'} import`);
    out.push(await snapshot(h, c.tenant, res.body.id));
  }
  return out;
}

// This suite runs a queue (its worker claims any tenant's job): a database of its own.
describeEngines('import batch path', (h) => {
  for (const [query, batchRows] of [['', 4], ['', 50], ['&on_duplicate=skip', 3], ['&on_duplicate=allow&reason=migration', 5]] as const) {
    it(`writes exactly what the row-by-row path writes (${query || 'on_duplicate=block'}, batches of ${batchRows})`, async () => {
      const [rowByRow, batch] = await importBoth(h(), query, batchRows);
      const outcomes = (rowByRow!.rows as { outcome: string }[]).map((r) => r.outcome);
      // The file exercises what it should: creates, refusals of every kind, and the fallbacks.
      assert.ok(outcomes.filter((o) => o === 'created').length >= 8, JSON.stringify(outcomes));
      assert.ok(outcomes.some((o) => o !== 'created'));
      for (const part of Object.keys(rowByRow!) as (keyof typeof rowByRow)[]) assert.deepEqual(batch![part], rowByRow![part], part);
    });
  }
}, {}, { isolated: true });
