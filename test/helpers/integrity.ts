import type { Executor } from '../../src/db/index.js';
import { describeCountDifference, describeDifference, verifyContactCounts, verifyDerived } from '../../src/resources/contacts/derived.verify.js';

// Whole-database invariants that must hold after any sequence of requests, crashes included
// (CONTRACT §5: "a write that fails leaves no entry; an entry never exists without its write").
// Each check returns offending rows; an empty list means the invariant holds.

/** object_type of audit entries → the table holding the object (prop entries name the contact). */
const OBJECT_TABLES: Record<string, string> = {
  namespace: 'namespaces',
  contact: 'contacts',
  prop: 'contacts',
  address: 'contact_addresses',
  bank: 'contact_banks',
  relation: 'contact_relations',
  duplicate: 'duplicate_pairs',
};

/** Tables whose rows each have exactly one `create` audit entry. */
const CREATED_OBJECTS: Record<string, string> = {
  namespaces: 'namespace',
  contacts: 'contact',
  contact_addresses: 'address',
  contact_banks: 'bank',
  contact_relations: 'relation',
  duplicate_pairs: 'duplicate',
};

const CHECKS: Record<string, string> = {
  'audit entry without its object': `
    SELECT a.tenant_id, a.object_type, a.object_id FROM audit_log a
     WHERE a.object_type NOT IN (${Object.keys(OBJECT_TABLES).map((t) => `'${t}'`).join(', ')})
        OR ${Object.entries(OBJECT_TABLES)
          .map(([type, table]) => `(a.object_type = '${type}' AND NOT EXISTS (SELECT 1 FROM ${table} o WHERE o.tenant_id = a.tenant_id AND o.id = a.object_id))`)
          .join('\n        OR ')}`,
  ...Object.fromEntries(
    Object.entries(CREATED_OBJECTS).map(([table, type]) => [
      `${table} row without exactly one create entry`,
      `SELECT o.tenant_id, o.id, (SELECT count(*) FROM audit_log a WHERE a.tenant_id = o.tenant_id AND a.object_id = o.id
                                   AND a.object_type = '${type}' AND a.action_type = 'create')::int AS creates
         FROM ${table} o
        WHERE (SELECT count(*) FROM audit_log a WHERE a.tenant_id = o.tenant_id AND a.object_id = o.id
                 AND a.object_type = '${type}' AND a.action_type = 'create') <> 1`,
    ]),
  ),
  'prop without its contact': `SELECT p.tenant_id, p.id FROM contact_props p WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = p.tenant_id AND c.id = p.contact_id)`,
  'contact without its namespace': `SELECT c.tenant_id, c.id FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM namespaces n WHERE n.tenant_id = c.tenant_id AND n.id = c.namespace_id)`,
  'match key without its contact': `SELECT m.tenant_id, m.contact_id FROM contact_match_keys m WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = m.tenant_id AND c.id = m.contact_id)`,
  'reserved ref id without its contact': `SELECT r.tenant_id, r.ref_id FROM contact_ref_ids r WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = r.tenant_id AND c.id = r.contact_id)`,
  'contact ref id not reserved': `SELECT c.tenant_id, c.id, c.ref_id FROM contacts c WHERE c.ref_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM contact_ref_ids r WHERE r.tenant_id = c.tenant_id AND r.namespace_id = c.namespace_id AND r.ref_id = c.ref_id)`,
  'sub-resource of a missing contact': `
    SELECT x.tenant_id, x.id FROM contact_addresses x WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = x.tenant_id AND c.id = x.contact_id)
    UNION ALL SELECT x.tenant_id, x.id FROM contact_banks x WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = x.tenant_id AND c.id = x.contact_id)
    UNION ALL SELECT x.tenant_id, x.id FROM contact_relations x WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = x.tenant_id AND c.id = x.contact_id)`,
  'idempotency key still in progress': `SELECT tenant_id, key FROM idempotency_keys WHERE state = 'in_progress'`,
};

/** Runs every check; returns human-readable violations (empty when the database is consistent). */
export async function integrityProblems(db: Executor, opts: { allowInProgressKeys?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  for (const [name, sql] of Object.entries(CHECKS)) {
    if (opts.allowInProgressKeys && name.startsWith('idempotency')) continue;
    const res = await db.query(sql);
    if (res.rowCount > 0) out.push(`${name}: ${res.rowCount} row(s), e.g. ${JSON.stringify(res.rows.slice(0, 3))}`);
  }
  // Every contact's derived data against its sources (what `contact-registry verify` checks).
  // And the list's counters against count(*) per combination (a tenant whose contacts are all
  // gone may still have counter rows, which must then sum to zero).
  const tenants = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM contacts UNION SELECT tenant_id FROM contact_counts');
  for (const { tenant_id } of tenants.rows) {
    const differences = await verifyDerived(db, tenant_id, { limit: 3 });
    if (differences.length > 0) out.push(`derived data of tenant ${tenant_id}: ${differences.map(describeDifference).join('; ')}`);
    const counts = await verifyContactCounts(db, tenant_id);
    if (counts.length > 0) out.push(`contact counts of tenant ${tenant_id}: ${counts.slice(0, 3).map(describeCountDifference).join('; ')}`);
  }
  return out;
}
