import { ulid } from '../../ids.js';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { checkPrecondition, recordChange, type Actor, type Precondition } from '../../changes/index.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import { syncAddressCopies } from '../contacts/derived.js';
import { bodyContactId, checkJsonSize, checkOwnerUnchanged, lockLiveContact, UNKNOWN_CONTACT } from '../common/subresource.js';
import type { AddressCreateBody, AddressPatchBody } from './addresses.schema.js';
import { findAddress, insertAddress, toAddress, updateAddress, type AddressChanges, type AddressRow } from './addresses.queries.js';

/**
 * Address writes lock their contact `exclusive` (see OwnerLock): every address write rebuilds the
 * contact's copies of its addresses (derived.ts), so writers of one contact serialize anyway, and
 * two holding `share` would deadlock upgrading it.
 */
const OWNER_LOCK = 'exclusive';

/**
 * Finds a visible address and locks it for a write, owner first: an address whose contact is
 * deleted is as absent as a deleted one.
 */
async function lockAddress(tx: Executor, tenantId: string, id: string, precondition?: Precondition): Promise<AddressRow> {
  const seen = await findAddress(tx, tenantId, id);
  if (!seen || !(await lockLiveContact(tx, tenantId, seen.contact_id, OWNER_LOCK))) throw notFound('Address');
  const row = await findAddress(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Address');
  checkPrecondition(precondition, row.version);
  return row;
}

export async function createAddress(tx: Executor, actor: Actor, body: AddressCreateBody, at = new Date()): Promise<AddressRow> {
  const errors = new FieldErrorCollector();
  const contactId = bodyContactId(errors, 'contact_id', body.contact_id);
  checkJsonSize(errors, 'codes', body.codes);
  errors.throwIfAny();
  if (!(await lockLiveContact(tx, actor.tenantId, contactId!, OWNER_LOCK))) errors.add('contact_id', UNKNOWN_CONTACT);
  errors.throwIfAny();
  const created = await insertAddress(tx, {
    tenant_id: actor.tenantId,
    id: ulid(at.getTime()),
    contact_id: contactId!,
    address_line: body.address_line ?? null,
    city: body.city ?? null,
    state: body.state ?? null,
    pincode: body.pincode ?? null,
    country: body.country ?? null,
    coords: body.coords ?? null,
    codes: body.codes ?? {},
    tags: uniqueTags(body.tags ?? []),
    at,
    user_id: actor.userId,
  });
  await syncAddressCopies(tx, actor.tenantId, created.contact_id);
  await recordChange(tx, actor, { event: 'address.created', action: 'create', objectType: 'address', objectId: created.id, contactId: created.contact_id, before: null, after: toAddress(created), at });
  return created;
}

export async function patchAddress(tx: Executor, actor: Actor, id: string, body: AddressPatchBody, precondition?: Precondition, at = new Date()): Promise<AddressRow> {
  const errors = new FieldErrorCollector();
  const contactId = body.contact_id === undefined ? undefined : bodyContactId(errors, 'contact_id', body.contact_id);
  checkJsonSize(errors, 'codes', body.codes);
  errors.throwIfAny();
  const current = await lockAddress(tx, actor.tenantId, id, precondition);
  checkOwnerUnchanged(errors, contactId, current.contact_id, 'contact_id', 'The owning contact of an address cannot be changed; create a new address instead.');
  errors.throwIfAny();
  const changes: AddressChanges = {
    address_line: body.address_line,
    city: body.city,
    state: body.state,
    pincode: body.pincode,
    country: body.country,
    coords: body.coords === undefined ? undefined : body.coords === null ? null : JSON.stringify(body.coords),
    codes: body.codes === undefined ? undefined : JSON.stringify(body.codes),
    tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
  };
  const updated = await updateAddress(tx, actor.tenantId, id, changes, actor.userId, at);
  await syncAddressCopies(tx, actor.tenantId, current.contact_id);
  await recordChange(tx, actor, { event: 'address.updated', action: 'update', objectType: 'address', objectId: id, contactId: current.contact_id, before: toAddress(current), after: toAddress(updated), at });
  return updated;
}

export async function deleteAddress(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<void> {
  const current = await lockAddress(tx, actor.tenantId, id, precondition);
  const deleted = await updateAddress(tx, actor.tenantId, id, { is_deleted: true, deleted_at: at }, actor.userId, at);
  await syncAddressCopies(tx, actor.tenantId, current.contact_id);
  await recordChange(tx, actor, { event: 'address.deleted', action: 'delete', objectType: 'address', objectId: id, contactId: current.contact_id, before: toAddress(current), after: toAddress(deleted), at });
}
