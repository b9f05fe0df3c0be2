import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import { ISO_Z_RE, ULID_RE, assertFieldErrors, assertProblem, newCaller } from '../helpers/api.js';
import { BANK, MISSING_ID, createBank, history, ids, tenantWithContacts } from '../helpers/subresources.js';

const BANK_KEYS = [
  'account_holder_name', 'account_no', 'account_type', 'bank_name', 'branch_name', 'contact_id', 'created_at', 'created_by',
  'deleted_at', 'id', 'ifsc', 'is_deleted', 'is_primary', 'tags', 'tenant_id', 'updated_at', 'updated_by',
];

describeEngines('banks', (h) => {
  // ---------------------------------------------------------------- create

  it('creates a bank account: ifsc upper-cased, account_type savings, not primary, ETag', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const contact = await c.contact();
    const res = await c.req('POST', '/contacts/banks/', { body: { contact_id: contact.id, ...BANK, ifsc: 'hdfc0001234', tags: ['salary', 'salary'] } });
    assert.equal(res.status, 201, res.text);
    const b = res.body;
    assert.deepEqual(Object.keys(b).sort(), BANK_KEYS);
    assert.match(b.id, ULID_RE);
    assert.equal(b.ifsc, 'HDFC0001234');
    assert.equal(b.account_type, 'savings');
    assert.equal(b.is_primary, false);
    assert.deepEqual(b.tags, ['salary']);
    assert.equal(b.contact_id, contact.id);
    assert.equal(b.tenant_id, c.tenant);
    assert.equal(b.created_by, 'alice');
    assert.equal(b.updated_by, null);
    assert.match(b.created_at, ISO_Z_RE);
    assert.equal(b.updated_at, b.created_at);
    assert.equal(res.headers.etag, '"1"');
  });

  it('requires contact_id, account_holder_name, account_no and ifsc; bank and branch names are optional', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    assertFieldErrors(await c.req('POST', '/contacts/banks/', { body: {} }), 'contact_id', 'account_holder_name', 'account_no', 'ifsc');
    const res = await c.req('POST', '/contacts/banks/', { body: { contact_id: contact.id, account_holder_name: 'A', account_no: '000000000', ifsc: 'SBIN0000001' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.bank_name, null);
    assert.equal(res.body.branch_name, null);
  });

  it('accepts every account_type and the edges of each pattern', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    let n = 100000000;
    for (const account_type of ['savings', 'current', 'overdraft', 'cash_credit', 'nre', 'nro', 'other']) {
      const b = await createBank(c, contact.id, { account_type, account_no: String(n++) });
      assert.equal(b.account_type, account_type);
    }
    for (const body of [
      { account_no: '123456789' },
      { account_no: '123456789012345678' },
      { ifsc: 'abcd0ZZ9999' },
      { account_holder_name: "Ms. O'Brien & Sons (P) Ltd, Unit-2" },
      { bank_name: 'b'.repeat(100), branch_name: 'x' },
      { bank_name: null, branch_name: null },
    ]) {
      const res = await c.req('POST', '/contacts/banks/', { body: { contact_id: contact.id, ...BANK, account_no: String(n++), ...body } });
      assert.equal(res.status, 201, `${JSON.stringify(body)}: ${res.text}`);
    }
  });

  it('rejects every pattern violation under its field', async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const bad: [string, Record<string, unknown>][] = [
      ['ifsc', { ifsc: 'HDFC1001234' }],
      ['ifsc', { ifsc: 'HDF00001234' }],
      ['ifsc', { ifsc: 'HDFC000123' }],
      ['ifsc', { ifsc: 'HDFC00012345' }],
      ['ifsc', { ifsc: 'HDFC000123-' }],
      ['ifsc', { ifsc: '1DFC0001234' }],
      ['account_no', { account_no: '12345678' }],
      ['account_no', { account_no: '1234567890123456789' }],
      ['account_no', { account_no: '12345678X' }],
      ['account_no', { account_no: 123456789 }],
      ['account_holder_name', { account_holder_name: '' }],
      ['account_holder_name', { account_holder_name: 'Asha@Rao' }],
      ['account_holder_name', { account_holder_name: 'a'.repeat(101) }],
      ['account_type', { account_type: 'fixed' }],
      ['bank_name', { bank_name: 'b'.repeat(101) }],
      ['bank_name', { bank_name: '' }],
      ['branch_name', { branch_name: 7 }],
      ['is_primary', { is_primary: 'yes' }],
      ['tags.0', { tags: ['x'.repeat(51)] }],
      ['nickname', { nickname: 'x' }],
    ];
    for (const [field, body] of bad) {
      assertFieldErrors(await c.req('POST', '/contacts/banks/', { body: { contact_id: contact.id, ...BANK, ...body } }), field);
    }
    assert.equal((await c.req('GET', '/contacts/banks/')).body.count, 0, 'nothing written');
  });

  it('rejects a malformed, unknown, deleted or other-tenant contact_id with errors.contact_id and writes nothing', async () => {
    const c = await tenantWithContacts(h());
    const other = await tenantWithContacts(h());
    const foreign = await other.contact();
    const deleted = await c.contact();
    await c.req('DELETE', `/contacts/${deleted.id}/`);
    const before = (await history(c)).length;
    for (const contactId of ['x', MISSING_ID, deleted.id, foreign.id]) {
      assertFieldErrors(await c.req('POST', '/contacts/banks/', { body: { contact_id: contactId, ...BANK, is_primary: true } }), 'contact_id');
    }
    assert.equal((await history(c)).length, before);
    const rows = await h().db.query('SELECT 1 FROM contact_banks WHERE tenant_id = $1 OR tenant_id = $2', [c.tenant, other.tenant]);
    assert.equal(rows.rowCount, 0);
  });

  // ---------------------------------------------------------------- duplicates

  it('refuses the same (ifsc, account_no) twice on one contact with 409, case-insensitively', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const y = await c.contact();
    const first = await createBank(c, x.id);
    const before = (await history(c)).length;
    const dup = await c.req('POST', '/contacts/banks/', { body: { contact_id: x.id, ...BANK, ifsc: BANK.ifsc.toLowerCase(), account_holder_name: 'Someone Else' } });
    assertProblem(dup, 409, 'conflict');
    assert.ok(dup.body.errors.account_no);
    assert.equal((await history(c)).length, before, 'a failed write leaves no entry');
    // The same account on another contact is fine (joint holders), as is another account no.
    await createBank(c, y.id);
    await createBank(c, x.id, { account_no: '999999999' });
    // PATCH into a collision is a 409 too.
    const other = (await c.req('GET', `/contacts/banks/?contact=${x.id}&ordering=-created_at`)).body.results[0];
    assertProblem(await c.req('PATCH', `/contacts/banks/${other.id}/`, { body: { account_no: BANK.account_no } }), 409);
    // A deleted account may be added again.
    assert.equal((await c.req('DELETE', `/contacts/banks/${first.id}/`)).status, 204);
    const again = await createBank(c, x.id);
    assert.notEqual(again.id, first.id);
  });

  // ---------------------------------------------------------------- primary

  it('keeps at most one primary per contact: a new primary demotes the old one, with its own audit entry', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const y = await c.contact();
    const b1 = await createBank(c, x.id, { account_no: '111111111', is_primary: true });
    const yPrimary = await createBank(c, y.id, { account_no: '111111111', is_primary: true });
    const b2 = await createBank(c, x.id, { account_no: '222222222', is_primary: true });
    assert.equal(b2.is_primary, true);
    const old = await c.req('GET', `/contacts/banks/${b1.id}/`);
    assert.equal(old.body.is_primary, false);
    assert.equal(old.headers.etag, '"2"', 'the demoted account changed, so its ETag moved');
    assert.equal((await c.req('GET', `/contacts/banks/${yPrimary.id}/`)).body.is_primary, true, 'other contacts untouched');
    const demotion = await history(c, `object_id=${b1.id}&action_type=update`);
    assert.equal(demotion.length, 1);
    assert.equal(demotion[0].before_state.is_primary, true);
    assert.equal(demotion[0].after_state.is_primary, false);
    assert.match(demotion[0].comment, new RegExp(b2.id));

    const b3 = await createBank(c, x.id, { account_no: '333333333' });
    const promoted = await c.req('PATCH', `/contacts/banks/${b3.id}/`, { body: { is_primary: true } });
    assert.equal(promoted.body.is_primary, true);
    const primaries = (await c.req('GET', `/contacts/banks/?contact=${x.id}`)).body.results.filter((b: { is_primary: boolean }) => b.is_primary);
    assert.deepEqual(primaries.map((b: { id: string }) => b.id), [b3.id]);
    // Re-asserting the current primary demotes nobody.
    const entries = (await history(c)).length;
    await c.req('PATCH', `/contacts/banks/${b3.id}/`, { body: { is_primary: true } });
    assert.equal((await history(c)).length, entries + 1);
    // Un-setting leaves the contact without a primary.
    await c.req('PATCH', `/contacts/banks/${b3.id}/`, { body: { is_primary: false } });
    assert.equal((await c.req('GET', `/contacts/banks/?contact=${x.id}`)).body.results.filter((b: { is_primary: boolean }) => b.is_primary).length, 0);
  });

  it('serializes concurrent primaries on one contact: exactly one ends up primary', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => c.req('POST', '/contacts/banks/', { body: { contact_id: x.id, ...BANK, account_no: `55555555${i}`, is_primary: true } })),
    );
    for (const r of results) assert.equal(r.status, 201, r.text);
    const list = (await c.req('GET', `/contacts/banks/?contact=${x.id}`)).body.results;
    assert.equal(list.filter((b: { is_primary: boolean }) => b.is_primary).length, 1);
  });

  // ---------------------------------------------------------------- retrieve / update / delete

  it('retrieves, updates partially and deletes with ETags and If-Match', async () => {
    const c = await tenantWithContacts(h(), 'alice');
    const contact = await c.contact();
    const b = await createBank(c, contact.id);
    const got = await c.req('GET', `/contacts/banks/${b.id.toLowerCase()}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, b);
    assertProblem(await c.req('PATCH', `/contacts/banks/${b.id}/`, { body: { bank_name: 'X' }, headers: { 'if-match': '"9"' } }), 412);
    const bob = await h().token(c.tenant, 'bob');
    const up = await h().req('PATCH', `/contacts/banks/${b.id}/`, { token: bob, body: { ifsc: 'icic0000001', account_type: 'current', branch_name: null }, headers: { 'if-match': '"1"' } });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.body.ifsc, 'ICIC0000001');
    assert.equal(up.body.account_type, 'current');
    assert.equal(up.body.branch_name, null);
    assert.equal(up.body.bank_name, BANK.bank_name);
    assert.equal(up.body.updated_by, 'bob');
    assert.equal(up.headers.etag, '"2"');
    assertFieldErrors(await c.req('PATCH', `/contacts/banks/${b.id}/`, { body: { ifsc: 'bad', account_no: '1' } }), 'ifsc', 'account_no');
    assertFieldErrors(await c.req('PATCH', `/contacts/banks/${b.id}/`, { body: { account_holder_name: null } }), 'account_holder_name');
    assertFieldErrors(await c.req('PATCH', `/contacts/banks/${b.id}/`, { body: { contact_id: (await c.contact()).id } }), 'contact_id');
    assertProblem(await c.req('DELETE', `/contacts/banks/${b.id}/`, { headers: { 'if-match': '"1"' } }), 412);
    assert.equal((await c.req('DELETE', `/contacts/banks/${b.id}/`, { headers: { 'if-match': '"2"' } })).status, 204);
    assertProblem(await c.req('GET', `/contacts/banks/${b.id}/`), 404);
    assertProblem(await c.req('DELETE', `/contacts/banks/${b.id}/`), 404);
    assertProblem(await c.req('GET', '/contacts/banks/zzz/'), 404);
    assertProblem(await c.req('GET', `/contacts/banks/${MISSING_ID}/`), 404);
  });

  it("hides another tenant's bank account (404) and needs a token everywhere", async () => {
    const owner = await tenantWithContacts(h());
    const b = await createBank(owner, (await owner.contact()).id);
    const intruder = await newCaller(h());
    assertProblem(await intruder.req('GET', `/contacts/banks/${b.id}/`), 404);
    assertProblem(await intruder.req('PATCH', `/contacts/banks/${b.id}/`, { body: { is_primary: true } }), 404);
    assertProblem(await intruder.req('DELETE', `/contacts/banks/${b.id}/`), 404);
    assert.equal((await intruder.req('GET', `/contacts/banks/?ifsc=${b.ifsc}`)).body.count, 0);
    const still = await owner.req('GET', `/contacts/banks/${b.id}/`);
    assert.equal(still.body.is_primary, false);
    assert.equal(still.headers.etag, '"1"');
    for (const [m, u] of [['POST', '/contacts/banks/'], ['GET', '/contacts/banks/'], ['GET', `/contacts/banks/${b.id}/`], ['PATCH', `/contacts/banks/${b.id}/`], ['DELETE', `/contacts/banks/${b.id}/`]] as const) {
      assertProblem(await h().req(m, u, { token: null, body: m === 'POST' || m === 'PATCH' ? {} : undefined }), 401);
    }
  });

  it("hides a deleted contact's bank accounts until it is restored", async () => {
    const c = await tenantWithContacts(h());
    const contact = await c.contact();
    const b = await createBank(c, contact.id, { is_primary: true });
    await c.req('DELETE', `/contacts/${contact.id}/`);
    assertProblem(await c.req('GET', `/contacts/banks/${b.id}/`), 404);
    assertProblem(await c.req('DELETE', `/contacts/banks/${b.id}/`), 404);
    assert.equal((await c.req('GET', '/contacts/banks/')).body.count, 0);
    await c.req('POST', `/contacts/${contact.id}/restore/`);
    assert.deepEqual((await c.req('GET', `/contacts/banks/${b.id}/`)).body, b);
  });

  // ---------------------------------------------------------------- list

  it('lists with filters contact, ifsc, search, tags, dates and ordering', async () => {
    const c = await tenantWithContacts(h());
    const x = await c.contact();
    const y = await c.contact();
    const b1 = await createBank(c, x.id, { account_no: '100000001', ifsc: 'HDFC0000001', bank_name: 'HDFC Bank', branch_name: 'Indiranagar', account_holder_name: 'Asha Rao', tags: ['salary'] });
    const b2 = await createBank(c, x.id, { account_no: '100000002', ifsc: 'SBIN0000002', bank_name: 'State Bank of India', branch_name: 'Fort', account_holder_name: 'Asha Rao', tags: ['loan'] });
    const b3 = await createBank(c, y.id, { account_no: '100000003', ifsc: 'HDFC0000001', bank_name: 'HDFC Bank', branch_name: 'Juhu', account_holder_name: 'Vikram Shah' });
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/')), [b3.id, b2.id, b1.id]);
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?ordering=created_at')), [b1.id, b2.id, b3.id]);
    assert.deepEqual(ids(await c.req('GET', `/contacts/banks/?contact=${x.id}`)), [b2.id, b1.id]);
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?ifsc=hdfc0000001')), [b3.id, b1.id]);
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?search=state%20bank')), [b2.id], 'bank_name');
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?search=JUHU')), [b3.id], 'branch_name');
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?search=asha')), [b2.id, b1.id], 'account_holder_name');
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?search=100000001')), [], 'account_no is not searched');
    assert.deepEqual(ids(await c.req('GET', '/contacts/banks/?tags=loan,none')), [b2.id]);
    assert.equal((await c.req('GET', '/contacts/banks/?created_at_after=2999-12-31')).body.count, 0);
    await c.req('PATCH', `/contacts/banks/${b1.id}/`, { body: { tags: ['touched'] } });
    assert.equal(ids(await c.req('GET', '/contacts/banks/?ordering=-updated_at'))[0], b1.id);
    assertFieldErrors(await c.req('GET', '/contacts/banks/?ordering=bank_name'), 'ordering');
    assertFieldErrors(await c.req('GET', '/contacts/banks/?contact=123&page_size=abc'), 'contact', 'page_size');
  });
});
