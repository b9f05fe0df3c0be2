import { AppError, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { recordChanges, type Actor, type Change } from '../../changes/index.js';
import { lockContactWithProps } from '../contacts/contacts.queries.js';
import { contactView, type ContactState } from '../contacts/contacts.service.js';
import { rebuildDerived } from '../contacts/derived.js';
import type { AddressRow } from '../addresses/addresses.queries.js';
import type { BankRow } from '../banks/banks.queries.js';
import type { RelationRow } from '../relations/relations.queries.js';
import { assertUndoable, subresourceChanges, toMergeRecord } from './merge.service.js';
import { currentVersions, earlierMerges, saveAfterVersions, findMerge, laterMerge, lockContactsInOrder, markUndone, restoreSnapshot, type MergeRow, type VersionMap } from './merges.queries.js';
import type { MergeRecord } from './merges.schema.js';
import { restorePairsOnUndo } from '../duplicates/merge-pairs.js';

// Undo (CONTRACT §8.3): every row the merge changed is written back exactly as the merge found it
// (the record's snapshot), and the derived data of every contact involved is rebuilt. Refused,
// changing nothing, when the merge is undone already, too old, followed by a merge of one of its
// contacts, or when anything it changed has been written since (versions differ from those it left).

function conflictsOf(expected: VersionMap, current: VersionMap): { object_type: string; object_id: string }[] {
  const out: { object_type: string; object_id: string }[] = [];
  for (const type of ['contact', 'address', 'bank', 'relation'] as const) {
    for (const [id, v] of Object.entries(expected[type])) if (current[type][id] !== v) out.push({ object_type: type, object_id: id });
  }
  return out;
}

async function rowsOf<T>(tx: Executor, tenantId: string, table: string, ids: string[]): Promise<T[]> {
  if (ids.length === 0) return [];
  return (await tx.query<T>(`SELECT * FROM ${table} WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id`, [tenantId, ids])).rows;
}

async function subresourceRows(tx: Executor, tenantId: string, v: VersionMap) {
  return {
    addresses: await rowsOf<AddressRow>(tx, tenantId, 'contact_addresses', Object.keys(v.address)),
    banks: await rowsOf<BankRow>(tx, tenantId, 'contact_banks', Object.keys(v.bank)),
    relations: await rowsOf<RelationRow>(tx, tenantId, 'contact_relations', Object.keys(v.relation)),
  };
}

/**
 * An earlier merge of these contacts recorded the versions it left them at. This undo put them
 * back to exactly that state, at new versions: the earlier merge's record learns them, so it can
 * be undone in turn (a write between the two merges would have made the later merge's snapshot,
 * and so the versions compared here, differ).
 */
async function carryVersions(tx: Executor, tenantId: string, m: MergeRow): Promise<void> {
  const earlier = await earlierMerges(tx, tenantId, m.id, m.contact_ids);
  if (earlier.length === 0) return;
  const now = await currentVersions(tx, tenantId, {
    contact: Object.fromEntries(m.contact_ids.map((id) => [id, 0])),
    address: m.after_versions.address,
    bank: m.after_versions.bank,
    relation: m.after_versions.relation,
  });
  const snapVersions: VersionMap = { contact: {}, address: {}, bank: {}, relation: {} };
  const note = (type: keyof VersionMap, rows: unknown[]) => {
    for (const r of rows as { id: string; version: number }[]) snapVersions[type][r.id] = r.version;
  };
  note('contact', m.snapshot.contacts);
  note('address', m.snapshot.addresses);
  note('bank', m.snapshot.banks);
  note('relation', m.snapshot.relations);
  for (const e of earlier) {
    let changed = false;
    for (const type of ['contact', 'address', 'bank', 'relation'] as const) {
      for (const [id, v] of Object.entries(e.after_versions[type])) {
        if (snapVersions[type][id] === v && now[type][id] !== undefined) {
          e.after_versions[type][id] = now[type][id]!;
          changed = true;
        }
      }
    }
    if (changed) await saveAfterVersions(tx, tenantId, e.id, e.after_versions);
  }
}

export async function undoMerge(tx: Executor, actor: Actor, mergeId: string, comment: string, undoDays: number, at = new Date()): Promise<MergeRecord> {
  const tenantId = actor.tenantId;
  const m: MergeRow | undefined = await findMerge(tx, tenantId, mergeId, { lock: true });
  if (!m) throw notFound('Merge');
  assertUndoable(m, undoDays, at);
  await lockContactsInOrder(tx, tenantId, m.contact_ids);
  const later = await laterMerge(tx, tenantId, m.id, m.contact_ids);
  if (later) throw new AppError('undo_refused', `A later merge (${later}) took one of this merge's contacts; undo that one first.`, { extra: { later_merge: later } });
  const conflicts = conflictsOf(m.after_versions, await currentVersions(tx, tenantId, m.after_versions));
  if (conflicts.length > 0) {
    throw new AppError('undo_refused', `${conflicts.length} object(s) the merge changed were written since; undoing would lose those writes.`, { extra: { conflicts } });
  }
  const load = async (id: string) => (await lockContactWithProps(tx, tenantId, id, { includeDeleted: true }))!;
  const before = new Map<string, ContactState>();
  for (const id of m.contact_ids) before.set(id, await load(id));
  const subBefore = await subresourceRows(tx, tenantId, m.after_versions);

  await restoreSnapshot(tx, tenantId, m.snapshot, m.contact_ids);
  await restorePairsOnUndo(tx, tenantId, m.snapshot.pairs);
  for (const id of m.contact_ids) await rebuildDerived(tx, tenantId, id);
  const done = await markUndone(tx, tenantId, m.id, actor.userId, at, comment);
  await carryVersions(tx, tenantId, m);

  const changes: Change[] = [];
  for (const id of m.contact_ids) {
    const survivor = id === m.survivor_id;
    changes.push({
      event: 'contact.unmerged',
      action: 'action',
      objectType: 'contact',
      objectId: id,
      contactId: id,
      before: contactView(before.get(id)!),
      after: contactView(await load(id)),
      comment: survivor ? `undo merge ${m.id}: ${comment}` : `unmerged from ${m.survivor_id}`,
      at,
    });
  }
  changes.push(...subresourceChanges(subBefore, await subresourceRows(tx, tenantId, m.after_versions), `undo merge ${m.id}`, at));
  await recordChanges(tx, actor, changes);
  return toMergeRecord(done);
}
