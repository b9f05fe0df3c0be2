import type { Executor } from '../../db/index.js';
import { Params, pagedQuery, type Ordering, orderBySql } from '../../db/index.js';
import type { AddressRow } from '../addresses/addresses.queries.js';
import type { BankRow } from '../banks/banks.queries.js';
import type { RelationRow } from '../relations/relations.queries.js';
import type { MergePlan, Decision } from './merge.plan.js';
import type { PairSnapshot } from '../duplicates/merge-pairs.js';

// SQL of merge and undo. Rows are snapshotted with to_jsonb (every column, as stored) and restored
// with jsonb_populate_recordset over the same table type, so undo writes back exactly what was read.

/** Locks the contacts in id order: two merges sharing a contact queue behind each other, never deadlock. */
export async function lockContactsInOrder(tx: Executor, tenantId: string, ids: readonly string[]): Promise<void> {
  await tx.query('SELECT id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE', [tenantId, ids]);
}

/** Every row of these tables the merge may change, typed and as a snapshot. */
export interface SubresourceState {
  addresses: (AddressRow & { snap: unknown })[];
  banks: (BankRow & { snap: unknown })[];
  relations: (RelationRow & { snap: unknown })[];
}

export async function loadSubresources(tx: Executor, tenantId: string, survivorId: string, victimIds: readonly string[]): Promise<SubresourceState> {
  const all = [survivorId, ...victimIds];
  const [addresses, banks, relations] = [
    await tx.query<AddressRow & { snap: unknown }>(
      `SELECT to_jsonb(a) AS snap, a.* FROM contact_addresses a WHERE a.tenant_id = $1 AND a.contact_id = ANY($2::text[]) AND NOT a.is_deleted ORDER BY a.created_at, a.id FOR UPDATE`,
      [tenantId, victimIds],
    ),
    await tx.query<BankRow & { snap: unknown }>(
      `SELECT to_jsonb(b) AS snap, b.* FROM contact_banks b WHERE b.tenant_id = $1 AND b.contact_id = ANY($2::text[]) AND NOT b.is_deleted ORDER BY b.created_at, b.id FOR UPDATE`,
      [tenantId, all],
    ),
    await tx.query<RelationRow & { snap: unknown }>(
      `SELECT to_jsonb(r) AS snap, r.* FROM contact_relations r
        WHERE r.tenant_id = $1 AND (r.contact_id = ANY($2::text[]) OR r.related_contact_id = ANY($2::text[])) AND NOT r.is_deleted
        ORDER BY r.id FOR UPDATE`,
      [tenantId, all],
    ),
  ];
  return { addresses: addresses.rows, banks: banks.rows, relations: relations.rows };
}

/** The contacts' rows and props exactly as stored. */
export async function snapshotContacts(tx: Executor, tenantId: string, ids: readonly string[]): Promise<{ contacts: unknown[]; props: unknown[] }> {
  const c = await tx.query<{ snap: unknown }>('SELECT to_jsonb(c) AS snap FROM contacts c WHERE c.tenant_id = $1 AND c.id = ANY($2::text[]) ORDER BY c.id', [tenantId, ids]);
  const p = await tx.query<{ snap: unknown }>('SELECT to_jsonb(p) AS snap FROM contact_props p WHERE p.tenant_id = $1 AND p.contact_id = ANY($2::text[]) ORDER BY p.id', [tenantId, ids]);
  return { contacts: c.rows.map((r) => r.snap), props: p.rows.map((r) => r.snap) };
}

const STAMP = 'updated_at = $3, updated_by = $4, version = version + 1';

/** Applies the sub-resource part of a plan; returns the rows as they are afterwards. */
export async function applySubresources(
  tx: Executor,
  tenantId: string,
  survivorId: string,
  plan: MergePlan,
  userId: string,
  at: Date,
): Promise<{ addresses: AddressRow[]; banks: BankRow[]; relations: RelationRow[] }> {
  const base = [tenantId, survivorId, at, userId];
  // Props: the losers go first, so a moved winner never meets the survivor's row of its key.
  if (plan.props.remove.length) await tx.query('DELETE FROM contact_props WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, plan.props.remove]);
  if (plan.props.move.length) await tx.query('UPDATE contact_props SET contact_id = $2 WHERE tenant_id = $1 AND id = ANY($3::text[])', [tenantId, survivorId, plan.props.move]);
  const banks: BankRow[] = [];
  if (plan.banks.collapse.length) {
    banks.push(...(await tx.query<BankRow>(`UPDATE contact_banks SET is_deleted = true, deleted_at = $3, ${STAMP} WHERE tenant_id = $1 AND id = ANY($5::text[]) AND $2::text IS NOT NULL RETURNING *`, [...base, plan.banks.collapse])).rows);
  }
  if (plan.banks.move.length) {
    banks.push(
      ...(
        await tx.query<BankRow>(
          `UPDATE contact_banks SET contact_id = $2, is_primary = is_primary AND NOT (id = ANY($6::text[])), ${STAMP}
            WHERE tenant_id = $1 AND id = ANY($5::text[]) RETURNING *`,
          [...base, plan.banks.move, plan.banks.primaryOff],
        )
      ).rows,
    );
  }
  if (plan.banks.primaryOn.length) {
    banks.push(...(await tx.query<BankRow>(`UPDATE contact_banks SET is_primary = true, ${STAMP} WHERE tenant_id = $1 AND id = ANY($5::text[]) AND $2::text IS NOT NULL RETURNING *`, [...base, plan.banks.primaryOn])).rows);
  }
  const addresses = plan.addresses.move.length
    ? (await tx.query<AddressRow>(`UPDATE contact_addresses SET contact_id = $2, ${STAMP} WHERE tenant_id = $1 AND id = ANY($5::text[]) RETURNING *`, [...base, plan.addresses.move])).rows
    : [];
  const relations: RelationRow[] = [];
  const gone = [...plan.relations.drop, ...plan.relations.collapse];
  // Dropped and collapsed rows first: a moved relation takes a key only once its twin is gone.
  if (gone.length) {
    relations.push(...(await tx.query<RelationRow>(`UPDATE contact_relations SET is_deleted = true, deleted_at = $3, ${STAMP} WHERE tenant_id = $1 AND id = ANY($5::text[]) AND $2::text IS NOT NULL RETURNING *`, [...base, gone])).rows);
  }
  if (plan.relations.move.length) {
    relations.push(
      ...(
        await tx.query<RelationRow>(
          `UPDATE contact_relations r SET contact_id = m.contact_id, related_contact_id = m.related_contact_id, updated_at = $3, updated_by = $4, version = r.version + 1
             FROM jsonb_to_recordset($5::jsonb) AS m(id text, contact_id text, related_contact_id text)
            WHERE r.tenant_id = $1 AND r.id = m.id AND $2::text IS NOT NULL RETURNING r.*`,
          [...base, JSON.stringify(plan.relations.move)],
        )
      ).rows,
    );
  }
  return { addresses, banks, relations };
}

/** The victims become merged: stored deleted, pointing at the survivor. */
export async function markMerged(tx: Executor, tenantId: string, survivorId: string, victimIds: readonly string[], userId: string, at: Date): Promise<void> {
  await tx.query(
    `UPDATE contacts SET is_deleted = true, deleted_at = $3, merged_into = $2, merged_at = $3, ${STAMP} WHERE tenant_id = $1 AND id = ANY($5::text[])`,
    [tenantId, survivorId, at, userId, victimIds],
  );
}

export interface SurvivorFields {
  name: string;
  status: string;
  rm_id: string | null;
  branch_id: string | null;
  namespace_id: string;
  tags: string[];
  refs: Record<string, unknown>;
  merged_ids: string[];
  name_key: string;
  name_phonetic: string;
}

export async function updateSurvivor(tx: Executor, tenantId: string, id: string, f: SurvivorFields, userId: string, at: Date): Promise<void> {
  await tx.query(
    `UPDATE contacts SET name = $5, status = $6, rm_id = $7, branch_id = $8, namespace_id = $9, tags = $10, refs = $11, merged_ids = $12,
            name_key = $13, name_phonetic = $14, ${STAMP}
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, at, userId, f.name, f.status, f.rm_id, f.branch_id, f.namespace_id, f.tags, JSON.stringify(f.refs), f.merged_ids, f.name_key, f.name_phonetic],
  );
}

/** What a merge record keeps for undo: the rows as they were, and the versions the merge left. */
export interface MergeSnapshot {
  contacts: unknown[];
  props: unknown[];
  addresses: unknown[];
  banks: unknown[];
  relations: unknown[];
  /** Duplicate pairs the merge changed (records from before the review queue have none). */
  pairs?: PairSnapshot[];
}
export type VersionMap = Record<'contact' | 'address' | 'bank' | 'relation', Record<string, number>>;

export interface MergeRow {
  tenant_id: string;
  id: string;
  survivor_id: string;
  merged_ids: string[];
  contact_ids: string[];
  comment: string;
  decisions: Decision[];
  moved: { addresses: string[]; banks: string[]; relations: string[]; props: string[] };
  collapsed: { banks: string[]; relations: string[] };
  snapshot: MergeSnapshot;
  after_versions: VersionMap;
  created_at: Date;
  created_by: string;
  undone_at: Date | null;
  undone_by: string | null;
  undo_comment: string | null;
}

export async function insertMerge(tx: Executor, m: Omit<MergeRow, 'undone_at' | 'undone_by' | 'undo_comment'>): Promise<void> {
  await tx.query(
    `INSERT INTO merges (tenant_id, id, survivor_id, merged_ids, contact_ids, comment, decisions, moved, collapsed, snapshot, after_versions, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      m.tenant_id, m.id, m.survivor_id, m.merged_ids, m.contact_ids, m.comment, JSON.stringify(m.decisions), JSON.stringify(m.moved),
      JSON.stringify(m.collapsed), JSON.stringify(m.snapshot), JSON.stringify(m.after_versions), m.created_at, m.created_by,
    ],
  );
}

/** Current versions of the objects a merge left at known versions (missing rows are absent). */
export async function currentVersions(tx: Executor, tenantId: string, v: VersionMap): Promise<VersionMap> {
  const read = async (table: string, ids: string[]) => {
    if (ids.length === 0) return {};
    const res = await tx.query<{ id: string; version: number }>(`SELECT id, version FROM ${table} WHERE tenant_id = $1 AND id = ANY($2::text[])`, [tenantId, ids]);
    return Object.fromEntries(res.rows.map((r) => [r.id, r.version]));
  };
  return {
    contact: await read('contacts', Object.keys(v.contact)),
    address: await read('contact_addresses', Object.keys(v.address)),
    bank: await read('contact_banks', Object.keys(v.bank)),
    relation: await read('contact_relations', Object.keys(v.relation)),
  };
}

/** Writes the snapshot back: every row exactly as it was before the merge, with a new version. */
export async function restoreSnapshot(tx: Executor, tenantId: string, s: MergeSnapshot, contactIds: readonly string[]): Promise<void> {
  await tx.query(
    `UPDATE contacts c SET namespace_id = s.namespace_id, name = s.name, status = s.status, type = s.type, ref_id = s.ref_id, tags = s.tags,
            refs = s.refs, rm_id = s.rm_id, branch_id = s.branch_id, approval_status = s.approval_status, approval_comment = s.approval_comment,
            approval_by = s.approval_by, approval_at = s.approval_at, is_deleted = s.is_deleted, deleted_at = s.deleted_at,
            created_at = s.created_at, created_by = s.created_by, updated_at = s.updated_at, updated_by = s.updated_by,
            merged_into = s.merged_into, merged_at = s.merged_at, merged_ids = s.merged_ids, version = c.version + 1
       FROM jsonb_populate_recordset(NULL::contacts, $2::jsonb) s WHERE c.tenant_id = $1 AND c.id = s.id`,
    [tenantId, JSON.stringify(s.contacts)],
  );
  await tx.query('DELETE FROM contact_props WHERE tenant_id = $1 AND contact_id = ANY($2::text[])', [tenantId, contactIds]);
  if (s.props.length) {
    await tx.query(
      `INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at, updated_by)
       SELECT $1, s.id, s.contact_id, s.key, s.value, s.type, s.created_at, s.created_by, s.updated_at, s.updated_by
         FROM jsonb_populate_recordset(NULL::contact_props, $2::jsonb) s`,
      [tenantId, JSON.stringify(s.props)],
    );
  }
  const restore = (table: string, cols: string[], rows: unknown[]) =>
    rows.length === 0
      ? Promise.resolve()
      : tx.query(
          `UPDATE ${table} t SET ${cols.map((c) => `${c} = s.${c}`).join(', ')}, version = t.version + 1
             FROM jsonb_populate_recordset(NULL::${table}, $2::jsonb) s WHERE t.tenant_id = $1 AND t.id = s.id`,
          [tenantId, JSON.stringify(rows)],
        );
  const common = ['contact_id', 'is_deleted', 'deleted_at', 'updated_at', 'updated_by'];
  await restore('contact_banks', [...common, 'is_primary'], s.banks);
  await restore('contact_addresses', common, s.addresses);
  await restore('contact_relations', [...common, 'related_contact_id'], s.relations);
}

export async function markUndone(tx: Executor, tenantId: string, id: string, userId: string, at: Date, comment: string): Promise<MergeRow> {
  const res = await tx.query<MergeRow>(
    'UPDATE merges SET undone_at = $3, undone_by = $4, undo_comment = $5 WHERE tenant_id = $1 AND id = $2 RETURNING *',
    [tenantId, id, at, userId, comment],
  );
  return res.rows[0]!;
}

export async function findMerge(db: Executor, tenantId: string, id: string, opts: { lock?: boolean } = {}): Promise<MergeRow | undefined> {
  const res = await db.query<MergeRow>(`SELECT * FROM merges WHERE tenant_id = $1 AND id = $2${opts.lock ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return res.rows[0];
}

/** A merge made after `mergeId`, not undone, that took one of these contacts. */
export async function laterMerge(tx: Executor, tenantId: string, mergeId: string, contactIds: readonly string[]): Promise<string | undefined> {
  const res = await tx.query<{ id: string }>(
    'SELECT id FROM merges WHERE tenant_id = $1 AND contact_ids && $2::text[] AND id > $3 AND undone_at IS NULL ORDER BY id LIMIT 1',
    [tenantId, contactIds, mergeId],
  );
  return res.rows[0]?.id;
}

/** Merges before `mergeId`, not undone, that took one of these contacts (oldest first). */
export async function earlierMerges(tx: Executor, tenantId: string, mergeId: string, contactIds: readonly string[]): Promise<Pick<MergeRow, 'id' | 'after_versions'>[]> {
  const res = await tx.query<Pick<MergeRow, 'id' | 'after_versions'>>(
    'SELECT id, after_versions FROM merges WHERE tenant_id = $1 AND contact_ids && $2::text[] AND id < $3 AND undone_at IS NULL ORDER BY id FOR UPDATE',
    [tenantId, contactIds, mergeId],
  );
  return res.rows;
}

export async function saveAfterVersions(tx: Executor, tenantId: string, mergeId: string, v: VersionMap): Promise<void> {
  await tx.query('UPDATE merges SET after_versions = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, mergeId, JSON.stringify(v)]);
}

const PUBLIC_COLUMNS = 'm.tenant_id, m.id, m.survivor_id, m.merged_ids, m.contact_ids, m.comment, m.decisions, m.moved, m.collapsed, m.created_at, m.created_by, m.undone_at, m.undone_by, m.undo_comment';

const MERGE_ORDER_COLUMNS = { created_at: 'm.created_at' };
export const MERGE_ORDERINGS = Object.keys(MERGE_ORDER_COLUMNS) as (keyof typeof MERGE_ORDER_COLUMNS)[];

export async function listMerges(
  db: Executor,
  tenantId: string,
  f: { contact?: string; after: Date | null; before: Date | null },
  ordering: Ordering<keyof typeof MERGE_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: MergeRow[]; count: number }> {
  const p = new Params();
  const where = [`m.tenant_id = ${p.add(tenantId)}`];
  if (f.contact) where.push(`m.contact_ids @> ARRAY[${p.add(f.contact)}::text]`);
  if (f.after) where.push(`m.created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`m.created_at <= ${p.add(f.before)}`);
  return pagedQuery<MergeRow>(db, { select: PUBLIC_COLUMNS, from: 'merges m', where: where.join(' AND '), orderBy: orderBySql(ordering, MERGE_ORDER_COLUMNS, 'm') }, p, limit, offset);
}
