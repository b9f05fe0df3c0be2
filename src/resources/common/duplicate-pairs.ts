import type { Executor } from '../../db/index.js';
import { recordChange, type Actor, type Change } from '../../changes/index.js';
import { ulid } from '../../ids.js';

// Duplicate pairs (CONTRACT §8.1) as every writer of them sees them: the row, its API shape, its
// audit entry and event, and the one write that lives below the contacts folder (an override
// recording the pair it allowed). The /duplicates/ resource, the write checks, scans and merges
// build on this.

export const PAIR_STATUSES = ['open', 'dismissed', 'merged'] as const;
export const PAIR_SOURCES = ['write', 'scan', 'override'] as const;
export const PAIR_BANDS = ['exact', 'probable', 'possible'] as const;
export type PairStatus = (typeof PAIR_STATUSES)[number];
export type PairSource = (typeof PAIR_SOURCES)[number];
export type PairBand = (typeof PAIR_BANDS)[number];

export interface PairReason {
  field: string;
  match: string;
  similarity?: number;
  detail?: string;
}

export interface PairRow {
  tenant_id: string;
  id: string;
  contact_a: string;
  contact_b: string;
  score: number;
  band: PairBand;
  reasons: PairReason[];
  status: PairStatus;
  source: PairSource;
  comment: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

export function toPair(r: PairRow) {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    contact_a: r.contact_a,
    contact_b: r.contact_b,
    score: Number(r.score),
    band: r.band,
    reasons: r.reasons,
    status: r.status,
    source: r.source,
    comment: r.comment,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    resolved_at: r.resolved_at ? r.resolved_at.toISOString() : null,
    resolved_by: r.resolved_by,
  };
}
export type Pair = ReturnType<typeof toPair>;

/** The two ids in pair order (contact_a < contact_b, compared as strings). */
export const orderedPair = (x: string, y: string): [string, string] => (x < y ? [x, y] : [y, x]);

/**
 * The audit entry and event of a pair's change. The entry belongs to contact_a's history (an
 * entry has one contact); the pair id is its object id, so `GET /history/?object_id=` finds it all.
 */
export function pairChange(event: 'duplicate.opened' | 'duplicate.dismissed', before: PairRow | null, after: PairRow, comment: string | null, at: Date): Change {
  return {
    event,
    action: before === null ? 'create' : 'action',
    objectType: 'duplicate',
    objectId: after.id,
    contactId: after.contact_a,
    before: before ? toPair(before) : null,
    after: toPair(after),
    comment,
    at,
  };
}

/**
 * A write allowed with `on_duplicate=allow&reason=…` (CONTRACT §8.1, override): the pair of the
 * written contact and the contact it duplicated is recorded as dismissed, its comment the reason,
 * so neither writes nor scans open it again. Blocking only ever matches on an identical PAN, which
 * is the reason recorded. An open pair of the two is dismissed the same way; a dismissed one stays
 * as it is (a human already decided).
 */
export async function recordOverridePair(tx: Executor, actor: Actor, contactId: string, duplicateOf: string, reason: string, at: Date): Promise<void> {
  const [a, b] = orderedPair(contactId, duplicateOf);
  const current = await tx.query<PairRow>('SELECT * FROM duplicate_pairs WHERE tenant_id = $1 AND contact_a = $2 AND contact_b = $3 FOR UPDATE', [actor.tenantId, a, b]);
  const before = current.rows[0] ?? null;
  if (before && before.status !== 'open') return;
  const res = before
    ? await tx.query<PairRow>(
        `UPDATE duplicate_pairs SET status = 'dismissed', comment = $3, resolved_at = $4, resolved_by = $5, updated_at = $4, version = version + 1
          WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        [actor.tenantId, before.id, reason, at, actor.userId],
      )
    : await tx.query<PairRow>(
        `INSERT INTO duplicate_pairs (tenant_id, id, contact_a, contact_b, score, band, reasons, status, source, comment, created_at, updated_at, resolved_at, resolved_by)
         VALUES ($1, $2, $3, $4, 1, 'exact', $5, 'dismissed', 'override', $6, $7, $7, $7, $8) RETURNING *`,
        [actor.tenantId, ulid(at.getTime()), a, b, JSON.stringify([{ field: 'pan_no', match: 'exact', detail: 'duplicate blocking overridden' }]), reason, at, actor.userId],
      );
  await recordChange(tx, actor, pairChange('duplicate.dismissed', before, res.rows[0]!, `dismiss: ${reason}`, at));
}

/** Which of `others` have a dismissed pair with `contactId` (POST /contacts/dedupe/ flags them). */
export async function dismissedPartners(db: Executor, tenantId: string, contactId: string, others: readonly string[]): Promise<Set<string>> {
  if (others.length === 0) return new Set();
  const res = await db.query<{ other: string }>(
    `SELECT CASE WHEN contact_a = $2 THEN contact_b ELSE contact_a END AS other FROM duplicate_pairs
      WHERE tenant_id = $1 AND status = 'dismissed' AND ((contact_a = $2 AND contact_b = ANY($3::text[])) OR (contact_b = $2 AND contact_a = ANY($3::text[])))`,
    [tenantId, contactId, others],
  );
  return new Set(res.rows.map((r) => r.other));
}
