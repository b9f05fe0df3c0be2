import { Type } from 'typebox';
import { AppError, type FieldErrors } from '../../errors/index.js';
import { fromDbError, type Executor } from '../../db/index.js';
import type { Actor } from '../../changes/index.js';
import { bodyValidator } from '../../validation/body-validator.js';
import { findNamespaceByIdOrName, type NamespaceRow } from '../namespaces/namespaces.queries.js';
import { ContactCreateBody, ContactPatchBody } from '../contacts/contacts.schema.js';
import { checkContactBody, createContact, lockContact, patchContact, uniqueTags, type ContactRules, type ContactState } from '../contacts/contacts.service.js';
import { BLOCK_DUPLICATES, pansOfProps, type DuplicatePolicy } from '../contacts/blocking.js';
import { propUpserts } from '../contacts/props.validation.js';
import { findPanHolder } from '../contacts/match-keys.queries.js';
import { AddressCreateBody } from '../addresses/addresses.schema.js';
import { addressesOf } from '../addresses/addresses.queries.js';
import { createAddress } from '../addresses/addresses.service.js';
import { BankCreateBody } from '../banks/banks.schema.js';
import { banksOf } from '../banks/banks.queries.js';
import { createBank } from '../banks/banks.service.js';
import type { MatchOn, OnDuplicate, RowOutcome } from './imports.schema.js';
import { addDryKeys, findDryKeys, findLiveContactByRefId, type RowResult } from './imports.queries.js';

// One import row, applied exactly as the API would apply it: validated by the route schemas
// (same messages, same `errors` keys), written by the same services (ref ids, blocking, audit
// entries, events, duplicate pairs), all or nothing (a savepoint per row).

export interface RowSettings {
  importId: string;
  dryRun: boolean;
  /** The job's namespace, for rows that name none. */
  namespace: string | null;
  matchOn: MatchOn;
  onDuplicate: OnDuplicate;
  reason: string | null;
  rules: ContactRules;
  /** The batch's namespace lookups by the name or id rows give (one query per distinct value per batch). */
  namespaces: Map<string, NamespaceRow | undefined>;
}

export async function namespaceOf(tx: Executor, actor: Actor, s: RowSettings, nameOrId: string): Promise<NamespaceRow | undefined> {
  if (!s.namespaces.has(nameOrId)) s.namespaces.set(nameOrId, await findNamespaceByIdOrName(tx, actor.tenantId, nameOrId));
  return s.namespaces.get(nameOrId);
}

export const checkCreate = bodyValidator(ContactCreateBody);
const checkPatch = bodyValidator(ContactPatchBody);
export const checkAddress = bodyValidator(Type.Omit(AddressCreateBody, ['contact_id']));
export const checkBank = bodyValidator(Type.Omit(BankCreateBody, ['contact_id']));

export type Item = Record<string, unknown>;

/** Field errors of the row's `addresses` and `banks` (paths like `addresses.0.pincode`). */
export function itemErrors(errors: FieldErrors, field: string, items: unknown, check: (b: unknown) => FieldErrors | null): Item[] {
  if (items === undefined) return [];
  if (!Array.isArray(items)) {
    errors[field] = ['Must be of type array.'];
    return [];
  }
  items.forEach((item, i) => {
    for (const [path, msgs] of Object.entries(check(item) ?? {})) errors[`${field}.${i}${path === 'non_field_errors' ? '' : `.${path}`}`] = msgs;
  });
  return items as Item[];
}

const propsOfRaw = (props: unknown) =>
  Array.isArray(props) ? (props as Item[]).filter((p) => p && typeof p.key === 'string' && typeof p.value === 'string').map((p) => ({ key: p.key as string, value: p.value as string })) : [];

/** The live contact a row updates under match_on, if any. */
async function findMatch(tx: Executor, actor: Actor, s: RowSettings, body: Item): Promise<string | undefined> {
  if (s.matchOn === 'ref_id') {
    const ns = typeof body.namespace === 'string' ? body.namespace : s.namespace;
    if (typeof body.ref_id !== 'string' || ns === null) return undefined;
    const found = await namespaceOf(tx, actor, s, ns);
    return found ? findLiveContactByRefId(tx, actor.tenantId, found.id, body.ref_id) : undefined;
  }
  if (s.matchOn === 'pan') return (await findPanHolder(tx, actor.tenantId, pansOfProps(propsOfRaw(body.props)), ''))?.contact_id;
  return undefined;
}

/** Key order of JSON objects does not make a change. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Item).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
const blankToNull = (v: unknown) => (v === '' ? null : v);

/** Whether a PATCH with this body would leave the contact as it is. */
function changesNothing(current: ContactState, body: ContactPatchBody): boolean {
  const r = current.row;
  const same = <T>(given: T | undefined, now: T) => given === undefined || given === now;
  if (!same(body.name, r.name) || !same(body.type, r.type) || !same(body.status, r.status) || !same(body.ref_id, r.ref_id)) return false;
  if (body.rm_id !== undefined && blankToNull(body.rm_id) !== r.rm_id) return false;
  if (body.branch_id !== undefined && blankToNull(body.branch_id) !== r.branch_id) return false;
  if (body.namespace !== undefined && body.namespace.toUpperCase() !== r.namespace_id && body.namespace.toLowerCase() !== r.namespace_name.toLowerCase()) return false;
  if (body.tags !== undefined && canonical(uniqueTags(body.tags)) !== canonical(r.tags)) return false;
  if (body.refs !== undefined && canonical(body.refs) !== canonical(r.refs)) return false;
  const held = new Map(current.props.map((p) => [p.key, p]));
  return propUpserts(body.props).every((p) => held.get(p.key)?.value === p.value && held.get(p.key)?.type === p.type);
}

const sameAddress = (a: Item, b: Item) => ['address_line', 'city', 'state', 'pincode', 'country'].every((k) => (a[k] ?? null) === (b[k] ?? null));
const sameBank = (a: Item, b: Item) => a.account_no === b.account_no && String(a.ifsc ?? '').toUpperCase() === String(b.ifsc ?? '').toUpperCase();

interface Applied {
  outcome: RowOutcome;
  contactId: string | null;
}

async function addSubresources(tx: Executor, actor: Actor, contactId: string, addresses: Item[], banks: Item[], isNew: boolean, at: Date): Promise<number> {
  let added = 0;
  const haveAddresses = isNew ? [] : ((await addressesOf(tx, actor.tenantId, [contactId])).get(contactId) ?? []);
  for (const a of addresses) {
    if (haveAddresses.some((h) => sameAddress(h as unknown as Item, a))) continue;
    await createAddress(tx, actor, { ...a, contact_id: contactId } as AddressCreateBody, at);
    added++;
  }
  const haveBanks = isNew ? [] : ((await banksOf(tx, actor.tenantId, [contactId])).get(contactId) ?? []);
  for (const b of banks) {
    if (haveBanks.some((h) => sameBank(h as unknown as Item, b))) continue;
    await createBank(tx, actor, { ...b, contact_id: contactId } as BankCreateBody, at);
    added++;
  }
  return added;
}

/** Validates and writes one row; throws an AppError (the API's answer) when the API would refuse it. */
async function applyRow(tx: Executor, actor: Actor, s: RowSettings, data: Item, policy: DuplicatePolicy, at: Date): Promise<Applied> {
  const { addresses: rawAddresses, banks: rawBanks, ...body } = data;
  const matchId = await findMatch(tx, actor, s, body);
  if (matchId === undefined && body.namespace === undefined && s.namespace !== null) body.namespace = s.namespace;
  const errors: FieldErrors = { ...((matchId ? checkPatch(body) : checkCreate(body)) ?? {}) };
  const addresses = itemErrors(errors, 'addresses', rawAddresses, checkAddress);
  const banks = itemErrors(errors, 'banks', rawBanks, checkBank);
  if (Object.keys(errors).length > 0) throw new AppError('validation_error', `Invalid fields: ${Object.keys(errors).join(', ')}.`, { errors });
  checkContactBody(body as ContactCreateBody, s.rules);

  if (matchId === undefined) {
    // The namespace is looked up (and its counter taken) by createContact's first statement; an
    // unknown one is refused there as the API does.
    const created = await createContact(tx, actor, body as ContactCreateBody, policy, at);
    await addSubresources(tx, actor, created.row.id, addresses, banks, true, at);
    return { outcome: 'created', contactId: created.row.id };
  }
  const current = await lockContact(tx, actor.tenantId, matchId);
  if (changesNothing(current, body as ContactPatchBody)) {
    const added = await addSubresources(tx, actor, matchId, addresses, banks, false, at);
    return { outcome: added > 0 ? 'updated' : 'unchanged', contactId: matchId };
  }
  await patchContact(tx, actor, matchId, body as ContactPatchBody, { policy }, at);
  await addSubresources(tx, actor, matchId, addresses, banks, false, at);
  return { outcome: 'updated', contactId: matchId };
}

const asAppError = (err: unknown): AppError | null => (err instanceof AppError ? err : (fromDbError(err) ?? null));

export function refusal(row: number, err: AppError, s: RowSettings): RowResult {
  const duplicateOf = err.code === 'duplicate' ? String(err.extra?.duplicate_of ?? '') || null : null;
  const outcome: RowOutcome = duplicateOf !== null && s.onDuplicate === 'skip' ? 'skipped' : 'failed';
  return { row, outcome, contactId: null, errors: err.errors ?? { non_field_errors: [err.message] }, duplicateOf };
}

/**
 * Within one file, a dry run must see what its earlier rows would have written: a PAN or ref id
 * of an earlier row turns a create into a block (or, when matched on, an update).
 */
async function dryRunConflict(tx: Executor, actor: Actor, s: RowSettings, row: number, data: Item, applied: Applied): Promise<RowResult | null> {
  const pans = pansOfProps(propUpserts(data.props as ContactCreateBody['props']));
  const ns = typeof data.namespace === 'string' ? data.namespace.toLowerCase() : (s.namespace?.toLowerCase() ?? '');
  const refs = typeof data.ref_id === 'string' ? [`${ns}\u0000${data.ref_id}`] : [];
  const panHit = await findDryKeys(tx, actor.tenantId, s.importId, 'pan', pans);
  const refHit = await findDryKeys(tx, actor.tenantId, s.importId, 'ref', refs);
  let result: RowResult | null = null;
  if (applied.outcome === 'created' && ((s.matchOn === 'pan' && panHit) || (s.matchOn === 'ref_id' && refHit))) {
    result = { row, outcome: 'updated', contactId: null, errors: null, duplicateOf: null };
  } else if (applied.outcome === 'created' && refHit) {
    const msg = `The ref_id "${String(data.ref_id)}" is already used in this namespace (by row ${refHit.row} of this file).`;
    result = { row, outcome: 'failed', contactId: null, errors: { ref_id: [msg] }, duplicateOf: null };
  } else if (panHit && s.onDuplicate !== 'allow' && !(s.matchOn === 'pan' && applied.outcome === 'updated')) {
    const msg = `A live contact with the same PAN would already exist (created by row ${panHit.row} of this file).`;
    result = { row, outcome: s.onDuplicate === 'skip' ? 'skipped' : 'failed', contactId: null, errors: { non_field_errors: [msg] }, duplicateOf: null };
  }
  if (result === null || result.outcome === 'updated') {
    await addDryKeys(tx, actor.tenantId, s.importId, 'pan', pans, row);
    await addDryKeys(tx, actor.tenantId, s.importId, 'ref', refs, row);
  }
  return result;
}

/**
 * Keeps what the row wrote and opens the next row's savepoint. On PostgreSQL both travel with the
 * next statement (Executor.defer), so a row that succeeds costs no round trip of its own for its
 * savepoint; if they failed, that statement fails and the batch with it.
 */
export async function keepRow(tx: Executor): Promise<void> {
  if (!tx.defer) return tx.exec('RELEASE SAVEPOINT import_row; SAVEPOINT import_row');
  tx.defer('RELEASE SAVEPOINT import_row', [], { prepare: true });
  tx.defer('SAVEPOINT import_row', [], { prepare: true });
}

/** Starts the savepoint the batch's first row runs in (see importRow). */
export async function beginRows(tx: Executor): Promise<void> {
  await tx.query('SAVEPOINT import_row');
}

/**
 * One row in its own savepoint, which the caller opened (beginRows) and importRow leaves open for
 * the next row: kept (released, and a new one taken in the same round trip) when the row succeeds,
 * undone when the API would have refused it or in a dry run (ROLLBACK TO keeps the savepoint). The
 * row's deferred audit entries and events go with its writes. Errors that are not the API's answer
 * (the database gone) throw.
 */
export async function importRow(tx: Executor, actor: Actor, s: RowSettings, row: number, data: Item, at: Date): Promise<RowResult> {
  const policy: DuplicatePolicy = s.onDuplicate === 'allow' ? { override: { reason: s.reason ?? 'import' } } : BLOCK_DUPLICATES;
  const recorded = actor.deferred?.entries.length ?? 0;
  const undo = async () => {
    await tx.query('ROLLBACK TO SAVEPOINT import_row');
    actor.deferred?.entries.splice(recorded);
  };
  let applied: Applied;
  try {
    applied = await applyRow(tx, actor, s, data, policy, at);
  } catch (err) {
    const appErr = asAppError(err);
    await undo();
    if (!appErr || appErr.status >= 500) throw err;
    return refusal(row, appErr, s);
  }
  if (!s.dryRun) {
    await keepRow(tx);
    return { row, outcome: applied.outcome, contactId: applied.contactId, errors: null, duplicateOf: null };
  }
  await undo();
  const conflict = await dryRunConflict(tx, actor, s, row, data, applied);
  // The row's dry keys stay for the rows after it: out of the savepoint the next row may undo.
  await keepRow(tx);
  // A contact the dry run created does not exist: no id to report.
  return conflict ?? { row, outcome: applied.outcome, contactId: applied.outcome === 'created' ? null : applied.contactId, errors: null, duplicateOf: null };
}
