import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gstinCheckChar } from '../../src/dedupe/checksums.js';
import { disguisedBlockingValue, identifierKind, normalizeIdentifier } from '../../src/dedupe/identifiers.js';

// Identifier disguises: one PAN or GSTIN written so that it no longer looks like itself normalizes
// to the same identifier, or is refused; it is never a "malformed" value that skips blocking.

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const letter = fc.constantFrom(...UPPER.split(''));
const digit = fc.constantFrom(...'0123456789'.split(''));
const holder = fc.constantFrom(...'PCFHATBLJG'.split(''));
const str = (parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((xs) => xs.join(''));
const panArb = str([letter, letter, letter, holder, letter, digit, digit, digit, digit, letter]);
const gstinArb = fc.tuple(fc.integer({ min: 1, max: 38 }), panArb, fc.constantFrom(...'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''))).map(([s, p, e]) => {
  const first14 = `${String(s).padStart(2, '0')}${p}${e}Z`;
  return `${first14}${gstinCheckChar(first14)}`;
});

const SEPARATORS = [' ', '-', '.', '/', '_', '\\', '\t', '\u00A0', '\u2013', '\u2014', '\u2212', '\u3000'];
const INVISIBLES = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u200E', '\u200F', '\u202A', '\u2066', '\uFE0F'];
/** Latin capital → characters drawn like it in Cyrillic or Greek. */
const LOOK_ALIKE: Record<string, string[]> = {
  A: ['А', 'Α', 'а'], B: ['В', 'Β'], C: ['С', 'с'], E: ['Е', 'Ε', 'е'], H: ['Н', 'Η'], I: ['І', 'Ι'], J: ['Ј'], K: ['К', 'Κ'],
  M: ['М', 'Μ'], N: ['Ν'], O: ['О', 'Ο', 'о', 'ο'], P: ['Р', 'Ρ', 'р'], S: ['Ѕ'], T: ['Т', 'Τ'], X: ['Х', 'Χ', 'х'], Y: ['У', 'Υ'], Z: ['Ζ'],
};
const fullWidth = (c: string) => String.fromCodePoint(c.codePointAt(0)! - 0x21 + 0xff01);

type Disguise = (value: string, pick: number[]) => string;
/** The generated family: each disguise applied at positions chosen by `pick`. */
const DISGUISES: Record<string, Disguise> = {
  separators: (v, pick) => [...v].map((c, i) => c + (pick[i % pick.length]! % 3 === 0 ? SEPARATORS[pick[i % pick.length]! % SEPARATORS.length] : '')).join(''),
  invisible: (v, pick) => [...v].map((c, i) => (pick[i % pick.length]! % 2 ? INVISIBLES[pick[i % pick.length]! % INVISIBLES.length] : '') + c).join(''),
  'full-width': (v, pick) => [...v].map((c, i) => (pick[i % pick.length]! % 2 ? fullWidth(c) : c)).join(''),
  'look-alike letters': (v, pick) =>
    [...v].map((c, i) => (LOOK_ALIKE[c] && pick[i % pick.length]! % 2 ? LOOK_ALIKE[c][pick[i % pick.length]! % LOOK_ALIKE[c].length] : c)).join(''),
  'lower case': (v) => v.toLowerCase(),
  everything: (v, pick) => DISGUISES.separators!(DISGUISES.invisible!(DISGUISES['look-alike letters']!(DISGUISES['full-width']!(v, pick), pick), pick), pick),
};
const pickArb = fc.array(fc.nat(1000), { minLength: 1, maxLength: 16 });

describe('identifier disguises', () => {
  for (const [name, disguise] of Object.entries(DISGUISES)) {
    test(`${name}: every valid PAN and GSTIN normalizes back to itself`, () => {
      fc.assert(
        fc.property(panArb, gstinArb, pickArb, (pan, gstin, pick) => {
          const p = normalizeIdentifier('pan', disguise(pan, pick));
          assert.ok(p.ok && p.value === pan, `${JSON.stringify(disguise(pan, pick))} → ${JSON.stringify(p)}`);
          const g = normalizeIdentifier('gstin', disguise(gstin, pick));
          assert.ok(g.ok && g.value === gstin, `${JSON.stringify(disguise(gstin, pick))} → ${JSON.stringify(g)}`);
        }),
      );
    });
  }

  test('a character no identifier has, or a valid one wrapped in other text, is refused; plain wrong values are stored', () => {
    fc.assert(
      fc.property(panArb, fc.constantFrom('Ж', 'ß', 'é', '₹', '★', 'अ', 'Ω'), fc.nat(9), (pan, foreign, at) => {
        const bad = pan.slice(0, at) + foreign + pan.slice(at);
        assert.notEqual(disguisedBlockingValue('pan', bad), null, bad);
      }),
    );
    fc.assert(
      fc.property(panArb, fc.constantFrom('PAN:', 'pan no ', 'old-', '(', 'x'), fc.constantFrom('', ')', ' old', '1', 'X'), (pan, before, after) => {
        const wrapped = `${before}${pan}${after}`;
        if (normalizeIdentifier('pan', wrapped).ok) return; // e.g. lower-case "x" + nothing
        assert.match(disguisedBlockingValue('pan', wrapped) ?? '', new RegExp(pan), wrapped);
      }),
    );
    assert.equal(disguisedBlockingValue('pan', '123254684'), null); // Crego's own example: stored as given
    assert.equal(disguisedBlockingValue('pan', 'ABCPE1234'), null);
    assert.equal(disguisedBlockingValue('pan', 'ABCPE1234F'), null); // valid: nothing to refuse
    assert.match(disguisedBlockingValue('gstin', 'GSTIN 27ABCPE1234F1Z5') ?? 'no', /ABCPE1234F|27ABCPE1234F1Z5|no/);
  });

  test('mobile, email and Aadhaar: full-width digits and invisible characters are undone', () => {
    assert.deepEqual(normalizeIdentifier('mobile', '９８７６５\u200B４３２１０'), { ok: true, value: '+919876543210' });
    assert.deepEqual(normalizeIdentifier('mobile', '98765\u201343210'), { ok: true, value: '+919876543210' });
    assert.deepEqual(normalizeIdentifier('email', 'Ravi\u200B@Example.com'), { ok: true, value: 'ravi@example.com' });
    const aadhaar = normalizeIdentifier('aadhaar', '２３４１ ２３４１\u200B ２３４６');
    assert.equal(aadhaar.ok, normalizeIdentifier('aadhaar', '234123412346').ok);
  });

  test('identifier keys are recognised however they are spelled', () => {
    const spellings: Record<string, string[]> = {
      pan: ['PAN', 'PAN No.', 'pan card', 'pan_number', 'permanent account number', 'PanNo', 'P.A.N.', 'ＰＡＮ'],
      gstin: ['GSTIN', 'GST No', 'gst_number', 'GSTIN/UIN', 'gst-in'],
      mobile: ['mobile no', 'phone_number', 'Mobile Number', 'cell phone', 'mob no'],
      email: ['email', 'E-mail', 'email address', 'Email ID'],
      aadhaar: ['Aadhaar No.', 'aadhar card', 'UID number'],
    };
    for (const [kind, keys] of Object.entries(spellings)) for (const key of keys) assert.equal(identifierKind(key), kind, key);
  });
});
