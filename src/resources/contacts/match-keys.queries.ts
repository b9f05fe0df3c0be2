import type { Executor } from '../../db/index.js';
import type { MatchKey } from '../../dedupe/identifiers.js';
import { matchKeyArrays } from './derived.js';
import { type PropRow, type PropUpsert, propsUpsertSql } from './props.queries.js';
import { CONTACT_INSERT_COLUMNS, CONTACT_INSERT_VALUES, RESERVE_REF_CTE, type ContactInsert } from './contacts.queries.js';

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

/** The earliest live contact of tenant $t other than $self holding one of the PANs $pans. */
const holderSelect = (t: string, pans: string, self: string) => `SELECT mk.contact_id, mk.value AS pan FROM contact_match_keys mk
       JOIN contacts c ON c.tenant_id = mk.tenant_id AND c.id = mk.contact_id AND NOT c.is_deleted
      WHERE mk.tenant_id = ${t} AND mk.kind = 'pan' AND mk.value = ANY(${pans}) AND mk.contact_id <> ${self}
      ORDER BY c.created_at, c.id LIMIT 1`;
const HOLDER_SELECT = holderSelect('$1', '$2', '$3');

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

// $1–$16 are the contact's (contacts.queries CONTACT_INSERT_VALUES: $2 its id, $12 its name key,
// $14 the time, $15 the user); then the PANs, the props' arrays and the match keys' arrays.
const contactWithPropsSql = (reserveRefId: boolean, checked: boolean) => `WITH ${reserveRefId ? `${RESERVE_REF_CTE},` : ''}
     ins AS (${CONTACT_INSERT_COLUMNS} SELECT ${CONTACT_INSERT_VALUES}${reserveRefId ? ' FROM ref WHERE ref.contact_id = $2' : ''} RETURNING id),
     inserted_keys AS (
       INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via, name_key)
       SELECT $1, ins.id, k.kind, k.value, k.prop_key, k.via, $12 FROM ins, unnest($22::text[], $23::text[], $24::text[], $25::text[]) AS k(kind, value, prop_key, via)
       ON CONFLICT DO NOTHING),
     inserted_props AS (${propsUpsertSql({ tenant: '$1', contact: '$2', at: '$14', user: '$15', ids: '$18', keys: '$19', values: '$20', types: '$21', onlyWith: 'ins' })}),
     holder AS (${holderSelect('$1', '$17::text[]', '$2')})
     ${checked
       ? 'SELECT contact_create_check((SELECT count(*) FROM ins), (SELECT contact_id FROM holder))'
       : `SELECT (SELECT count(*) FROM ins)::int AS __inserted, h.contact_id AS __holder_id, h.pan AS __holder_pan, p.*
       FROM (SELECT 1) one LEFT JOIN inserted_props p ON true LEFT JOIN holder h ON true`}`;
// Built once: a prepared statement is looked up by its text on every call.
const CONTACT_WITH_PROPS_SQL = [contactWithPropsSql(false, false), contactWithPropsSql(true, false)] as const;
const CONTACT_WITH_PROPS_CHECKED_SQL = [contactWithPropsSql(false, true), contactWithPropsSql(true, true)] as const;

const contactWithPropsParams = (c: ContactInsert, props: readonly PropUpsert[], ids: readonly string[], keys: readonly MatchKey[], pans: readonly string[]) => [
  c.tenant_id, c.id, c.namespace_id, c.name, c.status, c.type, c.ref_id, c.tags, JSON.stringify(c.refs), c.rm_id, c.branch_id,
  c.name_key, c.name_phonetic, c.at, c.user_id, c.match_props,
  pans, ids, props.map((p) => p.key), props.map((p) => p.value), props.map((p) => p.type), ...matchKeyArrays(keys),
];

/** The SQLSTATEs contact_create_check raises (migration 0039). */
export const DUPLICATE_PAN_STATE = 'CR001';
export const REF_ID_TAKEN_STATE = 'CR002';

/**
 * insertContactWithProps whose outcome nobody reads: sent with the transaction's next statement or
 * its COMMIT (Executor.defer), one round trip fewer. What the caller would have stopped on fails
 * the statement instead, and with it the transaction (migration 0039): a live holder of one of
 * the PANs (DUPLICATE_PAN_STATE, its id the error's detail), or a ref id held by another contact
 * (REF_ID_TAKEN_STATE, nothing written). Only for a caller that blocks duplicates and can run the
 * create again after REF_ID_TAKEN_STATE; the written props are the caller's to build.
 */
export async function insertContactWithPropsChecked(
  tx: Executor,
  c: ContactInsert,
  reserveRefId: boolean,
  props: readonly PropUpsert[],
  ids: readonly string[],
  keys: readonly MatchKey[],
  pans: readonly string[],
): Promise<void> {
  const sql = CONTACT_WITH_PROPS_CHECKED_SQL[reserveRefId ? 1 : 0];
  const params = contactWithPropsParams(c, props, ids, keys, pans);
  if (tx.defer) tx.defer(sql, params, { prepare: true });
  else await tx.query(sql, params, { prepare: true });
}

/**
 * A new contact (its ref id reserved first with `reserveRefId`, see contacts.queries insertContact),
 * its props, its match keys and the live contact other than it holding one of `pans`, in one
 * statement. The caller holds the PANs' advisory locks already (taken by the statement before,
 * namespaces.queries findNamespaceTakingCounter), so this statement's snapshot, taken after they
 * were granted, sees every holder that committed before. `inserted` false: another contact holds
 * the ref id and nothing was written.
 */
export async function insertContactWithProps(
  tx: Executor,
  c: ContactInsert,
  reserveRefId: boolean,
  props: readonly PropUpsert[],
  ids: readonly string[],
  keys: readonly MatchKey[],
  pans: readonly string[],
): Promise<{ inserted: boolean; props: PropRow[]; holder: { contact_id: string; pan: string } | undefined }> {
  type Row = PropRow & { __inserted: number; __holder_id: string | null; __holder_pan: string | null };
  const res = await tx.query<Row>(
    CONTACT_WITH_PROPS_SQL[reserveRefId ? 1 : 0],
    contactWithPropsParams(c, props, ids, keys, pans),
    { prepare: true },
  );
  const first = res.rows[0]!;
  const holder = first.__holder_id ? { contact_id: first.__holder_id, pan: first.__holder_pan! } : undefined;
  return {
    inserted: first.__inserted === 1,
    props: res.rows.filter((r) => r.id !== null).map(({ __inserted: _i, __holder_id: _h, __holder_pan: _p, ...prop }) => prop),
    holder,
  };
}
