import type { Executor } from '../../db/index.js';
import { Params, likePattern, pagedQuery, orderBySql, type Ordering } from '../../db/index.js';
import { iso, setList } from '../common/subresource.js';
import type { Address } from './addresses.schema.js';

const ADDRESS_ORDER_COLUMNS = { created_at: 'a.created_at', updated_at: 'a.updated_at' };
/** The fields a address list may be ordered by. */
export const ADDRESS_ORDERINGS = Object.keys(ADDRESS_ORDER_COLUMNS) as (keyof typeof ADDRESS_ORDER_COLUMNS)[];

export interface AddressRow {
  tenant_id: string;
  id: string;
  contact_id: string;
  address_line: string | null;
  city: string | null;
  state: string | null;
  pincode: string | null;
  country: string | null;
  coords: { lat: number; lng: number } | null;
  codes: Record<string, unknown>;
  tags: string[];
  is_deleted: boolean;
  deleted_at: Date | null;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = `a.tenant_id, a.id, a.contact_id, a.address_line, a.city, a.state, a.pincode, a.country, a.coords, a.codes,
  a.tags, a.is_deleted, a.deleted_at, a.version, a.created_at, a.created_by, a.updated_at, a.updated_by`;

// An address is visible while it and its contact are live: deleting a contact hides its addresses
// without touching them, so restoring the contact brings them back as they were.
const VISIBLE = `FROM contact_addresses a
  JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.contact_id AND NOT c.is_deleted`;

export function toAddress(r: AddressRow): Address {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    contact_id: r.contact_id,
    address_line: r.address_line,
    city: r.city,
    state: r.state,
    pincode: r.pincode,
    country: r.country,
    coords: r.coords,
    codes: r.codes,
    tags: r.tags,
    is_deleted: r.is_deleted,
    deleted_at: iso(r.deleted_at),
  };
}

export async function findAddress(
  db: Executor,
  tenantId: string,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<AddressRow | undefined> {
  const res = await db.query<AddressRow>(
    `SELECT ${COLUMNS} ${VISIBLE} WHERE a.tenant_id = $1 AND a.id = $2 AND NOT a.is_deleted${opts.lock ? ' FOR UPDATE OF a' : ''}`,
    [tenantId, id],
  );
  return res.rows[0];
}

export interface AddressInsert {
  tenant_id: string;
  id: string;
  contact_id: string;
  address_line: string | null;
  city: string | null;
  state: string | null;
  pincode: string | null;
  country: string | null;
  coords: { lat: number; lng: number } | null;
  codes: Record<string, unknown>;
  tags: string[];
  at: Date;
  user_id: string;
}

export async function insertAddress(tx: Executor, a: AddressInsert): Promise<AddressRow> {
  const res = await tx.query<AddressRow>(
    `INSERT INTO contact_addresses AS a (tenant_id, id, contact_id, address_line, city, state, pincode, country, coords, codes, tags,
                                         created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12) RETURNING ${COLUMNS}`,
    [
      a.tenant_id,
      a.id,
      a.contact_id,
      a.address_line,
      a.city,
      a.state,
      a.pincode,
      a.country,
      a.coords === null ? null : JSON.stringify(a.coords),
      JSON.stringify(a.codes),
      a.tags,
      a.at,
      a.user_id,
    ],
  );
  return res.rows[0]!;
}

/**
 * Many addresses of new contacts in one statement (an import batch's), returned in the order given;
 * each carries its contact's name key (the copy derived.ts describes) from the insert on.
 */
export async function insertAddresses(tx: Executor, tenantId: string, rows: readonly (AddressInsert & { name_key: string })[]): Promise<AddressRow[]> {
  if (rows.length === 0) return [];
  const json = rows.map((a, ord) => ({
    ord,
    id: a.id,
    contact_id: a.contact_id,
    address_line: a.address_line,
    city: a.city,
    state: a.state,
    pincode: a.pincode,
    country: a.country,
    coords: a.coords,
    codes: a.codes,
    tags: a.tags,
    at: a.at.toISOString(),
    user_id: a.user_id,
    name_key: a.name_key,
  }));
  const res = await tx.query<AddressRow & { ord: number }>(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(ord int, id text, contact_id text, address_line text, city text, state text,
                  pincode text, country text, coords jsonb, codes jsonb, tags jsonb, at timestamptz, user_id text, name_key text)),
          ins AS (
       INSERT INTO contact_addresses AS a (tenant_id, id, contact_id, address_line, city, state, pincode, country, coords, codes, tags,
                                           created_at, created_by, updated_at, name_key)
       SELECT $1, r.id, r.contact_id, r.address_line, r.city, r.state, r.pincode, r.country, r.coords, r.codes,
              ARRAY(SELECT t FROM jsonb_array_elements_text(r.tags) WITH ORDINALITY AS x(t, i) ORDER BY x.i), r.at, r.user_id, r.at, r.name_key
         FROM r ORDER BY r.ord
       RETURNING ${COLUMNS})
     SELECT a.*, r.ord FROM ins a JOIN r ON r.id = a.id ORDER BY r.ord`,
    [tenantId, JSON.stringify(json)],
  );
  return res.rows.map(({ ord: _ord, ...a }) => a);
}

/** Column → new value; jsonb values already serialized. Undefined means "leave as is". */
export type AddressChanges = Partial<{
  address_line: string | null;
  city: string | null;
  state: string | null;
  pincode: string | null;
  country: string | null;
  coords: string | null;
  codes: string;
  tags: string[];
  is_deleted: boolean;
  deleted_at: Date;
}>;

/** Applies changes, bumps the version and stamps updated_at/by. */
export async function updateAddress(
  tx: Executor,
  tenantId: string,
  id: string,
  changes: AddressChanges,
  userId: string,
  at: Date,
): Promise<AddressRow> {
  const p = new Params();
  const sets = setList(changes, (v) => p.add(v), userId, at);
  const res = await tx.query<AddressRow>(
    `UPDATE contact_addresses a SET ${sets} WHERE a.tenant_id = ${p.add(tenantId)} AND a.id = ${p.add(id)} RETURNING ${COLUMNS}`,
    p.values,
  );
  return res.rows[0]!;
}

/** Live addresses of many contacts in one query (for `expand=addresses`), oldest first. */
export async function addressesOf(db: Executor, tenantId: string, contactIds: string[], limit?: number): Promise<Map<string, AddressRow[]>> {
  const out = new Map<string, AddressRow[]>();
  if (contactIds.length === 0) return out;
  const res = await db.query<AddressRow>(
    `SELECT ${COLUMNS} FROM contact_addresses a WHERE a.tenant_id = $1 AND a.contact_id = ANY($2) AND NOT a.is_deleted
      ORDER BY a.contact_id, a.created_at, a.id${limit === undefined ? '' : ' LIMIT $3'}`,
    limit === undefined ? [tenantId, contactIds] : [tenantId, contactIds, limit],
  );
  for (const r of res.rows) {
    const list = out.get(r.contact_id);
    if (list) list.push(r);
    else out.set(r.contact_id, [r]);
  }
  return out;
}

export interface AddressFilter {
  contactId?: string;
  tags?: string[];
  /** Case-insensitive substring of the line, city, state, country or pincode. */
  search?: string;
  after: Date | null;
  before: Date | null;
}

export async function listAddresses(
  db: Executor,
  tenantId: string,
  f: AddressFilter,
  ordering: Ordering<keyof typeof ADDRESS_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: AddressRow[]; count: number }> {
  const p = new Params();
  const where = [`a.tenant_id = ${p.add(tenantId)}`, 'NOT a.is_deleted'];
  if (f.contactId) where.push(`a.contact_id = ${p.add(f.contactId)}`);
  if (f.tags && f.tags.length) where.push(`a.tags && ${p.add(f.tags)}::text[]`);
  if (f.after) where.push(`a.created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`a.created_at <= ${p.add(f.before)}`);
  if (f.search) {
    const like = p.add(likePattern(f.search));
    where.push(
      `(a.address_line ILIKE ${like} OR a.city ILIKE ${like} OR a.state ILIKE ${like} OR a.country ILIKE ${like} OR a.pincode ILIKE ${like})`,
    );
  }
  return pagedQuery<AddressRow>(db, { select: COLUMNS, from: VISIBLE.replace(/^FROM\s+/, ''), where: where.join(' AND '), orderBy: orderBySql(ordering, ADDRESS_ORDER_COLUMNS, 'a') }, p, limit, offset);
}
