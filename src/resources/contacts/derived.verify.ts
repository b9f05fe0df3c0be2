import type { Executor } from '../../db/index.js';
import { MATCH_ADDRESSES_SQL, MATCH_PROPS_SQL, identifierKeys, nameColumns, rebuildDerived } from './derived.js';

// The check of everything derived.ts maintains, against its sources: what `contact-registry
// verify` runs and what every fuzzed and crashed test run ends with. Contacts are read in id order,
// a batch at a time, so a large tenant is checked in constant memory. The list's contact counters
// (migration 0040) are checked here too, against count(*) per combination.

export interface DerivedDifference {
  contactId: string;
  item: string;
  expected: unknown;
  actual: unknown;
}

interface ContactDerivedRow {
  id: string;
  name: string;
  type: string;
  name_key: string;
  name_phonetic: string;
  props: { key: string; value: string }[] | null;
  keys: [string, string, string, string | null, string][] | null;
  props_copy: unknown;
  props_copy_expected: unknown;
  addresses_copy: unknown;
  addresses_copy_expected: unknown;
  address_name_keys: string[] | null;
}

// The copies are compared as jsonb (the create path writes JSON text of its own formatting).
const BATCH_SQL = `SELECT contacts.id, contacts.name, contacts.type, contacts.name_key, contacts.name_phonetic,
    (SELECT json_agg(json_build_object('key', p.key, 'value', p.value)) FROM contact_props p
      WHERE p.tenant_id = contacts.tenant_id AND p.contact_id = contacts.id) AS props,
    (SELECT json_agg(json_build_array(m.kind, m.value, m.prop_key, m.via, m.name_key) ORDER BY m.kind, m.value, m.prop_key)
       FROM contact_match_keys m WHERE m.tenant_id = contacts.tenant_id AND m.contact_id = contacts.id) AS keys,
    contacts.match_props::jsonb AS props_copy, (${MATCH_PROPS_SQL})::jsonb AS props_copy_expected,
    contacts.match_addresses::jsonb AS addresses_copy, (${MATCH_ADDRESSES_SQL})::jsonb AS addresses_copy_expected,
    ARRAY(SELECT DISTINCT a.name_key FROM contact_addresses a WHERE a.tenant_id = contacts.tenant_id AND a.contact_id = contacts.id) AS address_name_keys
   FROM contacts WHERE contacts.tenant_id = $1 AND contacts.id > $2 ORDER BY contacts.id LIMIT $3`;

const keyText = (k: readonly [string, string, string, string | null, string]) => `${k[0]}:${k[1]} (prop ${k[2]}${k[3] ? ` via ${k[3]}` : ''}, name key "${k[4]}")`;
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function differencesOf(r: ContactDerivedRow): DerivedDifference[] {
  const out: DerivedDifference[] = [];
  const add = (item: string, expected: unknown, actual: unknown) => out.push({ contactId: r.id, item, expected, actual });
  const names = nameColumns(r.name, r.type);
  if (r.name_key !== names.name_key) add('name_key', names.name_key, r.name_key);
  if (r.name_phonetic !== names.name_phonetic) add('name_phonetic', names.name_phonetic, r.name_phonetic);
  const expectedKeys = identifierKeys(r.props ?? [])
    .map((k) => keyText([k.kind, k.value, k.key, k.via ?? null, r.name_key]))
    .sort();
  const actualKeys = (r.keys ?? []).map(keyText).sort();
  if (!sameJson(expectedKeys, actualKeys)) add('match keys', expectedKeys, actualKeys);
  if (!sameJson(r.props_copy, r.props_copy_expected)) add('match_props copy', r.props_copy_expected, r.props_copy);
  if (!sameJson(r.addresses_copy, r.addresses_copy_expected)) add('match_addresses copy', r.addresses_copy_expected, r.addresses_copy);
  const stale = (r.address_name_keys ?? []).filter((k) => k !== r.name_key);
  if (stale.length > 0) add('address name_key', r.name_key, stale);
  return out;
}

async function eachBatch(db: Executor, tenantId: string, batchSize: number, visit: (rows: ContactDerivedRow[]) => Promise<boolean>): Promise<void> {
  let after = '';
  for (;;) {
    const res = await db.query<ContactDerivedRow>(BATCH_SQL, [tenantId, after, batchSize]);
    if (!(await visit(res.rows)) || res.rows.length < batchSize) return;
    after = res.rows[res.rows.length - 1]!.id;
  }
}

/** Every difference between a tenant's derived data and its sources (empty when consistent). */
export async function verifyDerived(db: Executor, tenantId: string, opts: { batchSize?: number; limit?: number } = {}): Promise<DerivedDifference[]> {
  const limit = opts.limit ?? Infinity;
  const out: DerivedDifference[] = [];
  await eachBatch(db, tenantId, opts.batchSize ?? 1000, async (rows) => {
    for (const row of rows) out.push(...differencesOf(row));
    return out.length < limit;
  });
  return out.slice(0, limit);
}

/**
 * Rebuilds the derived data of every contact whose derived data differs from its sources: after an
 * upgrade that changed how identifiers are recognized or normalized (new key spellings, undone
 * disguises), existing contacts get the match keys a write would give them today. Returns the ids
 * of the contacts rebuilt.
 */
export async function repairDerived(db: Executor, tenantId: string, opts: { batchSize?: number } = {}): Promise<string[]> {
  const rebuilt: string[] = [];
  await eachBatch(db, tenantId, opts.batchSize ?? 1000, async (rows) => {
    for (const row of rows) {
      if (differencesOf(row).length === 0) continue;
      await rebuildDerived(db, tenantId, row.id);
      rebuilt.push(row.id);
    }
    return true;
  });
  return rebuilt;
}

/** One line per difference, for people. */
export function describeDifference(d: DerivedDifference): string {
  return `contact ${d.contactId}: ${d.item} is ${JSON.stringify(d.actual)}, expected ${JSON.stringify(d.expected)}`;
}

/** A combination of the list's counted filters whose counters disagree with count(*) (migration 0040). */
export interface CountDifference {
  namespaceId: string;
  status: string;
  type: string;
  approvalStatus: string;
  /** Live contacts of the combination. */
  expected: number;
  /** The sum of its counters. */
  actual: number;
}

// Counters and contacts read in one statement, so in one snapshot: a writer's counter change and
// its rows commit together, and a check running beside writers sees both or neither.
const COUNT_DIFFERENCES_SQL = `SELECT namespace_id, status, type, approval_status, coalesce(e.n, 0)::bigint AS expected, coalesce(a.n, 0)::bigint AS actual
   FROM (SELECT namespace_id, status, type, approval_status, count(*) AS n FROM contacts
          WHERE tenant_id = $1 AND NOT is_deleted GROUP BY namespace_id, status, type, approval_status) e
   FULL JOIN (SELECT namespace_id, status, type, approval_status, sum(n) AS n FROM contact_counts
               WHERE tenant_id = $1 GROUP BY namespace_id, status, type, approval_status) a
     USING (namespace_id, status, type, approval_status)
  WHERE coalesce(e.n, 0) <> coalesce(a.n, 0)
  ORDER BY namespace_id, status, type, approval_status`;

/** Every combination whose counters differ from the number of its live contacts (empty when exact). */
export async function verifyContactCounts(db: Executor, tenantId: string): Promise<CountDifference[]> {
  const res = await db.query<{ namespace_id: string; status: string; type: string; approval_status: string; expected: string; actual: string }>(
    COUNT_DIFFERENCES_SQL,
    [tenantId],
  );
  return res.rows.map((r) => ({
    namespaceId: r.namespace_id,
    status: r.status,
    type: r.type,
    approvalStatus: r.approval_status,
    expected: Number(r.expected),
    actual: Number(r.actual),
  }));
}

/**
 * Recomputes the tenant's counters from its contacts (migration 0040's contact_counts_rebuild: it
 * locks out writers of contacts until the transaction ends). The transaction must be the tenant's.
 */
export async function rebuildContactCounts(tx: Executor, tenantId: string): Promise<void> {
  await tx.query('SELECT contact_counts_rebuild($1)', [tenantId]);
}

/** One line per counter difference, for people. */
export function describeCountDifference(d: CountDifference): string {
  return `contact counts of namespace ${d.namespaceId}, status ${d.status}, type ${d.type}, approval ${d.approvalStatus}: ${d.actual}, expected ${d.expected}`;
}
