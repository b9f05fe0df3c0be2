import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DOB_MIN_YEAR, normalizeDob } from '../../src/dedupe/normalize.js';
import { compareDobs, dobPartialAgreement } from '../../src/dedupe/dob.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const iso = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const today = new Date();
const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());

/** Real dates from 1 January 1900 to today. */
const dateArb = fc.integer({ min: Date.UTC(DOB_MIN_YEAR, 0, 1) / 86_400_000, max: todayUtc / 86_400_000 }).map((day) => new Date(day * 86_400_000));

/** The ways people write a date (CONTRACT §6a), day first where the order is ambiguous. */
const spellings = (d: Date): string[] => {
  const [y, m, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  return [
    `${y}-${pad(m)}-${pad(dd)}`,
    `${pad(dd)}/${pad(m)}/${y}`,
    `${dd}/${m}/${y}`,
    `${pad(dd)}-${pad(m)}-${y}`,
    `${pad(dd)}${pad(m)}${y}`,
    `${y}${pad(m)}${pad(dd)}`,
    `${dd} ${MONTHS[m - 1]} ${y}`,
    `${pad(dd)}-${MONTHS[m - 1]!.toUpperCase()}-${y}`,
    ` ${y}/${m}/${dd} `,
  ];
};

describe('date of birth: parsing', () => {
  test('examples', () => {
    const ok: [string, string][] = [
      ['1990-08-05', '1990-08-05'],
      ['05/08/1990', '1990-08-05'],
      ['5-8-1990', '1990-08-05'],
      ['05081990', '1990-08-05'],
      ['19900805', '1990-08-05'],
      ['5 Aug 1990', '1990-08-05'],
      ['5 August 1990', '1990-08-05'],
      ['05Aug1990', '1990-08-05'],
      ['5 Sept. 1990', '1990-09-05'],
      ['29 Feb 2000', '2000-02-29'],
      ['01011900', '1900-01-01'],
    ];
    for (const [raw, value] of ok) assert.deepEqual(normalizeDob(raw), { ok: true, value }, raw);
    const bad: [string, RegExp][] = [
      ['31/02/1990', /not a real date/],
      ['1990-13-01', /not a real date/],
      ['29 Feb 1900', /not a real date/],
      ['19551192', /not a real date/],
      ['1899-12-31', /before 1900/],
      [`${today.getUTCFullYear() + 1}-01-01`, /in the future/],
      ['5 Smarch 1990', /must be written/],
      ['1990-08-05T00:00', /must be written/],
      ['', /must be written/],
    ];
    for (const [raw, reason] of bad) {
      const r = normalizeDob(raw);
      assert.equal(r.ok, false, raw);
      if (!r.ok) assert.match(r.reason, reason, raw);
    }
  });

  test('every spelling of a real date from 1900 to today reads as that date', () => {
    fc.assert(
      fc.property(dateArb, (d) => {
        for (const s of spellings(d)) assert.deepEqual(normalizeDob(s), { ok: true, value: iso(d) }, s);
      }),
      { numRuns: 500 },
    );
  });

  test('idempotent, and what it accepts is always a real date between 1900 and today', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 14 }),
      fc.stringMatching(/^[0-9]{8}$/),
      fc.stringMatching(/^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}$/),
      fc.tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(...MONTHS, 'sept', 'june', 'xyz'), fc.integer({ min: 1800, max: 2200 })).map(([d, m, y]) => `${d} ${m} ${y}`),
    );
    fc.assert(
      fc.property(anyText, (raw) => {
        const r = normalizeDob(raw);
        if (!r.ok) return;
        assert.match(r.value, /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/);
        const [y, m, d] = r.value.split('-').map(Number) as [number, number, number];
        const t = Date.UTC(y, m - 1, d);
        assert.equal(iso(new Date(t)), r.value, 'a real date');
        assert.ok(y >= DOB_MIN_YEAR && t <= todayUtc, r.value);
        assert.deepEqual(normalizeDob(r.value), r);
      }),
      { numRuns: 2000 },
    );
  });

  test('impossible days and months are never accepted, in any format', () => {
    const impossible = fc.tuple(fc.integer({ min: 1900, max: 2020 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 29, max: 31 })).filter(([y, m, d]) => new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d);
    fc.assert(
      fc.property(impossible, ([y, m, d]) => {
        for (const s of [`${y}-${pad(m)}-${pad(d)}`, `${pad(d)}/${pad(m)}/${y}`, `${pad(d)}${pad(m)}${y}`, `${y}${pad(m)}${pad(d)}`, `${d} ${MONTHS[m - 1]} ${y}`]) {
          assert.equal(normalizeDob(s).ok, false, s);
        }
      }),
    );
    for (const m of [0, 13, 99]) assert.equal(normalizeDob(`1990-${pad(m)}-01`).ok, false);
  });
});

describe('date of birth: comparison', () => {
  test('levels and details', () => {
    assert.deepEqual(compareDobs(new Set(['1985-03-07']), new Set(['1985-03-07'])), { level: 'exact' });
    assert.deepEqual(compareDobs(new Set(['1985-03-07']), new Set(['1985-07-03'])), { level: 'partial', detail: 'day and month swapped' });
    assert.deepEqual(compareDobs(new Set(['1985-03-07']), new Set(['1985-03-09'])), { level: 'partial', detail: 'one digit differs' });
    assert.deepEqual(compareDobs(new Set(['1918-07-01']), new Set(['1981-07-01'])), { level: 'partial', detail: 'two digits transposed' });
    assert.deepEqual(compareDobs(new Set(['1985-03-07']), new Set(['1985-03-28'])), { level: 'partial', detail: 'same year and month' });
    assert.deepEqual(compareDobs(new Set(['1985-03-07']), new Set(['1962-11-23'])), { level: 'different' });
    assert.equal(compareDobs(new Set(['1985-03-07']), new Set()), null);
    assert.equal(compareDobs(undefined, new Set(['1985-03-07'])), null);
    // One shared date among several is agreement.
    assert.deepEqual(compareDobs(new Set(['1962-11-23', '1985-03-07']), new Set(['1985-03-07'])), { level: 'exact' });
  });

  test('symmetric; exact only for an equal date; a single-digit change or a swap of day and month is always partial', () => {
    fc.assert(
      fc.property(dateArb, dateArb, (a, b) => {
        const [x, y] = [iso(a), iso(b)];
        assert.deepEqual(compareDobs(new Set([x]), new Set([y])), compareDobs(new Set([y]), new Set([x])));
        assert.equal(compareDobs(new Set([x]), new Set([y]))?.level === 'exact', x === y);
        assert.equal(dobPartialAgreement(x, y), dobPartialAgreement(y, x));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(dateArb, fc.nat(7), fc.nat(9), (d, pos, digit) => {
        const x = iso(d);
        const digits = x.replace(/-/g, '');
        const changed = digits.slice(0, pos) + String(digit) + digits.slice(pos + 1);
        const y = `${changed.slice(0, 4)}-${changed.slice(4, 6)}-${changed.slice(6)}`;
        if (y === x || !normalizeDob(y).ok) return;
        assert.equal(compareDobs(new Set([x]), new Set([y]))?.level, 'partial', `${x} ~ ${y}`);
        const [yy, mm, dd] = x.split('-');
        const swapped = `${yy}-${dd}-${mm}`;
        if (swapped !== x && normalizeDob(swapped).ok) assert.deepEqual(compareDobs(new Set([x]), new Set([swapped])), { level: 'partial', detail: 'day and month swapped' });
      }),
      { numRuns: 500 },
    );
  });
});
