import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEngines, it } from '../helpers/engines.js';
import { gstinCheckChar } from '../../src/dedupe/checksums.js';

// Identifier disguises through the API: a PAN written differently is still blocked and still found
// by dedupe; a PAN that hides a valid one behind characters no PAN has is a 400 naming the prop.

const HOLDER_PAN = 'ABCPE1234F';
const GSTIN = `27${HOLDER_PAN}1Z${gstinCheckChar(`27${HOLDER_PAN}1Z`)}`;
const contact = (name: string, key: string, value: string) => ({ name, type: 'individual', namespace: 'kyc', props: [{ key, value, type: 'text' }] });

const DISGUISED: readonly [key: string, value: string][] = [
  ['pan_no', 'abcpe-1234-f'],
  ['PAN No.', 'ABC.PE.1234.F'],
  ['pan card', 'ＡＢＣＰＥ１２３４Ｆ'],
  ['Permanent Account Number', 'ABC\u200BPE1234F'],
  ['PAN', 'АВСРЕ1234F'], // Cyrillic А В С Р Е
  ['pan_number', 'ΑΒCPΕ 1234 F'], // Greek Α Β Ε
  ['GST No', `${GSTIN.slice(0, 2)}-${GSTIN.slice(2, 12)}-${GSTIN.slice(12)}`], // the GSTIN embedding the PAN
];

describeEngines('identifier disguises', (h) => {
  it('a disguised PAN (separators, full-width, invisible, look-alike letters, any key spelling) is blocked with duplicate_of and found by dedupe', async () => {
    const t = await h().token(h().tenant());
    assert.equal((await h().req('POST', '/namespaces/', { token: t, body: { name: 'kyc' } })).status, 201);
    const holder = await h().req('POST', '/contacts/', { token: t, body: contact('Sukumar Holder', 'pan_no', HOLDER_PAN) });
    assert.equal(holder.status, 201, holder.text);
    for (const [key, value] of DISGUISED) {
      const res = await h().req('POST', '/contacts/', { token: t, body: contact('Someone Else', key, value) });
      assert.equal(res.status, 409, `${key}=${JSON.stringify(value)}: ${res.text}`);
      assert.equal(res.body.duplicate_of, holder.body.id);
      const found = await h().req('POST', '/contacts/dedupe/', { token: t, body: { type: 'individual', name: 'Someone Else', props: [{ key, value }] } });
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.results[0]?.contact?.id ?? found.body.results[0]?.id, holder.body.id, `${key}=${JSON.stringify(value)}: ${found.text}`);
      assert.equal(found.body.results[0].band, 'exact');
    }
    // Props written on their own are held to the same rule.
    const other = await h().req('POST', '/contacts/', { token: t, body: { name: 'Third Person', type: 'individual', namespace: 'kyc' } });
    const put = await h().req('PUT', `/contacts/${other.body.id}/props/`, { token: t, body: [{ key: 'PAN Card', value: 'abcpe\u00A01234\u00A0f', type: 'text' }] });
    assert.equal(put.status, 409, put.text);
  });

  it('a PAN with characters no PAN has, or with text around a valid one, is a 400 naming the prop; a plainly wrong PAN is stored as given', async () => {
    const t = await h().token(h().tenant());
    assert.equal((await h().req('POST', '/namespaces/', { token: t, body: { name: 'kyc' } })).status, 201);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('ABCPЖ1234F', 'ABCPE1234F★', 'PAN: ABCPE1234F', 'ABCPE1234F (old)', 'ABCPE₹1234F'), async (value) => {
        const res = await h().req('POST', '/contacts/', { token: t, body: contact('Disguiser', 'pan_no', value) });
        assert.equal(res.status, 400, `${value}: ${res.text}`);
        assert.ok(res.body.errors?.['props.0.value'], res.text);
      }),
      { numRuns: 5 },
    );
    const crego = await h().req('POST', '/contacts/', { token: t, body: contact('Crego Example', 'pan_no', '123254684') });
    assert.equal(crego.status, 201, crego.text);
  });
});
