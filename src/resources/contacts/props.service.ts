import { ulid } from '../../ids.js';
import { FieldErrorCollector } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { recordChange, type Actor, type Precondition } from '../../changes/index.js';
import type { PropWrite } from './contacts.schema.js';
import { deleteProps, toProp, upsertProps } from './props.queries.js';
import { checkProps, propUpserts } from './props.validation.js';
import { contactView, lockContact, mergeProps, saveContact, type ContactRules, type ContactState } from './contacts.service.js';
import { BLOCK_DUPLICATES, blockNewPans, checkIdentifierValues, overrideComment, rememberOverride, type DuplicatePolicy } from './blocking.js';

// `/contacts/{id}/props/`: props written on their own. One audit entry per write, object `prop`
// keyed by the contact; the contact's version moves (its ETag covers its props).

/** What a props body must satisfy beyond its schema; throws one 400 naming every bad item. */
export function checkPropsBody(props: readonly PropWrite[], rules: ContactRules, errors = new FieldErrorCollector()): void {
  checkProps(errors, props, '');
  checkIdentifierValues(errors, props, '', rules.strictIdentifiers);
  errors.throwIfAny();
}

async function recordPropsChange(tx: Executor, actor: Actor, current: ContactState, next: ContactState, action: 'update' | 'delete', at: Date, comment?: string) {
  const id = current.row.id;
  await recordChange(tx, actor, {
    event: 'contact.props_updated',
    action,
    objectType: 'prop',
    objectId: id,
    contactId: id,
    before: current.props.map(toProp),
    after: next.props.map(toProp),
    subject: { before: contactView(current), after: contactView(next) },
    at,
    comment,
  });
}

/** Upserts props by key (others kept). Writing the same values again is a no-op: no entry, same version. */
export async function putProps(
  tx: Executor,
  actor: Actor,
  id: string,
  props: readonly PropWrite[],
  o: { policy?: DuplicatePolicy; precondition?: Precondition } = {},
  at = new Date(),
): Promise<ContactState> {
  const current = await lockContact(tx, actor.tenantId, id, o.precondition);
  const upserts = propUpserts(props);
  const changed = await upsertProps(tx, actor.tenantId, id, upserts, upserts.map(() => ulid(at.getTime())), actor.userId, at);
  if (changed.length === 0) return current;
  const policy = o.policy ?? BLOCK_DUPLICATES;
  const next = await saveContact(tx, actor, current, {}, at, { props: mergeProps(current.props, changed) });
  const duplicateOf = await blockNewPans(tx, actor.tenantId, id, current.props, next.props, policy);
  await recordPropsChange(tx, actor, current, next, 'update', at, overrideComment(policy, duplicateOf));
  await rememberOverride(tx, actor, id, policy, duplicateOf, at);
  return next;
}

/** Deletes props by key; unknown keys are ignored (nothing deleted: no entry, same version). */
export async function removeProps(tx: Executor, actor: Actor, id: string, keys: readonly string[], precondition?: Precondition, at = new Date()): Promise<void> {
  const current = await lockContact(tx, actor.tenantId, id, precondition);
  const deleted = await deleteProps(tx, actor.tenantId, id, [...keys]);
  if (deleted.length === 0) return;
  const next = await saveContact(tx, actor, current, {}, at, { props: mergeProps(current.props, [], deleted) });
  await recordPropsChange(tx, actor, current, next, 'delete', at);
}
