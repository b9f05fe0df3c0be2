import type { Executor } from '../../db/index.js';
import type { MatchKey } from '../../dedupe/identifiers.js';
import { matchKeyArrays } from './derived.js';
import { type PropRow, type PropUpsert, propsUpsertSql } from './props.queries.js';

/**
 * Serializes writers of the same PAN within a tenant until commit, so two concurrent creates with
 * one PAN cannot both pass the duplicate check. Locks are taken in sorted order (no deadlocks).
 */
export async function lockPans(tx: Executor, tenantId: string, pans: readonly string[]): Promise<void> {
  for (const key of panLockKeys(tenantId, pans)) {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key], { prepare: true });
  }
}

/** The advisory-lock keys of lockPans, in the order they must be taken. */
export function panLockKeys(tenantId: string, pans: readonly string[]): string[] {
  return [...new Set(pans)].sort().map((pan) => `${tenantId}:pan:${pan}`);
}

/**
 * lockPans for many PANs (an import batch's) in one statement. The keys are taken in the order
 * given (panLockKeys: sorted). Nothing reads its result: on PostgreSQL it travels with the
 * transaction's next statement, whose snapshot is taken after the locks were granted.
 */
export async function lockPanKeys(tx: Executor, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const sql = 'SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k';
  if (tx.defer) tx.defer(sql, [keys], { prepare: true });
  else await tx.query(sql, [keys], { prepare: true });
}

/**
 * For each of `pans`, the live contact holding it that findPanHolder would name (the oldest by
 * created_at, then id), with its created_at: one statement for a whole import batch.
 */
export async function findPanHolders(tx: Executor, tenantId: string, pans: readonly string[]): Promise<Map<string, { contact_id: string; created_at: Date }>> {
  const out = new Map<string, { contact_id: string; created_at: Date }>();
  if (pans.length === 0) return out;
  const res = await tx.query<{ pan: string; contact_id: string; created_at: Date }>(
    `SELECT DISTINCT ON (mk.value) mk.value AS pan, mk.contact_id, c.created_at FROM contact_match_keys mk
       JOIN contacts c ON c.tenant_id = mk.tenant_id AND c.id = mk.contact_id AND NOT c.is_deleted
      WHERE mk.tenant_id = $1 AND mk.kind = 'pan' AND mk.value = ANY($2)
      ORDER BY mk.value, c.created_at, c.id`,
    [tenantId, pans],
    { prepare: true },
  );
  for (const r of res.rows) out.set(r.pan, { contact_id: r.contact_id, created_at: r.created_at });
  return out;
}

const HOLDER_SELECT = `SELECT mk.contact_id, mk.value AS pan FROM contact_match_keys mk
       JOIN contacts c ON c.tenant_id = mk.tenant_id AND c.id = mk.contact_id AND NOT c.is_deleted
      WHERE mk.tenant_id = $1 AND mk.kind = 'pan' AND mk.value = ANY($2) AND mk.contact_id <> $3
      ORDER BY c.created_at, c.id LIMIT 1`;

// Built once: a prepared statement is looked up by its text on every call (a create runs it).
const INSERT_PROPS_AND_MATCH_KEYS_SQL = `WITH inserted_keys AS (
       INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via, name_key)
       SELECT $1, $3, k.kind, k.value, k.prop_key, k.via, $14 FROM unnest($10::text[], $11::text[], $12::text[], $13::text[]) AS k(kind, value, prop_key, via)
       ON CONFLICT DO NOTHING),
     inserted_props AS (${propsUpsertSql({ tenant: '$1', contact: '$3', at: '$4', user: '$5', ids: '$6', keys: '$7', values: '$8', types: '$9' })}),
     holder AS (${HOLDER_SELECT})
     SELECT p.*, h.contact_id AS holder_id, h.pan AS holder_pan FROM inserted_props p LEFT JOIN holder h ON true`;

/**
 * A new contact's props, its match keys (derived.ts decides them) and the live contact other than it holding one of `pans`,
 * in one statement: duplicate blocking adds no round trip to a create whose PANs were locked by
 * the contact insert (see insertContact). The holder part's snapshot is taken after those locks
 * were granted, so it sees every holder that committed before; the rows this statement inserts are
 * not visible to it, and need not be. Each prop row carries the holder (null when there is none).
 */
export async function insertPropsAndMatchKeys(
  tx: Executor,
  tenantId: string,
  contactId: string,
  props: readonly PropUpsert[],
  ids: readonly string[],
  userId: string,
  at: Date,
  keys: readonly MatchKey[],
  nameKey: string,
  pans: readonly string[],
): Promise<{ props: PropRow[]; holder: { contact_id: string; pan: string } | undefined }> {
  const res = await tx.query<PropRow & { holder_id: string | null; holder_pan: string | null }>(
    INSERT_PROPS_AND_MATCH_KEYS_SQL,
    [tenantId, pans, contactId, at, userId, ids, props.map((p) => p.key), props.map((p) => p.value), props.map((p) => p.type),
     ...matchKeyArrays(keys), nameKey],
    { prepare: true },
  );
  const first = res.rows[0];
  const holder = first?.holder_id ? { contact_id: first.holder_id, pan: first.holder_pan! } : undefined;
  return { props: res.rows.map(({ holder_id: _id, holder_pan: _pan, ...prop }) => prop), holder };
}

/** A live contact other than `excludeId` holding one of the PANs (own or via GSTIN), if any. */
export async function findPanHolder(
  tx: Executor,
  tenantId: string,
  pans: readonly string[],
  excludeId: string,
): Promise<{ contact_id: string; pan: string } | undefined> {
  if (pans.length === 0) return undefined;
  const res = await tx.query<{ contact_id: string; pan: string }>(HOLDER_SELECT, [tenantId, pans, excludeId], { prepare: true });
  return res.rows[0];
}
