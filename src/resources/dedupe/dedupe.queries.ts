import type { Engine, Executor } from '../../db/index.js';
import type { MatchKey } from '../../dedupe/identifiers.js';

/** How many contacts each blocking pass may contribute; scoring happens in code on the union. */
export const NAME_CANDIDATES = 100;
/** Trigram similarity (pg_trgm) a name key needs to be a candidate at all. */
export const TRIGRAM_THRESHOLD = 0.5;

export interface CandidateQuery {
  keys: readonly MatchKey[];
  nameKey: string;
  phonetic: string;
}

/**
 * Candidate contact ids by blocking, never by scanning the tenant: (1) any shared normalized
 * identifier, (2) the same phonetic name key, (3) trigram-similar name keys (GIN index). Must run
 * in a transaction: the trigram threshold is set for it only.
 *
 * PGlite 0.5's pg_trgm hangs its backend on the `%` operator (similarity() and `<->` work), so on
 * the embedded engine the same condition is written as similarity() >= threshold — unindexed,
 * which is acceptable at embedded (development) scale.
 */
export async function findCandidateIds(tx: Executor, engine: Engine, tenantId: string, q: CandidateQuery): Promise<string[]> {
  let trigramMatch = `similarity(c.name_key, $5) >= ${TRIGRAM_THRESHOLD}`;
  if (engine === 'postgres') {
    await tx.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, true)`, [String(TRIGRAM_THRESHOLD)]);
    trigramMatch = 'c.name_key % $5';
  }
  const res = await tx.query<{ id: string }>(
    `SELECT mk.contact_id AS id FROM contact_match_keys mk
       JOIN unnest($2::text[], $3::text[]) AS k(kind, value) ON mk.kind = k.kind AND mk.value = k.value
      WHERE mk.tenant_id = $1
     UNION
     (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND NOT c.is_deleted AND $4 <> '' AND c.name_phonetic = $4 LIMIT ${NAME_CANDIDATES})
     UNION
     (SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND NOT c.is_deleted AND $5 <> '' AND ${trigramMatch}
       ORDER BY similarity(c.name_key, $5) DESC LIMIT ${NAME_CANDIDATES})`,
    [tenantId, q.keys.map((k) => k.kind), q.keys.map((k) => k.value), q.phonetic, q.nameKey],
  );
  return res.rows.map((r) => r.id);
}

/** Pincodes of the live addresses of each contact, in one query. */
export async function pincodesOf(db: Executor, tenantId: string, contactIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (contactIds.length === 0) return out;
  const res = await db.query<{ contact_id: string; pincode: string }>(
    `SELECT contact_id, pincode FROM contact_addresses WHERE tenant_id = $1 AND contact_id = ANY($2) AND NOT is_deleted AND pincode IS NOT NULL`,
    [tenantId, contactIds],
  );
  for (const r of res.rows) out.set(r.contact_id, [...(out.get(r.contact_id) ?? []), r.pincode]);
  return out;
}
