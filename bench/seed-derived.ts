// Columns and tables the service derives from a contact (dedupe name keys, identifier match
// keys), filled for the seeded rows so search, dedupe and duplicate blocking see realistic data.
// Each step runs only when its column or table exists (migrations land independently).
import { analyzeIdentifiers } from '../src/dedupe/identifiers.js';
import { nameKey, phoneticKey } from '../src/dedupe/names.js';
import { MATCH_ADDRESSES_SQL, MATCH_PROPS_SQL } from '../src/resources/contacts/derived.js';
import { FIRST_NAMES, LAST_NAMES } from './dataset.js';
import type { SeedExecutor } from './seed.js';

async function hasColumn(db: SeedExecutor, table: string, column: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return r.rows.length > 0;
}

/**
 * The service's name_key/name_phonetic for every seeded name, or null when the columns do not
 * exist. Index (first * 40 + last) * 2 + (corporate ? 1 : 0), matching the seed's name choice.
 */
export async function nameKeyTable(db: SeedExecutor): Promise<{ keys: string[]; phonetic: string[] } | null> {
  if (!(await hasColumn(db, 'contacts', 'name_key')) || !(await hasColumn(db, 'contacts', 'name_phonetic'))) return null;
  const keys: string[] = [];
  const phonetic: string[] = [];
  for (const f of FIRST_NAMES) {
    for (const l of LAST_NAMES) {
      for (const t of ['individual', 'corporate'] as const) {
        keys.push(nameKey(`${f} ${l}`, t));
        phonetic.push(phoneticKey(`${f} ${l}`, t));
      }
    }
  }
  return { keys, phonetic };
}

export async function seedDerived(db: SeedExecutor): Promise<string[]> {
  const done: string[] = [];
  if (await nameKeyTable(db)) done.push('contacts.name_key/name_phonetic');
  if (await hasColumn(db, 'contact_match_keys', 'kind')) {
    // The SQL below must produce what the service computes; check it on one sample first.
    const sample = analyzeIdentifiers([
      { key: 'pan_no', value: 'AAAAP0000P' },
      { key: 'mobile', value: '9999029997' },
      { key: 'segment', value: 'retail' },
    ] as Parameters<typeof analyzeIdentifiers>[0]).keys.map((k) => `${k.kind}=${k.value}@${k.key}`);
    const expected = ['pan=AAAAP0000P@pan_no', 'mobile=+919999029997@mobile'];
    if (sample.join() !== expected.join()) {
      return [...done, `contact_match_keys: not seeded (service computes ${sample.join()}, seed SQL assumes ${expected.join()})`];
    }
    await db.query(
      `INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key)
       SELECT tenant_id, contact_id, CASE key WHEN 'pan_no' THEN 'pan' ELSE 'mobile' END,
              CASE key WHEN 'pan_no' THEN value ELSE '+91' || value END, key
         FROM contact_props WHERE tenant_id LIKE 'bench-%' AND key IN ('pan_no', 'mobile')`,
    );
    done.push('contact_match_keys (pan, mobile)');
  }
  if (await hasColumn(db, 'contacts', 'match_props')) {
    // The copies the service writes with every props and address write (migration 0014), filled
    // after the fact: the update rewrites every seeded contact, so the table is compacted again.
    await db.query(
      `UPDATE contacts SET match_props = ${MATCH_PROPS_SQL}, match_addresses = ${MATCH_ADDRESSES_SQL} WHERE tenant_id LIKE 'bench-%'`,
    );
    await db.query('VACUUM FULL contacts');
    done.push('contacts.match_props/match_addresses');
  }
  return done;
}
