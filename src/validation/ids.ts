const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Normalizes a ULID from input (case-insensitive Crockford base32), or undefined when malformed. */
export function normalizeId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const up = raw.toUpperCase();
  return ULID.test(up) ? up : undefined;
}
