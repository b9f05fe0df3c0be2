import { AppError, type FieldErrorCollector } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { analyzeIdentifiers, blockingPans, identifierKind, normalizeIdentifier } from '../../dedupe/identifiers.js';
import { nameKey, phoneticKey } from '../../dedupe/names.js';
import { type PropRow, type PropUpsert, propsOf } from '../contacts/contacts.queries.js';
import { findPanHolder, insertPropsAndMatchKeys, lockPans, pansOf, replaceMatchKeys } from './match-keys.queries.js';

/** `?on_duplicate=allow&reason=…`: skip duplicate blocking, recorded in the audit entry. */
export interface DuplicatePolicy {
  override: { reason: string } | null;
}
export const BLOCK_DUPLICATES: DuplicatePolicy = { override: null };
const REASON_MAX = 500;

export function parseDuplicatePolicy(errors: FieldErrorCollector, q: { on_duplicate?: string; reason?: string }): DuplicatePolicy {
  if (q.on_duplicate === undefined) return BLOCK_DUPLICATES;
  if (q.on_duplicate !== 'allow') {
    errors.add('on_duplicate', 'The only accepted value is "allow".');
    return BLOCK_DUPLICATES;
  }
  const reason = q.reason?.trim() ?? '';
  if (reason === '') errors.add('reason', 'A reason is required with on_duplicate=allow.');
  else if (reason.length > REASON_MAX) errors.add('reason', `At most ${REASON_MAX} characters.`);
  return { override: { reason } };
}

/** IDENTIFIER_VALIDATION=strict: a malformed value on an identifier key is a 400 naming the prop. */
export function checkIdentifierValues(errors: FieldErrorCollector, props: readonly { key: string; value: string }[] | undefined, prefix: string, strict: boolean): void {
  if (!strict || !props) return;
  props.forEach((p, i) => {
    const kind = identifierKind(p.key);
    if (!kind) return;
    const r = normalizeIdentifier(kind, p.value);
    if (!r.ok) errors.add(`${prefix ? `${prefix}.` : ''}${i}.value`, `Not a valid ${kind}: ${r.reason}.`);
  });
}

/** The columns that index a contact's name for fuzzy matching. */
export function nameColumns(name: string, type: string): { name_key: string; name_phonetic: string } {
  const t = type === 'corporate' ? 'corporate' : 'individual';
  return { name_key: nameKey(name, t), name_phonetic: phoneticKey(name, t) };
}

function duplicateError(holderId: string): AppError {
  return new AppError('duplicate', `A live contact with the same PAN already exists (${holderId}). Use ?on_duplicate=allow&reason=… to override.`, {
    extra: { duplicate_of: holderId },
  });
}

/** A holder found → 409, unless the policy overrides (then its id, for the audit entry). */
function decide(holder: { contact_id: string } | undefined, policy: DuplicatePolicy): string | null {
  if (!holder) return null;
  if (!policy.override) throw duplicateError(holder.contact_id);
  return holder.contact_id;
}

async function enforce(tx: Executor, tenantId: string, contactId: string, pans: string[], policy: DuplicatePolicy): Promise<string | null> {
  if (pans.length === 0) return null;
  await lockPans(tx, tenantId, pans);
  return decide(await findPanHolder(tx, tenantId, pans, contactId), policy);
}

/**
 * After a write that changed a contact's props: rebuilds its match keys and blocks a PAN that a
 * live contact already holds. `checkAll` for creates; otherwise only PANs the contact did not hold
 * before are checked (a PATCH that leaves identifiers alone is never blocked).
 * Returns the id of an overridden duplicate (for the audit entry), or null.
 */
export async function refreshIdentifiers(tx: Executor, tenantId: string, contactId: string, policy: DuplicatePolicy, checkAll: boolean): Promise<string | null> {
  const before = checkAll ? new Set<string>() : new Set(await pansOf(tx, tenantId, contactId));
  const props = (await propsOf(tx, tenantId, [contactId])).get(contactId) ?? [];
  const { keys } = analyzeIdentifiers(props);
  await replaceMatchKeys(tx, tenantId, contactId, keys);
  return enforce(tx, tenantId, contactId, blockingPans(keys).filter((p) => !before.has(p)), policy);
}

/** The PANs a new contact with these props is blocked on (what createContact locks up front). */
export function newContactPans(props: readonly { key: string; value: string }[]): string[] {
  return blockingPans(analyzeIdentifiers(props).keys);
}

/**
 * A new contact's props written, its match keys inserted and its PANs checked against live
 * holders, in one statement (insertPropsAndMatchKeys). `lockedPans`: the PANs whose advisory locks
 * the transaction already holds (taken by the contact insert, see insertContact: the PANs of
 * newContactPans, so all of them); any other is locked here first, because a PAN checked without
 * its lock would let parallel creates through.
 */
export async function insertNewContactProps(
  tx: Executor,
  tenantId: string,
  contactId: string,
  upserts: readonly PropUpsert[],
  ids: readonly string[],
  userId: string,
  at: Date,
  policy: DuplicatePolicy,
  lockedPans: readonly string[],
): Promise<{ props: PropRow[]; duplicateOf: string | null }> {
  if (upserts.length === 0) return { props: [], duplicateOf: null };
  const { keys } = analyzeIdentifiers(upserts);
  const pans = blockingPans(keys);
  const unlocked = pans.filter((p) => !lockedPans.includes(p));
  if (unlocked.length > 0) await lockPans(tx, tenantId, unlocked);
  const { props, holder } = await insertPropsAndMatchKeys(tx, tenantId, contactId, upserts, ids, userId, at, keys, pans);
  return { props, duplicateOf: decide(holder, policy) };
}

/** Restoring a contact whose PAN is now held by another live contact is blocked too. */
export async function checkRestoreBlocking(tx: Executor, tenantId: string, contactId: string, policy: DuplicatePolicy): Promise<string | null> {
  return enforce(tx, tenantId, contactId, await pansOf(tx, tenantId, contactId), policy);
}

export function overrideComment(policy: DuplicatePolicy, duplicateOf: string | null): string | undefined {
  if (!duplicateOf || !policy.override) return undefined;
  return `duplicate override (duplicate_of ${duplicateOf}): ${policy.override.reason}`;
}
