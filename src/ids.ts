import { randomFillSync } from 'node:crypto';
import { decodeTime, ulid as makeUlid } from 'ulidx';

// ulidx without a PRNG argument detects one on every call and makes one WebCrypto call per
// character (16 per id), a noticeable share of a request's CPU when ids are made per request.
// This source draws the same cryptographic randomness from a pooled buffer. One byte per
// character: 256 is a multiple of 32, so each Crockford character stays uniform.
const POOL = Buffer.alloc(4096);
let offset = POOL.length;

function pooledRandom(): number {
  if (offset >= POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  return POOL[offset++]! / 256;
}

/** A new ULID (26 chars, upper-case Crockford base32), time-ordered by `seedTime` (default now). */
export function ulid(seedTime?: number): string {
  return makeUlid(seedTime, pooledRandom);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The next id of a sequence that must only grow (the event feed): a fresh ULID when `now` is past
 * the time of `prev`, else `prev` plus one in its random part.
 */
export function ulidAfter(prev: string | null, now: number): string {
  if (prev === null || decodeTime(prev) < now) return ulid(now);
  const chars = prev.split('');
  for (let i = chars.length - 1; i >= 10; i--) {
    const next = CROCKFORD.indexOf(chars[i]!) + 1;
    if (next < CROCKFORD.length) {
      chars[i] = CROCKFORD[next]!;
      return chars.join('');
    }
    chars[i] = '0';
  }
  // 80 random bits exhausted within one millisecond: move to the next one.
  return ulid(decodeTime(prev) + 1);
}
