// The SQL of the raw baseline: copied statement for statement from src/resources/**/*.queries.ts
// (contacts, namespaces, match keys, audit, addresses, banks) as of this harness. When a query
// module changes, change it here too: the harness's round-trip probe reports ours vs raw per
// scenario, so a drift shows up as a mismatch in BENCHMARKS.md.
import { MATCH_PROPS_SQL } from '../src/resources/contacts/derived.js';

export const CONTACT_SELECT = `SELECT c.tenant_id, c.id, c.namespace_id, n.name AS namespace_name, c.name, c.status, c.type, c.ref_id,
  c.tags, c.refs, c.rm_id, c.branch_id, c.approval_status, c.approval_comment, c.approval_by, c.approval_at,
  c.is_deleted, c.deleted_at, c.version, c.created_at, c.created_by, c.updated_at, c.updated_by,
  ARRAY(SELECT p.id FROM contact_props p WHERE p.tenant_id = c.tenant_id AND p.contact_id = c.id ORDER BY p.key COLLATE "C") AS prop_ids
  FROM contacts c JOIN namespaces n ON n.tenant_id = c.tenant_id AND n.id = c.namespace_id`;

export const FIND_CONTACT = `${CONTACT_SELECT} WHERE c.tenant_id = $1 AND c.id = $2 AND NOT c.is_deleted`;
export const FIND_CONTACT_LOCK = `${FIND_CONTACT} FOR UPDATE OF c`;

export const PROPS_OF = `SELECT tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at, updated_by
       FROM contact_props WHERE tenant_id = $1 AND contact_id = ANY($2) ORDER BY contact_id, key COLLATE "C"`;

export const ADDRESSES_OF = `SELECT a.tenant_id, a.id, a.contact_id, a.address_line, a.city, a.state, a.pincode, a.country, a.coords, a.codes,
  a.tags, a.is_deleted, a.deleted_at, a.version, a.created_at, a.created_by, a.updated_at, a.updated_by FROM contact_addresses a WHERE a.tenant_id = $1 AND a.contact_id = ANY($2) AND NOT a.is_deleted
      ORDER BY a.contact_id, a.created_at, a.id`;

export const BANKS_OF = `SELECT b.tenant_id, b.id, b.contact_id, b.account_holder_name, b.account_no, b.ifsc, b.bank_name, b.branch_name,
  b.account_type, b.is_primary, b.tags, b.is_deleted, b.deleted_at, b.version, b.created_at, b.created_by, b.updated_at, b.updated_by FROM contact_banks b WHERE b.tenant_id = $1 AND b.contact_id = ANY($2) AND NOT b.is_deleted
      ORDER BY b.contact_id, b.created_at, b.id`;

export const FIND_NAMESPACE = `SELECT tenant_id, id, name, contact_pattern, contact_counter, account_pattern, account_counter,
  is_deleted, deleted_at, version, created_at, created_by, updated_at, updated_by FROM namespaces
      WHERE tenant_id = $1 AND NOT is_deleted AND (id = upper($2) OR lower(name) = lower($2))
      ORDER BY (id = upper($2)) DESC LIMIT 1`;

export const TAKE_COUNTER = `UPDATE namespaces SET contact_counter = contact_counter + 1, version = version + 1 WHERE tenant_id = $1 AND id = $2 RETURNING contact_counter - 1 AS seq, contact_pattern AS pattern`;

export const RESERVE_REF_ID = `INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, namespace_id, ref_id) DO UPDATE SET contact_id = contact_ref_ids.contact_id
     RETURNING contact_id`;

export const INSERT_CONTACT = `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id,
                           name_key, name_phonetic, created_at, created_by, updated_at, match_props)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $14, $16)`;

/** INSERT_CONTACT that first takes the create's PAN advisory locks ($17), as insertContact does. */
export const INSERT_CONTACT_LOCKING = `WITH locked AS (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n FROM unnest($17::text[]) AS k)
     INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id,
                           name_key, name_phonetic, created_at, created_by, updated_at, match_props)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $14, $16 FROM locked`;

export const UPSERT_PROPS = `INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
     SELECT $1, u.id, $2, u.key, u.value, u.type, $3, $4, $3
       FROM unnest($5::text[], $6::text[], $7::text[], $8::text[]) AS u(id, key, value, type)
     ON CONFLICT (tenant_id, contact_id, key) DO UPDATE
       SET value = EXCLUDED.value, type = EXCLUDED.type, updated_at = EXCLUDED.updated_at, updated_by = $4
       WHERE contact_props.value IS DISTINCT FROM EXCLUDED.value OR contact_props.type IS DISTINCT FROM EXCLUDED.type
     RETURNING tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at, updated_by`;

export const DELETE_MATCH_KEYS = 'DELETE FROM contact_match_keys WHERE tenant_id = $1 AND contact_id = $2';
export const INSERT_MATCH_KEYS = `INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via)
     SELECT $1, $2, k.kind, k.value, k.prop_key, k.via FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS k(kind, value, prop_key, via)
     ON CONFLICT DO NOTHING`;
export const LOCK_PAN = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';
export const FIND_PAN_HOLDER = `SELECT mk.contact_id, mk.value AS pan FROM contact_match_keys mk
       JOIN contacts c ON c.tenant_id = mk.tenant_id AND c.id = mk.contact_id AND NOT c.is_deleted
      WHERE mk.tenant_id = $1 AND mk.kind = 'pan' AND mk.value = ANY($2) AND mk.contact_id <> $3
      ORDER BY c.created_at, c.id LIMIT 1`;
/** A create's props, match keys and PAN holder in one statement, as insertPropsAndMatchKeys does. */
export const INSERT_PROPS_AND_MATCH_KEYS = `WITH inserted_keys AS (
       INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via)
       SELECT $1, $3, k.kind, k.value, k.prop_key, k.via FROM unnest($10::text[], $11::text[], $12::text[], $13::text[]) AS k(kind, value, prop_key, via)
       ON CONFLICT DO NOTHING),
     inserted_props AS (
       INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
       SELECT $1, u.id, $3, u.key, u.value, u.type, $4, $5, $4
         FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) AS u(id, key, value, type)
       ON CONFLICT (tenant_id, contact_id, key) DO UPDATE
         SET value = EXCLUDED.value, type = EXCLUDED.type, updated_at = EXCLUDED.updated_at, updated_by = $5
         WHERE contact_props.value IS DISTINCT FROM EXCLUDED.value OR contact_props.type IS DISTINCT FROM EXCLUDED.type
       RETURNING tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at, updated_by),
     holder AS (${FIND_PAN_HOLDER})
     SELECT p.*, h.contact_id AS holder_id, h.pan AS holder_pan FROM inserted_props p LEFT JOIN holder h ON true`;
export const PANS_OF = `SELECT DISTINCT value FROM contact_match_keys WHERE tenant_id = $1 AND contact_id = $2 AND kind = 'pan'`;

export const INSERT_AUDIT = `INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp,
                            ip_address, user_agent, before_state, after_state, comment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

/** updateContact: SET list from the changed columns, then the audit stamps and version (and the props copy after a props write). */
export function updateContactSql(columns: string[], refreshMatchProps = false): string {
  let n = 0;
  const sets = columns.map((k) => `${k} = $${++n}`);
  sets.push(`updated_at = $${++n}`, `updated_by = $${++n}`, 'version = version + 1');
  if (refreshMatchProps) sets.push(`match_props = ${MATCH_PROPS_SQL}`);
  return `UPDATE contacts SET ${sets.join(', ')} WHERE tenant_id = $${++n} AND id = $${++n}`;
}

/** listContacts with the filters the scenarios use (status, type, search), one statement. */
export function listContactsSql(tenant: string, q: URLSearchParams): { sql: string; params: unknown[]; limit: number; page: number } {
  const params: unknown[] = [tenant];
  const add = (v: unknown) => `$${params.push(v)}`;
  const where = ['c.tenant_id = $1', 'NOT c.is_deleted'];
  // Status and type are counted filters: the count sums contact_counts (migration 0040).
  const counted = ['k.tenant_id = $1'];
  for (const column of ['status', 'type']) {
    const value = q.get(column);
    if (!value) continue;
    const v = add(value);
    where.push(`c.${column} = ${v}`);
    counted.push(`k.${column} = ${v}`);
  }
  const search = q.get('search')?.trim();
  if (search) {
    // Same UNION branches as contacts.queries.ts searchBranches (identifier keys only when the
    // term normalizes to one; the scenarios search names).
    const t = add(tenant);
    const like = add('%' + search.replace(/[\\%_]/g, (c) => '\\' + c) + '%');
    const exact = add(search.toLowerCase());
    where.push(`c.id IN (SELECT contact_search_ids(${t}, ${like}, ${exact}))`);
  }
  const limit = Number(q.get('page_size') ?? 20);
  const page = Number(q.get('page') ?? 1);
  const cond = where.join(' AND ');
  const [select, from] = CONTACT_SELECT.replace(/^SELECT /, '').split('\n  FROM ');
  const count = search
    ? `SELECT count(*)::int AS total FROM contacts c WHERE ${cond}`
    : `SELECT coalesce(sum(k.n), 0)::int AS total FROM contact_counts k WHERE ${counted.join(' AND ')}`;
  const sql = `SELECT t.total, pg.* FROM (${count}) t
     LEFT JOIN LATERAL (SELECT true AS page_row, ${select} FROM ${from} WHERE ${cond}
                        ORDER BY c.created_at DESC, c.id DESC LIMIT ${add(limit)} OFFSET ${add((page - 1) * limit)}) pg ON true`;
  return { sql, params, limit, page };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toContact(r: any, props?: any[]): Record<string, unknown> {
  return {
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
    props: props ? props.map(toRow) : r.prop_ids,
    approval_status: r.approval_status,
    approval_comment: r.approval_comment,
    approval_by: r.approval_by,
    approval_at: iso(r.approval_at),
    is_deleted: r.is_deleted,
    deleted_at: iso(r.deleted_at),
  };
}

/** Props, addresses, banks: the row as stored (Dates become ISO strings in JSON). */
export function toRow(r: any): Record<string, unknown> {
  const { contact_id: _c, version: _v, ...rest } = r;
  return rest;
}
