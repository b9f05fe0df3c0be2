import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { identifierKind, normalizeIdentifier } from '../../src/dedupe/identifiers.js';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { verifyDerived } from '../../src/resources/contacts/derived.verify.js';

// Date of birth in dedupe (CONTRACT §6a "Date of birth"): an identifier-like prop, normalized into
// a match key, evidence for and against (reason field `dob`), a blocking pass of its own, never a 409.

async function setup(h: Harness, token?: string) {
  const ns = await h.req('POST', '/namespaces/', { body: { name: 'borrowers' }, token });
  assert.equal(ns.status, 201, ns.text);
}

const contact = (name: string, props: { key: string; value: string }[] = []) => ({
  name,
  type: 'individual',
  namespace: 'borrowers',
  props: props.map((p) => ({ ...p, type: 'text' })),
});

async function create(h: Harness, token: string, name: string, props: { key: string; value: string }[] = [], address?: Record<string, string>): Promise<string> {
  const c = await h.req('POST', '/contacts/', { token, body: contact(name, props) });
  assert.equal(c.status, 201, c.text);
  if (address) {
    const a = await h.req('POST', '/contacts/addresses/', { token, body: { contact_id: c.body.id, ...address } });
    assert.equal(a.status, 201, a.text);
  }
  return c.body.id as string;
}

const dedupe = (h: Harness, token: string, body: Record<string, unknown>) => h.req('POST', '/contacts/dedupe/', { token, body: { type: 'individual', ...body } });

describeEngines('dedupe: date of birth', (h) => {
  it('every common spelling of one date is one match key; impossible, future and pre-1900 dates are stored as given and yield none', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const spellings: [string, string][] = [
      ['dob', '1990-08-05'],
      ['date_of_birth', '05/08/1990'],
      ['Date of Birth', '05-08-1990'],
      ['DOB', '05081990'],
      ['birth_date', '19900805'],
      ['D.O.B.', '5 Aug 1990'],
    ];
    const ids: string[] = [];
    for (const [key, value] of spellings) ids.push(await create(h(), t, `Person ${ids.length}`, [{ key, value }]));
    const keys = await h().db.query<{ contact_id: string; kind: string; value: string; prop_key: string }>(
      `SELECT contact_id, kind, value, prop_key FROM contact_match_keys WHERE contact_id = ANY($1) ORDER BY prop_key`,
      [ids],
    );
    assert.equal(keys.rows.length, spellings.length);
    assert.ok(keys.rows.every((k) => k.kind === 'dob' && k.value === '1990-08-05'), JSON.stringify(keys.rows));
    // Search finds them by the date written any of those ways.
    const found = await h().req('GET', `/contacts/?search=${encodeURIComponent('5 August 1990')}&page_size=50`, { token: t });
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(found.body.results.map((r: any) => r.id).sort(), [...ids].sort());

    const future = `${new Date().getUTCFullYear() + 1}-01-01`;
    const malformed = ['31/02/1990', '1990-13-01', future, '1899-12-31', 'sometime in 1990', '19551192'];
    for (const value of malformed) {
      const id = await create(h(), t, 'Malformed Date', [{ key: 'dob', value }]);
      const got = await h().req('GET', `/contacts/${id}/?expand=props`, { token: t });
      assert.equal(got.status, 200, got.text);
      assert.deepEqual(
        got.body.props.map((p: any) => [p.key, p.value]),
        [['dob', value]],
        'stored as given',
      );
      const none = await h().db.query(`SELECT 1 FROM contact_match_keys WHERE contact_id = $1`, [id]);
      assert.equal(none.rows.length, 0, `${value} yields no match key`);
    }
  });

  it('a date of birth never blocks a write', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    await create(h(), t, 'Anita Desai', [{ key: 'dob', value: '1971-04-12' }]);
    const twin = await h().req('POST', '/contacts/', { token: t, body: contact('Anita Desai', [{ key: 'date_of_birth', value: '12/04/1971' }]) });
    assert.equal(twin.status, 201, twin.text);
  });

  it('the same birth date finds a misspelt name living elsewhere (the birth-date pass): exact agreement is strong evidence', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const sneha = await create(h(), t, 'Sneha Chauhan', [{ key: 'date_of_birth', value: '1990-08-05' }], { pincode: '400001', address_line: '12 Marine Drive' });
    await create(h(), t, 'Kavya Iyer', [{ key: 'date_of_birth', value: '1990-08-05' }], { pincode: '600001', address_line: '4 Anna Salai' });
    // Another pincode, no identifier, a name whose spelling sorts and sounds elsewhere: without the
    // birth date nothing ties the two.
    const query = { name: 'Snehaa Chowhan', addresses: [{ pincode: '560001', address_line: '7 Brigade Road' }] };
    const without = await dedupe(h(), t, query);
    assert.equal(without.status, 200, without.text);
    assert.ok(!without.body.results.some((r: any) => r.contact.id === sneha), without.text);

    const res = await dedupe(h(), t, { ...query, props: [{ key: 'DOB', value: '05/08/1990' }] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.results.map((r: any) => r.contact.id), [sneha], 'Kavya Iyer shares the date, not the name');
    const [hit] = res.body.results;
    assert.equal(hit.band, 'probable', JSON.stringify(hit));
    assert.deepEqual(hit.reasons[0], { field: 'dob', match: 'exact' });
  });

  it('a different birth date weighs against; a keying error of the date is partial agreement, named in the reason', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const address = { pincode: '411001', address_line: 'Flat 304, Sai Residency, MG Road' };
    const id = await create(h(), t, 'Mahesh Patil', [{ key: 'dob', value: '1985-03-07' }], address);
    // No pincode in the query, so the birth date decides between probable and nothing.
    const ask = async (dob: string) => {
      const res = await dedupe(h(), t, { name: 'Mahesh Patil', props: [{ key: 'dob', value: dob }] });
      assert.equal(res.status, 200, res.text);
      return res.body.results.find((r: any) => r.contact.id === id);
    };
    const same = await ask('07-03-1985');
    const swapped = await ask('1985-07-03');
    const typo = await ask('1985-03-09');
    const other = await ask('1962-11-23');
    assert.deepEqual(same.reasons.find((r: any) => r.field === 'dob'), { field: 'dob', match: 'exact' });
    assert.deepEqual(swapped.reasons.find((r: any) => r.field === 'dob'), { field: 'dob', match: 'partial', detail: 'day and month swapped' });
    assert.deepEqual(typo.reasons.find((r: any) => r.field === 'dob'), { field: 'dob', match: 'partial', detail: 'one digit differs' });
    for (const r of [same, swapped, typo]) assert.equal(r.band, 'probable', JSON.stringify(r));
    assert.ok(same.score >= swapped.score && same.score > typo.score - 1e-9, `${same.score} ≥ ${swapped.score}, ${typo.score}`);
    // Namesakes born on different days are not a match (an identical name alone would be possible).
    assert.equal(other, undefined, JSON.stringify(other));
    const namesake = await dedupe(h(), t, { name: 'Mahesh Patil', addresses: [{ pincode: '411001' }], props: [{ key: 'dob', value: '1962-11-23' }] });
    const atPincode = namesake.body.results.find((r: any) => r.contact.id === id);
    assert.ok(atPincode === undefined || atPincode.band !== 'probable', JSON.stringify(atPincode));
    if (atPincode) assert.deepEqual(atPincode.reasons.find((r: any) => r.field === 'dob'), { field: 'dob', match: 'mismatch' });
  });

  it('the same birth date and home with half a name is a possible for review, never probable (a twin, a relative)', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const address = { pincode: '411001', address_line: '12, Karve Road, Kothrud' };
    const id = await create(h(), t, 'Rohan Kulkarni', [{ key: 'dob', value: '1992-06-30' }], address);
    const res = await dedupe(h(), t, { name: 'Rahul Kulkarni', props: [{ key: 'dob', value: '30/06/1992' }], addresses: [address] });
    assert.equal(res.status, 200, res.text);
    const hit = res.body.results.find((r: any) => r.contact.id === id);
    assert.equal(hit?.band, 'possible', res.text);
    assert.ok(hit.reasons.some((r: any) => r.field === 'name' && r.match === 'mismatch'));
  });

  it('a malformed birth date in the query is reported, never evidence', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const id = await create(h(), t, 'Farhan Qureshi', [{ key: 'dob', value: '1979-02-28' }], { pincode: '110001' });
    const res = await dedupe(h(), t, { name: 'Farhan Qureshi', props: [{ key: 'dob', value: '31/02/1979' }], addresses: [{ pincode: '110001' }] });
    assert.equal(res.status, 200, res.text);
    const hit = res.body.results.find((r: any) => r.contact.id === id);
    assert.ok(hit, res.text);
    assert.ok(!hit.reasons.some((r: any) => r.field === 'dob' && r.match !== 'invalid_identifier'), 'no evidence either way');
    assert.deepEqual(
      hit.reasons.find((r: any) => r.match === 'invalid_identifier'),
      { field: 'dob', match: 'invalid_identifier', detail: 'date of birth is not a real date' },
    );
  });
});

describeEngines('dedupe: dates of birth written before migration 0020', (h) => {
  const migration = readFileSync(`${MIGRATIONS_DIR}0020_dob_match_keys.sql`, 'utf8');

  it('the migration reads keys and dates as the service does (dob_key_kind, dob_match_value)', async () => {
    const keys = ['dob', 'DOB', 'D.O.B.', 'Date of Birth', ' date-of-birth ', 'birth_date', 'BirthDate', 'dateofbirth', 'date_birth', 'dob_date', 'birthday', 'dob2', 'pan', '_dob_'];
    const values = [
      ...['1990-08-05', '05/08/1990', '5-8-1990', '05081990', '19900805', '5 Aug 1990', '05-AUG-1990', '5 Sept. 1990', '05aug1990', ' 1990/8/5 ', '29 Feb 2000'],
      ...['31/02/1990', '1990-13-01', '1899-12-31', '2999-01-01', '19551192', '00000000', '0000-01-01', '29 feb 1900', '5 Smarch 1990', '', '12345678', '01011900'],
      ...fc.sample(fc.stringMatching(/^[0-9]{8}$/), { numRuns: 200, seed: 26 }),
      ...fc.sample(fc.stringMatching(/^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}$/), { numRuns: 200, seed: 27 }),
      ...fc.sample(fc.tuple(fc.integer({ min: 0, max: 35 }), fc.constantFrom('jan', 'Feb', 'MARCH', 'sept', 'jun', 'xyz', 'dece'), fc.integer({ min: 1890, max: 2100 })).map(([d, m, y]) => `${d} ${m} ${y}`), { numRuns: 100, seed: 28 }),
    ];
    const res = await h().db.query<{ key: string; kind: string | null }>(`SELECT k AS key, dob_key_kind(k) AS kind FROM unnest($1::text[]) k`, [keys]);
    for (const r of res.rows) assert.equal(r.kind, identifierKind(r.key) === 'dob' ? 'dob' : null, r.key);
    const dates = await h().db.query<{ raw: string; value: string | null }>(`SELECT v AS raw, dob_match_value(v) AS value FROM unnest($1::text[]) v`, [values]);
    for (const r of dates.rows) {
      const ts = normalizeIdentifier('dob', r.raw);
      assert.equal(r.value, ts.ok ? ts.value : null, JSON.stringify(r.raw));
    }
  });

  it('contacts holding a date of birth without its match key get it from the migration, as the service writes it', async () => {
    const tenant = h().tenant();
    const t = await h().token(tenant);
    await setup(h(), t);
    await create(h(), t, 'Asha Rao', [{ key: 'Date of Birth', value: '05/08/1990' }, { key: 'pan', value: 'ASHPR1234K' }]);
    await create(h(), t, 'Bina Das', [{ key: 'DOB', value: '19620304' }, { key: 'dob_date', value: '31/02/1990' }]);
    await create(h(), t, 'Chetan Shah', [{ key: 'occupation', value: 'farmer' }]);
    // What a database written before 0020 holds: the props, no 'dob' keys.
    await h().db.query(`DELETE FROM contact_match_keys WHERE kind = 'dob'`);
    assert.ok((await verifyDerived(h().db, tenant)).length > 0, 'without the keys the data is not consistent');
    await h().db.exec(migration.slice(migration.indexOf('INSERT INTO contact_match_keys')));
    assert.deepEqual(await verifyDerived(h().db, tenant), []);
  });
});

describeEngines('dedupe: typing errors in pincodes and names', (h) => {
  it('a mistyped pincode still finds the same home: the pincode counts as shared, the reason says one digit differs', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const id = await create(h(), t, 'Jake Grosser', [], { pincode: '560034', address_line: '3 Lexcen Avenue, Horseshoe Bend' });
    // A typo in the surname that sorts it away from the original, and the pincode's last two digits swapped.
    const res = await dedupe(h(), t, { name: 'Jake Grodser', addresses: [{ pincode: '560043', address_line: '3 lexcen a venue, horseshoe bend' }] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.results.map((r: any) => [r.contact.id, r.band]), [[id, 'probable']]);
    const reasons = res.body.results[0].reasons;
    assert.deepEqual(reasons.find((r: any) => r.field === 'pincode'), { field: 'pincode', match: 'partial', detail: 'one digit differs' });
    assert.equal(reasons.find((r: any) => r.field === 'address_line')?.match, 'fuzzy');
  });

  it('a split word, given name and surname swapped, a missing given name: still the same person', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const address = { pincode: '411038', address_line: '45 Karve Road, Kothrud' };
    const id = await create(h(), t, 'Pallavi Blackwell', [], address);
    for (const name of ['Pallavi Black Well', 'Blackwell Pallavi', 'Blackwell', 'Palavi Blackwel']) {
      const res = await dedupe(h(), t, { name, addresses: [address] });
      assert.equal(res.status, 200, res.text);
      const hit = res.body.results.find((r: any) => r.contact.id === id);
      assert.equal(hit?.band, 'probable', `${name}: ${res.text}`);
    }
  });
});

describeEngines('dedupe: strict date of birth', (h) => {
  it('IDENTIFIER_VALIDATION=strict: an impossible, future or unreadable date of birth is a 400 naming the prop', async () => {
    await setup(h());
    for (const value of ['31/02/1990', '2999-01-01', '1899-12-31', 'last tuesday']) {
      const res = await h().req('POST', '/contacts/', { body: contact('Sukumar', [{ key: 'note', value: 'x' }, { key: 'Date of Birth', value }]) });
      assert.equal(res.status, 400, `${value}: ${res.text}`);
      assert.ok(res.body.errors['props.1.value'], res.text);
    }
    const ok = await h().req('POST', '/contacts/', { body: contact('Sukumar', [{ key: 'Date of Birth', value: '29 Feb 2000' }]) });
    assert.equal(ok.status, 201, ok.text);
  });
}, { identifierValidation: 'strict' });
