import { ulid } from '../../ids.js';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import type { RequestContext } from '../../http/context.js';
import { checkFreeJson } from '../../http/free-json.js';
import { recordAudit } from '../audit/audit.queries.js';
import { findNamespaceByIdOrName } from '../namespaces/namespaces.queries.js';
import { REFS_MAX_BYTES, type Contact, type ContactCreateBody, type ContactPatchBody } from './contacts.schema.js';
import {
  findContact,
  insertContact,
  propsOf,
  toContact,
  updateContact,
  upsertProps,
  byKey,
  type ContactChanges,
  type ContactRow,
} from './contacts.queries.js';
import { checkProps, propUpserts } from './props.validation.js';
import { matchPropsJson } from './match-copies.js';
import { BLOCK_DUPLICATES, insertNewContactProps, nameColumns, newContactPans, overrideComment, refreshIdentifiers, type DuplicatePolicy } from '../dedupe/blocking.js';
import { panLockKeys } from '../dedupe/match-keys.queries.js';
import { allocateRefId, reserveClientRefId } from './ref-ids.js';

/** Duplicates removed, first occurrence kept. */
export const uniqueTags = (tags: string[]): string[] => [...new Set(tags)];
const blankToNull = (v: string | null | undefined): string | null | undefined => (v === '' ? null : v);

export function checkContactBody(errors: FieldErrorCollector, body: ContactCreateBody | ContactPatchBody): void {
  checkProps(errors, body.props);
  checkFreeJson(errors, 'refs', body.refs, REFS_MAX_BYTES);
}

async function resolveNamespace(tx: Executor, tenantId: string, nameOrId: string) {
  const ns = await findNamespaceByIdOrName(tx, tenantId, nameOrId);
  if (!ns) throw new AppError('validation_error', `Unknown namespace "${nameOrId}".`, { errors: { namespace: [`Unknown namespace "${nameOrId}".`] } });
  return ns;
}

/** The contact as stored, with full props: what audit entries record and responses are built from. */
export async function loadContactState(tx: Executor, tenantId: string, id: string, includeDeleted = false): Promise<{ row: ContactRow; state: Contact }> {
  const row = await findContact(tx, tenantId, id, { includeDeleted });
  if (!row) throw notFound('Contact');
  const props = await propsOf(tx, tenantId, [id]);
  return { row, state: toContact(row, props.get(id) ?? []) };
}

export async function createContact(
  tx: Executor,
  ctx: RequestContext,
  body: ContactCreateBody,
  at: Date,
  policy: DuplicatePolicy = BLOCK_DUPLICATES,
): Promise<ContactRow> {
  const ns = await resolveNamespace(tx, ctx.tenantId, body.namespace);
  const id = ulid(at.getTime());
  let refId = body.ref_id ?? null;
  if (refId !== null) await reserveClientRefId(tx, ctx.tenantId, ns.id, refId, id, at);
  else refId = await allocateRefId(tx, ctx.tenantId, ns.id, ns.contact_pattern, id, at);
  const insert = {
    tenant_id: ctx.tenantId,
    id,
    namespace_id: ns.id,
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
    user_id: ctx.userId,
  };
  const upserts = propUpserts(body.props);
  const propIds = upserts.map(() => ulid(at.getTime()));
  const matchProps = matchPropsJson(upserts.map((p, i) => ({ id: propIds[i]!, key: p.key, value: p.value })));
  // The PAN locks of duplicate blocking ride on the insert (no round trip of their own).
  const pans = newContactPans(upserts);
  await insertContact(tx, { ...insert, match_props: matchProps }, panLockKeys(ctx.tenantId, pans));
  const written = await insertNewContactProps(tx, ctx.tenantId, id, upserts, propIds, ctx.userId, at, policy, pans);
  const props = written.props.sort(byKey);
  const duplicateOf = written.duplicateOf;
  // Everything the new row holds is known here: no read-back round trips on the hot create path.
  const row: ContactRow = {
    ...insert,
    status: insert.status as ContactRow['status'],
    type: insert.type as ContactRow['type'],
    namespace_name: ns.name,
    approval_status: 'pending',
    approval_comment: null,
    approval_by: null,
    approval_at: null,
    is_deleted: false,
    deleted_at: null,
    version: 1,
    created_at: at,
    created_by: ctx.userId,
    updated_at: at,
    updated_by: null,
    prop_ids: props.map((p) => p.id),
  };
  const state = toContact(row, props);
  const comment = overrideComment(policy, duplicateOf);
  await recordAudit(tx, ctx, { actionType: 'create', objectType: 'contact', objectId: id, contactId: id, before: null, after: state, at, comment });
  return row;
}

export function assertCanActivate(row: Pick<ContactRow, 'approval_status'>): void {
  if (row.approval_status === 'rejected') {
    throw new AppError('invalid_state', 'A rejected contact cannot be made active; approve it first (approval_status is "rejected").');
  }
}

export async function patchContact(
  tx: Executor,
  ctx: RequestContext,
  current: ContactRow,
  body: ContactPatchBody,
  at: Date,
  policy: DuplicatePolicy = BLOCK_DUPLICATES,
): Promise<ContactRow> {
  const before = (await loadContactState(tx, ctx.tenantId, current.id)).state;
  const changes: ContactChanges = {
    name: body.name,
    type: body.type,
    status: body.status,
    tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
    refs: body.refs === undefined ? undefined : JSON.stringify(body.refs),
    rm_id: blankToNull(body.rm_id),
    branch_id: blankToNull(body.branch_id),
  };
  if (body.status === 'active' && current.status !== 'active') assertCanActivate(current);
  if (body.name !== undefined || body.type !== undefined) Object.assign(changes, nameColumns(body.name ?? current.name, body.type ?? current.type));

  let namespaceId = current.namespace_id;
  if (body.namespace !== undefined) {
    namespaceId = (await resolveNamespace(tx, ctx.tenantId, body.namespace)).id;
    changes.namespace_id = namespaceId;
  }
  const refId = body.ref_id === undefined ? current.ref_id : body.ref_id;
  // The ref id must be unique (and is reserved for good) in the namespace the contact ends up in.
  if (refId !== null && (refId !== current.ref_id || namespaceId !== current.namespace_id)) {
    await reserveClientRefId(tx, ctx.tenantId, namespaceId, refId, current.id, at);
  }
  changes.ref_id = body.ref_id;

  const props = propUpserts(body.props);
  const changedProps = (await upsertProps(tx, ctx.tenantId, current.id, props, props.map(() => ulid(at.getTime())), ctx.userId, at)).length;
  // After the props: the version bump also rebuilds the contact's copy of them.
  await updateContact(tx, ctx.tenantId, current.id, changes, ctx.userId, at, { refreshMatchProps: changedProps > 0 });
  const duplicateOf = changedProps > 0 ? await refreshIdentifiers(tx, ctx.tenantId, current.id, policy, false) : null;
  const { row, state } = await loadContactState(tx, ctx.tenantId, current.id);
  const comment = overrideComment(policy, duplicateOf);
  await recordAudit(tx, ctx, { actionType: 'update', objectType: 'contact', objectId: current.id, contactId: current.id, before, after: state, at, comment });
  return row;
}

export async function deleteContact(tx: Executor, ctx: RequestContext, current: ContactRow, at: Date): Promise<void> {
  const before = (await loadContactState(tx, ctx.tenantId, current.id)).state;
  await updateContact(tx, ctx.tenantId, current.id, { is_deleted: true, deleted_at: at }, ctx.userId, at);
  const after = (await loadContactState(tx, ctx.tenantId, current.id, true)).state;
  await recordAudit(tx, ctx, { actionType: 'delete', objectType: 'contact', objectId: current.id, contactId: current.id, before, after, at });
}
