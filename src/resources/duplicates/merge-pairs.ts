import type { Executor } from '../../db/index.js';
import type { Actor } from '../../changes/index.js';
import { orderedPair, type PairRow } from '../common/duplicate-pairs.js';
import { setPairStatus } from './duplicates.queries.js';

// What a merge does to the review queue (CONTRACT §8.1, §8.2) and what its undo gives back.
//
// Merge: open pairs among the merged contacts become `merged`; a victim's open or dismissed pair
// with a third contact is re-pointed to the survivor — a dismissal carries over, since the survivor
// now holds the victim's data — or dropped when the survivor already has a pair with that contact
// (the survivor's own pair stays; between victims, a dismissed pair takes the slot first).
// The merge record keeps each such pair as it was, with the version the merge left it at.
//
// Undo: every pair goes back as the merge found it (merged → open again, re-pointed → back to the
// victim), except that a pair someone resolved since the merge (its version
// moved) keeps its status, comment and resolution and only returns to its original contacts.

/** A pair as the merge found it, and the version the merge left it at. */
export interface PairSnapshot {
  row: Record<string, unknown>;
  after_version: number;
}

export async function closePairsOnMerge(tx: Executor, actor: Actor, survivorId: string, victimIds: readonly string[], at: Date): Promise<PairSnapshot[]> {
  const tenantId = actor.tenantId;
  const group = new Set([survivorId, ...victimIds]);
  const res = await tx.query<PairRow & { snap: Record<string, unknown> }>(
    `SELECT to_jsonb(p) AS snap, p.* FROM duplicate_pairs p
      WHERE p.tenant_id = $1 AND (p.contact_a = ANY($2::text[]) OR p.contact_b = ANY($2::text[])) ORDER BY p.id FOR UPDATE`,
    [tenantId, [...group]],
  );
  const taken = new Set<string>();
  for (const p of res.rows) {
    if (p.contact_a === survivorId && !group.has(p.contact_b)) taken.add(p.contact_b);
    if (p.contact_b === survivorId && !group.has(p.contact_a)) taken.add(p.contact_a);
  }
  const rank = (p: PairRow) => (p.status === 'dismissed' ? 0 : 1);
  const out: PairSnapshot[] = [];
  for (const p of [...res.rows].sort((x, y) => rank(x) - rank(y))) {
    if (group.has(p.contact_a) && group.has(p.contact_b)) {
      if (p.status !== 'open') continue;
      const next = await setPairStatus(tx, tenantId, p.id, { status: 'merged', comment: p.comment, resolvedAt: at, resolvedBy: actor.userId }, at);
      out.push({ row: p.snap, after_version: next.version });
      continue;
    }
    const victim = [p.contact_a, p.contact_b].find((id) => id !== survivorId && group.has(id));
    if (!victim || p.status === 'merged') continue;
    const third = victim === p.contact_a ? p.contact_b : p.contact_a;
    if (taken.has(third)) {
      // Kept (its history names it), out of the queue: its victim is merged.
      const closed = await setPairStatus(tx, tenantId, p.id, { status: 'merged', comment: p.comment, resolvedAt: at, resolvedBy: actor.userId }, at);
      out.push({ row: p.snap, after_version: closed.version });
      continue;
    }
    taken.add(third);
    const [a, b] = orderedPair(survivorId, third);
    const moved = await tx.query<{ version: number }>(
      'UPDATE duplicate_pairs SET contact_a = $3, contact_b = $4, updated_at = $5, version = version + 1 WHERE tenant_id = $1 AND id = $2 RETURNING version',
      [tenantId, p.id, a, b, at],
    );
    out.push({ row: p.snap, after_version: moved.rows[0]!.version });
  }
  return out;
}

const FROM_SNAPSHOT = 'jsonb_populate_record(NULL::duplicate_pairs, $3::jsonb)';

export async function restorePairsOnUndo(tx: Executor, tenantId: string, snapshots: readonly PairSnapshot[] | undefined): Promise<void> {
  for (const s of snapshots ?? []) {
    const id = String(s.row.id);
    const current = await tx.query<{ version: number }>('SELECT version FROM duplicate_pairs WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, id]);
    const row = JSON.stringify(s.row);
    if (!current.rows[0]) continue;
    if (current.rows[0].version === s.after_version) {
      await tx.query(
        `UPDATE duplicate_pairs p SET contact_a = s.contact_a, contact_b = s.contact_b, score = s.score, band = s.band, reasons = s.reasons, status = s.status,
                source = s.source, comment = s.comment, resolved_at = s.resolved_at, resolved_by = s.resolved_by, updated_at = s.updated_at, version = p.version + 1
           FROM ${FROM_SNAPSHOT} s WHERE p.tenant_id = $1 AND p.id = $2`,
        [tenantId, id, row],
      );
    } else {
      await tx.query(
        `UPDATE duplicate_pairs p SET contact_a = s.contact_a, contact_b = s.contact_b, version = p.version + 1 FROM ${FROM_SNAPSHOT} s WHERE p.tenant_id = $1 AND p.id = $2`,
        [tenantId, id, row],
      );
    }
  }
}
