import type { Executor } from '../../db/index.js';
import { Params, likePattern, registerConstraints, orderBySql, type Ordering } from '../../db/index.js';
import type { Namespace } from './namespaces.schema.js';

const NAMESPACE_ORDER_COLUMNS = { name: 'lower(n.name)', created_at: 'n.created_at' };
/** The fields a namespace list may be ordered by. */
export const NAMESPACE_ORDERINGS = Object.keys(NAMESPACE_ORDER_COLUMNS) as (keyof typeof NAMESPACE_ORDER_COLUMNS)[];

export interface NamespaceRow {
  tenant_id: string;
  id: string;
  name: string;
  contact_pattern: string | null;
  contact_counter: number;
  account_pattern: string | null;
  account_counter: number;
  is_deleted: boolean;
  deleted_at: Date | null;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
}

registerConstraints({ namespaces_live_name_key: { field: 'name', message: 'A namespace with this name already exists.' } });

const COLUMNS = `tenant_id, id, name, contact_pattern, contact_counter, account_pattern, account_counter,
  is_deleted, deleted_at, version, created_at, created_by, updated_at, updated_by`;

export function toNamespace(r: NamespaceRow): Namespace {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    name: r.name,
    contact_pattern: r.contact_pattern,
    contact_counter: Number(r.contact_counter),
    account_pattern: r.account_pattern,
    account_counter: Number(r.account_counter),
    is_deleted: r.is_deleted,
    deleted_at: r.deleted_at ? r.deleted_at.toISOString() : null,
  };
}

export async function findNamespaceById(db: Executor, tenantId: string, id: string, lock = false): Promise<NamespaceRow | undefined> {
  const res = await db.query<NamespaceRow>(
    `SELECT ${COLUMNS} FROM namespaces WHERE tenant_id = $1 AND id = $2 AND NOT is_deleted${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
    { prepare: true },
  );
  return res.rows[0];
}

/** A namespace by id (case-insensitive ULID) or by name (case-insensitive), live only. */
export async function findNamespaceByIdOrName(db: Executor, tenantId: string, idOrName: string): Promise<NamespaceRow | undefined> {
  const res = await db.query<NamespaceRow>(
    `SELECT ${COLUMNS} FROM namespaces
      WHERE tenant_id = $1 AND NOT is_deleted AND (id = upper($2) OR lower(name) = lower($2))
      ORDER BY (id = upper($2)) DESC LIMIT 1`,
    [tenantId, idOrName],
    { prepare: true },
  );
  return res.rows[0];
}

/**
 * The namespace a contact is created in (findNamespaceByIdOrName) and, when it has a contact
 * pattern and `take` is set, the next number of its contact counter (takeCounter) — one
 * statement for the two. `seq` is null when no number was taken.
 */
const TAKE_COUNTER_CTES = `ns AS (SELECT ${COLUMNS} FROM namespaces
                  WHERE tenant_id = $1 AND NOT is_deleted AND (id = upper($2) OR lower(name) = lower($2))
                  ORDER BY (id = upper($2)) DESC LIMIT 1),
          taken AS (UPDATE namespaces n SET contact_counter = n.contact_counter + 1, version = n.version + 1
                      FROM ns WHERE $3 AND ns.contact_pattern IS NOT NULL AND n.tenant_id = $1 AND n.id = ns.id
                      RETURNING n.contact_counter - 1 AS seq, n.contact_pattern AS pattern)`;
const TAKE_COUNTER_SQL = `WITH ${TAKE_COUNTER_CTES}
     SELECT ns.*, taken.seq AS __seq, taken.pattern AS __pattern FROM ns LEFT JOIN taken ON true`;
// The locks are built from the counter's row (the subquery on taken), so they are taken after it,
// in the order every create takes them: counter, then PANs.
const TAKE_COUNTER_AND_LOCK_SQL = `WITH ${TAKE_COUNTER_CTES},
          locked AS (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n
                       FROM (SELECT count(*) FROM taken) t, unnest($4::text[]) AS k)
     SELECT ns.*, taken.seq AS __seq, taken.pattern AS __pattern FROM ns LEFT JOIN taken ON true CROSS JOIN locked`;

/**
 * The namespace by id or name and, when `take`, its next contact number (the counter row stays
 * locked to the end of the transaction). With `lockKeys` (match-keys.queries panLockKeys, in
 * order) the same statement then takes those transaction advisory locks: a create's PAN locks
 * without a round trip of their own, held before its next statement takes its snapshot.
 */
export async function findNamespaceTakingCounter(
  tx: Executor,
  tenantId: string,
  idOrName: string,
  take: boolean,
  lockKeys: readonly string[] = [],
): Promise<{ ns: NamespaceRow; seq: number | null; pattern: string | null } | undefined> {
  const res = await tx.query<NamespaceRow & { __seq: number | null; __pattern: string | null }>(
    lockKeys.length > 0 ? TAKE_COUNTER_AND_LOCK_SQL : TAKE_COUNTER_SQL,
    lockKeys.length > 0 ? [tenantId, idOrName, take, lockKeys] : [tenantId, idOrName, take],
    { prepare: true },
  );
  const row = res.rows[0];
  if (!row) return undefined;
  const { __seq, __pattern, ...ns } = row;
  return { ns: ns as NamespaceRow, seq: __seq === null ? null : Number(__seq), pattern: __pattern };
}

export async function insertNamespace(
  tx: Executor,
  row: Omit<NamespaceRow, 'is_deleted' | 'deleted_at' | 'version' | 'updated_by'>,
): Promise<NamespaceRow> {
  const res = await tx.query<NamespaceRow>(
    `INSERT INTO namespaces (tenant_id, id, name, contact_pattern, contact_counter, account_pattern, account_counter,
                             created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [
      row.tenant_id,
      row.id,
      row.name,
      row.contact_pattern,
      row.contact_counter,
      row.account_pattern,
      row.account_counter,
      row.created_at,
      row.created_by,
      row.updated_at,
    ],
  );
  return res.rows[0]!;
}

export interface NamespaceChanges {
  name?: string;
  contact_pattern?: string | null;
  contact_counter?: number;
  account_pattern?: string | null;
  account_counter?: number;
}

export async function updateNamespace(
  tx: Executor,
  tenantId: string,
  id: string,
  changes: NamespaceChanges,
  userId: string,
  at: Date,
): Promise<NamespaceRow> {
  const p = new Params();
  const sets = Object.entries(changes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${p.add(v)}`);
  sets.push(`updated_at = ${p.add(at)}`, `updated_by = ${p.add(userId)}`, 'version = version + 1');
  const res = await tx.query<NamespaceRow>(
    `UPDATE namespaces SET ${sets.join(', ')} WHERE tenant_id = ${p.add(tenantId)} AND id = ${p.add(id)} RETURNING ${COLUMNS}`,
    p.values,
  );
  return res.rows[0]!;
}

export async function softDeleteNamespace(tx: Executor, tenantId: string, id: string, userId: string, at: Date): Promise<NamespaceRow> {
  const res = await tx.query<NamespaceRow>(
    `UPDATE namespaces SET is_deleted = true, deleted_at = $3, updated_at = $3, updated_by = $4, version = version + 1
      WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, at, userId],
  );
  return res.rows[0]!;
}

export async function namespaceHasLiveContacts(tx: Executor, tenantId: string, id: string): Promise<boolean> {
  const res = await tx.query(`SELECT 1 FROM contacts WHERE tenant_id = $1 AND namespace_id = $2 AND NOT is_deleted LIMIT 1`, [
    tenantId,
    id,
  ]);
  return res.rowCount > 0;
}

/**
 * Takes the next number of a counter atomically: the row stays locked until commit, so concurrent
 * creates queue here and never share a number. The version moves too (the counter is visible).
 */
export async function takeCounter(
  tx: Executor,
  tenantId: string,
  id: string,
  which: 'contact' | 'account',
): Promise<{ seq: number; pattern: string | null }> {
  const col = which === 'contact' ? 'contact_counter' : 'account_counter';
  const pat = which === 'contact' ? 'contact_pattern' : 'account_pattern';
  const res = await tx.query<{ seq: number; pattern: string | null }>(
    `UPDATE namespaces SET ${col} = ${col} + 1, version = version + 1 WHERE tenant_id = $1 AND id = $2 RETURNING ${col} - 1 AS seq, ${pat} AS pattern`,
    [tenantId, id],
    { prepare: true },
  );
  const row = res.rows[0]!;
  return { seq: Number(row.seq), pattern: row.pattern };
}

/**
 * Locks namespace rows as a counter update would (FOR NO KEY UPDATE), in id order. A batch that
 * will take numbers takes this before its PAN locks: the order of a create (namespace and counter
 * first, PANs after), so the two never wait for each other crosswise. Nothing reads its result: on
 * PostgreSQL it travels with the transaction's next statement.
 */
export async function lockNamespacesForCounter(tx: Executor, tenantId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const sql = 'SELECT 1 FROM namespaces WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR NO KEY UPDATE';
  if (tx.defer) tx.defer(sql, [tenantId, [...ids].sort()], { prepare: true });
  else await tx.query(sql, [tenantId, [...ids].sort()], { prepare: true });
}

/**
 * Takes `n` consecutive numbers of a namespace's contact counter at once (an import batch's
 * generated ref ids): the same counter and version as n findNamespaceTakingCounter calls leave.
 * Returns the first number and the pattern; undefined when the namespace is gone.
 */
export async function takeContactCounters(tx: Executor, tenantId: string, id: string, n: number): Promise<{ first: number; pattern: string | null } | undefined> {
  const res = await tx.query<{ first: string; pattern: string | null }>(
    `UPDATE namespaces SET contact_counter = contact_counter + $3, version = version + $3
      WHERE tenant_id = $1 AND id = $2 AND NOT is_deleted RETURNING contact_counter - $3 AS first, contact_pattern AS pattern`,
    [tenantId, id, n],
    { prepare: true },
  );
  const row = res.rows[0];
  return row ? { first: Number(row.first), pattern: row.pattern } : undefined;
}

/** Bumps the version of a namespace whose counter moved (its ETag must change on every write). */
export async function touchNamespace(tx: Executor, tenantId: string, id: string, userId: string, at: Date): Promise<NamespaceRow> {
  const res = await tx.query<NamespaceRow>(
    `UPDATE namespaces SET version = version + 1, updated_at = $3, updated_by = $4 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, at, userId],
  );
  return res.rows[0]!;
}

export interface NamespaceFilter {
  search?: string;
  after: Date | null;
  before: Date | null;
}

export async function listNamespaces(
  db: Executor,
  tenantId: string,
  f: NamespaceFilter,
  ordering: Ordering<keyof typeof NAMESPACE_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: NamespaceRow[]; count: number }> {
  const p = new Params();
  const where = [`tenant_id = ${p.add(tenantId)}`, 'NOT is_deleted'];
  if (f.search) where.push(`name ILIKE ${p.add(likePattern(f.search))}`);
  if (f.after) where.push(`created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`created_at <= ${p.add(f.before)}`);
  const cond = where.join(' AND ');
  const res = await db.query<NamespaceRow & { total: number }>(
    `SELECT ${COLUMNS}, count(*) OVER () AS total FROM namespaces n WHERE ${cond}
      ORDER BY ${orderBySql(ordering, NAMESPACE_ORDER_COLUMNS, 'n')} LIMIT ${p.add(limit)} OFFSET ${p.add(offset)}`,
    p.values,
  );
  let count = res.rows[0] ? Number(res.rows[0].total) : 0;
  if (!res.rows[0] && offset > 0) {
    const c = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM namespaces n WHERE ${cond}`, p.values.slice(0, -2));
    count = Number(c.rows[0]!.n);
  }
  return { rows: res.rows, count };
}
