import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gstinCheckChar, gstinChecksumValid, verhoeffCheckDigit, verhoeffValid, BASE36 } from '../../src/dedupe/checksums.js';
import {
  type IdentifierKind,
  IDENTIFIER_KINDS,
  analyzeIdentifiers,
  blockingPans,
  gstinEmbeddedPan,
  identifierKind,
  identifierSearchKeys,
  normalizeIdentifier,
  panHolderKind,
  panOneTypoApart,
} from '../../src/dedupe/identifiers.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const letter = fc.constantFrom(...UPPER.split(''));
const digit = fc.constantFrom(...'0123456789'.split(''));
const holder = fc.constantFrom(...'PCFHATBLJG'.split(''));
const str = (parts: fc.Arbitrary<string>[]): fc.Arbitrary<string> => fc.tuple(...parts).map((xs) => xs.join(''));

/** Valid PANs: 3 letters, holder letter, 1 letter, 4 digits, 1 letter. */
const panArb = str([letter, letter, letter, holder, letter, digit, digit, digit, digit, letter]);
const stateArb = fc.oneof(fc.integer({ min: 1, max: 38 }), fc.constantFrom(97, 99)).map((n) => String(n).padStart(2, '0'));
const entityArb = fc.constantFrom(...'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
/** Valid GSTINs built with our own check-character function. */
const gstinArb = fc.tuple(stateArb, panArb, entityArb).map(([s, p, e]) => {
  const first14 = `${s}${p}${e}Z`;
  return `${first14}${gstinCheckChar(first14)}`;
});
/** Valid Aadhaar numbers: 11 digits (first 2-9) plus the Verhoeff check digit. */
const aadhaarArb = fc.tuple(fc.integer({ min: 2, max: 9 }), fc.array(digit, { minLength: 10, maxLength: 10 })).map(([d, rest]) => {
  const body = `${d}${rest.join('')}`;
  return `${body}${verhoeffCheckDigit(body)}`;
});
const mobile10Arb = str([fc.constantFrom('6', '7', '8', '9'), ...Array.from({ length: 9 }, () => digit)]);

/** Random upper/lower case and spaces sprinkled in: how people type identifiers. */
function messUp(value: string, seed: number[]): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const r = seed[i % seed.length] ?? 0;
    const ch = value.charAt(i);
    out += (r & 1 ? ch.toLowerCase() : ch) + (r & 2 ? ' ' : '');
  }
  return `  ${out} `;
}
const seedArb = fc.array(fc.nat(3), { minLength: 1, maxLength: 20 });

describe('identifier key recognition', () => {
  test('aliases map to kinds, case/space/hyphen-insensitively', () => {
    const cases: [string, IdentifierKind | null][] = [
      ['pan', 'pan'],
      ['PAN No', 'pan'],
      ['pan_number', 'pan'],
      ['PAN-No.', 'pan'],
      ['gst', 'gstin'],
      ['GSTIN', 'gstin'],
      ['gstin no', 'gstin'],
      ['aadhar', 'aadhaar'],
      ['Aadhaar No', 'aadhaar'],
      ['uid', 'aadhaar'],
      ['phone', 'mobile'],
      [' Mobile-Number ', 'mobile'],
      ['phone_no', 'mobile'],
      ['email', 'email'],
      ['Email ID', 'email'],
      ['cin', 'cin'],
      ['passport no', 'passport'],
      ['EPIC', 'voter_id'],
      ['voter id', 'voter_id'],
      ['voter-id-no', 'voter_id'],
      ['dob', 'dob'],
      ['DOB', 'dob'],
      ['D.O.B.', 'dob'],
      ['Date of Birth', 'dob'],
      ['date-of-birth', 'dob'],
      ['birth_date', 'dob'],
      ['BirthDate', 'dob'],
      ['birthday', null],
      ['pancard', 'pan'],
      ['Pan Card', 'pan'],
      ['PANNumber', 'pan'],
      ['Permanent Account Number', 'pan'],
      ['GST No', 'gstin'],
      ['mobile no', 'mobile'],
      ['phone_number', 'mobile'],
      ['mobileNo', 'mobile'],
      ['pan#', 'pan'],
      ['number', null],
      ['nominee_pan', null],
      ['name', null],
      ['email2', null],
      ['', null],
    ];
    for (const [key, kind] of cases) assert.equal(identifierKind(key), kind, key);
  });
});

describe('PAN', () => {
  test('examples', () => {
    assert.deepEqual(normalizeIdentifier('pan', ' abcpe 1234f '), {
      ok: true,
      value: 'ABCPE1234F',
      extra: { panHolder: 'individual' },
    });
    assert.equal(panHolderKind('AAACR5055K'), 'corporate');
    assert.equal(panHolderKind('abcpe1234f'), 'individual');
    assert.equal(panHolderKind('ABCXE1234F'), null); // X is no holder type
    assert.equal(normalizeIdentifier('pan', '123254684').ok, false); // Crego's own example value
    assert.equal(normalizeIdentifier('pan', 'ABCXE1234F').ok, false);
    assert.equal(normalizeIdentifier('pan', 'ABCPE1234').ok, false);
  });
  test('round-trip: any casing/spacing of a valid PAN normalizes back to it', () => {
    fc.assert(
      fc.property(panArb, seedArb, (pan, seed) => {
        const r = normalizeIdentifier('pan', messUp(pan, seed));
        assert.ok(r.ok);
        assert.equal(r.value, pan);
        assert.equal(panHolderKind(pan), pan.charAt(3) === 'P' ? 'individual' : 'corporate');
      }),
    );
  });
  test('one typo apart: examples', () => {
    assert.equal(panOneTypoApart('ABCPS1234K', 'ABCPS1284K'), true); // substituted digit
    assert.equal(panOneTypoApart('ABCPS1234K', 'ABCPS1324K'), true); // neighbours swapped
    assert.equal(panOneTypoApart('ABCPS1234K', 'ABCPS1234L'), true); // check letter
    assert.equal(panOneTypoApart('ABCPS1234K', 'ABCPS1234K'), false); // identical is not a typo
    assert.equal(panOneTypoApart('ABCPS1234K', 'ABCPS1834L'), false); // two substitutions
    assert.equal(panOneTypoApart('ABCPS1234K', 'ABCPS4231K'), false); // swap of non-neighbours
  });
  test('one typo apart: any single substitution or swap of two different neighbours, symmetric', () => {
    const edit = fc.tuple(panArb, fc.nat(9), fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')), fc.boolean());
    fc.assert(
      fc.property(edit, ([pan, i, ch, swap]) => {
        const j = Math.min(i, 8);
        const typo = swap ? pan.slice(0, j) + pan.charAt(j + 1) + pan.charAt(j) + pan.slice(j + 2) : pan.slice(0, i) + ch + pan.slice(i + 1);
        assert.equal(panOneTypoApart(pan, typo), typo !== pan);
        assert.equal(panOneTypoApart(typo, pan), typo !== pan);
      }),
    );
  });
  test('one typo apart: never for PANs that differ in two non-neighbouring places', () => {
    fc.assert(
      fc.property(panArb, fc.nat(9), fc.nat(9), (pan, i, j) => {
        fc.pre(Math.abs(i - j) > 1);
        const bump = (c: string) => (/[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c === 'Z' ? 'A' : String.fromCharCode(c.charCodeAt(0) + 1));
        const chars = pan.split('');
        chars[i] = bump(chars[i]!);
        chars[j] = bump(chars[j]!);
        assert.equal(panOneTypoApart(pan, chars.join('')), false);
      }),
    );
  });
});

describe('GSTIN', () => {
  test('known GSTIN 27AAPFU0939F1ZV', () => {
    assert.equal(gstinCheckChar('27AAPFU0939F1Z'), 'V');
    assert.equal(gstinChecksumValid('27AAPFU0939F1ZV'), true);
    const r = normalizeIdentifier('gstin', '27 aapfu0939f1zv');
    assert.ok(r.ok);
    assert.equal(r.value, '27AAPFU0939F1ZV');
    assert.deepEqual(r.extra, { embeddedPan: 'AAPFU0939F', stateCode: '27', panHolder: 'corporate' });
    assert.equal(gstinEmbeddedPan('27AAPFU0939F1ZV'), 'AAPFU0939F');
    assert.equal(normalizeIdentifier('gstin', '27AAPFU0939F1ZW').ok, false); // wrong check char
    const bad = `40AAPFU0939F1Z`; // state 40 does not exist, even with a correct check char
    assert.equal(normalizeIdentifier('gstin', `${bad}${gstinCheckChar(bad)}`).ok, false);
    assert.equal(gstinEmbeddedPan('27AAPFU0939F1ZW'), null);
  });
  test('generated check character validates and embeds the PAN', () => {
    fc.assert(
      fc.property(gstinArb, seedArb, (g, seed) => {
        const r = normalizeIdentifier('gstin', messUp(g, seed));
        assert.ok(r.ok, g);
        assert.equal(r.value, g);
        assert.equal(gstinEmbeddedPan(g), g.slice(2, 12));
      }),
    );
  });
  test('any single-character substitution is rejected', () => {
    fc.assert(
      fc.property(gstinArb, fc.nat(14), fc.nat(35), (g, pos, shift) => {
        const old = BASE36.indexOf(g.charAt(pos));
        const ch = BASE36.charAt((old + 1 + (shift % 35)) % 36); // always a different character
        const changed = g.slice(0, pos) + ch + g.slice(pos + 1);
        assert.equal(normalizeIdentifier('gstin', changed).ok, false, changed);
      }),
    );
  });
});

describe('Aadhaar', () => {
  test('known vector and formatting', () => {
    assert.equal(verhoeffValid('234123412346'), true);
    assert.equal(verhoeffCheckDigit('23412341234'), '6');
    assert.equal(verhoeffCheckDigit('236'), '3'); // the textbook Verhoeff example
    for (const v of ['234123412346', '2341 2341 2346', '2341-2341-2346']) {
      assert.deepEqual(normalizeIdentifier('aadhaar', v), {
        ok: true,
        value: '2346',
        extra: { masked: 'XXXXXXXX2346' },
      });
    }
    assert.equal(normalizeIdentifier('aadhaar', '234123412345').ok, false);
    assert.equal(normalizeIdentifier('aadhaar', '23412341234').ok, false);
    const zero = `03412341234`;
    assert.equal(normalizeIdentifier('aadhaar', `${zero}${verhoeffCheckDigit(zero)}`).ok, false);
  });
  test('generated numbers validate; only the last 4 digits are kept', () => {
    fc.assert(
      fc.property(aadhaarArb, (a) => {
        const r = normalizeIdentifier('aadhaar', a);
        assert.ok(r.ok);
        assert.equal(r.value, a.slice(8));
      }),
    );
  });
  test('Verhoeff: any single-digit change invalidates', () => {
    fc.assert(
      fc.property(aadhaarArb, fc.nat(11), fc.integer({ min: 1, max: 9 }), (a, pos, delta) => {
        const d = (Number(a.charAt(pos)) + delta) % 10;
        const changed = a.slice(0, pos) + String(d) + a.slice(pos + 1);
        assert.equal(verhoeffValid(changed), false);
        assert.equal(normalizeIdentifier('aadhaar', changed).ok, false);
      }),
    );
  });
  test('Verhoeff: any adjacent transposition of different digits invalidates', () => {
    fc.assert(
      fc.property(aadhaarArb, fc.nat(10), (a, pos) => {
        fc.pre(a.charAt(pos) !== a.charAt(pos + 1));
        const swapped = a.slice(0, pos) + a.charAt(pos + 1) + a.charAt(pos) + a.slice(pos + 2);
        assert.equal(verhoeffValid(swapped), false);
      }),
    );
  });
});

describe('mobile, email, CIN, passport, voter id', () => {
  test('mobile examples', () => {
    for (const v of ['9876543210', '+91 98765 43210', '919876543210', '09876543210', '0091 98765-43210', '+91-98765-43210']) {
      assert.deepEqual(normalizeIdentifier('mobile', v), { ok: true, value: '+919876543210' }, v);
    }
    assert.deepEqual(normalizeIdentifier('mobile', '+1 (415) 555-0100'), { ok: true, value: '+14155550100' });
    for (const v of ['12345', '5876543210', '+91 5876543210', '98765abc43', '+0123456789', '', '98765 4321']) {
      assert.equal(normalizeIdentifier('mobile', v).ok, false, v);
    }
  });
  test('every Indian spelling of a mobile gives the same +91 form', () => {
    fc.assert(
      fc.property(mobile10Arb, fc.constantFrom('', '+91', '91', '0', '+91 ', '0091'), (m, prefix) => {
        assert.deepEqual(normalizeIdentifier('mobile', `${prefix}${m}`), { ok: true, value: `+91${m}` });
      }),
    );
  });
  test('email, CIN, passport, voter id examples', () => {
    assert.deepEqual(normalizeIdentifier('email', ' Foo.Bar+x@Example.CO.in '), { ok: true, value: 'foo.bar+x@example.co.in' });
    for (const v of ['foo@bar', 'foo..bar@x.com', '@x.com', 'a b@x.com', 'x@-x.com']) {
      assert.equal(normalizeIdentifier('email', v).ok, false, v);
    }
    assert.deepEqual(normalizeIdentifier('cin', 'l17110mh1973plc019786'), { ok: true, value: 'L17110MH1973PLC019786' });
    assert.equal(normalizeIdentifier('cin', 'X17110MH1973PLC019786').ok, false);
    assert.deepEqual(normalizeIdentifier('passport', 'j 8369854'), { ok: true, value: 'J8369854' });
    assert.equal(normalizeIdentifier('passport', 'J836985').ok, false);
    assert.deepEqual(normalizeIdentifier('voter_id', 'abc1234567'), { ok: true, value: 'ABC1234567' });
    assert.equal(normalizeIdentifier('voter_id', 'AB12345678').ok, false);
  });
});

describe('normalization is idempotent', () => {
  // Aadhaar is excluded on purpose: its match value (last 4 digits) is a one-way projection.
  const kinds = IDENTIFIER_KINDS.filter((k) => k !== 'aadhaar');
  const anyValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    panArb,
    gstinArb,
    mobile10Arb,
    fc.emailAddress(),
    panArb.map((p) => p.toLowerCase()),
  );
  test('normalize(normalize(x)) = normalize(x) whenever x is valid', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), anyValue, (kind, v) => {
        const once = normalizeIdentifier(kind, v);
        if (!once.ok) return;
        const twice = normalizeIdentifier(kind, once.value);
        assert.ok(twice.ok);
        assert.equal(twice.value, once.value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('analyzeIdentifiers', () => {
  test('GSTIN yields its PAN; invalid values are listed, ordinary props ignored', () => {
    const a = analyzeIdentifiers([
      { key: 'pan_no', value: '123254684' },
      { key: 'GSTIN', value: '27AAPFU0939F1ZV' },
      { key: 'Mobile', value: '98765 43210' },
      { key: 'aadhaar', value: '2341 2341 2346' },
      { key: 'occupation', value: 'farmer' },
    ]);
    assert.deepEqual(a.keys, [
      { kind: 'gstin', value: '27AAPFU0939F1ZV', key: 'GSTIN' },
      { kind: 'pan', value: 'AAPFU0939F', key: 'GSTIN', via: 'gstin' },
      { kind: 'mobile', value: '+919876543210', key: 'Mobile' },
      { kind: 'aadhaar', value: '2346', key: 'aadhaar' },
    ]);
    assert.deepEqual(
      a.invalid.map((i) => [i.key, i.kind]),
      [['pan_no', 'pan']],
    );
    assert.deepEqual(blockingPans(a.keys), ['AAPFU0939F']);
  });
  test('search terms map to identifier kinds', () => {
    assert.deepEqual(identifierSearchKeys('abcpe1234f'), [{ kind: 'pan', value: 'ABCPE1234F' }]);
    assert.deepEqual(identifierSearchKeys('98765 43210'), [{ kind: 'mobile', value: '+919876543210' }]);
    assert.deepEqual(identifierSearchKeys('05/08/1990'), [{ kind: 'dob', value: '1990-08-05' }]);
    assert.deepEqual(identifierSearchKeys('Rahul'), []);
  });
  test('never throws, never leaks a full Aadhaar number, every key is valid', () => {
    const key = fc.oneof(fc.constantFrom('pan', 'gstin', 'aadhaar', 'mobile', 'email', 'cin', 'passport', 'voter_id', 'dob', 'x'), fc.string());
    const value = fc.oneof(fc.string(), aadhaarArb, gstinArb, panArb, mobile10Arb);
    fc.assert(
      fc.property(fc.array(fc.record({ key, value }), { maxLength: 8 }), (props) => {
        const a = analyzeIdentifiers(props);
        for (const k of a.keys) {
          if (k.kind === 'aadhaar') assert.match(k.value, /^[0-9]{4}$/);
          const r = k.kind === 'aadhaar' ? null : normalizeIdentifier(k.kind, k.value);
          if (r) assert.ok(r.ok);
        }
        assert.equal(
          a.keys.filter((k) => k.via === undefined).length + a.invalid.length,
          props.filter((p) => identifierKind(p.key) !== null).length,
        );
      }),
    );
  });
});
