import { AppError } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { takeCounter } from '../namespaces/namespaces.queries.js';
import { parsePattern, renderPattern, REF_ID_MAX } from '../namespaces/ref-pattern.js';
import { reserveRefId } from './contacts.queries.js';

// A generated number may collide with a client-supplied ref id; allocation then skips ahead.
// The bound only guards against a pathological namespace where every number is taken.
const MAX_SKIPS = 1000;

/** Reserves a client-supplied ref id or 409s naming the field. */
export async function reserveClientRefId(tx: Executor, tenantId: string, namespaceId: string, refId: string, contactId: string, at: Date): Promise<void> {
  if (!(await reserveRefId(tx, tenantId, namespaceId, refId, contactId, at))) {
    const msg = `The ref_id "${refId}" is already used in this namespace (ref ids are never reused).`;
    throw new AppError('conflict', msg, { errors: { ref_id: [msg] } });
  }
}

/** Generates the next ref id from the namespace pattern, or null when it has none. */
export async function allocateRefId(tx: Executor, tenantId: string, namespaceId: string, pattern: string | null, contactId: string, at: Date): Promise<string | null> {
  if (!pattern) return null;
  const parsed = parsePattern(pattern);
  if (!parsed.ok) throw new AppError('conflict', 'The namespace contact_pattern is invalid.');
  for (let i = 0; i < MAX_SKIPS; i++) {
    const { seq } = await takeCounter(tx, tenantId, namespaceId, 'contact');
    const refId = renderPattern(parsed.value, seq, at);
    if (refId.length > REF_ID_MAX) throw new AppError('conflict', `The namespace pattern renders more than ${REF_ID_MAX} characters.`);
    if (await reserveRefId(tx, tenantId, namespaceId, refId, contactId, at)) return refId;
  }
  throw new AppError('conflict', 'Could not allocate a free ref id from the namespace pattern.');
}
