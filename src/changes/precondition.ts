import { AppError } from '../errors/index.js';

/**
 * Optimistic concurrency (CONTRACT §6b): the versions a writer says it last saw, or `any` for an
 * object that merely has to exist. Built by the caller (from If-Match on the API) and checked by
 * the service under the row lock, so the check and the write see the same version.
 */
export type Precondition = { any: true } | { versions: readonly number[] };

/** The strong entity tag of a version (what ETag and If-Match carry). */
export const etagOf = (version: number): string => `"${version}"`;

export function checkPrecondition(precondition: Precondition | undefined, currentVersion: number): void {
  if (!precondition || 'any' in precondition || precondition.versions.includes(currentVersion)) return;
  throw new AppError('precondition_failed', 'The object has changed since the given ETag (If-Match).', {
    headers: { etag: etagOf(currentVersion) },
  });
}
