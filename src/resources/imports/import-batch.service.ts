import { ulid } from '../../ids.js';
import { AppError, type FieldErrors } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { recordChange, type Actor } from '../../changes/index.js';
import type { NamespaceRow } from '../namespaces/namespaces.queries.js';
import { lockNamespacesForCounter, takeContactCounters } from '../namespaces/namespaces.queries.js';
import type { ContactCreateBody } from '../contacts/contacts.schema.js';
import { checkContactBody, contactView, newContactInsert, newContactState, unknownNamespace } from '../contacts/contacts.service.js';
import { findTakenRefIds, insertContacts, type ContactInsert, type NewMatchKeyRow, type NewPropRow } from '../contacts/contacts.queries.js';
import { duplicateError, pansOfProps } from '../contacts/blocking.js';
import { propUpserts } from '../contacts/props.validation.js';
import type { PropRow } from '../contacts/props.queries.js';
import { findPanHolders, lockPanKeys, panLockKeys } from '../contacts/match-keys.queries.js';
import { identifierKeys, matchAddressesJson, matchPropsJson } from '../contacts/derived.js';
import { refIdTaken, renderRefId } from '../contacts/ref-ids.js';
import { insertAddresses, toAddress, type AddressInsert } from '../addresses/addresses.queries.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import type { RowResult, StoredRow } from './imports.queries.js';
import { checkAddress, checkCreate, importRow, itemErrors, keepRow, namespaceOf, refusal, type Item, type RowSettings } from './import-row.service.js';

// The batch as the unit of work for an import that creates (match_on=none, not a dry run): the
// rows are validated in JS by the API's own schemas and rules, their blocking questions (PAN
// holders, taken ref ids) answered for the whole batch by one statement after one statement took
// all their PAN locks, and the rows that pass are written together — ref ids from one counter
// update, contacts + ref ids + props + match keys in one statement (with their copies of props and
// addresses, derived.ts), addresses in one, audit entries and events with the batch's (flushChanges). Every decision is the one the
// API would take row by row, in file order: the earlier rows of the batch count as holders of
// their PANs and ref ids. Rows the fast path does not decide itself (banks, address codes, an
// overridden duplicate) go through importRow, and a write that fails unexpectedly is undone and
// its rows redone one by one through importRow, which then gives the API's answer.

/** What the batch path knows of a row before asking the database anything. */
type Prepared =
  | { kind: 'done'; result: RowResult }
  | { kind: 'slow' }
  | { kind: 'create'; body: ContactCreateBody; addresses: Item[]; pans: string[] };

/** A row the batch will create. */
interface Planned {
  row: number;
  ns: NamespaceRow;
  insert: Omit<ContactInsert, 'match_props'>;
  props: PropRow[];
  pans: string[];
  addresses: Item[];
}

/** A create row validated as applyRow validates it (the same order of checks, the same errors). */
function prepare(s: RowSettings, r: StoredRow): Prepared {
  if (r.outcome === 'failed' || r.data === null) return { kind: 'done', result: { row: r.row, outcome: 'failed', contactId: null, errors: null, duplicateOf: null } };
  const { addresses: rawAddresses, banks: rawBanks, ...body } = r.data;
  if (rawBanks !== undefined) return { kind: 'slow' };
  if (body.namespace === undefined && s.namespace !== null) body.namespace = s.namespace;
  const errors: FieldErrors = { ...(checkCreate(body) ?? {}) };
  const addresses = itemErrors(errors, 'addresses', rawAddresses, checkAddress);
  if (Object.keys(errors).length > 0) return refused(s, r.row, new AppError('validation_error', `Invalid fields: ${Object.keys(errors).join(', ')}.`, { errors }));
  try {
    checkContactBody(body as ContactCreateBody, s.rules);
  } catch (err) {
    if (err instanceof AppError) return refused(s, r.row, err);
    throw err;
  }
  // createAddress checks the size of `codes` itself: such rows take the service's path.
  if (addresses.some((a) => a.codes !== undefined)) return { kind: 'slow' };
  const create = body as ContactCreateBody;
  return { kind: 'create', body: create, addresses, pans: pansOfProps(propUpserts(create.props)) };
}

const refused = (s: RowSettings, row: number, err: AppError): Prepared => ({ kind: 'done', result: refusal(row, err, s) });

const refKey = (namespaceId: string, refId: string) => `${namespaceId}\u0000${refId}`;

/** Earliest first, as findPanHolder orders holders (created_at, then id). */
const earlier = (a: { contact_id: string; created_at: Date }, b: { contact_id: string; created_at: Date }) =>
  a.created_at.getTime() < b.created_at.getTime() || (a.created_at.getTime() === b.created_at.getTime() && a.contact_id < b.contact_id);

/** The batch write met what only the row-by-row path decides: it is undone and redone that way. */
class Redo extends Error {}

/**
 * Applies a batch's rows for an import that creates, in the savepoint importRow expects open
 * (beginRows), and returns their outcomes in row order.
 */
export async function importCreates(tx: Executor, actor: Actor, s: RowSettings, rows: readonly StoredRow[], at: Date): Promise<RowResult[]> {
  const prepared = rows.map((r) => prepare(s, r));
  const results: RowResult[] = [];
  for (let i = 0; i < rows.length; ) i = await segment(tx, actor, s, rows, prepared, i, at, results);
  return results;
}

/**
 * Rows from `start` up to the first one the batch path does not decide: decided against one read
 * of holders and reservations, written together, then that one row through importRow. Returns the
 * index after the last row handled.
 */
async function segment(tx: Executor, actor: Actor, s: RowSettings, rows: readonly StoredRow[], prepared: readonly Prepared[], start: number, at: Date, results: RowResult[]): Promise<number> {
  const first = results.length;
  const creates = prepared.slice(start).filter((p) => p.kind === 'create');
  for (const c of creates) await namespaceOf(tx, actor, s, c.body.namespace);
  const known = creates.filter((c) => s.namespaces.get(c.body.namespace) !== undefined);
  const pans = [...new Set(known.flatMap((c) => c.pans))];
  // Namespaces whose counter the batch may take are locked first, as createContact's first statement does.
  const numbered = known.filter((c) => c.body.ref_id == null).map((c) => s.namespaces.get(c.body.namespace)!);
  await lockNamespacesForCounter(tx, actor.tenantId, [...new Set(numbered.filter((ns) => ns.contact_pattern).map((ns) => ns.id))]);
  await lockPanKeys(tx, panLockKeys(actor.tenantId, pans));
  const holders = await findPanHolders(tx, actor.tenantId, pans);
  const withRef = known.filter((c) => c.body.ref_id != null);
  const taken = await findTakenRefIds(tx, actor.tenantId, withRef.map((c) => s.namespaces.get(c.body.namespace)!.id), withRef.map((c) => c.body.ref_id!));

  const planned: Planned[] = [];
  let k = start;
  for (; k < rows.length; k++) {
    const p = prepared[k]!;
    const row = rows[k]!.row;
    if (p.kind === 'done') {
      results.push(p.result);
      continue;
    }
    if (p.kind === 'slow') break;
    const { body } = p;
    const ns = s.namespaces.get(body.namespace);
    if (!ns) {
      results.push(refusal(row, unknownNamespace(body.namespace), s));
      continue;
    }
    if (body.ref_id != null && taken.has(refKey(ns.id, body.ref_id))) {
      results.push(refusal(row, refIdTaken(body.ref_id), s));
      continue;
    }
    let holder: { contact_id: string; created_at: Date } | undefined;
    for (const pan of p.pans) {
      const h = holders.get(pan);
      if (h && (!holder || earlier(h, holder))) holder = h;
    }
    if (holder) {
      // An overridden duplicate writes a dismissed pair and its comment: the service's path.
      if (s.onDuplicate === 'allow') break;
      results.push(refusal(row, duplicateError(holder.contact_id), s));
      continue;
    }
    const id = ulid(at.getTime());
    const upserts = propUpserts(body.props);
    const props: PropRow[] = upserts.map((u) => ({ tenant_id: actor.tenantId, id: ulid(at.getTime()), contact_id: id, ...u, created_at: at, created_by: actor.userId, updated_at: at, updated_by: null }));
    planned.push({ row, ns, insert: newContactInsert(actor, body, ns.id, id, body.ref_id ?? null, at), props, pans: p.pans, addresses: p.addresses });
    results.push({ row, outcome: 'created', contactId: id, errors: null, duplicateOf: null });
    // What this row holds now counts for the rows after it, as a committed API create would.
    if (body.ref_id != null) taken.add(refKey(ns.id, body.ref_id));
    for (const pan of p.pans) if (!holders.has(pan)) holders.set(pan, { contact_id: id, created_at: at });
  }

  if (planned.length > 0) {
    const recorded = actor.deferred?.entries.length ?? 0;
    try {
      await writePlanned(tx, actor, planned, at);
      await keepRow(tx);
    } catch {
      // Undone, and these rows again one by one, where the API's rules give each its answer (if
      // the database is gone, the rollback throws and the batch fails as any would).
      await tx.query('ROLLBACK TO SAVEPOINT import_row');
      actor.deferred?.entries.splice(recorded);
      results.length = first;
      for (let j = start; j < k; j++) {
        const r = rows[j]!;
        const p = prepared[j]!;
        results.push(p.kind === 'done' && (r.outcome === 'failed' || r.data === null) ? p.result : await importRow(tx, actor, s, r.row, r.data!, at));
      }
    }
  }
  if (k < rows.length) {
    const r = rows[k]!;
    results.push(await importRow(tx, actor, s, r.row, r.data!, at));
    return k + 1;
  }
  return k;
}

/** Writes the planned creates: ref ids, contacts with props and keys, addresses, derived copies, changes. */
async function writePlanned(tx: Executor, actor: Actor, planned: readonly Planned[], at: Date): Promise<void> {
  const tenantId = actor.tenantId;
  // Generated ref ids: each namespace's numbers for the batch in one counter update, in row order.
  const generate = new Map<string, Planned[]>();
  for (const p of planned) {
    if (p.insert.ref_id !== null || !p.ns.contact_pattern) continue;
    const list = generate.get(p.ns.id);
    if (list) list.push(p);
    else generate.set(p.ns.id, [p]);
  }
  for (const [nsId, list] of generate) {
    const taken = await takeContactCounters(tx, tenantId, nsId, list.length);
    if (!taken?.pattern) throw new Redo();
    // A pattern that cannot render is refused row by row (renderRefId's 409), as the API does.
    list.forEach((p, i) => (p.insert.ref_id = renderRefId(taken.pattern!, taken.first + i, at)));
  }
  // Address rows first: their ids decide the contact's copy of them, written with the contact.
  const addressRows = planned.map((p) =>
    p.addresses.map((a) => ({
      tenant_id: tenantId,
      id: ulid(at.getTime()),
      contact_id: p.insert.id,
      address_line: (a.address_line as string | undefined) ?? null,
      city: (a.city as string | undefined) ?? null,
      state: (a.state as string | undefined) ?? null,
      pincode: (a.pincode as string | undefined) ?? null,
      country: (a.country as string | undefined) ?? null,
      coords: (a.coords as AddressInsert['coords'] | undefined) ?? null,
      codes: {},
      tags: uniqueTags((a.tags as string[] | undefined) ?? []),
      at,
      user_id: actor.userId,
      name_key: p.insert.name_key,
    })),
  );
  const contacts = planned.map((p, i) => {
    const { tenant_id: _t, at: _at, user_id: _u, ...c } = p.insert;
    return { ...c, match_props: matchPropsJson(p.props), match_addresses: matchAddressesJson(addressRows[i]!) };
  });
  const props: NewPropRow[] = planned.flatMap((p) => p.props.map((x) => ({ id: x.id, contact_id: x.contact_id, key: x.key, value: x.value, type: x.type })));
  const keys: NewMatchKeyRow[] = planned.flatMap((p) =>
    identifierKeys(p.props).map((m) => ({ contact_id: p.insert.id, kind: m.kind, value: m.value, prop_key: m.key, via: m.via ?? null, name_key: p.insert.name_key })),
  );
  const written = await insertContacts(tx, tenantId, at, actor.userId, contacts, props, keys);
  // A ref id held by another contact (a generated one colliding with a client's, or a writer in
  // between): the rows go one by one, where allocation skips ahead or the row is refused.
  if (written.refs !== planned.filter((p) => p.insert.ref_id !== null).length) throw new Redo();
  const addresses = await insertAddresses(tx, tenantId, addressRows.flat());

  // The changes in the order the API's creates would record them: each contact, then its addresses.
  let a = 0;
  for (const p of planned) {
    const state = newContactState(p.insert, p.ns.name, p.props);
    await recordChange(tx, actor, { event: 'contact.created', action: 'create', objectType: 'contact', objectId: p.insert.id, contactId: p.insert.id, before: null, after: contactView(state), at });
    for (let n = 0; n < p.addresses.length; n++, a++) {
      const created = addresses[a]!;
      await recordChange(tx, actor, { event: 'address.created', action: 'create', objectType: 'address', objectId: created.id, contactId: created.contact_id, before: null, after: toAddress(created), at });
    }
  }
}
