import { AppError, type FieldErrorCollector } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { blockingPans, disguisedBlockingValue, identifierKind, normalizeIdentifier, type PropLike } from '../../dedupe/identifiers.js';
import { identifierKeys } from './derived.js';
import type { PropRow, PropUpsert } from './props.queries.js';
import { findPanHolder, insertPropsAndMatchKeys, lockPans } from './match-keys.queries.js';
import type { Actor } from '../../changes/index.js';
import { recordOverridePair } from '../common/duplicate-pairs.js';

// Duplicate blocking (CONTRACT §6, §6a): a write that would give a second live contact of the
// tenant the same PAN (directly or through a GSTIN) is a 409 with duplicate_of, unless overridden.

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

/**
 * Identifier values a write may not store (CONTRACT §6a): under IDENTIFIER_VALIDATION=strict every
 * malformed value on an identifier key; always, a PAN or GSTIN value that hides a valid one
 * (look-alike letters, symbols, a valid identifier with other text around it), which would be
 * stored and never block. A 400 naming the prop.
 */
export function checkIdentifierValues(errors: FieldErrorCollector, props: readonly { key: string; value: string }[] | undefined, prefix: string, strict: boolean): void {
  if (!props) return;
  props.forEach((p, i) => {
    const kind = identifierKind(p.key);
    if (!kind) return;
    const field = `${prefix ? `${prefix}.` : ''}${i}.value`;
    const r = normalizeIdentifier(kind, p.value);
    if (r.ok) return;
    if (strict) return errors.add(field, `Not a valid ${kind}: ${r.reason}.`);
    const disguise = kind === 'pan' || kind === 'gstin' ? disguisedBlockingValue(kind, p.value) : null;
    if (disguise !== null) errors.add(field, `Not a valid ${kind}: ${disguise}.`);
  });
}

/** The 409 naming the live contact that holds the PAN. */
export function duplicateError(holderId: string): AppError {
  return new AppError('duplicate', `A live contact with the same PAN already exists (${holderId}). Use ?on_duplicate=allow&reason=… to override.`, {
    extra: { duplicate_of: holderId },
  });
}

/** A holder found → 409, unless the policy overrides (then its id, for the audit entry). */
export function decide(holder: { contact_id: string } | undefined, policy: DuplicatePolicy): string | null {
  if (!holder) return null;
  if (!policy.override) throw duplicateError(holder.contact_id);
  return holder.contact_id;
}

async function enforce(tx: Executor, tenantId: string, contactId: string, pans: string[], policy: DuplicatePolicy): Promise<string | null> {
  if (pans.length === 0) return null;
  await lockPans(tx, tenantId, pans);
  return decide(await findPanHolder(tx, tenantId, pans, contactId), policy);
}

/** The PANs a contact with these props holds (own, or embedded in a GSTIN). */
export function pansOfProps(props: readonly PropLike[]): string[] {
  return blockingPans(identifierKeys(props));
}

/**
 * After a props write: blocks a PAN the contact did not hold before and a live contact already
 * holds (a write that leaves identifiers alone is never blocked). Returns the id of an overridden
 * duplicate (for the audit entry), or null.
 */
export async function blockNewPans(
  tx: Executor,
  tenantId: string,
  contactId: string,
  before: readonly PropLike[],
  after: readonly PropLike[],
  policy: DuplicatePolicy,
): Promise<string | null> {
  const held = new Set(pansOfProps(before));
  return enforce(tx, tenantId, contactId, pansOfProps(after).filter((p) => !held.has(p)), policy);
}

/**
 * A new contact's props written, its match keys inserted and its PANs checked against live
 * holders, in one statement (insertPropsAndMatchKeys). `lockedPans`: the PANs whose advisory locks
 * the transaction already holds (taken by the contact insert, see insertContact: the PANs of
 * pansOfProps, so all of them); any other is locked here first, because a PAN checked without its
 * lock would let parallel creates through.
 */
export async function insertNewContactProps(
  tx: Executor,
  c: { tenantId: string; contactId: string; nameKey: string; userId: string; at: Date },
  upserts: readonly PropUpsert[],
  ids: readonly string[],
  policy: DuplicatePolicy,
  lockedPans: readonly string[],
): Promise<{ props: PropRow[]; duplicateOf: string | null }> {
  if (upserts.length === 0) return { props: [], duplicateOf: null };
  const keys = identifierKeys(upserts);
  const pans = blockingPans(keys);
  const unlocked = pans.filter((p) => !lockedPans.includes(p));
  if (unlocked.length > 0) await lockPans(tx, c.tenantId, unlocked);
  const { props, holder } = await insertPropsAndMatchKeys(tx, c.tenantId, c.contactId, upserts, ids, c.userId, c.at, keys, c.nameKey, pans);
  return { props, duplicateOf: decide(holder, policy) };
}

/** Restoring a contact whose PAN is now held by another live contact is blocked too. */
export async function checkRestoreBlocking(tx: Executor, tenantId: string, contactId: string, props: readonly PropLike[], policy: DuplicatePolicy): Promise<string | null> {
  return enforce(tx, tenantId, contactId, pansOfProps(props), policy);
}

export function overrideComment(policy: DuplicatePolicy, duplicateOf: string | null): string | undefined {
  if (!duplicateOf || !policy.override) return undefined;
  return `duplicate override (duplicate_of ${duplicateOf}): ${policy.override.reason}`;
}

/** An overridden duplicate is remembered as a dismissed pair (CONTRACT §8.1), after the write's own entry. */
export async function rememberOverride(tx: Executor, actor: Actor, contactId: string, policy: DuplicatePolicy, duplicateOf: string | null, at: Date): Promise<void> {
  if (!duplicateOf || !policy.override) return;
  await recordOverridePair(tx, actor, contactId, duplicateOf, policy.override.reason, at);
}
