import { ulid } from '../../ids.js';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import { sqlState, type Executor, type TenantDatabase } from '../../db/index.js';
import { checkPrecondition, recordChange, type Actor, type Precondition } from '../../changes/index.js';
import { checkFreeJson } from '../../validation/free-json.js';
import { findNamespaceByIdOrName, findNamespaceTakingCounter, type NamespaceRow } from '../namespaces/namespaces.queries.js';
import { REFS_MAX_BYTES, type Contact, type ContactCreateBody, type ContactPatchBody } from './contacts.schema.js';
import { insertContact, lockContactWithProps, toContact, updateContact, type ContactChanges, type ContactInsert, type ContactRow } from './contacts.queries.js';
import { byKey, upsertProps, type PropRow } from './props.queries.js';
import { checkProps, propUpserts } from './props.validation.js';
import { identifierKeys, matchPropsJson, nameColumns, syncNameKeyCopies, writeMatchKeys } from './derived.js';
import { BLOCK_DUPLICATES, blockNewPans, checkIdentifierValues, decide, duplicateError, insertNewContactProps, overrideComment, rememberOverride, type DuplicatePolicy } from './blocking.js';
import { DUPLICATE_PAN_STATE, REF_ID_TAKEN_STATE, insertContactWithProps, insertContactWithPropsChecked, panLockKeys } from './match-keys.queries.js';
import { blockingPans } from '../../dedupe/identifiers.js';
import { allocateRefId, refIdTaken, renderRefId, reserveClientRefId } from './ref-ids.js';
import { mergedError } from '../common/merged.js';

/** Instance settings that change what a contact write accepts. */
export interface ContactRules {
  /** IDENTIFIER_VALIDATION=strict: malformed identifier props are 400s. */
  strictIdentifiers: boolean;
}

/** A contact as a write sees it: the row (locked), its props by key, and its name key. */
export interface ContactState {
  row: ContactRow;
  props: PropRow[];
  nameKey: string;
}

/** Duplicates removed, first occurrence kept. */
export const uniqueTags = (tags: string[]): string[] => [...new Set(tags)];
const blankToNull = (v: string | null | undefined): string | null | undefined => (v === '' ? null : v);

/** What a create or PATCH body must satisfy beyond its schema; throws one 400 naming every field. */
export function checkContactBody(body: ContactCreateBody | ContactPatchBody, rules: ContactRules, errors = new FieldErrorCollector()): void {
  checkProps(errors, body.props);
  checkFreeJson(errors, 'refs', body.refs, REFS_MAX_BYTES);
  checkIdentifierValues(errors, body.props, 'props', rules.strictIdentifiers);
  errors.throwIfAny();
}

/** The API representation of a contact state, props expanded (what audit entries record). */
export const contactView = (s: Pick<ContactState, 'row' | 'props'>): Contact => toContact(s.row, s.props);

/** Locks a contact for a write and checks the writer's precondition; 404 when it is not there. */
export async function lockContact(
  tx: Executor,
  tenantId: string,
  id: string,
  precondition?: Precondition,
  opts: { includeDeleted?: boolean } = {},
): Promise<ContactState> {
  // Deleted rows are read too: a merged contact is stored deleted, and a write naming it is a 409.
  const found = await lockContactWithProps(tx, tenantId, id, { includeDeleted: true });
  if (found?.row.merged_into) throw mergedError(id, found.row.merged_into);
  if (!found || (found.row.is_deleted && !opts.includeDeleted)) throw notFound('Contact');
  checkPrecondition(precondition, found.row.version);
  return found;
}

async function resolveNamespace(tx: Executor, tenantId: string, nameOrId: string): Promise<NamespaceRow> {
  const ns = await findNamespaceByIdOrName(tx, tenantId, nameOrId);
  if (!ns) throw unknownNamespace(nameOrId);
  return ns;
}

export function unknownNamespace(nameOrId: string): AppError {
  return new AppError('validation_error', `Unknown namespace "${nameOrId}".`, { errors: { namespace: [`Unknown namespace "${nameOrId}".`] } });
}

/**
 * Writes changes to a locked contact (version bump, stamps) and keeps its derived data: `props`
 * is the contact's full new list when a props write preceded this in the transaction.
 */
export async function saveContact(
  tx: Executor,
  actor: Actor,
  current: ContactState,
  changes: ContactChanges,
  at: Date,
  o: { props?: PropRow[]; namespaceName?: string } = {},
): Promise<ContactState> {
  const { row } = current;
  if (changes.name !== undefined || changes.type !== undefined) Object.assign(changes, nameColumns(changes.name ?? row.name, changes.type ?? row.type));
  const nameKey = changes.name_key ?? current.nameKey;
  const own = await updateContact(tx, actor.tenantId, row.id, changes, actor.userId, at, { refreshMatchProps: o.props !== undefined });
  const props = o.props ?? current.props;
  if (o.props) await writeMatchKeys(tx, actor.tenantId, row.id, props, nameKey);
  if (nameKey !== current.nameKey) await syncNameKeyCopies(tx, actor.tenantId, row.id, nameKey);
  return { row: { ...own, namespace_name: o.namespaceName ?? row.namespace_name, prop_ids: props.map((p) => p.id) }, props, nameKey };
}

/** Props after a write: the unchanged ones, the changed ones, less the deleted keys; by key. */
export function mergeProps(before: readonly PropRow[], changed: readonly PropRow[], deletedKeys: readonly string[] = []): PropRow[] {
  const byKeyMap = new Map(before.map((p) => [p.key, p]));
  for (const k of deletedKeys) byKeyMap.delete(k);
  for (const p of changed) byKeyMap.set(p.key, p);
  return [...byKeyMap.values()].sort(byKey);
}

/** A new contact's row as createContact inserts it (derived name columns included; match_props apart). */
export function newContactInsert(actor: Actor, body: ContactCreateBody, namespaceId: string, id: string, refId: string | null, at: Date): Omit<ContactInsert, 'match_props'> {
  return {
    tenant_id: actor.tenantId,
    id,
    namespace_id: namespaceId,
    name: body.name,
    status: body.status ?? 'active',
    type: body.type,
    ref_id: refId,
    tags: uniqueTags(body.tags ?? []),
    refs: body.refs ?? {},
    rm_id: blankToNull(body.rm_id) ?? null,
    branch_id: blankToNull(body.branch_id) ?? null,
    ...nameColumns(body.name, body.type),
    at,
    user_id: actor.userId,
  };
}

/**
 * The state of a contact just inserted from `insert` with `props`: everything the new row holds is
 * known, so the create path needs no read-back round trip. Sorts `props` by key.
 */
export function newContactState(insert: Omit<ContactInsert, 'match_props'>, namespaceName: string, props: PropRow[]): ContactState {
  const sorted = props.sort(byKey);
  const { at, user_id: userId, name_phonetic: _phonetic, name_key: nameKey, ...own } = insert;
  const row: ContactRow = {
    ...own,
    status: insert.status as ContactRow['status'],
    type: insert.type as ContactRow['type'],
    namespace_name: namespaceName,
    approval_status: 'pending',
    approval_comment: null,
    approval_by: null,
    approval_at: null,
    is_deleted: false,
    deleted_at: null,
    version: 1,
    created_at: at,
    created_by: userId,
    updated_at: at,
    updated_by: null,
    merged_into: null,
    merged_at: null,
    merged_ids: [],
    prop_ids: sorted.map((p) => p.id),
  };
  return { row, props: sorted, nameKey };
}

export async function createContact(
  tx: Executor,
  actor: Actor,
  body: ContactCreateBody,
  policy: DuplicatePolicy = BLOCK_DUPLICATES,
  at = new Date(),
  o: { oneBatch?: boolean } = {},
): Promise<ContactState> {
  const tenantId = actor.tenantId;
  const upserts = propUpserts(body.props);
  const keys = identifierKeys(upserts);
  const pans = blockingPans(keys);
  const lockKeys = panLockKeys(tenantId, pans);
  // Round trips are the cost of a create: (1) the namespace, (for a generated ref id) its next
  // number and the PAN locks of duplicate blocking; (2) the contact, its ref id reservation, props,
  // match keys and the PAN holder check, whose snapshot comes after the locks; (3) the audit entry
  // and event, with the COMMIT.
  const found = await findNamespaceTakingCounter(tx, tenantId, body.namespace, body.ref_id == null, lockKeys);
  if (!found) throw unknownNamespace(body.namespace);
  const { ns } = found;
  const id = ulid(at.getTime());
  let refId = body.ref_id ?? (found.seq !== null && found.pattern ? renderRefId(found.pattern, found.seq, at) : null);
  const insert = newContactInsert(actor, body, ns.id, id, refId, at);
  const propIds = upserts.map(() => ulid(at.getTime()));
  const matchProps = matchPropsJson(upserts.map((p, i) => ({ id: propIds[i]!, key: p.key, value: p.value })));
  let written: { props: PropRow[]; duplicateOf: string | null };
  if (o.oneBatch && !policy.override) {
    // Two round trips (see createContactCommitted): the write goes with the COMMIT, and the rows it
    // writes are known here.
    await insertContactWithPropsChecked(tx, { ...insert, match_props: matchProps }, refId !== null, upserts, propIds, keys, pans);
    const stamp = { tenant_id: tenantId, contact_id: id, created_at: at, created_by: actor.userId, updated_at: at, updated_by: null };
    written = { props: upserts.map((p, i) => ({ ...stamp, id: propIds[i]!, key: p.key, value: p.value, type: p.type })), duplicateOf: null };
  } else {
    const first = await insertContactWithProps(tx, { ...insert, match_props: matchProps }, refId !== null, upserts, propIds, keys, pans);
    if (first.inserted) written = { props: first.props, duplicateOf: decide(first.holder, policy) };
    else {
      // The ref id is held by another contact: a client's is a conflict; a generated one collided
      // with a client-chosen one, and allocation skips ahead.
      if (body.ref_id != null) throw refIdTaken(body.ref_id);
      refId = insert.ref_id = await allocateRefId(tx, tenantId, ns.id, found.pattern, id, at);
      await insertContact(tx, { ...insert, match_props: matchProps }, lockKeys);
      written = await insertNewContactProps(tx, { tenantId, contactId: id, nameKey: insert.name_key, userId: actor.userId, at }, upserts, propIds, policy, pans);
    }
  }
  const created = newContactState(insert, ns.name, written.props);
  const comment = overrideComment(policy, written.duplicateOf);
  await recordChange(tx, actor, { event: 'contact.created', action: 'create', objectType: 'contact', objectId: id, contactId: id, before: null, after: contactView(created), at, comment });
  await rememberOverride(tx, actor, id, policy, written.duplicateOf, at);
  return created;
}

/**
 * A create in its own transaction, in two round trips when it blocks duplicates: (1) the namespace,
 * counter and PAN locks; (2) the write, its audit entry and event, and the COMMIT in one batch. The
 * write's checks then fail the batch rather than answer the service (migration 0039): a PAN held by
 * a live contact is the same 409 as ever; a generated ref id held by another contact rolls the
 * attempt back (its counter step too) and the create runs again the long way, which skips ahead.
 */
export async function createContactCommitted(db: TenantDatabase, actor: Actor, body: ContactCreateBody, policy: DuplicatePolicy): Promise<ContactState> {
  try {
    return await db.transaction((tx) => createContact(tx, actor, body, policy, new Date(), { oneBatch: true }));
  } catch (err) {
    const state = sqlState(err);
    if (state === DUPLICATE_PAN_STATE) throw duplicateError(String((err as { detail?: unknown }).detail));
    if (state === REF_ID_TAKEN_STATE) return db.transaction((tx) => createContact(tx, actor, body, policy));
    throw err;
  }
}

export function assertCanActivate(row: Pick<ContactRow, 'approval_status'>): void {
  if (row.approval_status === 'rejected') {
    throw new AppError('invalid_state', 'A rejected contact cannot be made active; approve it first (approval_status is "rejected").');
  }
}

export interface ContactWriteOptions {
  policy?: DuplicatePolicy;
  precondition?: Precondition;
}

/** PATCH: a partial update; props given are upserted by key, others kept. */
export async function patchContact(
  tx: Executor,
  actor: Actor,
  id: string,
  body: ContactPatchBody,
  o: ContactWriteOptions = {},
  at = new Date(),
): Promise<ContactState> {
  const tenantId = actor.tenantId;
  const policy = o.policy ?? BLOCK_DUPLICATES;
  const current = await lockContact(tx, tenantId, id, o.precondition);
  const { row } = current;
  const changes: ContactChanges = {
    name: body.name,
    type: body.type,
    status: body.status,
    tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
    refs: body.refs === undefined ? undefined : JSON.stringify(body.refs),
    rm_id: blankToNull(body.rm_id),
    branch_id: blankToNull(body.branch_id),
    ref_id: body.ref_id,
  };
  if (body.status === 'active' && row.status !== 'active') assertCanActivate(row);

  let namespaceId = row.namespace_id;
  let namespaceName = row.namespace_name;
  if (body.namespace !== undefined) {
    const ns = await resolveNamespace(tx, tenantId, body.namespace);
    namespaceId = changes.namespace_id = ns.id;
    namespaceName = ns.name;
  }
  const refId = body.ref_id === undefined ? row.ref_id : body.ref_id;
  // The ref id must be unique (and is reserved for good) in the namespace the contact ends up in.
  if (refId !== null && (refId !== row.ref_id || namespaceId !== row.namespace_id)) {
    await reserveClientRefId(tx, tenantId, namespaceId, refId, row.id, at);
  }

  const upserts = propUpserts(body.props);
  const changed = await upsertProps(tx, tenantId, row.id, upserts, upserts.map(() => ulid(at.getTime())), actor.userId, at);
  const props = changed.length > 0 ? mergeProps(current.props, changed) : undefined;
  // After the props: the version bump also rebuilds the contact's copy of them.
  const next = await saveContact(tx, actor, current, changes, at, { props, namespaceName });
  const duplicateOf = props ? await blockNewPans(tx, tenantId, row.id, current.props, props, policy) : null;
  const comment = overrideComment(policy, duplicateOf);
  await recordChange(tx, actor, { event: 'contact.updated', action: 'update', objectType: 'contact', objectId: row.id, contactId: row.id, before: contactView(current), after: contactView(next), at, comment });
  await rememberOverride(tx, actor, row.id, policy, duplicateOf, at);
  return next;
}

/** Soft delete: the contact and (through it) its sub-resources are hidden, not removed. */
export async function deleteContact(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<void> {
  const current = await lockContact(tx, actor.tenantId, id, precondition);
  const next = await saveContact(tx, actor, current, { is_deleted: true, deleted_at: at }, at);
  await recordChange(tx, actor, { event: 'contact.deleted', action: 'delete', objectType: 'contact', objectId: id, contactId: id, before: contactView(current), after: contactView(next), at });
}
