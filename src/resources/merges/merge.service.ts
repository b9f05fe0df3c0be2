import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import { retryingConflicts, type Executor, type TenantDatabase } from '../../db/index.js';
import type { Contact } from '../contacts/contacts.schema.js';
import { checkPrecondition, recordChanges, type Actor, type Change, type Precondition } from '../../changes/index.js';
import { normalizeId } from '../../validation/ids.js';
import { lockContactWithProps } from '../contacts/contacts.queries.js';
import { assertCanActivate, contactView, type ContactState } from '../contacts/contacts.service.js';
import { nameColumns, rebuildDerived } from '../contacts/derived.js';
import { mergedError } from '../common/merged.js';
import { reserveClientRefId } from '../contacts/ref-ids.js';
import { toAddress, type AddressRow } from '../addresses/addresses.queries.js';
import { toBank, type BankRow } from '../banks/banks.queries.js';
import { toRelation, type RelationRow } from '../relations/relations.queries.js';
import { UNKNOWN_CONTACT } from '../common/subresource.js';
import { ulid } from '../../ids.js';
import { checkPans, checkPrefer, planMerge, type MergeContact } from './merge.plan.js';
import { closePairsOnMerge } from '../duplicates/merge-pairs.js';
import { MAX_MERGE_IDS, type MergeBody, type MergeRecord } from './merges.schema.js';
import {
  applySubresources,
  insertMerge,
  loadSubresources,
  lockContactsInOrder,
  markMerged,
  snapshotContacts,
  updateSurvivor,
  type MergeRow,
  type VersionMap,
} from './merges.queries.js';

// Merge (CONTRACT §8.2): one transaction, all or nothing. Every contact involved is locked in id
// order before anything is read for the plan, so the plan sees the state it writes over, and two
// merges sharing a contact run one after the other.

export interface MergeRequest {
  mergeIds: string[];
  prefer: Record<string, string>;
  comment: string;
}

/** Body checks that need no database: ids well-formed, distinct, not the survivor; prefer keys known. */
export function checkMergeBody(survivorId: string, body: MergeBody): MergeRequest {
  const errors = new FieldErrorCollector();
  const ids: string[] = [];
  if (body.merge_ids.length < 1 || body.merge_ids.length > MAX_MERGE_IDS) errors.add('merge_ids', `Give 1 to ${MAX_MERGE_IDS} contact ids.`);
  body.merge_ids.forEach((raw, i) => {
    const id = normalizeId(raw);
    if (!id) return errors.add(`merge_ids.${i}`, UNKNOWN_CONTACT);
    if (id === survivorId) return errors.add('merge_ids', 'The survivor (the path contact) cannot be in merge_ids.');
    if (ids.includes(id)) return errors.add('merge_ids', `Contact ${id} is given twice.`);
    ids.push(id);
  });
  const comment = body.comment.trim();
  if (!comment) errors.add('comment', 'A comment is required.');
  const prefer = checkPrefer(errors, body.prefer, new Set([survivorId, ...ids]), normalizeId);
  errors.throwIfAny();
  return { mergeIds: ids, prefer, comment };
}

/** The public shape of a merge record. */
export function toMergeRecord(m: Pick<MergeRow, 'tenant_id' | 'survivor_id' | 'merged_ids' | 'comment' | 'decisions' | 'moved' | 'collapsed' | 'created_at' | 'created_by' | 'undone_at' | 'undone_by' | 'undo_comment'> & { id: string | null }): MergeRecord {
  return {
    id: m.id,
    tenant_id: m.tenant_id,
    survivor: m.survivor_id,
    merged_ids: m.merged_ids,
    comment: m.comment,
    decisions: m.decisions,
    moved: m.moved,
    collapsed: m.collapsed,
    created_at: m.created_at.toISOString(),
    created_by: m.created_by,
    undone_at: m.undone_at ? m.undone_at.toISOString() : null,
    undone_by: m.undone_by,
    undo_comment: m.undo_comment,
  };
}

async function lockState(tx: Executor, tenantId: string, id: string): Promise<ContactState | undefined> {
  return lockContactWithProps(tx, tenantId, id, { includeDeleted: true });
}

/** The survivor and victims, locked and checked (victims in merge_ids order). */
async function lockInvolved(tx: Executor, tenantId: string, survivorId: string, req: MergeRequest, precondition?: Precondition): Promise<ContactState[]> {
  await lockContactsInOrder(tx, tenantId, [survivorId, ...req.mergeIds]);
  const survivor = await lockState(tx, tenantId, survivorId);
  if (survivor?.row.merged_into) throw mergedError(survivorId, survivor.row.merged_into);
  if (!survivor || survivor.row.is_deleted) throw notFound('Contact');
  checkPrecondition(precondition, survivor.row.version);
  const errors = new FieldErrorCollector();
  const victims: ContactState[] = [];
  for (const id of req.mergeIds) {
    const v = await lockState(tx, tenantId, id);
    if (!v || v.row.is_deleted) {
      errors.add('merge_ids', v?.row.merged_into ? `Contact ${id} is already merged (into ${v.row.merged_into}).` : `${UNKNOWN_CONTACT} (${id})`);
      continue;
    }
    if (v.row.type !== survivor.row.type) errors.add('merge_ids', `Contact ${id} is of type "${v.row.type}", the survivor of type "${survivor.row.type}": only contacts of one type merge.`);
    victims.push(v);
  }
  errors.throwIfAny();
  return [survivor, ...victims];
}

const versionsOf = (rows: readonly { id: string; version: number }[]) => Object.fromEntries(rows.map((r) => [r.id, r.version]));

export interface MergeOutcome {
  merge: MergeRecord;
  contact: ContactState;
}

/** Merges `req.mergeIds` into `survivorId`; returns the record and the survivor afterwards. */
export async function mergeContacts(tx: Executor, actor: Actor, survivorId: string, req: MergeRequest, o: { precondition?: Precondition; dryRun?: boolean } = {}, at = new Date()): Promise<MergeOutcome> {
  const tenantId = actor.tenantId;
  const all = await lockInvolved(tx, tenantId, survivorId, req, o.precondition);
  const [survivor, ...victims] = all as [ContactState, ...ContactState[]];
  const victimIds = victims.map((v) => v.row.id);
  checkPans(all, req.prefer);
  const sub = await loadSubresources(tx, tenantId, survivorId, victimIds);
  const errors = new FieldErrorCollector();
  const plan = planMerge(all as MergeContact[], req.prefer, sub, errors);
  errors.throwIfAny();
  if (plan.fields.status === 'active' && survivor.row.status !== 'active') assertCanActivate(survivor.row);
  const snapshot = { ...(await snapshotContacts(tx, tenantId, [survivorId, ...victimIds])), addresses: [] as unknown[], banks: [] as unknown[], relations: [] as unknown[] };
  const touched = <T extends { id: string; snap: unknown }>(rows: readonly T[], ids: Set<string>) => rows.filter((r) => ids.has(r.id));
  const bankIds = new Set([...plan.banks.move, ...plan.banks.collapse, ...plan.banks.primaryOn]);
  const relationIds = new Set([...plan.relations.move.map((m) => m.id), ...plan.relations.drop, ...plan.relations.collapse]);
  snapshot.addresses = touched(sub.addresses, new Set(plan.addresses.move)).map((r) => r.snap);
  snapshot.banks = touched(sub.banks, bankIds).map((r) => r.snap);
  snapshot.relations = touched(sub.relations, relationIds).map((r) => r.snap);

  // The survivor's ref id must be free in the namespace it ends up in (ref ids are never reused).
  if (plan.fields.namespace_id !== survivor.row.namespace_id && survivor.row.ref_id !== null) {
    await reserveClientRefId(tx, tenantId, plan.fields.namespace_id, survivor.row.ref_id, survivorId, at);
  }
  const after = await applySubresources(tx, tenantId, survivorId, plan, actor.userId, at);
  await markMerged(tx, tenantId, survivorId, victimIds, actor.userId, at);
  const pairs = await closePairsOnMerge(tx, actor, survivorId, victimIds, at);
  const { namespace_name: _n, ...fields } = plan.fields;
  await updateSurvivor(tx, tenantId, survivorId, { ...fields, ...nameColumns(plan.fields.name, survivor.row.type) }, actor.userId, at);
  for (const id of [survivorId, ...victimIds]) await rebuildDerived(tx, tenantId, id);
  const mergeId = ulid(at.getTime());

  const states = new Map<string, ContactState>();
  for (const id of [survivorId, ...victimIds]) states.set(id, (await lockState(tx, tenantId, id))!);
  const record: Omit<MergeRow, 'undone_at' | 'undone_by' | 'undo_comment'> = {
    tenant_id: tenantId,
    id: mergeId,
    survivor_id: survivorId,
    merged_ids: victimIds,
    contact_ids: [survivorId, ...victimIds],
    comment: req.comment,
    decisions: plan.decisions,
    moved: { addresses: plan.addresses.move, banks: plan.banks.move, relations: plan.relations.move.map((m) => m.id), props: plan.props.move },
    collapsed: { banks: plan.banks.collapse, relations: [...plan.relations.drop, ...plan.relations.collapse] },
    snapshot: { ...snapshot, pairs },
    after_versions: {
      contact: Object.fromEntries([...states.values()].map((s) => [s.row.id, s.row.version])),
      address: versionsOf(after.addresses),
      bank: versionsOf(after.banks),
      relation: versionsOf(after.relations),
    } satisfies VersionMap,
    created_at: at,
    created_by: actor.userId,
  };
  if (!o.dryRun) await insertMerge(tx, record);
  const changes: Change[] = [
    {
      event: 'contact.merged',
      action: 'action',
      objectType: 'contact',
      objectId: survivorId,
      contactId: survivorId,
      before: contactView(survivor),
      after: contactView(states.get(survivorId)!),
      comment: `merge ${mergeId}: ${req.comment}`,
      at,
    },
    ...victims.map(
      (v): Change => ({
        event: 'contact.merged',
        action: 'action',
        objectType: 'contact',
        objectId: v.row.id,
        contactId: v.row.id,
        before: contactView(v),
        after: contactView(states.get(v.row.id)!),
        comment: `merged into ${survivorId}`,
        at,
      }),
    ),
    ...subresourceChanges(sub, after, `merge ${mergeId}`, at),
  ];
  await recordChanges(tx, actor, changes);
  return { merge: toMergeRecord({ ...record, id: o.dryRun ? null : mergeId, undone_at: null, undone_by: null, undo_comment: null }), contact: states.get(survivorId)! };
}

/** Audit entries for sub-resources a merge or undo wrote: moved → update, collapsed → delete. */
export function subresourceChanges(
  before: { addresses: readonly AddressRow[]; banks: readonly BankRow[]; relations: readonly RelationRow[] },
  after: { addresses: readonly AddressRow[]; banks: readonly BankRow[]; relations: readonly RelationRow[] },
  comment: string,
  at: Date,
): Change[] {
  const out: Change[] = [];
  const pair = <R extends { id: string; contact_id: string; is_deleted: boolean }>(
    kind: 'address' | 'bank' | 'relation',
    olds: readonly R[],
    news: readonly R[],
    view: (r: R) => unknown,
  ) => {
    const byId = new Map(olds.map((r) => [r.id, r]));
    for (const n of news) {
      const o = byId.get(n.id);
      if (!o) continue;
      const deleted = n.is_deleted && !o.is_deleted;
      out.push({
        event: `${kind}.${deleted ? 'deleted' : 'updated'}`,
        action: deleted ? 'delete' : 'update',
        objectType: kind,
        objectId: n.id,
        contactId: n.contact_id,
        before: view(o),
        after: view(n),
        comment,
        at,
      });
    }
  };
  pair('address', before.addresses, after.addresses, toAddress);
  pair('bank', before.banks, after.banks, toBank);
  pair('relation', before.relations, after.relations, toRelation);
  return out;
}

/** Thrown to roll a dry run back after computing it (nothing it wrote survives). */
class DryRunRollback extends Error {
  constructor(readonly outcome: MergeAnswer) {
    super('dry run');
  }
}

/** What a merge answers: the record, the survivor afterwards (props expanded) and its version. */
export interface MergeAnswer {
  merge: MergeRecord;
  contact: Contact;
  version: number;
}

/**
 * A merge in a transaction of its own, for the API and the CLI: run again when it lost a deadlock
 * (retryingConflicts), and for a dry run computed and then rolled back.
 */
export async function runMerge(db: TenantDatabase, actor: Actor, survivorId: string, req: MergeRequest, o: { precondition?: Precondition; dryRun?: boolean } = {}): Promise<MergeAnswer> {
  try {
    return await retryingConflicts(() =>
      db.transaction(async (tx) => {
        const done = await mergeContacts(tx, actor, survivorId, req, o);
        const answer = { merge: done.merge, contact: contactView(done.contact), version: done.contact.row.version };
        if (o.dryRun) throw new DryRunRollback(answer);
        return answer;
      }),
    );
  } catch (err) {
    if (err instanceof DryRunRollback) return err.outcome;
    throw err;
  }
}

export function assertUndoable(m: MergeRow, undoDays: number, now: Date): void {
  if (m.undone_at) throw new AppError('undo_refused', `Merge ${m.id} was already undone at ${m.undone_at.toISOString()}.`);
  if (now.getTime() - m.created_at.getTime() > undoDays * 86_400_000) {
    throw new AppError('undo_refused', `Merge ${m.id} is older than the undo window of ${undoDays} days (MERGE_UNDO_DAYS).`);
  }
}
