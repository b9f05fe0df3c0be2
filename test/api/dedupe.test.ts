import assert from 'node:assert/strict';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { verhoeffCheckDigit } from '../../src/dedupe/checksums.js';
import { addressLineNumbers } from '../../src/dedupe/address.js';
import { NAME_ONLY_MAX_BLOCK } from '../../src/dedupe/score.js';
import { findCandidates } from '../../src/resources/dedupe/dedupe.queries.js';
import { planDedupe } from '../../src/resources/dedupe/dedupe.match.js';

// A valid PAN (individual holder 'P') and a GSTIN embedding it (check character computed).
const PAN = 'ABCPE1234F';
const GSTIN_OF_CORP = '27AAPFU0939F1ZV'; // embeds PAN AAPFU0939F (firm)

async function setup(h: Harness, token?: string) {
  const ns = await h.req('POST', '/namespaces/', { body: { name: 'borrowers' }, token });
  assert.equal(ns.status, 201, ns.text);
}

/** Two valid Aadhaar numbers (Verhoeff check digit) that end in the same four digits. */
function aadhaarPairSharingLast4(): [string, string] {
  const withCheck = (body: string) => `${body}${verhoeffCheckDigit(body)}`;
  const a = withCheck('23412341234');
  for (let p = 5000000; ; p++) {
    const b = withCheck(`${p}${a.slice(7, 11)}`);
    if (b.slice(8) === a.slice(8)) return [a, b];
  }
}

const contact = (name: string, props: { key: string; value: string }[] = [], extra: Record<string, unknown> = {}) => ({
  name,
  type: 'individual',
  namespace: 'borrowers',
  props: props.map((p) => ({ ...p, type: 'text' })),
  ...extra,
});

describeEngines('dedupe', (h) => {
  it('blocks a second live contact with the same PAN, naming the holder', async () => {
    await setup(h());
    const first = await h().req('POST', '/contacts/', { body: contact('Rahul Sharma', [{ key: 'pan_no', value: PAN }]) });
    assert.equal(first.status, 201, first.text);
    // Differently written, same normalized PAN.
    const second = await h().req('POST', '/contacts/', { body: contact('R Sharma', [{ key: 'PAN', value: ' abcpe1234f ' }]) });
    assert.equal(second.status, 409, second.text);
    assert.equal(second.body.code, 'duplicate');
    assert.equal(second.body.duplicate_of, first.body.id);
    const count = await h().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE name = 'R Sharma'`);
    assert.equal(count.rows[0]!.n, 0, 'a blocked create writes nothing');
  });

  it('on_duplicate=allow needs a reason and records the override in the audit entry', async () => {
    const noReason = await h().req('POST', '/contacts/?on_duplicate=allow', { body: contact('Rahul S', [{ key: 'pan_no', value: PAN }]) });
    assert.equal(noReason.status, 400);
    assert.ok(noReason.body.errors.reason);
    const emptyReason = await h().req('POST', '/contacts/?on_duplicate=allow&reason=%20', { body: contact('Rahul S', [{ key: 'pan_no', value: PAN }]) });
    assert.equal(emptyReason.status, 400);
    const ok = await h().req('POST', '/contacts/?on_duplicate=allow&reason=joint%20account%20holder', { body: contact('Rahul S', [{ key: 'pan_no', value: PAN }]) });
    assert.equal(ok.status, 201, ok.text);
    const audit = await h().db.query<{ comment: string }>(`SELECT comment FROM audit_log WHERE object_id = $1 AND action_type = 'create'`, [ok.body.id]);
    assert.match(audit.rows[0]!.comment, /duplicate override \(duplicate_of [0-9A-Z]{26}\): joint account holder/);
  });

  it('a GSTIN blocks through the PAN it embeds, in both directions', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const corp = await h().req('POST', '/contacts/', { token: t, body: { ...contact('Umbrella Traders'), type: 'corporate', props: [{ key: 'gstin', value: GSTIN_OF_CORP, type: 'text' }] } });
    assert.equal(corp.status, 201, corp.text);
    const byPan = await h().req('POST', '/contacts/', { token: t, body: { ...contact('Umbrella Traders Firm'), type: 'corporate', props: [{ key: 'pan', value: 'AAPFU0939F', type: 'text' }] } });
    assert.equal(byPan.status, 409, byPan.text);
    assert.equal(byPan.body.duplicate_of, corp.body.id);
  });

  it('PATCH and PUT props that add a held PAN are blocked; unrelated PATCHes are not', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const a = await h().req('POST', '/contacts/', { token: t, body: contact('Asha Verma', [{ key: 'pan', value: 'ASHPV1234K' }]) });
    const b = await h().req('POST', '/contacts/', { token: t, body: contact('Bina Rao') });
    assert.equal(b.status, 201);
    const patch = await h().req('PATCH', `/contacts/${b.body.id}/`, { token: t, body: { props: [{ key: 'pan', value: 'ASHPV1234K', type: 'text' }] } });
    assert.equal(patch.status, 409, patch.text);
    assert.equal(patch.body.duplicate_of, a.body.id);
    const put = await h().req('PUT', `/contacts/${b.body.id}/props/`, { token: t, body: [{ key: 'pan_no', value: 'ashpv1234k', type: 'text' }] });
    assert.equal(put.status, 409, put.text);
    const props = await h().req('GET', `/contacts/${b.body.id}/props/`, { token: t });
    assert.deepEqual(props.body, [], 'blocked writes leave the props unchanged');
    const rename = await h().req('PATCH', `/contacts/${a.body.id}/`, { token: t, body: { name: 'Asha V' } });
    assert.equal(rename.status, 200, rename.text);
  });

  it('deleted contacts do not block; restore is blocked when the PAN is held again', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const a = await h().req('POST', '/contacts/', { token: t, body: contact('Kiran Das', [{ key: 'pan', value: 'KIRPD1234L' }]) });
    assert.equal((await h().req('DELETE', `/contacts/${a.body.id}/`, { token: t })).status, 204);
    const b = await h().req('POST', '/contacts/', { token: t, body: contact('Kiran Das', [{ key: 'pan', value: 'KIRPD1234L' }]) });
    assert.equal(b.status, 201, b.text);
    const restore = await h().req('POST', `/contacts/${a.body.id}/restore/`, { token: t });
    assert.equal(restore.status, 409, restore.text);
    assert.equal(restore.body.duplicate_of, b.body.id);
    const forced = await h().req('POST', `/contacts/${a.body.id}/restore/?on_duplicate=allow&reason=merge%20pending`, { token: t });
    assert.equal(forced.status, 200, forced.text);
  });

  it('an invalid PAN is stored as given and does not block (lenient mode)', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const body = contact('Sukumar', [{ key: 'pan_no', value: '123254684' }]);
    assert.equal((await h().req('POST', '/contacts/', { token: t, body })).status, 201);
    assert.equal((await h().req('POST', '/contacts/', { token: t, body })).status, 201);
  });

  it('dedupe endpoint: exact PAN first, fuzzy names explained, sorted by score', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const exact = await h().req('POST', '/contacts/', { token: t, body: contact('Mohammed Iqbal Khan', [{ key: 'pan', value: 'MOHPK1234A' }]) });
    const fuzzy = await h().req('POST', '/contacts/', { token: t, body: contact('Mohd Iqbal Khan', [{ key: 'mobile', value: '9876543210' }]) });
    await h().req('POST', '/contacts/', { token: t, body: contact('Priya Natarajan') });
    const res = await h().req('POST', '/contacts/dedupe/', {
      token: t,
      body: { name: 'Md. Iqbal Khan', type: 'individual', props: [{ key: 'pan_no', value: 'MOHPK1234A', type: 'text' }, { key: 'mobile', value: '+91 98765 43210', type: 'text' }] },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.count >= 2);
    assert.equal(res.body.results[0].contact.id, exact.body.id);
    assert.equal(res.body.results[0].band, 'exact');
    assert.ok(res.body.results[0].reasons.some((r: any) => r.field === 'pan_no' && r.match === 'exact'));
    const second = res.body.results.find((r: any) => r.contact.id === fuzzy.body.id);
    assert.ok(second, 'the transliteration variant is found');
    assert.notEqual(second.band, 'exact', 'a shared mobile is at most probable');
    assert.ok(second.reasons.some((r: any) => r.field === 'mobile' && r.match === 'exact'));
    assert.ok(!res.body.results.some((r: any) => r.contact.name === 'Priya Natarajan'));
    const scores = res.body.results.map((r: any) => r.score);
    assert.deepEqual(scores, [...scores].sort((a: number, b: number) => b - a));
  });

  it('partial identifiers: a mistyped PAN or the same Aadhaar last four digits find a similar name', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const [aadhaar, sameLast4] = aadhaarPairSharingLast4();
    // No pincodes and names that do not sound alike: only the partial-identifier pass can find these.
    const sneha = await h().req('POST', '/contacts/', { token: t, body: contact('Sneha Chauhan', [{ key: 'pan', value: 'SNEPC1234K' }]) });
    const nidhi = await h().req('POST', '/contacts/', { token: t, body: contact('Nidhi Sharma', [{ key: 'aadhaar', value: aadhaar }]) });
    const other = await h().req('POST', '/contacts/', { token: t, body: contact('Rahul Verma', [{ key: 'aadhaar', value: sameLast4 }, { key: 'pan', value: 'SNEPC1243K' }]) });
    for (const r of [sneha, nidhi, other]) assert.equal(r.status, 201, r.text);

    const byPan = await h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'S. Chauhgan', type: 'individual', props: [{ key: 'pan_no', value: 'SNEPC1284K' }] } });
    assert.equal(byPan.status, 200, byPan.text);
    assert.deepEqual(byPan.body.results.map((r: any) => r.contact.id), [sneha.body.id], 'the unrelated holder of a near PAN is not a match');
    assert.equal(byPan.body.results[0].band, 'probable');
    assert.deepEqual(byPan.body.results[0].reasons[0], { field: 'pan_no', match: 'partial', detail: 'one character differs' });

    const byAadhaar = await h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'Nisdhi Sharma', type: 'individual', props: [{ key: 'aadhaar', value: sameLast4 }] } });
    assert.equal(byAadhaar.status, 200, byAadhaar.text);
    assert.deepEqual(byAadhaar.body.results.map((r: any) => r.contact.id), [nidhi.body.id], 'Rahul Verma shares the digits but not the name');
    assert.equal(byAadhaar.body.results[0].band, 'probable');
    assert.ok(byAadhaar.body.results[0].reasons.some((r: any) => r.field === 'aadhaar' && r.match === 'partial'));
  });

  it('pincode neighbourhood: a misspelt name finds the oldest of more contacts at its pincode than the neighbourhood reads', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const at = (pincode: string) => ({ contact_id: '', pincode });
    const add = async (name: string, pincode: string) => {
      const c = await h().req('POST', '/contacts/', { token: t, body: contact(name) });
      assert.equal(c.status, 201, c.text);
      const a = await h().req('POST', '/contacts/addresses/', { token: t, body: { ...at(pincode), contact_id: c.body.id, city: 'Pune' } });
      assert.equal(a.status, 201, a.text);
      return c.body.id as string;
    };
    const oldest = await add('Rahul Gupta', '411001');
    // Newer namesakes-to-be of every other surname at the same pincode, more than the neighbourhood.
    const surnames = ['Agarwal', 'Bose', 'Chopra', 'Desai', 'Fernandes', 'Ghosh', 'Iyer', 'Joshi', 'Kapoor', 'Mehta', 'Nair', 'Patel', 'Rao', 'Shah', 'Verma'];
    for (const s of surnames) for (const f of ['Amit', 'Neha', 'Vikram']) await add(`${f} ${s}`, '411001');
    const res = await h().req('POST', '/contacts/dedupe/', {
      token: t,
      body: { name: 'Rahusl Gupta', type: 'individual', addresses: [{ pincode: '411001' }], min_score: 0.8 },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.results.map((r: any) => r.contact.id), [oldest]);
    assert.ok(res.body.results[0].reasons.some((r: any) => r.field === 'pincode' && r.match === 'exact'));
  });

  it('address lines at a shared pincode: the same home makes a probable match, another home at the pincode weighs against', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const add = async (name: string, mobile: string, address_line: string) => {
      const c = await h().req('POST', '/contacts/', { token: t, body: contact(name, [{ key: 'mobile', value: mobile }]) });
      assert.equal(c.status, 201, c.text);
      const a = await h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: c.body.id, pincode: '411001', address_line, city: 'Pune' } });
      assert.equal(a.status, 201, a.text);
      return { id: c.body.id as string, address: a.body.id as string };
    };
    const home = await add('Mahesh Patil', '9876543210', 'Flat 304, Sai Residency, MG Road');
    const neighbour = await add('Mahesh Patil', '9000000001', 'Flat 1102, Sai Residency, MG Road');
    // The same person re-entered with a new mobile and a misspelt name.
    const query = (addresses: unknown[]) =>
      h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'Mahesh Patel', type: 'individual', props: [{ key: 'mobile', value: '9123456780' }], addresses } });
    const withLine = await query([{ pincode: '411001', address_line: '304 Sai Residancy M.G. Rd', city: 'Pune' }]);
    assert.equal(withLine.status, 200, withLine.text);
    const byId = new Map(withLine.body.results.map((r: any) => [r.contact.id, r]));
    const found: any = byId.get(home.id);
    assert.equal(found.band, 'probable', JSON.stringify(found));
    assert.equal(withLine.body.results[0].contact.id, home.id);
    const line = found.reasons.find((r: any) => r.field === 'address_line');
    assert.equal(line.match, 'fuzzy');
    assert.ok(line.similarity >= 0.8 && line.similarity <= 1);
    const other: any = byId.get(neighbour.id);
    assert.ok(other === undefined || (other.band === 'possible' && other.reasons.some((r: any) => r.field === 'address_line' && r.match === 'mismatch')), JSON.stringify(other));
    // The pincode alone, or a line with a null, leaves both below probable.
    for (const addresses of [[{ pincode: '411001' }], [{ pincode: '411001', address_line: null }]]) {
      const res = await query(addresses);
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.results.every((r: any) => r.band !== 'probable' && !r.reasons.some((x: any) => x.field === 'address_line')), res.text);
    }
    // A deleted address is not evidence.
    assert.equal((await h().req('DELETE', `/contacts/addresses/${home.address}/`, { token: t })).status, 204);
    const afterDelete = await query([{ pincode: '411001', address_line: '304 Sai Residancy M.G. Rd' }]);
    assert.ok(afterDelete.body.results.every((r: any) => r.contact.id !== home.id || r.band !== 'probable'), afterDelete.text);
    // A line that is not a string is a 400 naming it.
    const bad = await query([{ pincode: '411001', address_line: 42 }]);
    assert.equal(bad.status, 400, bad.text);
    assert.match(JSON.stringify(bad.body.errors), /address_line/);
  });

  it('address pass: the same house number at the pincode finds a name the pincode pass does not', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const c = await h().req('POST', '/contacts/', { token: t, body: contact('Pallavi Kadam') });
    assert.equal(c.status, 201, c.text);
    const a = await h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: c.body.id, pincode: '411038', address_line: 'H.No. 045/2, Karve Road, Kothrud' } });
    assert.equal(a.status, 201, a.text);
    const query = (address_line?: string) =>
      h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'Kdaam Phallvai', type: 'individual', addresses: [{ pincode: '411038', address_line }] } });
    // Without the line, neither the pincode pass (name trigram similarity 0.16, below 0.3) nor the
    // phonetic block (another phonetic key: "Phallvai") finds it.
    const without = await query();
    assert.equal(without.status, 200, without.text);
    assert.deepEqual(without.body.results, []);
    const withLine = await query('45/2 Karve Rd Kothrud');
    assert.equal(withLine.status, 200, withLine.text);
    assert.deepEqual(withLine.body.results.map((r: any) => [r.contact.id, r.band]), [[c.body.id, 'probable']]);
    assert.ok(withLine.body.results[0].reasons.some((r: any) => r.field === 'address_line' && r.match === 'exact'));
  });

  it('name-only members: a namesake is scored possible; one holding another mobile, or any in a block over NAME_ONLY_MAX_BLOCK, is not read', async () => {
    const tenant = h().tenant();
    const t = await h().token(tenant);
    await setup(h(), t);
    const plain = await h().req('POST', '/contacts/', { token: t, body: contact('Rahul Sharma') });
    const mobile = await h().req('POST', '/contacts/', { token: t, body: contact('Rahul Sharma', [{ key: 'mobile', value: '9876543210' }]) });
    assert.equal(plain.status, 201, plain.text);
    assert.equal(mobile.status, 201, mobile.text);
    const body = (props: { key: string; value: string }[]) => ({ name: 'Rahul Sharma', type: 'individual' as const, props, addresses: [], namespace: null });
    const fetched = async (props: { key: string; value: string }[]) =>
      (await findCandidates(h().appDb.forTenant(tenant), tenant, planDedupe(body(props)).query)).rows.map((r) => r.id).sort();
    const results = async (props: { key: string; value: string }[]) => {
      const res = await h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'Rahul Sharma', type: 'individual', props } });
      assert.equal(res.status, 200, res.text);
      return res.body.results.map((r: any) => [r.contact.id, r.band]).sort();
    };
    // A name alone: both namesakes are read and both are possible.
    assert.deepEqual(await fetched([]), [plain.body.id, mobile.body.id].sort());
    assert.deepEqual(await results([]), [[plain.body.id, 'possible'], [mobile.body.id, 'possible']].sort());
    // With another mobile, the namesake holding one is left unread: it could not have scored possible.
    assert.deepEqual(await fetched([{ key: 'mobile', value: '9876543211' }]), [plain.body.id]);
    assert.deepEqual(await results([{ key: 'mobile', value: '9876543211' }]), [[plain.body.id, 'possible']]);
    // Sharing the mobile, it is fetched by the shared-identifier pass (and is probable).
    assert.deepEqual(await fetched([{ key: 'mobile', value: '+91 98765 43210' }]), [plain.body.id, mobile.body.id].sort());
    // A block of more than NAME_ONLY_MAX_BLOCK namesakes: none is read for the name alone.
    const keys = await h().db.query<{ namespace_id: string; name_key: string; name_phonetic: string }>(
      'SELECT namespace_id, name_key, name_phonetic FROM contacts WHERE tenant_id = $1 AND id = $2', [tenant, plain.body.id]);
    const k = keys.rows[0]!;
    const now = new Date();
    await h().db.query(
      `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, name_key, name_phonetic, created_at, created_by, updated_at)
       SELECT $1, 'ZZ' || lpad(g::text, 24, '0'), $2, 'Rahul Sharma', 'active', 'individual', $3, $4, $5, 'test', $5 FROM generate_series(1, $6::int) g`,
      [tenant, k.namespace_id, k.name_key, k.name_phonetic, now, NAME_ONLY_MAX_BLOCK - 2],
    );
    assert.equal((await fetched([])).length, 5, 'a block of NAME_ONLY_MAX_BLOCK: the 5 most recent members');
    await h().db.query(
      `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, name_key, name_phonetic, created_at, created_by, updated_at)
       VALUES ($1, 'ZZZ', $2, 'Rahul Sharma', 'active', 'individual', $3, $4, $5, 'test', $5)`,
      [tenant, k.namespace_id, k.name_key, k.name_phonetic, now],
    );
    assert.deepEqual(await fetched([]), []);
    assert.deepEqual(await results([]), []);
  });

  it('the stored house-number key (migration 0011) equals addressLineNumbers()', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const c = await h().req('POST', '/contacts/', { token: t, body: contact('Key Check') });
    const lines = ['H.No. 045/2, MG Rd', 'Flat 0304, Sai Apts', 'No digits here', '000 Road 7', '12A-3B Sector 04', 'Room #0', 'Plot 12/0-07, Sector 9'];
    for (const address_line of lines) {
      const a = await h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: c.body.id, pincode: '560001', address_line } });
      assert.equal(a.status, 201, a.text);
      const stored = await h().db.query<{ line_numbers: string }>('SELECT line_numbers FROM contact_addresses WHERE id = $1', [a.body.id]);
      assert.equal(stored.rows[0]!.line_numbers, addressLineNumbers(address_line), address_line);
    }
  });

  it('an address carries its contact’s name key, also after a rename (migration 0008 triggers)', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const c = await h().req('POST', '/contacts/', { token: t, body: contact('Sharma Rahul') });
    const a = await h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: c.body.id, pincode: '560001' } });
    assert.equal(a.status, 201, a.text);
    const keyOf = async () => (await h().db.query<{ name_key: string }>('SELECT name_key FROM contact_addresses WHERE id = $1', [a.body.id])).rows[0]!.name_key;
    assert.equal(await keyOf(), 'rahul sharma');
    const renamed = await h().req('PATCH', `/contacts/${c.body.id}/`, { token: t, body: { name: 'Priya Nair' } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(await keyOf(), 'nair priya');
    const found = await h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'Priya Nayr', addresses: [{ pincode: '560001' }] } });
    assert.deepEqual(found.body.results.map((r: any) => r.contact.id), [c.body.id], 'found at the pincode under the new name');
  });

  it('match keys carry their contact’s name key, also after a rename (migration 0012 triggers)', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const [aadhaar] = aadhaarPairSharingLast4();
    const c = await h().req('POST', '/contacts/', { token: t, body: contact('Sharma Rahul', [{ key: 'aadhaar', value: aadhaar }, { key: 'mobile', value: '9876500001' }]) });
    assert.equal(c.status, 201, c.text);
    const keysOf = async () =>
      (await h().db.query<{ kind: string; name_key: string }>('SELECT kind, name_key FROM contact_match_keys WHERE contact_id = $1 ORDER BY kind', [c.body.id])).rows;
    assert.deepEqual(await keysOf(), [
      { kind: 'aadhaar', name_key: 'rahul sharma' },
      { kind: 'mobile', name_key: 'rahul sharma' },
    ]);
    const renamed = await h().req('PATCH', `/contacts/${c.body.id}/`, { token: t, body: { name: 'Priya Nair' } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.ok((await keysOf()).every((k) => k.name_key === 'nair priya'));
    // The Aadhaar pass finds the holder under the new name (and no longer under the old one).
    const byAadhaar = (name: string) => h().req('POST', '/contacts/dedupe/', { token: t, body: { name, props: [{ key: 'aadhaar', value: aadhaar }] } });
    assert.deepEqual((await byAadhaar('Priya Nayar')).body.results.map((r: any) => r.contact.id), [c.body.id]);
    assert.deepEqual((await byAadhaar('Rahul Sharma')).body.results, []);
  });

  it('a contact carries its props and addresses for the candidate query through every write path (migration 0014)', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const c = await h().req('POST', '/contacts/', { token: t, body: contact('Copy Check', [{ key: 'pan_no', value: 'ABCPC1234F' }, { key: 'mobile', value: '9876500011' }]) });
    assert.equal(c.status, 201, c.text);
    const id = c.body.id as string;
    const copies = async () =>
      (await h().db.query<{ match_props: [string, string, string][]; match_addresses: [string, string | null][] }>(
        'SELECT match_props, match_addresses FROM contacts WHERE id = $1', [id])).rows[0]!;
    /** The contact's props as the API lists them (key order), in the copy's shape. */
    const propsNow = async () => ((await h().req('GET', `/contacts/${id}/props/`, { token: t })).body as any[]).map((p) => [p.id, p.key, p.value]);

    assert.deepEqual((await copies()).match_props.map(([, k, v]) => [k, v]), [['mobile', '9876500011'], ['pan_no', 'ABCPC1234F']]);
    assert.deepEqual((await copies()).match_props, await propsNow());
    assert.deepEqual((await copies()).match_addresses, []);

    const put = await h().req('PUT', `/contacts/${id}/props/`, { token: t, body: [{ key: 'mobile', value: '9876500012', type: 'text' }, { key: 'email', value: 'copy@example.com', type: 'text' }] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await copies()).match_props.map(([, k, v]) => [k, v]), [['email', 'copy@example.com'], ['mobile', '9876500012'], ['pan_no', 'ABCPC1234F']]);
    assert.equal((await h().req('DELETE', `/contacts/${id}/props/?keys=email`, { token: t })).status, 204);
    const patched = await h().req('PATCH', `/contacts/${id}/`, { token: t, body: { props: [{ key: 'mobile', value: '9876500013', type: 'text' }] } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual((await copies()).match_props.map(([, k, v]) => [k, v]), [['mobile', '9876500013'], ['pan_no', 'ABCPC1234F']]);
    assert.deepEqual((await copies()).match_props, await propsNow());

    const home = await h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: id, pincode: '560001', address_line: 'H.No. 12, MG Rd' } });
    assert.equal(home.status, 201, home.text);
    const noPincode = await h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: id, address_line: 'Somewhere' } });
    assert.equal(noPincode.status, 201, noPincode.text);
    assert.deepEqual((await copies()).match_addresses, [['560001', 'H.No. 12, MG Rd']], 'only addresses with a pincode');
    const moved = await h().req('PATCH', `/contacts/addresses/${home.body.id}/`, { token: t, body: { pincode: '560002' } });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual((await copies()).match_addresses, [['560002', 'H.No. 12, MG Rd']]);
    // The endpoint scores the copy: the new pincode agrees, the old one is gone.
    const pincodeReason = async (pincode: string) => {
      const r = await h().req('POST', '/contacts/dedupe/', { token: t, body: { name: 'Copy Check', props: [{ key: 'mobile', value: '9876500013' }], addresses: [{ pincode }] } });
      assert.equal(r.status, 200, r.text);
      return r.body.results[0].reasons.find((x: any) => x.field === 'pincode')?.match;
    };
    assert.equal(await pincodeReason('560002'), 'exact');
    assert.notEqual(await pincodeReason('560001'), 'exact');
    assert.equal((await h().req('DELETE', `/contacts/addresses/${home.body.id}/`, { token: t })).status, 204);
    assert.deepEqual((await copies()).match_addresses, []);
  });

  it('parallel address and props writes to one contact all land in its copies (no deadlock)', async () => {
    const t = await h().token(h().tenant());
    await setup(h(), t);
    const c = await h().req('POST', '/contacts/', { token: t, body: contact('Many Homes') });
    const pincodes = Array.from({ length: 8 }, (_, i) => `56000${i}`);
    const keys = Array.from({ length: 6 }, (_, i) => `note_${i}`);
    const results = await Promise.all([
      ...pincodes.map((pincode) => h().req('POST', '/contacts/addresses/', { token: t, body: { contact_id: c.body.id, pincode } })),
      ...keys.map((key) => h().req('PUT', `/contacts/${c.body.id}/props/`, { token: t, body: [{ key, value: key, type: 'text' }] })),
    ]);
    for (const r of results) assert.ok(r.status === 200 || r.status === 201, r.text);
    const row = await h().db.query<{ match_props: [string, string, string][]; match_addresses: [string, string | null][] }>(
      'SELECT match_props, match_addresses FROM contacts WHERE id = $1', [c.body.id]);
    assert.deepEqual(row.rows[0]!.match_addresses.map(([p]) => p).sort(), pincodes);
    assert.deepEqual(row.rows[0]!.match_props.map(([, k]) => k), keys);
  });

  it('dedupe endpoint validates limit, min_score and namespace', async () => {
    assert.equal((await h().req('POST', '/contacts/dedupe/', { body: { name: 'A B', limit: 51 } })).status, 400);
    assert.equal((await h().req('POST', '/contacts/dedupe/', { body: { name: 'A B', limit: 0 } })).status, 400);
    assert.equal((await h().req('POST', '/contacts/dedupe/', { body: { name: 'A B', min_score: 2 } })).status, 400);
    const ns = await h().req('POST', '/contacts/dedupe/', { body: { name: 'A B', namespace: 'nope' } });
    assert.equal(ns.status, 400);
    assert.ok(ns.body.errors.namespace);
    assert.equal((await h().req('POST', '/contacts/dedupe/', { body: { name: 'A B' }, token: null })).status, 401);
  });

  it('never returns deleted contacts or another tenant’s contacts', async () => {
    const t1 = await h().token(h().tenant());
    const t2 = await h().token(h().tenant());
    await setup(h(), t1);
    await setup(h(), t2);
    const gone = await h().req('POST', '/contacts/', { token: t1, body: contact('Zoya Mirza', [{ key: 'pan', value: 'ZOYPM1234Q' }]) });
    await h().req('DELETE', `/contacts/${gone.body.id}/`, { token: t1 });
    await h().req('POST', '/contacts/', { token: t2, body: contact('Zoya Mirza', [{ key: 'pan', value: 'ZOYPM1234Q' }]) });
    const res = await h().req('POST', '/contacts/dedupe/', { token: t1, body: { name: 'Zoya Mirza', props: [{ key: 'pan', value: 'ZOYPM1234Q' }] } });
    assert.equal(res.status, 200);
    assert.equal(res.body.count, 0);
  });
}, { });

describeEngines('dedupe strict identifiers', (h) => {
  it('IDENTIFIER_VALIDATION=strict rejects malformed identifier values naming the prop', async () => {
    await setup(h());
    const res = await h().req('POST', '/contacts/', { body: contact('Sukumar', [{ key: 'note', value: 'x' }, { key: 'pan_no', value: '123254684' }]) });
    assert.equal(res.status, 400, res.text);
    assert.ok(res.body.errors['props.1.value']);
  });
}, { identifierValidation: 'strict' });

describeEngines('contact search by identifier', (h) => {
  it('search finds a contact by its PAN or mobile written another way', async () => {
    await setup(h());
    const c = await h().req('POST', '/contacts/', { body: contact('Meera Pillai', [{ key: 'pan', value: 'MEEPP1234R' }, { key: 'mobile', value: '9812345678' }]) });
    assert.equal(c.status, 201);
    for (const term of ['meepp1234r', '+91 98123 45678', '09812345678', 'Meera']) {
      const res = await h().req('GET', `/contacts/?search=${encodeURIComponent(term)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.results.map((r: any) => r.id), [c.body.id], term);
    }
  });
});
