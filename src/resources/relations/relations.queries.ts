import type { Executor } from '../../db/index.js';
import { Params, pagedQuery, registerConstraints, orderBySql, type Ordering } from '../../db/index.js';
import { iso, setList } from '../common/subresource.js';
import type { Relation } from './relations.schema.js';

const RELATION_ORDER_COLUMNS = { created_at: 'r.created_at', updated_at: 'r.updated_at' };
/** The fields a relation list may be ordered by. */
export const RELATION_ORDERINGS = Object.keys(RELATION_ORDER_COLUMNS) as (keyof typeof RELATION_ORDER_COLUMNS)[];

export interface RelationRow {
  tenant_id: string;
  id: string;
  contact_id: string;
  related_contact_id: string | null;
  type: string;
  tags: string[];
  refs: Record<string, unknown>;
  is_deleted: boolean;
  deleted_at: Date | null;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = `r.tenant_id, r.id, r.contact_id, r.related_contact_id, r.type, r.tags, r.refs,
  r.is_deleted, r.deleted_at, r.version, r.created_at, r.created_by, r.updated_at, r.updated_by`;

registerConstraints({
  contact_relations_live_key: { field: 'related_contact', message: 'This relation (contact, type, related_contact) already exists.' },
});

// A relation is visible while it is live and both of its contacts are live. Deleting either
// contact hides the relation without touching it; restoring the contact brings it back.
const FROM = `FROM contact_relations r
  JOIN contacts c ON c.tenant_id = r.tenant_id AND c.id = r.contact_id AND NOT c.is_deleted`;
const VISIBLE = `NOT r.is_deleted AND NOT EXISTS (
  SELECT 1 FROM contacts rc WHERE rc.tenant_id = r.tenant_id AND rc.id = r.related_contact_id AND rc.is_deleted)`;

export function toRelation(r: RelationRow): Relation {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    contact: r.contact_id,
    type: r.type,
    related_contact: r.related_contact_id,
    tags: r.tags,
    refs: r.refs,
    is_deleted: r.is_deleted,
    deleted_at: iso(r.deleted_at),
  };
}

export async function findRelation(
  db: Executor,
  tenantId: string,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<RelationRow | undefined> {
  const res = await db.query<RelationRow>(
    `SELECT ${COLUMNS} ${FROM} WHERE r.tenant_id = $1 AND r.id = $2 AND ${VISIBLE}${opts.lock ? ' FOR UPDATE OF r' : ''}`,
    [tenantId, id],
  );
  return res.rows[0];
}

export interface RelationInsert {
  tenant_id: string;
  id: string;
  contact_id: string;
  related_contact_id: string | null;
  type: string;
  tags: string[];
  refs: Record<string, unknown>;
  at: Date;
  user_id: string;
}

export async function insertRelation(tx: Executor, r: RelationInsert): Promise<RelationRow> {
  const res = await tx.query<RelationRow>(
    `INSERT INTO contact_relations AS r (tenant_id, id, contact_id, related_contact_id, type, tags, refs, created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8) RETURNING ${COLUMNS}`,
    [r.tenant_id, r.id, r.contact_id, r.related_contact_id, r.type, r.tags, JSON.stringify(r.refs), r.at, r.user_id],
  );
  return res.rows[0]!;
}

export type RelationChanges = Partial<{
  related_contact_id: string | null;
  type: string;
  tags: string[];
  refs: string;
  is_deleted: boolean;
  deleted_at: Date;
}>;

/** Applies changes, bumps the version and stamps updated_at/by. */
export async function updateRelation(
  tx: Executor,
  tenantId: string,
  id: string,
  changes: RelationChanges,
  userId: string,
  at: Date,
): Promise<RelationRow> {
  const p = new Params();
  const sets = setList(changes, (v) => p.add(v), userId, at);
  const res = await tx.query<RelationRow>(
    `UPDATE contact_relations r SET ${sets} WHERE r.tenant_id = ${p.add(tenantId)} AND r.id = ${p.add(id)} RETURNING ${COLUMNS}`,
    p.values,
  );
  return res.rows[0]!;
}

/** Visible forward relations of many contacts in one query (for `expand=relations`), oldest first. */
export async function relationsOf(db: Executor, tenantId: string, contactIds: string[], limit?: number): Promise<Map<string, RelationRow[]>> {
  const out = new Map<string, RelationRow[]>();
  if (contactIds.length === 0) return out;
  const res = await db.query<RelationRow>(
    `SELECT ${COLUMNS} ${FROM} WHERE r.tenant_id = $1 AND r.contact_id = ANY($2) AND ${VISIBLE}
      ORDER BY r.contact_id, r.created_at, r.id${limit === undefined ? '' : ' LIMIT $3'}`,
    limit === undefined ? [tenantId, contactIds] : [tenantId, contactIds, limit],
  );
  for (const r of res.rows) {
    const list = out.get(r.contact_id);
    if (list) list.push(r);
    else out.set(r.contact_id, [r]);
  }
  return out;
}

export interface RelationFilter {
  contactId?: string;
  relatedContactId?: string;
  type?: string;
  tags?: string[];
  after: Date | null;
  before: Date | null;
}

export async function listRelations(
  db: Executor,
  tenantId: string,
  f: RelationFilter,
  ordering: Ordering<keyof typeof RELATION_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: RelationRow[]; count: number }> {
  const p = new Params();
  const where = [`r.tenant_id = ${p.add(tenantId)}`, VISIBLE];
  if (f.contactId) where.push(`r.contact_id = ${p.add(f.contactId)}`);
  if (f.relatedContactId) where.push(`r.related_contact_id = ${p.add(f.relatedContactId)}`);
  if (f.type) where.push(`r.type = ${p.add(f.type)}`);
  if (f.tags && f.tags.length) where.push(`r.tags && ${p.add(f.tags)}::text[]`);
  if (f.after) where.push(`r.created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`r.created_at <= ${p.add(f.before)}`);
  return pagedQuery<RelationRow>(db, { select: COLUMNS, from: FROM.replace(/^FROM\s+/, ''), where: where.join(' AND '), orderBy: orderBySql(ordering, RELATION_ORDER_COLUMNS, 'r') }, p, limit, offset);
}
