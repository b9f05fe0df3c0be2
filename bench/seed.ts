// Seeds the fixed data set with set-based SQL (INSERT … SELECT over generate_series): the same
// statements run on PostgreSQL and on PGlite. Values come from a multiplicative hash of the
// (tenant, sequence) pair, so the data set is identical on every run.
import { nameKeyTable, seedDerived } from './seed-derived.js';
import { BASE_TIME, CONTACT_PATTERN, FIRST_NAMES, LARGE_INDEX, LAST_NAMES, NAMESPACE, tenantId, type Sizes } from './dataset.js';

export interface SeedExecutor {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export interface SeedReport {
  contacts: number;
  props: number;
  optional: Record<string, string>;
  derived: string[];
  seconds: number;
}

const hexId = (prefix: string, ti: string, n: string) =>
  `'${prefix}' || upper(lpad(to_hex(${ti}), 4, '0')) || upper(lpad(to_hex(${n}), 18, '0'))`;

// $1 tenant indexes, $2 tenant ids, $3 contacts per tenant.
const GEN = `FROM unnest($1::int[], $2::text[]) AS t(ti, tenant_id)
  CROSS JOIN generate_series(0, $3::int - 1) AS g(j)
  CROSS JOIN LATERAL (SELECT ((g.j::bigint * 2654435761 + t.ti * 97) % 4294967296) / 256 AS h) x`;

const letter = (e: string) => `chr(65 + ((${e}) % 26)::int)`;
const PAN = `${letter('g.j / 17576')} || ${letter('g.j / 676')} || ${letter('g.j / 26')} || ${letter('g.j')} || 'P' || lpad((g.j % 10000)::text, 4, '0') || ${letter('t.ti')}`;

type NameKeys = { keys: string[]; phonetic: string[] } | null;

export async function seedGroup(db: SeedExecutor, tis: number[], n: number, nk: NameKeys): Promise<void> {
  const args = [tis, tis.map(tenantId), n];
  // The dedupe name columns, when they exist, come from a table indexed like the name choice.
  const nkIndex = '1 + ((x.h % 40) * 40 + (x.h / 40) % 40) * 2 + CASE WHEN (x.h / 1600) % 5 = 0 THEN 1 ELSE 0 END';
  const nkCols = nk ? ', name_key, name_phonetic' : '';
  const nkVals = nk ? `, ($6::text[])[${nkIndex}], ($7::text[])[${nkIndex}]` : '';
  await db.query(
    `INSERT INTO namespaces (tenant_id, id, name, contact_pattern, contact_counter, created_at, created_by, updated_at)
     SELECT t.tenant_id, ${hexId('01JA', 't.ti', '0')}, '${NAMESPACE}', '${CONTACT_PATTERN}', $3::int + 1, '${BASE_TIME}', 'seed', '${BASE_TIME}'
       FROM unnest($1::int[], $2::text[]) AS t(ti, tenant_id)`,
    args,
  );
  await db.query(
    `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, tags, refs, rm_id, branch_id,
                           approval_status, created_at, created_by, updated_at${nkCols})
     SELECT t.tenant_id, ${hexId('01JB', 't.ti', 'g.j')}, ${hexId('01JA', 't.ti', '0')},
            ($4::text[])[1 + x.h % 40] || ' ' || ($5::text[])[1 + (x.h / 40) % 40],
            CASE WHEN x.h % 10 < 8 THEN 'active' ELSE 'inactive' END,
            CASE WHEN (x.h / 1600) % 5 = 0 THEN 'corporate' ELSE 'individual' END,
            'CUST-' || lpad((g.j + 1)::text, 7, '0'),
            CASE (x.h / 8000) % 10 WHEN 0 THEN ARRAY['vip'] WHEN 1 THEN ARRAY['retail', 'priority'] ELSE ARRAY['retail'] END,
            jsonb_build_object('crm_id', 'C' || g.j),
            'rm-' || (x.h % 50), 'br-' || ((x.h / 50) % 20),
            CASE WHEN x.h % 7 = 0 THEN 'approved' ELSE 'pending' END,
            '${BASE_TIME}'::timestamptz + g.j * interval '1 minute', 'seed',
            '${BASE_TIME}'::timestamptz + g.j * interval '1 minute'${nkVals}
     ${GEN}`,
    [...args, FIRST_NAMES, LAST_NAMES, ...(nk ? [nk.keys, nk.phonetic] : [])],
  );
  await db.query(
    `INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at)
     SELECT t.tenant_id, ${hexId('01JA', 't.ti', '0')}, 'CUST-' || lpad((g.j + 1)::text, 7, '0'), ${hexId('01JB', 't.ti', 'g.j')}, '${BASE_TIME}'
     ${GEN}`,
    args,
  );
  await db.query(
    `INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
     SELECT t.tenant_id, ${hexId('01JC', 't.ti', 'g.j * 4 + k.n')}, ${hexId('01JB', 't.ti', 'g.j')}, k.key,
            CASE k.n WHEN 0 THEN ${PAN}
                     WHEN 1 THEN '9' || lpad(((t.ti::bigint * 1000003 + g.j) % 1000000000)::text, 9, '0')
                     ELSE (ARRAY['retail', 'sme', 'salaried', 'self-employed'])[1 + x.h % 4] END,
            'text', '${BASE_TIME}', 'seed', '${BASE_TIME}'
     ${GEN} CROSS JOIN (VALUES (0, 'pan_no'), (1, 'mobile'), (2, 'segment')) AS k(n, key)`,
    args,
  );
}

// Sub-resource tables may not exist yet (another migration adds them): each known column gets an
// expression over the owning contact `c`; a required column we do not know skips the table.
const KNOWN: Record<string, string> = {
  tenant_id: 'c.tenant_id',
  contact_id: 'c.id',
  address_line: "'12 MG Road, Indiranagar'",
  city: "'Bengaluru'",
  state: "'Karnataka'",
  pincode: "'560038'",
  country: "'India'",
  coords: `'{"lat": 12.97, "lng": 77.59}'::jsonb`,
  lat: '12.97',
  lng: '77.59',
  codes: "'{}'::jsonb",
  refs: "'{}'::jsonb",
  tags: "'{}'::text[]",
  account_holder_name: 'c.name',
  account_no: "'9' || lpad(abs(hashtext(c.id))::text, 11, '0')",
  ifsc: "'HDFC0001234'",
  bank_name: "'HDFC Bank'",
  branch_name: "'Indiranagar'",
  account_type: "'savings'",
  is_primary: 'true',
  is_deleted: 'false',
  version: '1',
  created_at: 'c.created_at',
  created_by: "'seed'",
  updated_at: 'c.created_at',
};

export async function seedOptional(db: SeedExecutor, candidates: string[], idPrefix: string): Promise<string> {
  const found = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1::text[])`,
    [candidates],
  );
  const table = found.rows[0]?.table_name as string | undefined;
  if (!table) return 'table absent';
  const cols = await db.query(
    `SELECT column_name, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  const names: string[] = [];
  const exprs: string[] = [];
  for (const c of cols.rows as { column_name: string; is_nullable: string; column_default: string | null }[]) {
    const expr = c.column_name === 'id' ? `'${idPrefix}' || substr(c.id, 5)` : KNOWN[c.column_name];
    if (expr !== undefined) {
      names.push(c.column_name);
      exprs.push(expr);
    } else if (c.is_nullable === 'NO' && c.column_default === null) {
      return `${table}: not seeded (unknown required column ${c.column_name})`;
    }
  }
  try {
    await db.query(
      `INSERT INTO ${table} (${names.join(', ')}) SELECT ${exprs.join(', ')} FROM contacts c WHERE c.tenant_id LIKE 'bench-%'`,
    );
    return `${table}: one row per contact`;
  } catch (err) {
    return `${table}: not seeded (${(err as Error).message})`;
  }
}

export async function seed(db: SeedExecutor, s: Sizes): Promise<SeedReport> {
  const t0 = Date.now();
  const nk = await nameKeyTable(db);
  await seedGroup(
    db,
    Array.from({ length: s.tenants }, (_, i) => i),
    s.perTenant,
    nk,
  );
  await seedGroup(db, [LARGE_INDEX], s.large, nk);
  const optional = {
    addresses: await seedOptional(db, ['contact_addresses', 'addresses'], '01JD'),
    banks: await seedOptional(db, ['contact_banks', 'banks'], '01JE'),
  };
  const derived = await seedDerived(db);
  await db.query('VACUUM ANALYZE');
  const contacts = s.tenants * s.perTenant + s.large;
  return { contacts, props: contacts * 3, optional, derived, seconds: (Date.now() - t0) / 1000 };
}
