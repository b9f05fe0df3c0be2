import { ulid } from '../../ids.js';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { checkPrecondition, recordChange, type Actor, type Precondition } from '../../changes/index.js';
import { parsePattern, renderPattern, REF_ID_MAX } from './ref-pattern.js';
import type { NamespaceCreateBody, NamespacePatchBody } from './namespaces.schema.js';
import {
  findNamespaceById,
  insertNamespace,
  namespaceHasLiveContacts,
  softDeleteNamespace,
  takeCounter,
  toNamespace,
  touchNamespace,
  updateNamespace,
  type NamespaceChanges,
  type NamespaceRow,
} from './namespaces.queries.js';

type PatternFields = { contact_pattern?: string | null; account_pattern?: string | null; contact_counter?: number; account_counter?: number };

/** Patterns must parse, and their very next id must fit (a pattern that cannot would fail every create). */
function checkPatterns(errors: FieldErrorCollector, body: PatternFields): void {
  for (const kind of ['contact', 'account'] as const) {
    const field = `${kind}_pattern` as const;
    const value = body[field];
    if (value === undefined || value === null || value === '') continue;
    const parsed = parsePattern(value);
    if (!parsed.ok) {
      for (const p of parsed.problems) errors.add(field, p);
      continue;
    }
    // Dates render at a fixed width, so today's rendering is as long as any day's.
    const sample = renderPattern(parsed.value, body[`${kind}_counter`] ?? 1, new Date());
    if (sample.length > REF_ID_MAX) errors.add(field, `Renders ids longer than ${REF_ID_MAX} characters (e.g. "${sample}").`);
  }
}

const emptyToNull = (v: string | null | undefined) => (v === '' ? null : v);

async function lockNamespace(tx: Executor, tenantId: string, id: string, precondition?: Precondition): Promise<NamespaceRow> {
  const current = await findNamespaceById(tx, tenantId, id, true);
  if (!current) throw notFound('Namespace');
  checkPrecondition(precondition, current.version);
  return current;
}

export async function createNamespace(tx: Executor, actor: Actor, body: NamespaceCreateBody, at = new Date()): Promise<NamespaceRow> {
  const errors = new FieldErrorCollector();
  checkPatterns(errors, body);
  errors.throwIfAny();
  const created = await insertNamespace(tx, {
    tenant_id: actor.tenantId,
    id: ulid(at.getTime()),
    name: body.name,
    contact_pattern: emptyToNull(body.contact_pattern) ?? null,
    contact_counter: body.contact_counter ?? 1,
    account_pattern: emptyToNull(body.account_pattern) ?? null,
    account_counter: body.account_counter ?? 1,
    created_at: at,
    created_by: actor.userId,
    updated_at: at,
  });
  await recordChange(tx, actor, { event: 'namespace.created', action: 'create', objectType: 'namespace', objectId: created.id, contactId: null, before: null, after: toNamespace(created), at });
  return created;
}

/** A counter may be raised or kept, never lowered: a lower one could issue a number twice. */
export async function patchNamespace(tx: Executor, actor: Actor, id: string, body: NamespacePatchBody, precondition?: Precondition, at = new Date()): Promise<NamespaceRow> {
  const errors = new FieldErrorCollector();
  checkPatterns(errors, body);
  errors.throwIfAny();
  const current = await lockNamespace(tx, actor.tenantId, id, precondition);
  for (const field of ['contact_counter', 'account_counter'] as const) {
    const wanted = body[field];
    if (wanted !== undefined && wanted < Number(current[field])) errors.add(field, `May not be lowered below the current value ${current[field]}.`);
  }
  errors.throwIfAny();
  const changes: NamespaceChanges = {
    name: body.name,
    contact_pattern: body.contact_pattern === undefined ? undefined : emptyToNull(body.contact_pattern),
    contact_counter: body.contact_counter,
    account_pattern: body.account_pattern === undefined ? undefined : emptyToNull(body.account_pattern),
    account_counter: body.account_counter,
  };
  const updated = await updateNamespace(tx, actor.tenantId, id, changes, actor.userId, at);
  await recordChange(tx, actor, { event: 'namespace.updated', action: 'update', objectType: 'namespace', objectId: id, contactId: null, before: toNamespace(current), after: toNamespace(updated), at });
  return updated;
}

/** Soft delete, refused while live contacts use the namespace. */
export async function deleteNamespace(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<void> {
  const current = await lockNamespace(tx, actor.tenantId, id, precondition);
  if (await namespaceHasLiveContacts(tx, actor.tenantId, id)) {
    throw new AppError('conflict', 'The namespace still has live contacts; delete or move them first.');
  }
  const deleted = await softDeleteNamespace(tx, actor.tenantId, id, actor.userId, at);
  await recordChange(tx, actor, { event: 'namespace.deleted', action: 'delete', objectType: 'namespace', objectId: id, contactId: null, before: toNamespace(current), after: toNamespace(deleted), at });
}

/** The next account reference from the namespace's account pattern (for other services' loan accounts). */
export async function allocateAccountRef(tx: Executor, actor: Actor, id: string, at = new Date()): Promise<string> {
  const current = await lockNamespace(tx, actor.tenantId, id);
  if (!current.account_pattern) throw new AppError('conflict', 'The namespace has no account_pattern.');
  const parsed = parsePattern(current.account_pattern);
  if (!parsed.ok) throw new AppError('conflict', 'The namespace account_pattern is invalid.');
  const { seq } = await takeCounter(tx, actor.tenantId, id, 'account');
  const value = renderPattern(parsed.value, seq, at);
  if (value.length > REF_ID_MAX) throw new AppError('conflict', `The account pattern renders more than ${REF_ID_MAX} characters.`);
  const updated = await touchNamespace(tx, actor.tenantId, id, actor.userId, at);
  await recordChange(tx, actor, {
    event: 'namespace.updated',
    action: 'action',
    objectType: 'namespace',
    objectId: id,
    contactId: null,
    before: toNamespace(current),
    after: toNamespace(updated),
    comment: `account_ref ${value}`,
    at,
  });
  return value;
}
