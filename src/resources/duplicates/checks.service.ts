import type { Database } from '../../db/index.js';
import { systemActor } from '../../changes/index.js';
import { matchContact, persistPairs } from './duplicates.service.js';

// Pairs from writes (CONTRACT §8.1): the change seam queued a check of the written contact in the
// write's transaction (duplicate_checks, migration 0032); here a worker claims due checks across
// tenants with a lease, matches each contact in its tenant, opens or refreshes its pairs, and
// then deletes the check — unless a newer write queued the contact again meanwhile (its
// generation moved), in which case the check is released for another pass. A worker that dies
// mid-check loses nothing: its lease runs out and another worker takes the check.

export interface CheckSettings {
  owner: string;
  leaseMs: number;
  /** Attempts before a check that keeps failing is left alone (it stays in the table). */
  maxAttempts: number;
}

interface Claimed {
  tenant_id: string;
  contact_id: string;
  generation: number;
}

export async function claimDuplicateChecks(db: Database, s: CheckSettings, limit: number): Promise<Claimed[]> {
  const res = await db.query<Claimed>('SELECT tenant_id, contact_id, generation FROM claim_duplicate_checks($1, $2, $3, $4)', [s.owner, limit, s.leaseMs, s.maxAttempts]);
  return res.rows;
}

/** Runs one claimed check. Pairs are written in one transaction, the check's end in another, so
 * a write queueing the same contact never waits for the matching. */
export async function runDuplicateCheck(db: Database, c: Claimed, s: CheckSettings): Promise<number> {
  const tenantDb = db.forTenant(c.tenant_id);
  const actor = systemActor(c.tenant_id, 'system', 'duplicate-check');
  // Matching reads outside a transaction: the candidate query is a lone read with a generic plan
  // (findCandidates). A contact deleted meanwhile leaves a pair that is hidden like its others.
  const found = await matchContact(tenantDb, c.tenant_id, c.contact_id);
  const opened = !found?.length
    ? 0
    : await tenantDb.transaction(async (tx) => (await persistPairs(tx, actor, found, 'write')).filter((o) => o.kind === 'opened').length);
  await tenantDb.transaction(async (tx) => {
    const done = await tx.query('DELETE FROM duplicate_checks WHERE tenant_id = $1 AND contact_id = $2 AND generation = $3 AND lease_owner = $4', [c.tenant_id, c.contact_id, c.generation, s.owner]);
    if (done.rowCount === 0) {
      await tx.query('UPDATE duplicate_checks SET lease_owner = NULL, lease_until = NULL WHERE tenant_id = $1 AND contact_id = $2 AND lease_owner = $3', [c.tenant_id, c.contact_id, s.owner]);
    }
  });
  return opened;
}

/**
 * Claims and runs up to `limit` due checks, `parallel` at a time (a bulk import queues one per
 * row: several connections keep up with it on PostgreSQL; PGlite has one). Returns how many it
 * ran. Failures are reported, not thrown: the lease runs out and the check is retried.
 */
export async function processDuplicateChecks(db: Database, s: CheckSettings, limit: number, onError?: (err: unknown, c: Claimed) => void, parallel = 1): Promise<number> {
  const claimed = await claimDuplicateChecks(db, s, limit);
  let next = 0;
  const lane = async () => {
    while (next < claimed.length) {
      const c = claimed[next++]!;
      await runDuplicateCheck(db, c, s).catch((err: unknown) => onError?.(err, c));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, claimed.length)) }, lane));
  return claimed.length;
}
