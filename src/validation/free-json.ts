import type { FieldErrorCollector } from '../errors/index.js';
import { isStorableJson, UNSTORABLE_TEXT_MESSAGE } from './text.js';

// Free JSON objects from clients (`refs`; `codes` on addresses) have no schema below the top level,
// so the limits a schema would give are checked here.

/** Serialized size limit of a free JSON object (`refs`, `codes`). */
export const FREE_JSON_MAX_BYTES = 8 * 1024;

/** Far beyond any real reference data, far below what recursion (ours, V8's, jsonb's) survives. */
export const FREE_JSON_MAX_DEPTH = 32;

/** True when objects/arrays nest deeper than `limit`; iterative, so any input is safe to measure. */
function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Numbers a client sent that the service could not give back as sent: JSON.parse has already
 * turned `1e400` into Infinity and `9007199254740993` into its nearest double, and jsonb would
 * store `-0` as 0. Refused rather than silently changed (CONTRACT §12a). Paths are `field.key.0`.
 */
function unfaithfulNumbers(value: unknown, path: string, out: string[]): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0) || (Number.isInteger(value) && !Number.isSafeInteger(value))) out.push(path);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) unfaithfulNumbers(v, `${path}.${k}`, out);
  }
}

/**
 * Checks a free JSON value: nesting first (JSON.stringify and PostgreSQL's jsonb parser recurse; a
 * body of 10 000 nested arrays fits in 1 MiB and would overflow both), then serialized size, then
 * that every string and key is text the database can store and every number survives unchanged.
 */
export function checkFreeJson(errors: FieldErrorCollector, field: string, value: unknown, maxBytes: number): void {
  if (value === undefined) return;
  if (exceedsDepth(value, FREE_JSON_MAX_DEPTH)) {
    errors.add(field, `May nest objects and arrays at most ${FREE_JSON_MAX_DEPTH} levels deep.`);
    return;
  }
  if (Buffer.byteLength(JSON.stringify(value)) > maxBytes) errors.add(field, `Must be at most ${maxBytes} bytes serialized.`);
  if (!isStorableJson(value)) errors.add(field, UNSTORABLE_TEXT_MESSAGE);
  const numbers: string[] = [];
  unfaithfulNumbers(value, field, numbers);
  for (const path of numbers) {
    errors.add(path, 'A number that cannot be kept exactly (beyond ±2^53, infinite, or -0); send it as a string.');
  }
}
