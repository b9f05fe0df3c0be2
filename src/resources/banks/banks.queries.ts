import type { Executor } from '../../db/index.js';
import { Params, likePattern, pagedQuery, registerConstraints, orderBySql, type Ordering } from '../../db/index.js';
import { iso, setList } from '../common/subresource.js';
import type { Bank } from './banks.schema.js';

const BANK_ORDER_COLUMNS = { created_at: 'b.created_at', updated_at: 'b.updated_at' };
/** The fields a bank list may be ordered by. */
export const BANK_ORDERINGS = Object.keys(BANK_ORDER_COLUMNS) as (keyof typeof BANK_ORDER_COLUMNS)[];

export interface BankRow {
  tenant_id: string;
  id: string;
  contact_id: string;
  account_holder_name: string;
  account_no: string;
  ifsc: string;
  bank_name: string | null;
  branch_name: string | null;
  account_type: string;
  is_primary: boolean;
  tags: string[];
  is_deleted: boolean;
  deleted_at: Date | null;
  version: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string | null;
}

const COLUMNS = `b.tenant_id, b.id, b.contact_id, b.account_holder_name, b.account_no, b.ifsc, b.bank_name, b.branch_name,
  b.account_type, b.is_primary, b.tags, b.is_deleted, b.deleted_at, b.version, b.created_at, b.created_by, b.updated_at, b.updated_by`;

// A bank account is visible while it and its contact are live (hidden, not deleted, with the contact).
const VISIBLE = `FROM contact_banks b
  JOIN contacts c ON c.tenant_id = b.tenant_id AND c.id = b.contact_id AND NOT c.is_deleted`;

registerConstraints({
  contact_banks_live_account_key: { field: 'account_no', message: 'This contact already has a bank account with this ifsc and account_no.' },
  contact_banks_one_primary_key: { field: 'is_primary', message: 'Another bank account of this contact became primary concurrently; retry.' },
});

export function toBank(r: BankRow): Bank {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    created_at: r.created_at.toISOString(),
    created_by: r.created_by,
    updated_at: r.updated_at.toISOString(),
    updated_by: r.updated_by,
    contact_id: r.contact_id,
    account_holder_name: r.account_holder_name,
    account_no: r.account_no,
    ifsc: r.ifsc,
    bank_name: r.bank_name,
    branch_name: r.branch_name,
    account_type: r.account_type,
    is_primary: r.is_primary,
    tags: r.tags,
    is_deleted: r.is_deleted,
    deleted_at: iso(r.deleted_at),
  };
}

export async function findBank(db: Executor, tenantId: string, id: string, opts: { lock?: boolean } = {}): Promise<BankRow | undefined> {
  const res = await db.query<BankRow>(
    `SELECT ${COLUMNS} ${VISIBLE} WHERE b.tenant_id = $1 AND b.id = $2 AND NOT b.is_deleted${opts.lock ? ' FOR UPDATE OF b' : ''}`,
    [tenantId, id],
  );
  return res.rows[0];
}

/** The live primary account of a contact other than `exceptId`, locked (to be demoted). */
export async function findOtherPrimary(tx: Executor, tenantId: string, contactId: string, exceptId: string): Promise<BankRow | undefined> {
  const res = await tx.query<BankRow>(
    `SELECT ${COLUMNS} FROM contact_banks b
      WHERE b.tenant_id = $1 AND b.contact_id = $2 AND b.is_primary AND NOT b.is_deleted AND b.id <> $3 FOR UPDATE OF b`,
    [tenantId, contactId, exceptId],
  );
  return res.rows[0];
}

export interface BankInsert {
  tenant_id: string;
  id: string;
  contact_id: string;
  account_holder_name: string;
  account_no: string;
  ifsc: string;
  bank_name: string | null;
  branch_name: string | null;
  account_type: string;
  is_primary: boolean;
  tags: string[];
  at: Date;
  user_id: string;
}

export async function insertBank(tx: Executor, b: BankInsert): Promise<BankRow> {
  const res = await tx.query<BankRow>(
    `INSERT INTO contact_banks AS b (tenant_id, id, contact_id, account_holder_name, account_no, ifsc, bank_name, branch_name,
                                     account_type, is_primary, tags, created_at, created_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12) RETURNING ${COLUMNS}`,
    [
      b.tenant_id,
      b.id,
      b.contact_id,
      b.account_holder_name,
      b.account_no,
      b.ifsc,
      b.bank_name,
      b.branch_name,
      b.account_type,
      b.is_primary,
      b.tags,
      b.at,
      b.user_id,
    ],
  );
  return res.rows[0]!;
}

export type BankChanges = Partial<{
  account_holder_name: string;
  account_no: string;
  ifsc: string;
  bank_name: string | null;
  branch_name: string | null;
  account_type: string;
  is_primary: boolean;
  tags: string[];
  is_deleted: boolean;
  deleted_at: Date;
}>;

/** Applies changes, bumps the version and stamps updated_at/by. */
export async function updateBank(
  tx: Executor,
  tenantId: string,
  id: string,
  changes: BankChanges,
  userId: string,
  at: Date,
): Promise<BankRow> {
  const p = new Params();
  const sets = setList(changes, (v) => p.add(v), userId, at);
  const res = await tx.query<BankRow>(
    `UPDATE contact_banks b SET ${sets} WHERE b.tenant_id = ${p.add(tenantId)} AND b.id = ${p.add(id)} RETURNING ${COLUMNS}`,
    p.values,
  );
  return res.rows[0]!;
}

/** Live bank accounts of many contacts in one query (for `expand=banks`), oldest first. */
export async function banksOf(db: Executor, tenantId: string, contactIds: string[], limit?: number): Promise<Map<string, BankRow[]>> {
  const out = new Map<string, BankRow[]>();
  if (contactIds.length === 0) return out;
  const res = await db.query<BankRow>(
    `SELECT ${COLUMNS} FROM contact_banks b WHERE b.tenant_id = $1 AND b.contact_id = ANY($2) AND NOT b.is_deleted
      ORDER BY b.contact_id, b.created_at, b.id${limit === undefined ? '' : ' LIMIT $3'}`,
    limit === undefined ? [tenantId, contactIds] : [tenantId, contactIds, limit],
  );
  for (const r of res.rows) {
    const list = out.get(r.contact_id);
    if (list) list.push(r);
    else out.set(r.contact_id, [r]);
  }
  return out;
}

export interface BankFilter {
  contactId?: string;
  ifsc?: string;
  tags?: string[];
  /** Case-insensitive substring of the bank name, branch name or account holder name. */
  search?: string;
  after: Date | null;
  before: Date | null;
}

export async function listBanks(
  db: Executor,
  tenantId: string,
  f: BankFilter,
  ordering: Ordering<keyof typeof BANK_ORDER_COLUMNS>,
  limit: number,
  offset: number,
): Promise<{ rows: BankRow[]; count: number }> {
  const p = new Params();
  const where = [`b.tenant_id = ${p.add(tenantId)}`, 'NOT b.is_deleted'];
  if (f.contactId) where.push(`b.contact_id = ${p.add(f.contactId)}`);
  if (f.ifsc) where.push(`b.ifsc = ${p.add(f.ifsc)}`);
  if (f.tags && f.tags.length) where.push(`b.tags && ${p.add(f.tags)}::text[]`);
  if (f.after) where.push(`b.created_at >= ${p.add(f.after)}`);
  if (f.before) where.push(`b.created_at <= ${p.add(f.before)}`);
  if (f.search) {
    const like = p.add(likePattern(f.search));
    where.push(`(b.bank_name ILIKE ${like} OR b.branch_name ILIKE ${like} OR b.account_holder_name ILIKE ${like})`);
  }
  return pagedQuery<BankRow>(db, { select: COLUMNS, from: VISIBLE.replace(/^FROM\s+/, ''), where: where.join(' AND '), orderBy: orderBySql(ordering, BANK_ORDER_COLUMNS, 'b') }, p, limit, offset);
}
