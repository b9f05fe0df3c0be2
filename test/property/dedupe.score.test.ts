import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gstinCheckChar, verhoeffCheckDigit } from '../../src/dedupe/checksums.js';
import {
  type AddressLine,
  type ContactType,
  type DedupeSubject,
  type MatchResult,
  EXACT_MIN_SCORE,
  NAME_ONLY_CONTRADICTING_KINDS,
  NAME_ONLY_MAX_BLOCK,
  NAME_MISMATCH_MAX_SCORE,
  NON_EXACT_MAX_SCORE,
  POSSIBLE_THRESHOLD,
  PROBABLE_THRESHOLD,
  compareMatches,
  dedupeSubject,
  scoreMatch,
} from '../../src/dedupe/score.js';
import { NAME_COUNT_CAP, NAME_TYPICAL_COUNT, frequencyNameWeight, nameFrequencyShift, nameWeight } from '../../src/dedupe/weights.js';

type Prop = { key: string; value: string };
interface Side {
  name: string;
  type: ContactType | null;
  props: Prop[];
  pincodes: string[];
  /** Addresses with a line (their pincodes count as the side's pincodes too). */
  lines?: AddressLine[];
}
const subject = (s: Side): DedupeSubject =>
  dedupeSubject({ ...s, pincodes: [...s.pincodes, ...(s.lines ?? []).map((a) => a.pincode)], addressLines: s.lines ?? [] });
const score = (c: Side, e: Side): MatchResult => scoreMatch(subject(c), subject(e));
const S = (name: string, type: ContactType | null, props: [string, string][] = [], pincodes: string[] = []): Side => ({
  name,
  type,
  props: props.map(([key, value]) => ({ key, value })),
  pincodes,
});

const gstin = (state: string, pan: string): string => {
  const first14 = `${state}${pan}1Z`;
  return `${first14}${gstinCheckChar(first14)}`;
};
const aadhaar = (body11: string): string => `${body11}${verhoeffCheckDigit(body11)}`;

// Small pools, so generated pairs collide (agree) often enough to exercise every branch.
const POOLS: Record<string, readonly string[]> = {
  pan: ['ABCPS1234K', 'ABCPS1284K', 'AAACR5055K', 'BNZPM2501F', '123254684'],
  gstin: [gstin('27', 'AAACR5055K'), gstin('29', 'AAACR5055K'), gstin('07', 'ABCPS1234K'), '27AAPFU0939F1ZW'],
  mobile: ['9876543210', '+91 98765 43211', '+14155550100', '12345'],
  email: ['rahul@example.com', 'ACCOUNTS@ACME.IN', 'not-an-email'],
  aadhaar: [aadhaar('23412341234'), aadhaar('52341234567'), aadhaar('98765432101'), '123412341234'],
  cin: ['L17110MH1973PLC019786', 'U72200KA2001PTC028421'],
  passport: ['J8369854', 'K1234567'],
  voter_id: ['ABC1234567', 'XYZ7654321'],
  dob: ['1985-03-07', '07/03/1985', '1985-07-03', '1985-03-09', '1962-11-23', '31/02/1990'],
};
const KEYS: Record<string, readonly string[]> = {
  pan: ['pan', 'pan_no', 'PAN Number'],
  gstin: ['gstin', 'gst_no'],
  mobile: ['mobile', 'phone', 'mobile_no'],
  email: ['email', 'email_id'],
  aadhaar: ['aadhaar', 'aadhar_no'],
  cin: ['cin'],
  passport: ['passport_no'],
  voter_id: ['voter_id', 'epic'],
  dob: ['dob', 'date_of_birth', 'DOB'],
};
const KINDS = Object.keys(POOLS);
const PINCODES = ['400001', '400007', '560001', '110001', 'bad'];
const LINES = ['12, Station Road, Gandhi Nagar', 'No. 12 Station Rd', '14, Station Road, Gandhi Nagar', '21 stationroad gandhi nagar', 'Flat 304, Sai Residency, MG Road', '304 Sai Residency M.G. Road', '#5'];
const NAMES = [
  'Rahul Sharma',
  'Sharma Rahul',
  'R Sharma',
  'Rahul Sarma',
  'Rahul Kumar Sharma',
  'Priya Reddy',
  'Acme Pvt Ltd',
  'ACME Private Limited',
  'Acme Traders',
  'Mohd Irfan',
  'Muhammad Irfan',
  'Laxmi Devi',
  'Priya Sharma',
  'Rahul Shar Ma',
];

const propArb: fc.Arbitrary<Prop> = fc
  .constantFrom(...KINDS)
  .chain((kind) => fc.record({ key: fc.constantFrom(...(KEYS[kind] ?? [kind])), value: fc.constantFrom(...(POOLS[kind] ?? [''])) }));
const typeArb = fc.constantFrom<ContactType | null>('individual', 'corporate', null);
const sideArb: fc.Arbitrary<Side> = fc.record({
  name: fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[A-Za-z][A-Za-z .]{0,20}$/)),
  type: typeArb,
  props: fc.array(propArb, { maxLength: 4 }),
  pincodes: fc.array(fc.constantFrom(...PINCODES), { maxLength: 2 }),
  lines: fc.array(fc.record({ pincode: fc.constantFrom(...PINCODES), line: fc.constantFrom(...LINES) }), { maxLength: 2 }),
});

/** One piece of agreeing evidence, added to both sides (or filling a missing type from the other). */
type Evidence =
  | { field: 'type' }
  | { field: 'pincode'; value: string }
  | { field: 'address'; value: AddressLine }
  | { field: 'prop'; kind: string; value: string; keys: [string, string] };
const evidenceArb: fc.Arbitrary<Evidence> = fc.oneof(
  fc.constant<Evidence>({ field: 'type' }),
  fc.constantFrom(...PINCODES).map((value): Evidence => ({ field: 'pincode', value })),
  fc.record({ pincode: fc.constantFrom(...PINCODES), line: fc.constantFrom(...LINES) }).map((value): Evidence => ({ field: 'address', value })),
  fc.constantFrom(...KINDS).chain((kind) =>
    fc.record({
      field: fc.constant('prop' as const),
      kind: fc.constant(kind),
      value: fc.constantFrom(...(POOLS[kind] ?? [''])),
      keys: fc.tuple(fc.constantFrom(...(KEYS[kind] ?? [kind])), fc.constantFrom(...(KEYS[kind] ?? [kind]))),
    }),
  ),
);
function addEvidence(c: Side, e: Side, ev: Evidence): [Side, Side] {
  if (ev.field === 'type') {
    if (c.type === null) return [{ ...c, type: e.type }, e];
    if (e.type === null) return [c, { ...e, type: c.type }];
    return [c, e];
  }
  if (ev.field === 'pincode') {
    return [
      { ...c, pincodes: [...c.pincodes, ev.value] },
      { ...e, pincodes: [...e.pincodes, ev.value] },
    ];
  }
  if (ev.field === 'address') {
    return [
      { ...c, lines: [...(c.lines ?? []), ev.value] },
      { ...e, lines: [...(e.lines ?? []), ev.value] },
    ];
  }
  return [
    { ...c, props: [...c.props, { key: ev.keys[0], value: ev.value }] },
    { ...e, props: [...e.props, { key: ev.keys[1], value: ev.value }] },
  ];
}
const sharesPan = (c: Side, e: Side): boolean => {
  const pans = (s: Side) =>
    new Set(
      subject(s)
        .identifiers.keys.filter((k) => k.kind === 'pan')
        .map((k) => k.value),
    );
  const ec = pans(e);
  return [...pans(c)].some((p) => ec.has(p));
};

describe('score examples', () => {
  test('bands', () => {
    const cases: [string, Side, Side, MatchResult['band']][] = [
      ['identical name and type', S('Rahul Sharma', 'individual'), S('Rahul Sharma', 'individual'), 'possible'],
      [
        'swapped name + pincode',
        S('Rahul Sharma', 'individual', [], ['400001']),
        S('Sharma Rahul', 'individual', [], ['400001']),
        'probable',
      ],
      [
        'name + same mobile',
        S('Rahul Sharma', 'individual', [['mobile', '9876543210']]),
        S('Rahul Sharma', 'individual', [['phone', '+91 98765 43210']]),
        'probable',
      ],
      ['initial only', S('R Sharma', 'individual'), S('Rahul Sharma', 'individual'), null],
      ['initial + pincode', S('R Sharma', 'individual', [], ['400001']), S('Rahul Sharma', 'individual', [], ['400001']), 'probable'],
      [
        'namesakes with different PANs',
        S('Rahul Sharma', 'individual', [['pan_no', 'ABCPS1234K']]),
        S('Rahul Sharma', 'individual', [['pan', 'ABCPS1834L']]),
        null,
      ],
      [
        'PAN with one mistyped digit',
        S('Rahul Sharma', 'individual', [['pan_no', 'ABCPS1234K']]),
        S('Rahul Sharma', 'individual', [['pan', 'ABCPS1284K']]),
        'probable',
      ],
      [
        'PAN with two digits transposed, initial',
        S('R Sharma', 'individual', [['pan_no', 'ABCPS1234K']]),
        S('Rahul Sharma', 'individual', [['pan', 'ABCPS1324K']]),
        'probable',
      ],
      [
        'PAN one typo apart but an unrelated name',
        S('Sunita Verma', 'individual', [['pan_no', 'ABCPS1234K']]),
        S('Rahul Sharma', 'individual', [['pan', 'ABCPS1284K']]),
        null,
      ],
      [
        'relative sharing a mobile',
        S('Sunita Verma', 'individual', [['mobile', '9876543210']]),
        S('Rahul Sharma', 'individual', [['mobile', '9876543210']]),
        null,
      ],
      [
        'same PAN, nothing else',
        S('Sukumar', 'individual', [['pan_no', 'abcps 1234k']]),
        S('Totally Other', 'corporate', [['pan', 'ABCPS1234K']]),
        'exact',
      ],
      [
        'GSTIN vs PAN',
        S('Acme', 'corporate', [['gstin', '27AAPFU0939F1ZV']]),
        S('Acme Pvt Ltd', 'corporate', [['pan', 'AAPFU0939F']]),
        'exact',
      ],
      ['PAN vs GSTIN', S('Acme', 'corporate', [['pan', 'AAPFU0939F']]), S('Acme', 'corporate', [['gst_no', '27AAPFU0939F1ZV']]), 'exact'],
      [
        'Aadhaar last 4 never exact',
        S('X Y', 'individual', [['aadhaar', '234123412346']]),
        S('Q R', 'individual', [['aadhar', '2341 2341 2346']]),
        null,
      ],
    ];
    for (const [label, c, e, band] of cases) assert.equal(score(c, e).band, band, label);
  });
  test('a common name weighs less: identical name + pincode is probable for a typical name, possible for a very common one', () => {
    const c = S('Rahul Sharma', 'individual', [], ['400001']);
    const e = S('Rahul Sharma', 'individual', [], ['400001']);
    assert.equal(scoreMatch(subject(c), subject(e), 20).band, 'probable');
    assert.equal(scoreMatch(subject(c), subject(e), NAME_COUNT_CAP).band, 'possible');
    // An identifier still decides: the same mobile keeps even a very common name probable.
    const cm = S('Rahul Sharma', 'individual', [['mobile', '9876543210']], ['400001']);
    const em = S('Rahul Sharma', 'individual', [['phone', '+91 98765 43210']], ['400001']);
    assert.equal(scoreMatch(subject(cm), subject(em), NAME_COUNT_CAP).band, 'probable');
  });
  test('address lines at a shared pincode: the same home raises the score, another home lowers it', () => {
    const at = (line: string): AddressLine => ({ pincode: '400001', line });
    const home = { ...S('Mahesh Patil', 'individual', [['mobile', '9876543210']]), lines: [at('Flat 304, Sai Residency, MG Road')] };
    const pinOnly = S('Mahesh Patel', 'individual', [['mobile', '9123456780']], ['400001']);
    const sameHome = { ...S('Mahesh Patel', 'individual', [['mobile', '9123456780']]), lines: [at('304 Sai Residancy M.G. Rd')] };
    const otherHome = { ...S('Mahesh Patel', 'individual', [['mobile', '9123456780']]), lines: [at('Flat 1102, Sai Residency, MG Road')] };
    const base = score(pinOnly, home);
    const same = score(sameHome, home);
    const other = score(otherHome, home);
    // A changed mobile outweighs a misspelt name + pincode; the same home written differently makes it probable.
    assert.equal(base.band, 'possible');
    assert.equal(same.band, 'probable');
    assert.ok(other.score < base.score, `${other.score} < ${base.score}`);
    const lineReason = same.reasons.find((r) => r.field === 'address_line');
    assert.equal(lineReason?.match, 'fuzzy');
    assert.ok(lineReason.similarity !== undefined && lineReason.similarity >= 0.8, 'one typo in a word still agrees');
    assert.equal(score({ ...sameHome, lines: [at('304 Sai Residency M.G. Rd')] }, home).reasons.find((r) => r.field === 'address_line')?.match, 'exact');
    assert.equal(other.reasons.find((r) => r.field === 'address_line')?.match, 'mismatch');
    assert.equal(base.reasons.find((r) => r.field === 'address_line'), undefined, 'no line on one side: no line reason');
    // Lines at different pincodes are never compared.
    const elsewhere = { ...sameHome, lines: [{ pincode: '560001', line: '304 Sai Residency M.G. Rd' }] };
    assert.equal(score(elsewhere, home).reasons.find((r) => r.field === 'address_line'), undefined);
    // With a pincode shared, any line still weighs more than a differing pincode: another home at
    // one pincode is weak evidence against, never worse than living elsewhere.
    const moved = { ...S('Mahesh Patel', 'individual', [['mobile', '9123456780']]), lines: [{ pincode: '560001', line: 'Flat 304, Sai Residency, MG Road' }] };
    assert.ok(other.score > score(moved, home).score);
    // A relative on the same mobile at the same home is one household, not one person: half a name
    // (the surname) is at most a `possible` for review, whatever the household shares.
    const relative = { ...S('Sunita Patil', 'individual', [['mobile', '9876543210']]), lines: [at('Flat 304, Sai Residency, MG Road')] };
    assert.equal(score(relative, home).band, 'possible');
    assert.ok(score(relative, home).score <= NAME_MISMATCH_MAX_SCORE);
    // With nothing of the name in common, not even that.
    const stranger = { ...S('Sunita Verma', 'individual', [['mobile', '9876543210']]), lines: [at('Flat 304, Sai Residency, MG Road')] };
    assert.equal(score(stranger, home).band, null);
  });
  test('reasons', () => {
    const r = score(
      S('Sukumar', 'individual', [
        ['pan_no', '123254684'],
        ['gstin', '27AAPFU0939F1ZV'],
        ['aadhaar', '234123412346'],
        ['email', 'S@X.COM'],
      ]),
      S(
        'Sukumar P',
        'corporate',
        [
          ['pan', 'AAPFU0939F'],
          ['aadhar', '2341 2341 2346'],
          ['email', 's@y.com'],
        ],
        ['400001'],
      ),
    );
    assert.equal(r.band, 'exact');
    assert.ok(r.score >= EXACT_MIN_SCORE);
    assert.deepEqual(r.reasons, [
      { field: 'gstin', match: 'exact', detail: 'PAN embedded in GSTIN' },
      { field: 'aadhaar', match: 'partial' },
      { field: 'email', match: 'mismatch' },
      { field: 'name', match: 'fuzzy', similarity: 0.8 },
      { field: 'type', match: 'mismatch' },
      { field: 'pan_no', match: 'invalid_identifier', detail: 'PAN must be 5 letters, 4 digits, 1 letter' },
    ]);
    const holder = score(S('Acme', 'corporate', [['pan_no', 'ABCPS1234K']]), S('Acme', 'corporate'));
    assert.deepEqual(holder.reasons[0], { field: 'pan_no', match: 'mismatch', detail: 'holder type' });
    const typo = score(S('A B', 'individual', [['pan_no', 'ABCPS1234K']]), S('A B', 'individual', [['pan', 'ABCPS1243K']]));
    assert.deepEqual(typo.reasons[0], { field: 'pan_no', match: 'partial', detail: 'one character differs' });
    const mobile = score(S('A B', 'individual', [['mobile', '9876543210']]), S('A B', 'individual', [['phone', '09876543210']]));
    assert.deepEqual(mobile.reasons[0], { field: 'mobile', match: 'exact' });
    assert.equal(mobile.band, 'probable'); // at most probable, never exact
  });
});

describe('score properties', () => {
  test('score in [0, 1], band consistent with thresholds, exact iff a PAN is shared', () => {
    fc.assert(
      fc.property(sideArb, sideArb, (c, e) => {
        const r = score(c, e);
        assert.ok(r.score >= 0 && r.score <= 1);
        const exact = sharesPan(c, e);
        assert.equal(r.band === 'exact', exact);
        if (exact) assert.ok(r.score >= EXACT_MIN_SCORE);
        else {
          assert.ok(r.score <= NON_EXACT_MAX_SCORE);
          const band = r.score >= PROBABLE_THRESHOLD ? 'probable' : r.score >= POSSIBLE_THRESHOLD ? 'possible' : null;
          assert.equal(r.band, band);
        }
      }),
      { numRuns: 1000 },
    );
  });
  test('monotone: adding agreeing evidence never lowers the score', () => {
    fc.assert(
      fc.property(sideArb, sideArb, fc.array(evidenceArb, { minLength: 1, maxLength: 3 }), (c0, e0, evs) => {
        let [c, e] = [c0, e0];
        let prev = score(c, e).score;
        for (const ev of evs) {
          [c, e] = addEvidence(c, e, ev);
          const next = score(c, e).score;
          assert.ok(next >= prev, `${JSON.stringify(ev)}: ${prev} → ${next}`);
          prev = next;
        }
      }),
      { numRuns: 1000 },
    );
  });
  test('an exact PAN match scores above any match without a shared PAN', () => {
    const withPan = fc.tuple(sideArb, sideArb, fc.constantFrom('ABCPS1234K', 'AAACR5055K')).map(([c, e, pan]): [Side, Side] => [
      { ...c, props: [...c.props, { key: 'pan_no', value: pan }] },
      { ...e, props: [...e.props, { key: 'pan', value: pan.toLowerCase() }] },
    ]);
    fc.assert(
      fc.property(withPan, sideArb, sideArb, ([c1, e1], c2, e2) => {
        fc.pre(!sharesPan(c2, e2));
        const exact = score(c1, e1);
        const other = score(c2, e2);
        assert.equal(exact.band, 'exact');
        assert.ok(exact.score > other.score);
        assert.ok(compareMatches(exact, other) < 0);
      }),
      { numRuns: 500 },
    );
  });
  test('deterministic and independent of prop order', () => {
    fc.assert(
      fc.property(sideArb, sideArb, (c, e) => {
        const r = score(c, e);
        assert.deepEqual(score(c, e), r);
        const rev = score(
          { ...c, props: [...c.props].reverse() },
          { ...e, props: [...e.props].reverse(), pincodes: [...e.pincodes].reverse() },
        );
        assert.equal(rev.score, r.score);
        assert.equal(rev.band, r.band);
      }),
      { numRuns: 500 },
    );
  });
  test('name frequency: a more common name never raises the score; up to the typical count it changes nothing', () => {
    const countArb = fc.integer({ min: 0, max: 3 * NAME_COUNT_CAP });
    fc.assert(
      fc.property(sideArb, sideArb, countArb, countArb, (c, e, k1, k2) => {
        const [lo, hi] = k1 <= k2 ? [k1, k2] : [k2, k1];
        const rLo = scoreMatch(subject(c), subject(e), lo);
        const rHi = scoreMatch(subject(c), subject(e), hi);
        assert.ok(rHi.score <= rLo.score, `${lo} → ${rLo.score}, ${hi} → ${rHi.score}`);
        assert.equal(rHi.band === 'exact', rLo.band === 'exact', 'the count never decides exactness');
        if (hi <= NAME_TYPICAL_COUNT) assert.deepEqual(rHi, score(c, e));
      }),
      { numRuns: 1000 },
    );
  });
  test('name frequency keeps the name weight monotone in similarity and bounded', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10 ** 7 }), (s1, s2, k) => {
        const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
        assert.ok(frequencyNameWeight(lo, k) <= frequencyNameWeight(hi, k) + 1e-12);
        assert.ok(nameFrequencyShift(k) <= 0 && nameFrequencyShift(k) >= -Math.log2(NAME_COUNT_CAP / NAME_TYPICAL_COUNT) - 1e-12);
        assert.ok(frequencyNameWeight(hi, k) <= nameWeight(hi) + 1e-12);
      }),
      { numRuns: 2000 },
    );
  });
  test('name-only bounds (what blocking leaves unread): above NAME_ONLY_MAX_BLOCK, or with a contradicting identifier, a name never reaches possible', () => {
    // The bounds are tight: an identical name and type are `possible` at the block bound, and an
    // email disagreement (not a contradicting kind) leaves them `possible`.
    const same = S('Rahul Sharma', 'individual');
    assert.equal(scoreMatch(subject(same), subject(same), NAME_ONLY_MAX_BLOCK).band, 'possible');
    assert.equal(scoreMatch(subject(same), subject(same), NAME_ONLY_MAX_BLOCK + 1).band, null);
    assert.deepEqual([...NAME_ONLY_CONTRADICTING_KINDS].sort(), ['cin', 'mobile', 'passport', 'voter_id']);
    const emails = score(S('Rahul Sharma', 'individual', [['email', POOLS.email![0]!]]), S('Rahul Sharma', 'individual', [['email', POOLS.email![1]!]]));
    assert.equal(emails.band, 'possible');
    const kindArb = fc.constantFrom(...NAME_ONLY_CONTRADICTING_KINDS);
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.constantFrom(...NAMES), typeArb, typeArb, kindArb, fc.integer({ min: 0, max: 3 * NAME_COUNT_CAP }), (n1, n2, t1, t2, kind, count) => {
        const [v1, v2] = POOLS[kind]!;
        const c = S(n1, t1, [[KEYS[kind]![0]!, v1!]]);
        const e = S(n2, t2, [[KEYS[kind]![0]!, v2!]]);
        assert.equal(scoreMatch(subject(c), subject(e), count).band, null, `${kind}: ${n1} ~ ${n2}`);
        if (count > NAME_ONLY_MAX_BLOCK) assert.equal(scoreMatch(subject(S(n1, t1)), subject(S(n2, t2)), count).band, null, `${n1} ~ ${n2} in a block of ${count}`);
      }),
      { numRuns: 1000 },
    );
  });
  test('Aadhaar, mobile and email agreement alone never make a match exact', () => {
    const soft = fc.constantFrom('aadhaar', 'mobile', 'email', 'cin', 'passport', 'voter_id');
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), typeArb, fc.array(soft, { minLength: 1, maxLength: 6 }), (name, type, kinds) => {
        const props = kinds.map((k) => ({ key: KEYS[k]?.[0] ?? k, value: POOLS[k]?.[0] ?? '' }));
        const r = score({ name, type, props, pincodes: ['400001'] }, { name, type, props, pincodes: ['400001'] });
        assert.notEqual(r.band, 'exact');
        assert.ok(r.score <= NON_EXACT_MAX_SCORE);
      }),
    );
  });
});
