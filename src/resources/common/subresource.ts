import { checkFreeJson, FREE_JSON_MAX_BYTES } from '../../validation/free-json.js';
import type { Executor } from '../../db/index.js';
import type { FieldErrorCollector } from '../../errors/index.js';
import { normalizeId } from '../../validation/ids.js';
import { refuseMerged } from './merged.js';

// Shared by the contact sub-resources (addresses, banks, relations): how a body or filter names a
// contact, and how a write pins its owning contact.

/**
 * Lock strength on the owning contact for the length of a sub-resource write:
 * - `share` keeps the contact from being deleted (or restored) half-way through the write, while
 *   other sub-resource writers of the same contact proceed in parallel;
 * - `exclusive` (FOR NO KEY UPDATE) also serializes writers of the same contact: bank writes
 *   need it so two requests making different accounts primary cannot interleave, address writes
 *   because each rewrites the contact row's copy of its addresses (migration 0014). It does not
 *   block foreign-key checks (KEY SHARE) from other tables.
 * Lock order is always contact first, then the sub-resource row, so writers never deadlock.
 */
export type OwnerLock = 'share' | 'exclusive';

/**
 * True when the contact is live in the tenant; the row stays locked until the transaction ends.
 * A merged contact is a 409 `merged` (CONTRACT §8.2), not an unknown one.
 */
export async function lockLiveContact(tx: Executor, tenantId: string, contactId: string, mode: OwnerLock): Promise<boolean> {
  const clause = mode === 'share' ? 'FOR SHARE' : 'FOR NO KEY UPDATE';
  const res = await tx.query(`SELECT 1 FROM contacts WHERE tenant_id = $1 AND id = $2 AND NOT is_deleted ${clause}`, [tenantId, contactId]);
  if (res.rowCount > 0) return true;
  await refuseMerged(tx, tenantId, contactId);
  return false;
}

/** The same message for unknown, deleted and other-tenant contacts: existence is not revealed. */
export const UNKNOWN_CONTACT = 'Unknown contact: no live contact with this id.';

/**
 * A contact id given in a body (`contact_id`, `contact`, `related_contact`): malformed is a 400
 * under that field (CONTRACT §6a), like an unknown one.
 */
export function bodyContactId(errors: FieldErrorCollector, field: string, raw: string): string | undefined {
  const id = normalizeId(raw);
  if (!id) errors.add(field, UNKNOWN_CONTACT);
  return id;
}

/**
 * The owner of a sub-resource is fixed: moving one would split its history across two contacts.
 * A body naming another owner is a 400 under that field.
 */
export function checkOwnerUnchanged(errors: FieldErrorCollector, given: string | undefined, owner: string, field: string, message: string): void {
  if (given !== undefined && given !== owner) errors.add(field, message);
}

/**
 * An id used as a list filter. Malformed → 400 (as a DRF filterset rejects an invalid choice); a
 * well-formed id that names nothing simply matches nothing.
 */
export function filterId(errors: FieldErrorCollector, field: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const id = normalizeId(raw);
  if (!id) errors.add(field, 'Must be a valid id (ULID).');
  return id;
}

export function filterEnum<T extends string>(
  errors: FieldErrorCollector,
  field: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    errors.add(field, `Must be one of: ${allowed.join(', ')}.`);
    return undefined;
  }
  return raw as T;
}

/** Free JSON objects (`codes`, `refs`) get the contact `refs` checks: depth, size, storable text. */
export function checkJsonSize(errors: FieldErrorCollector, field: string, value: unknown): void {
  if (value !== null) checkFreeJson(errors, field, value, FREE_JSON_MAX_BYTES);
}

/** `SET` list for a partial update: only given columns, plus version/audit stamps. */
export function setList(changes: Record<string, unknown>, add: (v: unknown) => string, userId: string, at: Date): string {
  const sets = Object.entries(changes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${add(v)}`);
  sets.push(`updated_at = ${add(at)}`, `updated_by = ${add(userId)}`, 'version = version + 1');
  return sets.join(', ');
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
