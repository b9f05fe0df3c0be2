import type { Executor } from '../../db/index.js';
import type { Prop } from './contacts.schema.js';

export interface PropRow {
  tenant_id: string;
  id: string;
  contact_id: string;
  key: string;
  value: string;
  type: string;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
}

export function toProp(r: PropRow): Prop {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    key: r.key,
    value: r.value,
    type: r.type,
  };
}

export async function propsOf(db: Executor, tenantId: string, contactIds: string[], limit?: number): Promise<Map<string, PropRow[]>> {
  const out = new Map<string, PropRow[]>();
  if (contactIds.length === 0) return out;
  const res = await db.query<PropRow>(
    `SELECT tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at, updated_by
       FROM contact_props WHERE tenant_id = $1 AND contact_id = ANY($2) ORDER BY contact_id, key COLLATE "C"${limit === undefined ? '' : ' LIMIT $3'}`,
    limit === undefined ? [tenantId, contactIds] : [tenantId, contactIds, limit],
    { prepare: true },
  );
  for (const r of res.rows) {
    const list = out.get(r.contact_id);
    if (list) list.push(r);
    else out.set(r.contact_id, [r]);
  }
  return out;
}

export interface PropUpsert {
  key: string;
  value: string;
  type: string;
}

/**
 * The props upsert statement (returns the rows it inserted or changed), with its parameters at the
 * given positions: upsertProps runs it alone, the create path inside its one-statement write
 * (insertPropsAndMatchKeys).
 */
export function propsUpsertSql($: {
  tenant: string;
  contact: string;
  at: string;
  user: string;
  ids: string;
  keys: string;
  values: string;
  types: string;
  /** A relation the rows are joined with: none are written when it is empty. */
  onlyWith?: string;
}): string {
  return `INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
     SELECT ${$.tenant}, u.id, ${$.contact}, u.key, u.value, u.type, ${$.at}, ${$.user}, ${$.at}
       FROM ${$.onlyWith ? `${$.onlyWith}, ` : ''}unnest(${$.ids}::text[], ${$.keys}::text[], ${$.values}::text[], ${$.types}::text[]) AS u(id, key, value, type)
     ON CONFLICT (tenant_id, contact_id, key) DO UPDATE
       SET value = EXCLUDED.value, type = EXCLUDED.type, updated_at = EXCLUDED.updated_at, updated_by = ${$.user}
       WHERE contact_props.value IS DISTINCT FROM EXCLUDED.value OR contact_props.type IS DISTINCT FROM EXCLUDED.type
     RETURNING tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at, updated_by`;
}

// Built once: a prepared statement is looked up by its text on every call.
const UPSERT_PROPS_SQL = propsUpsertSql({ tenant: '$1', contact: '$2', at: '$3', user: '$4', ids: '$5', keys: '$6', values: '$7', types: '$8' });

/**
 * Upserts props by key (others kept). Returns the rows that changed (inserted or updated); a prop
 * written again with the same value and type is not a change.
 */
export async function upsertProps(tx: Executor, tenantId: string, contactId: string, props: PropUpsert[], ids: string[], userId: string, at: Date): Promise<PropRow[]> {
  if (props.length === 0) return [];
  const res = await tx.query<PropRow>(
    UPSERT_PROPS_SQL,
    [tenantId, contactId, at, userId, ids, props.map((p) => p.key), props.map((p) => p.value), props.map((p) => p.type)],
    { prepare: true },
  );
  return res.rows;
}

/** Props in the API's order: by key, code-point order (keys are ASCII by pattern). */
export const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Deletes props by key; returns the keys that existed. */
export async function deleteProps(tx: Executor, tenantId: string, contactId: string, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const res = await tx.query<{ key: string }>(
    `DELETE FROM contact_props WHERE tenant_id = $1 AND contact_id = $2 AND key = ANY($3) RETURNING key`,
    [tenantId, contactId, keys],
  );
  return res.rows.map((r) => r.key);
}
