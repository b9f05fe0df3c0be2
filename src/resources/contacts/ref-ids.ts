import { AppError } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { takeCounter } from '../namespaces/namespaces.queries.js';
import { parsePattern, renderPattern, REF_ID_MAX } from '../namespaces/ref-pattern.js';
import { reserveRefId } from './contacts.queries.js';

// A generated number may collide with a client-supplied ref id; allocation then skips ahead.
// The bound only guards against a pathological namespace where every number is taken.
const MAX_SKIPS = 1000;

/** The 409 for a client-supplied ref id another contact holds. */
export function refIdTaken(refId: string): AppError {
  const msg = `The ref_id "${refId}" is already used in this namespace (ref ids are never reused).`;
  return new AppError('conflict', msg, { errors: { ref_id: [msg] } });
}

/** Reserves a client-supplied ref id or 409s naming the field. */
export async function reserveClientRefId(tx: Executor, tenantId: string, namespaceId: string, refId: string, contactId: string, at: Date): Promise<void> {
  if (!(await reserveRefId(tx, tenantId, namespaceId, refId, contactId, at))) throw refIdTaken(refId);
}

/** The ref id a pattern gives number `seq`; 409 for a pattern that is invalid or renders too long. */
export function renderRefId(pattern: string, seq: number, at: Date): string {
  const parsed = parsePattern(pattern);
  if (!parsed.ok) throw new AppError('conflict', 'The namespace contact_pattern is invalid.');
  const refId = renderPattern(parsed.value, seq, at);
  if (refId.length > REF_ID_MAX) throw new AppError('conflict', `The namespace pattern renders more than ${REF_ID_MAX} characters.`);
  return refId;
}

/** Generates the next ref id from the namespace pattern, or null when it has none. */
export async function allocateRefId(tx: Executor, tenantId: string, namespaceId: string, pattern: string | null, contactId: string, at: Date): Promise<string | null> {
  if (!pattern) return null;
  renderRefId(pattern, 0, at); // an invalid pattern fails before a number is taken
  for (let i = 0; i < MAX_SKIPS; i++) {
    const { seq } = await takeCounter(tx, tenantId, namespaceId, 'contact');
    const refId = renderRefId(pattern, seq, at);
    if (await reserveRefId(tx, tenantId, namespaceId, refId, contactId, at)) return refId;
  }
  throw new AppError('conflict', 'Could not allocate a free ref id from the namespace pattern.');
}
