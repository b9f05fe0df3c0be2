import { AppError } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';

// A merged contact (CONTRACT §8.2) keeps answering readers — GET by its id gives the survivor —
// while every write naming it is a 409 `merged`, so a client holding an old id learns where the
// data went instead of silently writing to a contact nobody sees.

export function mergedError(id: string, survivorId: string): AppError {
  return new AppError('merged', `Contact ${id} was merged into ${survivorId}; write to the survivor instead.`, { extra: { merged_into: survivorId } });
}

/** The contact a merged contact was merged into, or null when the id is not a merged contact. */
export async function mergedInto(db: Executor, tenantId: string, id: string): Promise<string | null> {
  const res = await db.query<{ merged_into: string | null }>('SELECT merged_into FROM contacts WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return res.rows[0]?.merged_into ?? null;
}

/** Throws 409 `merged` when the id names a merged contact (for writes that found no live contact). */
export async function refuseMerged(db: Executor, tenantId: string, id: string): Promise<void> {
  const into = await mergedInto(db, tenantId, id);
  if (into) throw mergedError(id, into);
}

/**
 * The live contact a merged id's data now lives in: follows merged_into through later merges (a
 * survivor may itself have been merged since). Null when the id is not merged or the chain ends
 * in a deleted contact.
 */
export async function finalSurvivor(db: Executor, tenantId: string, id: string): Promise<string | null> {
  const res = await db.query<{ id: string }>(
    `WITH RECURSIVE chain(id, merged_into, is_deleted, depth) AS (
       SELECT id, merged_into, is_deleted, 0 FROM contacts WHERE tenant_id = $1 AND id = $2 AND merged_into IS NOT NULL
       UNION ALL
       SELECT c.id, c.merged_into, c.is_deleted, chain.depth + 1 FROM chain
         JOIN contacts c ON c.tenant_id = $1 AND c.id = chain.merged_into WHERE chain.depth < 100)
     SELECT id FROM chain WHERE merged_into IS NULL AND NOT is_deleted`,
    [tenantId, id],
  );
  return res.rows[0]?.id ?? null;
}
