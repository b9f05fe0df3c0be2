import { randomFillSync } from 'node:crypto';
import { decodeTime, encodeTime } from 'ulidx';

// ulidx without a PRNG argument detects one on every call and makes one WebCrypto call per
// character (16 per id), a noticeable share of a request's CPU when ids are made per request.
// Ids are made here from the same cryptographic randomness drawn from a pooled buffer, one byte per
// character: its top five bits pick the Crockford character (256 is a multiple of 32, so each stays
// uniform). The time part is ulidx's encoding (which also rejects an invalid time), kept for the
// millisecond it was made for: a request id costs a buffer read and a string of 16 characters.
const POOL = Buffer.alloc(4096);
let offset = POOL.length;
let lastTime = -1;
let lastTimePart = '';

/** A new ULID (26 chars, upper-case Crockford base32), time-ordered by `seedTime` (default now). */
export function ulid(seedTime?: number): string {
  const time = seedTime === undefined || Number.isNaN(seedTime) ? Date.now() : seedTime;
  if (time !== lastTime) {
    lastTimePart = encodeTime(time, 10);
    lastTime = time;
  }
  if (offset + 16 > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  let id = lastTimePart;
  for (let i = 0; i < 16; i++) id += CROCKFORD[POOL[offset++]! >> 3]!;
  return id;
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
