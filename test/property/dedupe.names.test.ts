import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  jaro,
  jaroWinkler,
  nameKey,
  nameSimilarity,
  nameTokens,
  normalizeName,
  phoneticCode,
  phoneticKey,
} from '../../src/dedupe/names.js';

const WORDS = [
  'rahul',
  'sharma',
  'sarma',
  'kumar',
  'kr',
  'mohd',
  'muhammad',
  'irfan',
  'laxmi',
  'lakshmi',
  'devi',
  'priya',
  'kumari',
  'singh',
  'reddy',
  'acme',
  'traders',
  'pvt',
  'ltd',
  'mr',
  'dr',
  'smt',
  'the',
  'and',
  'sons',
  'r',
  'k',
  'chowdhury',
  'agarwal',
  'sri',
  'ram',
  'co',
];
const word = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{1,8}$/) });
const typeArb = fc.constantFrom<'individual' | 'corporate' | undefined>('individual', 'corporate', undefined);
/** Name-like strings within the contract's character set, with messy casing and punctuation. */
const nameArb = fc
  .tuple(
    fc.array(word, { minLength: 1, maxLength: 5 }),
    fc.array(fc.constantFrom(' ', '  ', '. ', ', ', '-', ' & '), { minLength: 1, maxLength: 5 }),
    fc.boolean(),
  )
  .map(([ws, seps, upper]) => {
    const s = ws.map((w, i) => (i === 0 ? w : `${seps[i % seps.length] ?? ' '}${w}`)).join('');
    return upper ? s.toUpperCase() : s;
  });
const anyName = fc.oneof(nameArb, fc.string({ maxLength: 30 }));

describe('normalizeName / nameKey / phoneticKey examples', () => {
  test('honorifics, punctuation, transliteration variants, corporate suffixes', () => {
    assert.equal(normalizeName("Mr. Rahul  D'Souza"), 'rahul dsouza');
    assert.equal(normalizeName('Shri Ram Kumar'), 'ram kumar');
    assert.equal(normalizeName('Sri Ram Kr.'), 'ram kumar');
    assert.equal(normalizeName('Priya Kumari'), 'priya kumari'); // not leading: an ordinary word
    assert.equal(normalizeName('Kumari Priya'), 'priya');
    assert.equal(normalizeName('Md. Irfan'), 'mohammed irfan');
    assert.equal(normalizeName('Dr'), 'dr'); // never normalized to nothing
    assert.equal(normalizeName('M/s. Sharma & Sons Pvt. Ltd.', 'corporate'), 'sharma and sons');
    assert.equal(normalizeName('The Acme Company', 'corporate'), 'acme');
    assert.equal(normalizeName('Acme Co', 'individual'), 'acme co'); // suffixes only for corporates
    assert.equal(normalizeName('José Müller'), 'jose muller');
  });
  test('nameKey and phoneticKey are order-independent', () => {
    assert.equal(nameKey('Sharma, Rahul'), 'rahul sharma');
    assert.equal(nameKey('Mr Rahul Sharma'), 'rahul sharma');
    assert.equal(phoneticKey('Laxmi Chowdhury'), phoneticKey('Choudhary Lakshmi'));
    assert.equal(phoneticKey('Sarma Rahul'), phoneticKey('Rahul Sharma'));
  });
  test('phonetic codes merge common transliteration variants', () => {
    const same: [string, string][] = [
      ['sharma', 'sarma'],
      ['lakshmi', 'laxmi'],
      ['chowdhury', 'choudhary'],
      ['aggarwal', 'agarwal'],
      ['zakir', 'jakir'],
      ['qureshi', 'kureshi'],
      ['eshwar', 'ishwar'],
      ['bharat', 'barat'],
      ['sudhir', 'sudir'],
      ['philip', 'filip'],
    ];
    for (const [a, b] of same) assert.equal(phoneticCode(a), phoneticCode(b), `${a}/${b}`);
    assert.notEqual(phoneticCode('chandra'), phoneticCode('kandra'));
    assert.notEqual(phoneticCode('sharma'), phoneticCode('verma'));
  });

  test('cached phonetic codes are the codes: the same answer on every call, also after the cache has been cleared', () => {
    const examples: [string, string][] = [
      ['sharma', 'srm'],
      ['lakshmi', 'lksm'],
      ['chowdhury', 'cdr'],
    ];
    for (const [token, code] of examples) {
      assert.equal(phoneticCode(token), code, `${token} first call`);
      assert.equal(phoneticCode(token), code, `${token} repeated`);
    }
    // More distinct tokens than the cache holds (50,000) forces a clear; codes stay right.
    for (let i = 0; i < 60_000; i++) phoneticCode(`tok${i}`);
    for (const [token, code] of examples) assert.equal(phoneticCode(token), code, `${token} after clear`);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcdhkstuvwxyz'.split('')), maxLength: 50 }), (t) => {
        const first = phoneticCode(t);
        assert.equal(phoneticCode(t), first);
        assert.equal(phoneticCode(t.toUpperCase()), first);
      }),
    );
  });
});

describe('similarity examples', () => {
  test('Jaro-Winkler textbook values', () => {
    const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 0.001, `${x} ≈ ${y}`);
    close(jaroWinkler('MARTHA', 'MARHTA'), 0.961);
    close(jaroWinkler('DWAYNE', 'DUANE'), 0.84);
    close(jaroWinkler('DIXON', 'DICKSONX'), 0.813);
    close(jaro('MARTHA', 'MARHTA'), 0.944);
    assert.equal(jaroWinkler('', ''), 1);
    assert.equal(jaroWinkler('abc', ''), 0);
  });
  test('jaro reuses its scratch flags: words longer than the buffers, then short ones, score as when computed alone', () => {
    const long = 'a'.repeat(100);
    const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-12, `${x} ≈ ${y}`);
    close(jaro(long, `${long}b`), (1 + 100 / 101 + 1) / 3);
    close(jaro('abc', 'abd'), (2 / 3 + 2 / 3 + 1) / 3);
    close(jaro('MARTHA', 'MARHTA'), jaro('MARHTA', 'MARTHA'));
    close(jaro(`${long}xyz`, `xyz${long}`), jaro(`xyz${long}`, `${long}xyz`));
  });
  test('names', () => {
    assert.equal(nameSimilarity('Rahul Sharma', 'Sharma Rahul'), 1);
    assert.equal(nameSimilarity('Laxmi Devi', 'Lakshmi Devi'), 1);
    assert.equal(nameSimilarity('Mohd. Irfan', 'Muhammad Irfan'), 1);
    assert.equal(nameSimilarity('Acme Pvt. Ltd.', 'ACME PRIVATE LIMITED', 'corporate'), 1);
    const initial = nameSimilarity('R Sharma', 'Rahul Sharma');
    assert.ok(initial >= 0.85 && initial < 1, String(initial));
    const variant = nameSimilarity('Rahul Sharma', 'Rahul Sarma');
    assert.ok(variant >= 0.9 && variant < 1, String(variant));
    assert.ok(nameSimilarity('Ram Kumar', 'Ramkumar') >= 0.9);
    const middle = nameSimilarity('Rahul Sharma', 'Rahul Kumar Sharma');
    assert.ok(middle > 0.8 && middle < initial + 0.01, String(middle));
    assert.ok(nameSimilarity('Rahul Sharma', 'Rahul Verma') < 0.75);
    assert.ok(nameSimilarity('Rahul Sharma', 'Rohit Sharma') < 0.75);
    assert.ok(nameSimilarity('Anil Kumar', 'Sunita Reddy') < 0.2);
  });
});

describe('name properties', () => {
  test('normalizeName is idempotent; nameKey is stable under normalization', () => {
    // (nameKey itself is not idempotent, by design: sorting can move an honorific-like word to the
    // front, "na mr" → "mr na", where it would then be stripped. Keys are computed from names.)
    fc.assert(
      fc.property(anyName, typeArb, (n, t) => {
        const once = normalizeName(n, t);
        assert.equal(normalizeName(once, t), once);
        assert.equal(nameKey(once, t), nameKey(n, t));
        assert.equal(phoneticKey(once, t), phoneticKey(n, t));
      }),
      { numRuns: 500 },
    );
  });
  test('normalized tokens are lower-case alphanumerics; nameKey is sorted', () => {
    fc.assert(
      fc.property(anyName, typeArb, (n, t) => {
        const tokens = nameTokens(n, t);
        for (const tok of tokens) assert.match(tok, /^[a-z0-9]+$/);
        assert.deepEqual(nameKey(n, t).split(' ').filter(Boolean), [...tokens].sort());
      }),
    );
  });
  test('similarity is symmetric, within [0, 1], and 1 on identical names', () => {
    fc.assert(
      fc.property(anyName, anyName, typeArb, (a, b, t) => {
        const ab = nameSimilarity(a, b, t);
        assert.equal(ab, nameSimilarity(b, a, t));
        assert.ok(ab >= 0 && ab <= 1, String(ab));
        assert.equal(nameSimilarity(a, a, t), 1);
      }),
      { numRuns: 1000 },
    );
  });
  test('1 exactly when the normalized token multisets are equal', () => {
    fc.assert(
      fc.property(nameArb, nameArb, (a, b) => {
        const s = nameSimilarity(a, b);
        if (nameKey(a) === nameKey(b)) assert.equal(s, 1);
        else if (nameKey(a) !== '' && nameKey(b) !== '') assert.ok(s < 1, `${a} / ${b}`);
      }),
      { numRuns: 1000 },
    );
  });
  test('swapping token order keeps similarity 1', () => {
    // Honorifics are only stripped in leading position, so they are left out of the words here.
    const plainWord = word.filter(
      (w) =>
        ![
          'mr',
          'dr',
          'smt',
          'sri',
          'kumari',
          'ms',
          'mrs',
          'miss',
          'prof',
          'shri',
          'km',
          'kum',
          'shree',
          'sree',
          'shre',
          'shrimati',
          'srimati',
        ].includes(w),
    );
    fc.assert(
      fc.property(
        fc.array(plainWord, { minLength: 1, maxLength: 5 }),
        fc.infiniteStream(fc.nat()).map((s) => s),
        (ws, rnd) => {
          const shuffled = [...ws];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (rnd.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
          }
          assert.equal(nameSimilarity(ws.join(' '), shuffled.join(' ')), 1);
          assert.equal(phoneticKey(ws.join(' ')), phoneticKey(shuffled.join(' ')));
        },
      ),
    );
  });
  test('an initial for a first name scores high but below 1', () => {
    const longWord = fc.stringMatching(/^[a-z]{3,10}$/).filter((w) => !['mr', 'mrs', 'dr'].includes(w));
    fc.assert(
      fc.property(longWord, fc.constantFrom('sharma', 'reddy', 'iyer', 'khan'), (first, last) => {
        fc.pre(nameTokens(`${first} ${last}`).length === 2);
        const s = nameSimilarity(`${first.charAt(0)} ${last}`, `${first} ${last}`);
        assert.ok(s >= 0.85 && s < 1, `${first} ${last}: ${s}`);
      }),
    );
  });
  test('Jaro-Winkler is symmetric and within [0, 1]', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const s = jaroWinkler(a, b);
        assert.equal(s, jaroWinkler(b, a));
        assert.ok(s >= 0 && s <= 1);
        assert.equal(jaroWinkler(a, a), 1);
      }),
      { numRuns: 1000 },
    );
  });
});
