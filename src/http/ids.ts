import { AppError } from '../errors/index.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Normalizes a ULID from input (case-insensitive Crockford base32), or undefined when malformed. */
export function normalizeId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const up = raw.toUpperCase();
  return ULID.test(up) ? up : undefined;
}

/** A path id: malformed means the object cannot exist → 404. */
export function pathId(raw: string, what: string): string {
  const id = normalizeId(raw);
  if (!id) throw new AppError('not_found', `${what} not found.`);
  return id;
}
