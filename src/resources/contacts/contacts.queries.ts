import type { Executor } from '../../db/index.js';
import { Params, likePattern, pagedQuery, orderBySql, type Ordering } from '../../db/index.js';
import type { Contact } from './contacts.schema.js';
import { propsOf, toProp, type PropRow } from './props.queries.js';
import { MATCH_PROPS_SQL } from './derived.js';

const CONTACT_ORDER_COLUMNS = { created_at: 'c.created_at', updated_at: 'c.updated_at', name: 'lower(c.name)', ref_id: 'c.ref_id' };
/** The fields a contact list may be ordered by. */
export const CONTACT_ORDERINGS = Object.keys(CONTACT_ORDER_COLUMNS) as (keyof typeof CONTACT_ORDER_COLUMNS)[];

export interface ContactRow {
  tenant_id: string;
  id: string;
  namespace_id: string;
  namespace_name: string;
  name: string;
  status: 'active' | 'inactive';
  type: 'individual' | 'corporate';
  ref_id: string | null;
  tags: string[];
  refs: Record<string, unknown>;
  rm_id: string | null;
  branch_id: string | null;
  approval_status: 'pending' | 'approved' | 'rejected';
  approval_comment: string | null;
  approval_by: string | null;
  approval_at: Date | null;
  is_deleted: boolean;
  deleted_at: Date | null;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
  /** Set on a contact merged into another (CONTRACT §8.2): the survivor, and when. */
  merged_into: string | null;
  merged_at: Date | null;
  /** On a survivor: every contact ever merged into it, transitively. */
  merged_ids: string[];
  /** Prop ids sorted by key, gathered in the same query. */
  prop_ids: string[];
}

// Props are ordered by key in code-point order (COLLATE "C"), the same on both engines.
const COLUMNS = `c.tenant_id, c.id, c.namespace_id, n.name AS namespace_name, c.name, c.status, c.type, c.ref_id,
  c.tags, c.refs, c.rm_id, c.branch_id, c.approval_status, c.approval_comment, c.approval_by, c.approval_at,
  c.is_deleted, c.deleted_at, c.version, c.created_at, c.created_by, c.updated_at, c.updated_by,
  c.merged_into, c.merged_at, c.merged_ids,
  ARRAY(SELECT p.id FROM contact_props p WHERE p.tenant_id = c.tenant_id AND p.contact_id = c.id ORDER BY p.key COLLATE "C") AS prop_ids`;
const FROM = 'contacts c JOIN namespaces n ON n.tenant_id = c.tenant_id AND n.id = c.namespace_id';
const SELECT = `SELECT ${COLUMNS} FROM ${FROM}`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toContact(r: ContactRow, props?: PropRow[]): Contact {
  const c: Contact = {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    namespace: r.namespace_name,
    name: r.name,
    ref_id: r.ref_id,
    status: r.status,
    type: r.type,
    tags: r.tags,
    refs: r.refs,
    rm_id: r.rm_id,
    branch_id: r.branch_id,
    props: props ? props.map(toProp) : r.prop_ids,
    approval_status: r.approval_status,
    approval_comment: r.approval_comment,
    approval_by: r.approval_by,
    approval_at: iso(r.approval_at),
    is_deleted: r.is_deleted,
    deleted_at: iso(r.deleted_at),
  };
  // Only on contacts a merge touched, so every other representation is as it always was.
  if (r.merged_into) {
    c.merged_into = r.merged_into;
    c.merged_at = iso(r.merged_at) ?? undefined;
  }
  if (r.merged_ids.length > 0) c.merged_ids = r.merged_ids;
  return c;
}

export async function findContact(
  db: Executor,
  tenantId: string,
  id: string,
  opts: { lock?: boolean; includeDeleted?: boolean } = {},
): Promise<ContactRow | undefined> {
  const res = await db.query<ContactRow>(FIND_CONTACT[(opts.includeDeleted ? 1 : 0) + (opts.lock ? 2 : 0)]!, [tenantId, id], PREPARE);
  return res.rows[0];
}

// The four texts built once: a statement's name is looked up by its text on every call, and a text
// built per call would be hashed anew each time.
const FIND_CONTACT = [false, true].flatMap((lock) =>
  [false, true].map((includeDeleted) => `${SELECT} WHERE c.tenant_id = $1 AND c.id = $2${includeDeleted ? '' : ' AND NOT c.is_deleted'}${lock ? ' FOR UPDATE OF c' : ''}`),
);
const PREPARE = { prepare: true } as const;

// What a write needs of the contact, in one statement: the row, locked, with all its props.
// `snapshot_version` is the row's version in the statement's snapshot (see lockContactWithProps).
const FOR_WRITE = `SELECT ${COLUMNS}, c.name_key,
  (SELECT s.version FROM contacts s WHERE s.tenant_id = c.tenant_id AND s.id = c.id) AS snapshot_version,
  (SELECT json_agg(json_build_object('tenant_id', p.tenant_id, 'id', p.id, 'contact_id', p.contact_id, 'key', p.key, 'value', p.value,
     'type', p.type, 'created_at', p.created_at, 'created_by', p.created_by, 'updated_at', p.updated_at, 'updated_by', p.updated_by)
     ORDER BY p.key COLLATE "C") FROM contact_props p WHERE p.tenant_id = c.tenant_id AND p.contact_id = c.id) AS props_json
  FROM ${FROM} WHERE c.tenant_id = $1 AND c.id = $2`;

type PropJson = Omit<PropRow, 'created_at' | 'updated_at'> & { created_at: string; updated_at: string };

/**
 * A contact, its props (by key) and its name key, the row locked FOR UPDATE until the transaction
 * ends: the state a write starts from, read once.
 */
export async function lockContactWithProps(
  tx: Executor,
  tenantId: string,
  id: string,
  opts: { includeDeleted?: boolean } = {},
): Promise<{ row: ContactRow; props: PropRow[]; nameKey: string } | undefined> {
  const res = await tx.query<ContactRow & { name_key: string; snapshot_version: number | null; props_json: PropJson[] | null }>(
    `${FOR_WRITE}${opts.includeDeleted ? '' : ' AND NOT c.is_deleted'} FOR UPDATE OF c`,
    [tenantId, id],
    { prepare: true },
  );
  const found = res.rows[0];
  if (!found) return undefined;
  const { props_json, name_key, snapshot_version, ...row } = found;
  // A statement that waited for another writer's lock gets that writer's version of the row, but
  // its sub-select still read the props of the snapshot taken before the wait (READ COMMITTED);
  // every props write bumps the version, so a newer row means the props are read again.
  if (snapshot_version !== row.version) {
    const fresh = await propsOf(tx, tenantId, [id]);
    return { row, props: fresh.get(id) ?? [], nameKey: name_key };
  }
  const props = (props_json ?? []).map((p) => ({ ...p, created_at: new Date(p.created_at), updated_at: new Date(p.updated_at) }));
  return { row, props, nameKey: name_key };
}

/** True when a live contact with this id exists in the tenant (for references from bodies). */
export async function liveContactExists(db: Executor, tenantId: string, id: string): Promise<boolean> {
  const res = await db.query(`SELECT 1 FROM contacts WHERE tenant_id = $1 AND id = $2 AND NOT is_deleted`, [tenantId, id]);
  return res.rowCount > 0;
}

export interface ContactInsert {
  tenant_id: string;
  id: string;
  namespace_id: string;
  name: string;
  status: string;
  type: string;
  ref_id: string | null;
  tags: string[];
  refs: Record<string, unknown>;
  rm_id: string | null;
  branch_id: string | null;
  name_key: string;
  name_phonetic: string;
  /** The copy of the props it is created with (derived.ts matchPropsJson). */
  match_props: string;
  at: Date;
  user_id: string;
}

export const CONTACT_INSERT_COLUMNS = `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id,
                           name_key, name_phonetic, created_at, created_by, updated_at, match_props)`;
export const CONTACT_INSERT_VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $14, $16';

/**
 * Reserves the contact's ref id ($7) in its namespace ($3) for it ($2): returns the holder, which is
 * the contact itself unless another holds it (the no-op update makes the row come back either way).
 */
export const RESERVE_REF_CTE = `ref AS (INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at) VALUES ($1, $3, $7, $2, $14)
                ON CONFLICT (tenant_id, namespace_id, ref_id) DO UPDATE SET contact_id = contact_ref_ids.contact_id
                RETURNING contact_id)`;

/**
 * Inserts a contact. With `lockKeys` (match-keys.queries panLockKeys, in order) the same
 * statement first takes those advisory locks — the create path's PAN locks without a round trip
 * of their own; the row is built from the lock aggregate, so the locks are held before it exists.
 * With `reserveRefId` the same statement also reserves the contact's ref id in its namespace
 * (reserveRefId below) and inserts the contact only if it got it. False: the ref id is held by
 * another contact and nothing was inserted.
 */
export async function insertContact(tx: Executor, c: ContactInsert, lockKeys: readonly string[] = [], reserveRefId = false): Promise<boolean> {
  const values: unknown[] = [
    c.tenant_id, c.id, c.namespace_id, c.name, c.status, c.type, c.ref_id, c.tags, JSON.stringify(c.refs), c.rm_id, c.branch_id,
    c.name_key, c.name_phonetic, c.at, c.user_id, c.match_props,
  ];
  const ctes: string[] = [];
  if (lockKeys.length > 0) {
    values.push(lockKeys);
    ctes.push(`locked AS (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n FROM unnest($17::text[]) AS k)`);
  }
  if (reserveRefId) ctes.push(RESERVE_REF_CTE);
  const sql =
    ctes.length === 0
      ? `${CONTACT_INSERT_COLUMNS} VALUES (${CONTACT_INSERT_VALUES})`
      : `WITH ${ctes.join(', ')} ${CONTACT_INSERT_COLUMNS} SELECT ${CONTACT_INSERT_VALUES}
         FROM ${ctes.map((x) => x.slice(0, x.indexOf(' '))).join(', ')}${reserveRefId ? ' WHERE ref.contact_id = $2' : ''}`;
  const res = await tx.query(sql, values, { prepare: true });
  return res.rowCount === 1;
}

/** A new contact's prop and match key rows for insertContacts (derived.ts decides the keys). */
export interface NewPropRow {
  id: string;
  contact_id: string;
  key: string;
  value: string;
  type: string;
}
export interface NewMatchKeyRow {
  contact_id: string;
  kind: string;
  value: string;
  prop_key: string;
  via: string | null;
  name_key: string;
}

// Contacts, their ref id reservations, props and match keys in one statement. A ref id another
// contact holds is not reserved (ON CONFLICT DO NOTHING) and the count returned says so: the caller
// then undoes the statement (its savepoint) and goes row by row, where the API's rules decide.
const INSERT_CONTACTS_SQL = `WITH c AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS c(id text, namespace_id text, name text, status text, type text, ref_id text,
      tags jsonb, refs jsonb, rm_id text, branch_id text, name_key text, name_phonetic text, match_props text, match_addresses text, ord int)),
  p AS (SELECT * FROM jsonb_to_recordset($5::jsonb) AS p(id text, contact_id text, key text, value text, type text)),
  k AS (SELECT * FROM jsonb_to_recordset($6::jsonb) AS k(contact_id text, kind text, value text, prop_key text, via text, name_key text)),
  refs AS (
    INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at)
    SELECT $1, c.namespace_id, c.ref_id, c.id, $3 FROM c WHERE c.ref_id IS NOT NULL ORDER BY c.ord
    ON CONFLICT (tenant_id, namespace_id, ref_id) DO NOTHING RETURNING 1),
  contacts_in AS (
    INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id,
                          name_key, name_phonetic, created_at, created_by, updated_at, match_props, match_addresses)
    SELECT $1, c.id, c.namespace_id, c.name, c.status, c.type, c.ref_id,
           ARRAY(SELECT t FROM jsonb_array_elements_text(c.tags) WITH ORDINALITY AS x(t, i) ORDER BY x.i), c.refs, c.rm_id, c.branch_id,
           c.name_key, c.name_phonetic, $3, $4, $3, c.match_props::json, c.match_addresses::json
      FROM c ORDER BY c.ord
    RETURNING 1),
  props_in AS (
    INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
    SELECT $1, p.id, p.contact_id, p.key, p.value, p.type, $3, $4, $3 FROM p RETURNING 1),
  keys_in AS (
    INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via, name_key)
    SELECT $1, k.contact_id, k.kind, k.value, k.prop_key, k.via, k.name_key FROM k ON CONFLICT DO NOTHING RETURNING 1)
  SELECT (SELECT count(*) FROM refs)::int AS refs, (SELECT count(*) FROM contacts_in)::int AS contacts,
         (SELECT count(*) FROM props_in)::int AS props, (SELECT count(*) FROM keys_in)::int AS keys`;

/**
 * Inserts many new contacts (an import batch's) with their props and match keys, reserving their
 * ref ids, in one statement; all share one creation time and creator. Both copies come with each
 * contact (derived.ts matchPropsJson, matchAddressesJson). Returns how many ref ids were
 * reserved (fewer than the contacts holding one: some were taken, see above).
 */
export async function insertContacts(
  tx: Executor,
  tenantId: string,
  at: Date,
  userId: string,
  contacts: readonly (Omit<ContactInsert, 'tenant_id' | 'at' | 'user_id'> & { match_addresses: string })[],
  props: readonly NewPropRow[],
  keys: readonly NewMatchKeyRow[],
): Promise<{ refs: number; contacts: number }> {
  const rows = contacts.map((c, ord) => ({ ...c, ord }));
  const res = await tx.query<{ refs: number; contacts: number }>(INSERT_CONTACTS_SQL, [tenantId, JSON.stringify(rows), at, userId, JSON.stringify(props), JSON.stringify(keys)], {
    prepare: true,
  });
  return res.rows[0]!;
}

export type ContactChanges = Partial<{
  namespace_id: string;
  name: string;
  status: string;
  type: string;
  ref_id: string | null;
  tags: string[];
  refs: string;
  rm_id: string | null;
  branch_id: string | null;
  approval_status: string;
  approval_comment: string | null;
  approval_by: string | null;
  approval_at: Date | null;
  is_deleted: boolean;
  deleted_at: Date | null;
  name_key: string;
  name_phonetic: string;
}>;

// The contact's own columns, as an UPDATE can return them (no join).
const OWN_COLUMNS = `tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id, approval_status,
  approval_comment, approval_by, approval_at, is_deleted, deleted_at, version, created_at, created_by, updated_at, updated_by,
  merged_into, merged_at, merged_ids`;

export type ContactOwnRow = Omit<ContactRow, 'namespace_name' | 'prop_ids'>;

/**
 * Applies changes, bumps the version and stamps updated_at/by; returns the row as it is now.
 * `refreshMatchProps`: the contact's props were written earlier in the transaction, and its copy
 * of them (derived.ts) is rebuilt in the same statement.
 */
export async function updateContact(
  tx: Executor,
  tenantId: string,
  id: string,
  changes: ContactChanges,
  userId: string,
  at: Date,
  o: { refreshMatchProps?: boolean } = {},
): Promise<ContactOwnRow> {
  const p = new Params();
  const sets = Object.entries(changes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} = ${p.add(v)}`);
  sets.push(`updated_at = ${p.add(at)}`, `updated_by = ${p.add(userId)}`, 'version = version + 1');
  if (o.refreshMatchProps) sets.push(`match_props = ${MATCH_PROPS_SQL}`);
  const res = await tx.query<ContactOwnRow>(
    `UPDATE contacts SET ${sets.join(', ')} WHERE tenant_id = ${p.add(tenantId)} AND id = ${p.add(id)} RETURNING ${OWN_COLUMNS}`,
    p.values,
  );
  return res.rows[0]!;
}

/**
 * Reserves a ref id in a namespace for a contact. Returns false when another contact holds it
 * (ids are never reused, even after deletion). Re-reserving one's own earlier ref id is allowed.
 */
export async function reserveRefId(tx: Executor, tenantId: string, namespaceId: string, refId: string, contactId: string, at: Date): Promise<boolean> {
  const res = await tx.query<{ contact_id: string }>(
    `INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, namespace_id, ref_id) DO UPDATE SET contact_id = contact_ref_ids.contact_id
     RETURNING contact_id`,
    [tenantId, namespaceId, refId, contactId, at],
    { prepare: true },
  );
  return res.rows[0]?.contact_id === contactId;
}

/** Which of these (namespace id, ref id) pairs are reserved, as `${namespace id}\0${ref id}`, in one statement. */
export async function findTakenRefIds(tx: Executor, tenantId: string, namespaceIds: readonly string[], refIds: readonly string[]): Promise<Set<string>> {
  if (refIds.length === 0) return new Set();
  const res = await tx.query<{ namespace_id: string; ref_id: string }>(
    `SELECT r.namespace_id, r.ref_id FROM contact_ref_ids r
       JOIN unnest($2::text[], $3::text[]) AS q(namespace_id, ref_id) ON r.namespace_id = q.namespace_id AND r.ref_id = q.ref_id
      WHERE r.tenant_id = $1`,
    [tenantId, namespaceIds, refIds],
    { prepare: true },
  );
  return new Set(res.rows.map((r) => `${r.namespace_id}\u0000${r.ref_id}`));
}

export interface ContactFilter {
  namespaceId?: string;
  status?: string;
  type?: string;
  tags?: string[];
  approvalStatus?: string;
  rmId?: string;
  branchId?: string;
  refId?: string;
  /** Substring of the name or ref id, or an exact prop value (trimmed, non-empty). */
  search?: string;
  /** Normalized identifier forms of the search text (a PAN, a mobile written any way). */
  searchIdentifiers?: { kind: string; value: string }[];
  after: Date | null;
  before: Date | null;
}

export async function listContacts(
  db: Executor,
  tenantId: string,
  f: ContactFilter,
  ordering: Ordering<keyof typeof CONTACT_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: ContactRow[]; count: number }> {
  const p = new Params();
  const tenant = p.add(tenantId);
  const where = [`c.tenant_id = ${tenant}`, 'NOT c.is_deleted'];
  // The filters contact_counts (migration 0040) counts by, as column = placeholder.
  const counted: string[] = [];
  const countedFilter = (column: string, value: string | undefined) => {
    if (!value) return;
    const v = p.add(value);
    where.push(`c.${column} = ${v}`);
    counted.push(`k.${column} = ${v}`);
  };
  countedFilter('namespace_id', f.namespaceId);
  countedFilter('status', f.status);
  countedFilter('type', f.type);
  countedFilter('approval_status', f.approvalStatus);
  const countedWhere = where.length;
  if (f.rmId) where.push(`c.rm_id = ${p.add(f.rmId)}`);
  if (f.branchId) where.push(`c.branch_id = ${p.add(f.branchId)}`);
  if (f.refId) where.push(`c.ref_id = ${p.add(f.refId)}`);
  if (f.tags && f.tags.length) where.push(`c.id IN (SELECT contact_ids_tagged(${p.add(tenantId)}, ${p.add(f.tags)}::text[]))`);
  if (f.after) where.push(`c.created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`c.created_at <= ${p.add(f.before)}`);
  if (f.search) where.push(`c.id IN (${searchBranches(p, tenantId, f.search, f.searchIdentifiers ?? [])})`);
  // With no filter beyond the counted ones the count is the sum of the tenant's counters: at most
  // 16 rows per combination however large the tenant, exact because they change in the writing
  // transaction.
  // Otherwise a count(*), which reads contacts alone (the namespace join is a foreign-key lookup:
  // one row each).
  const countQuery =
    where.length === countedWhere
      ? `SELECT coalesce(sum(k.n), 0)::int AS __total FROM contact_counts k WHERE ${[`k.tenant_id = ${tenant}`, ...counted].join(' AND ')}`
      : undefined;
  // A list by the counted filters alone (the common one) is prepared and runs its generic plan:
  // planning it costs more than running it, and its plan is the same whatever the values (the page
  // from an ordering index, its rows by id). Other filters (search, tags, dates) are planned for
  // their values.
  return pagedQuery<ContactRow>(
    db,
    {
      select: COLUMNS,
      from: FROM,
      countFrom: 'contacts c',
      countQuery,
      where: where.join(' AND '),
      orderBy: orderBySql(ordering, CONTACT_ORDER_COLUMNS, 'c'),
      // The page's ids come from an ordering index (migration 0042) before any row is read: the
      // namespace join and the prop ids are computed for the page's rows only, not for the skipped.
      pageIds: { id: 'c.id', scope: `c.tenant_id = ${tenant}` },
    },
    p,
    limit,
    offset,
    countQuery ? { prepare: true, genericPlan: true } : undefined,
  );
}

/**
 * Search as a UNION of separately indexed branches (an OR across them would defeat every index
 * and scan the tenant): name and ref id by trigram LIKE and exact prop values (in
 * contact_search_ids, migration 0007, so row-level security leaves those indexes usable), and
 * normalized identifiers.
 */
function searchBranches(p: Params, tenantId: string, search: string, ids: readonly { kind: string; value: string }[]): string {
  const t = p.add(tenantId);
  const branches = [`SELECT contact_search_ids(${t}, ${p.add(likePattern(search))}, ${p.add(search.toLowerCase())})`];
  if (ids.length) {
    branches.push(`SELECT mk.contact_id FROM contact_match_keys mk
      JOIN unnest(${p.add(ids.map((i) => i.kind))}::text[], ${p.add(ids.map((i) => i.value))}::text[]) AS k(kind, value)
        ON mk.kind = k.kind AND mk.value = k.value WHERE mk.tenant_id = ${t}`);
  }
  return branches.join(' UNION ');
}

/** Live contacts by id, in one query (order not guaranteed). */
export async function findContactsByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return [];
  const res = await db.query<ContactRow>(`${SELECT} WHERE c.tenant_id = $1 AND c.id = ANY($2) AND NOT c.is_deleted`, [tenantId, ids]);
  return res.rows;
}
