import type { Executor } from '../../db/index.js';
import { Params, pagedQuery, type Ordering, orderBySql } from '../../db/index.js';
import { ulid } from '../../ids.js';
import type { PairBand, PairReason, PairRow, PairSource, PairStatus } from '../common/duplicate-pairs.js';

// SQL of the review queue. A pair is visible while both its contacts are live: a deleted
// contact's pairs are hidden (and come back with its restore). A `merged` pair stays readable
// while its contacts are live or merged (not deleted).

const PAIR_ORDER_COLUMNS = { score: 'p.score', created_at: 'p.created_at', updated_at: 'p.updated_at' } as const;

const VISIBLE_FROM = `duplicate_pairs p
  JOIN contacts ca ON ca.tenant_id = p.tenant_id AND ca.id = p.contact_a
  JOIN contacts cb ON cb.tenant_id = p.tenant_id AND cb.id = p.contact_b`;
const VISIBLE = `((NOT ca.is_deleted AND NOT cb.is_deleted)
  OR (p.status = 'merged' AND (NOT ca.is_deleted OR ca.merged_into IS NOT NULL) AND (NOT cb.is_deleted OR cb.merged_into IS NOT NULL)))`;

export interface PairFilter {
  status: PairStatus;
  band?: PairBand;
  source?: PairSource;
  contact?: string;
  minScore?: number;
  after: Date | null;
  before: Date | null;
}

export async function listPairs(
  db: Executor,
  tenantId: string,
  f: PairFilter,
  ordering: Ordering<keyof typeof PAIR_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: PairRow[]; count: number }> {
  const p = new Params();
  const where = [`p.tenant_id = ${p.add(tenantId)}`, VISIBLE, `p.status = ${p.add(f.status)}`];
  if (f.band) where.push(`p.band = ${p.add(f.band)}`);
  if (f.source) where.push(`p.source = ${p.add(f.source)}`);
  if (f.contact) {
    const c = p.add(f.contact);
    where.push(`(p.contact_a = ${c} OR p.contact_b = ${c})`);
  }
  if (f.minScore !== undefined) where.push(`p.score >= ${p.add(f.minScore)}`);
  if (f.after) where.push(`p.created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`p.created_at <= ${p.add(f.before)}`);
  return pagedQuery<PairRow>(db, { select: 'p.*', from: VISIBLE_FROM, where: where.join(' AND '), orderBy: orderBySql(ordering, PAIR_ORDER_COLUMNS, 'p') }, p, limit, offset);
}

/** A visible pair by id (locked for an action when `lock`). */
export async function findPair(db: Executor, tenantId: string, id: string, o: { lock?: boolean } = {}): Promise<PairRow | undefined> {
  const res = await db.query<PairRow>(`SELECT p.* FROM ${VISIBLE_FROM} WHERE p.tenant_id = $1 AND p.id = $2 AND ${VISIBLE}${o.lock ? ' FOR UPDATE OF p' : ''}`, [tenantId, id]);
  return res.rows[0];
}

export async function setPairStatus(
  tx: Executor,
  tenantId: string,
  id: string,
  s: { status: PairStatus; comment: string | null; resolvedAt: Date | null; resolvedBy: string | null },
  at: Date,
): Promise<PairRow> {
  const res = await tx.query<PairRow>(
    `UPDATE duplicate_pairs SET status = $3, comment = $4, resolved_at = $5, resolved_by = $6, updated_at = $7, version = version + 1
      WHERE tenant_id = $1 AND id = $2 RETURNING *`,
    [tenantId, id, s.status, s.comment, s.resolvedAt, s.resolvedBy, at],
  );
  return res.rows[0]!;
}

export interface FoundPair {
  a: string;
  b: string;
  score: number;
  band: PairBand;
  reasons: readonly PairReason[];
}

export type PairOutcome = { kind: 'opened'; row: PairRow } | { kind: 'refreshed' | 'unchanged' | 'kept'; row: PairRow };

/**
 * Opens the pair, or refreshes an open pair's score, band and reasons. A dismissed or merged pair
 * is kept as it is: a human's "different people" is never overridden by a machine.
 * Two workers finding the same pair at once both come through (the loser of the insert updates).
 */
export async function openOrRefreshPair(tx: Executor, tenantId: string, f: FoundPair, source: PairSource, at: Date): Promise<PairOutcome> {
  const reasons = JSON.stringify(f.reasons);
  const inserted = await tx.query<PairRow>(
    `INSERT INTO duplicate_pairs (tenant_id, id, contact_a, contact_b, score, band, reasons, status, source, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $9)
     ON CONFLICT (tenant_id, contact_a, contact_b) DO NOTHING RETURNING *`,
    [tenantId, ulid(at.getTime()), f.a, f.b, f.score, f.band, reasons, source, at],
  );
  if (inserted.rows[0]) return { kind: 'opened', row: inserted.rows[0] };
  const existing = (await tx.query<PairRow>('SELECT * FROM duplicate_pairs WHERE tenant_id = $1 AND contact_a = $2 AND contact_b = $3 FOR UPDATE', [tenantId, f.a, f.b])).rows[0]!;
  if (existing.status !== 'open') return { kind: 'kept', row: existing };
  // Compared as jsonb (stored keys are reordered): an unchanged result writes nothing.
  const res = await tx.query<PairRow>(
    `UPDATE duplicate_pairs SET score = $3, band = $4, reasons = $5::jsonb, updated_at = $6, version = version + 1
      WHERE tenant_id = $1 AND id = $2 AND (score <> $3 OR band <> $4 OR reasons <> $5::jsonb) RETURNING *`,
    [tenantId, existing.id, f.score, f.band, reasons, at],
  );
  return res.rows[0] ? { kind: 'refreshed', row: res.rows[0] } : { kind: 'unchanged', row: existing };
}
