import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ADDRESS_NEAR_MIN, ADDRESS_SAME_MIN, addressLineNumbers, addressLineSimilarity, normalizeAddressLine, pincodeTypoVariants, sameAddressLine } from '../../src/dedupe/address.js';
import { oneTypoApart } from '../../src/dedupe/similarity.js';

const sim = (a: string, b: string): number => addressLineSimilarity(normalizeAddressLine(a), normalizeAddressLine(b));

describe('address line normalization', () => {
  test('numbers and words, abbreviations spelled out, filler dropped', () => {
    assert.deepEqual(normalizeAddressLine('H.No. 45/2, M.G. Rd, Shivaji Ngr'), {
      numbers: new Set(['45', '2']),
      words: ['mahatma', 'gandhi', 'road', 'shivaji', 'nagar'],
    });
    assert.deepEqual(normalizeAddressLine('Flat No. 0304, Sai Apts'), { numbers: new Set(['304']), words: ['sai', 'apartment'] });
    assert.deepEqual(normalizeAddressLine('#12A Sector 4'), { numbers: new Set(['12', '4']), words: ['sector'] });
    assert.deepEqual(normalizeAddressLine(''), { numbers: new Set(), words: [] });
  });
  test('house-number key: digit runs in order, no leading zeros', () => {
    assert.equal(addressLineNumbers('H.No. 045/2, M.G. Rd'), '45 2');
    assert.equal(addressLineNumbers('#0, 000 Lane'), '0 0');
    assert.equal(addressLineNumbers('Shanti Nagar'), '');
    fc.assert(
      fc.property(fc.string(), (line) => {
        const key = addressLineNumbers(line);
        assert.match(key, /^([1-9][0-9]*|0)?( ([1-9][0-9]*|0))*$/);
        assert.equal(key, addressLineNumbers(key), 'idempotent');
      }),
    );
  });
});

describe('address line similarity', () => {
  test('the same home as different clerks type it reads as the same address', () => {
    const same: [string, string][] = [
      ['Flat 304, Sai Residency, MG Road', '304 Sai Residency M.G. Rd'],
      ['12, Station Road, Gandhi Nagar', 'No. 12 Station Rd, Gandhi Ngr'],
      ['12, Station Road, Gandhi Nagar', '12, Station Road'],
      ['12, Station Road, Gandhi Nagar', 'H.No. 12, STATION ROAD, GANDHI NAGAR'],
      ['Flat 1103, Shree Ganesh Apartments, Netaji Road', 'Flat 1103, Shrme Ganesh Apts, Netaji Road'],
      ['45/2, Mahatma Gandhi Road', '45/2 MG Road'],
      // Words split or joined by the typist, typos besides (FEBRL's corruptions).
      ['24 Farrer Place', '24 farrerplace'],
      ['57 Bedford Street, Rosall', '57 bedford s treet, rosall'],
      ['16 Wilshire Street, Erinsvale', '16 wilshiredstreet, erinsavle'],
    ];
    for (const [a, b] of same) assert.ok(sim(a, b) >= ADDRESS_SAME_MIN, `${a} ~ ${b}: ${sim(a, b)}`);
    assert.equal(sim('12, Station Road', 'No. 12 Station Rd'), 1);
    assert.ok(sameAddressLine(normalizeAddressLine('12, Station Road'), normalizeAddressLine('No. 12 Station Rd')));
    assert.ok(!sameAddressLine(normalizeAddressLine('12, Station Road'), normalizeAddressLine('12, Staton Road')), 'a typo is similar, not the same');
  });
  test('neighbours and other streets do not', () => {
    const other: [string, string][] = [
      ['12, Station Road, Gandhi Nagar', '14, Station Road, Gandhi Nagar'],
      ['Flat 304, Sai Residency, MG Road', 'Flat 1102, Sai Residency, MG Road'],
      ['12, Station Road, Gandhi Nagar', '12, Temple Street, Ashok Nagar'],
      ['160/9, Netaji Road, Malleshwaram', '74/9, Church Road, Malleshwaram'],
      ['12, Station Road', '12'],
    ];
    for (const [a, b] of other) assert.ok(sim(a, b) < ADDRESS_SAME_MIN, `${a} ~ ${b}: ${sim(a, b)}`);
    // Another house number on the same street is at most half: not even near.
    assert.ok(sim('12, Station Road, Gandhi Nagar', '14, Station Road, Gandhi Nagar') <= 0.5);
    assert.ok(sim('24 Farrer Place', '6 farrerplace') < ADDRESS_NEAR_MIN);
  });
  test('pincodes one keying error away: 54 substitutions and the swaps of unequal neighbours', () => {
    assert.equal(pincodeTypoVariants('560034').length, 54 + 4);
    assert.equal(pincodeTypoVariants('400001').length, 54 + 2);
    assert.deepEqual(pincodeTypoVariants('5600'), []);
    assert.deepEqual(pincodeTypoVariants('56003A'), []);
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{6}$/), (pin) => {
        const variants = pincodeTypoVariants(pin);
        assert.equal(new Set(variants).size, variants.length);
        for (const v of variants) assert.ok(/^[0-9]{6}$/.test(v) && oneTypoApart(pin, v), `${pin} ~ ${v}`);
      }),
    );
  });
  const lineArb = fc.oneof(
    fc.stringMatching(/^[a-zA-Z0-9 ,.'\-/#]{0,40}$/),
    fc
      .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('Station Road', 'MG Rd', 'Sai Apts', 'Gandhi Nagar', 'Sector 4'), fc.constantFrom('', ', Shivaji Ngr', ' Colony'))
      .map(([n, street, rest]) => `${n}, ${street}${rest}`),
  );
  test('symmetric, in [0, 1], and 1 for a line with words compared with itself', () => {
    fc.assert(
      fc.property(lineArb, lineArb, (a, b) => {
        const ab = sim(a, b);
        assert.equal(ab, sim(b, a));
        assert.ok(ab >= 0 && ab <= 1);
        if (normalizeAddressLine(a).words.length > 0) assert.equal(sim(a, a), 1);
      }),
      { numRuns: 1000 },
    );
  });
  test('case, commas and spacing never matter', () => {
    fc.assert(
      fc.property(lineArb, (a) => {
        const retyped = a.toUpperCase().replace(/,/g, ' ').replace(/ +/g, '  ');
        assert.equal(sim(a, retyped), sim(a, a));
      }),
      { numRuns: 500 },
    );
  });
});
