// Seeds a dedupe bench tenant with set-based SQL: INSERT … SELECT FROM unnest(…) in batches of
// ~10k contacts, with name keys and match keys computed by the service's own pure functions.
import pg from 'pg';
import { analyzeIdentifiers } from '../../src/dedupe/identifiers.js';
import { nameKey, phoneticKey } from '../../src/dedupe/names.js';
import { matchPropsJson } from '../../src/resources/contacts/derived.js';
import { generateTenant, type GenRecord } from './generator.js';

export const SEED_BATCH = 10_000;
const BASE_TIME = Date.parse('2024-01-01T00:00:00Z');
const SPAN_MS = 2 * 365 * 86_400_000;
const TABLES = ['contacts', 'contact_ref_ids', 'contact_props', 'contact_match_keys', 'contact_addresses'];

export interface TenantSpec {
  /** Small integer naming the tenant in ids. */
  index: number;
  tenant: string;
  size: number;
  seed: number;
}

/** What the measurements need to remember of a seeded tenant. */
export interface SeededTenant extends TenantSpec {
  namespaceId: string;
  /** Base person of each record, by seq. */
  personOf: Int32Array;
  /** Duplicate records and their originals, by seq. */
  labelled: Map<number, GenRecord>;
  /** (original seq, duplicate seq). */
  pairs: [number, number][];
  /** Records per phonetic name key: what the endpoint counts for the name-frequency weight. */
  phoneticCounts: Map<string, number>;
  seconds: number;
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
// Valid ULIDs (upper-case hex digits are Crockford base32 digits): a kind prefix, the tenant index
// and a sequence number, so ids are derived rather than read back.
export const contactId = (ti: number, seq: number): string => `01JD${hex(ti, 4)}${hex(seq, 18)}`;
export const seqOf = (id: string): number => parseInt(id.slice(8), 16);
const propId = (ti: number, seq: number, k: number): string => `01JE${hex(ti, 4)}${hex(seq * 8 + k, 18)}`;
const addressId = (ti: number, seq: number): string => `01JF${hex(ti, 4)}${hex(seq, 18)}`;
export const namespaceIdOf = (ti: number): string => `01JC${hex(ti, 4)}${hex(0, 18)}`;
export const NAMESPACE = 'borrowers';

interface Batch {
  /** mp, ma: the contact's copies of its props and addresses (migration 0014), as JSON text. */
  c: { id: string[]; name: string[]; type: string[]; ref: string[]; nk: string[]; ph: string[]; at: string[]; mp: string[]; ma: string[] };
  p: { id: string[]; cid: string[]; key: string[]; value: string[]; at: string[] };
  k: { cid: string[]; kind: string[]; value: string[]; key: string[]; via: (string | null)[] };
  a: { id: string[]; cid: string[]; line: (string | null)[]; city: string[]; state: string[]; pin: string[]; at: string[] };
}

function newBatch(): Batch {
  return {
    c: { id: [], name: [], type: [], ref: [], nk: [], ph: [], at: [], mp: [], ma: [] },
    p: { id: [], cid: [], key: [], value: [], at: [] },
    k: { cid: [], kind: [], value: [], key: [], via: [] },
    a: { id: [], cid: [], line: [], city: [], state: [], pin: [], at: [] },
  };
}

function addRecord(b: Batch, spec: TenantSpec, r: GenRecord, phonetic: string): void {
  const id = contactId(spec.index, r.seq);
  const at = new Date(BASE_TIME + Math.floor((r.seq / spec.size) * SPAN_MS)).toISOString();
  b.c.id.push(id);
  b.c.name.push(r.name);
  b.c.type.push(r.type);
  b.c.ref.push(`BRW-${String(r.seq + 1).padStart(7, '0')}`);
  b.c.nk.push(nameKey(r.name, r.type));
  b.c.ph.push(phonetic);
  b.c.at.push(at);
  // The copies the service writes with a contact's props and addresses (migration 0014).
  b.c.mp.push(matchPropsJson(r.props.map((p, k) => ({ id: propId(spec.index, r.seq, k), key: p.key, value: p.value }))));
  b.c.ma.push(JSON.stringify(r.pincode === null ? [] : [[r.pincode, r.addressLine]]));
  r.props.forEach((p, k) => {
    b.p.id.push(propId(spec.index, r.seq, k));
    b.p.cid.push(id);
    b.p.key.push(p.key);
    b.p.value.push(p.value);
    b.p.at.push(at);
  });
  for (const mk of analyzeIdentifiers(r.props).keys) {
    b.k.cid.push(id);
    b.k.kind.push(mk.kind);
    b.k.value.push(mk.value);
    b.k.key.push(mk.key);
    b.k.via.push(mk.via ?? null);
  }
  if (r.pincode !== null) {
    b.a.id.push(addressId(spec.index, r.seq));
    b.a.cid.push(id);
    b.a.line.push(r.addressLine);
    b.a.city.push(r.city ?? '');
    b.a.state.push(r.state ?? '');
    b.a.pin.push(r.pincode);
    b.a.at.push(at);
  }
}

async function insertBatch(c: pg.Client, spec: TenantSpec, nsId: string, b: Batch): Promise<void> {
  const t = spec.tenant;
  await c.query(
    `INSERT INTO contacts (tenant_id, id, namespace_id, name, status, type, ref_id, name_key, name_phonetic, created_at, created_by, updated_at,
                           match_props, match_addresses)
     SELECT $1, u.id, $2, u.name, 'active', u.type, u.ref, u.nk, u.ph, u.at, 'bench-seed', u.at, u.mp::json, u.ma::json
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[], $11::text[])
         AS u(id, name, type, ref, nk, ph, at, mp, ma)`,
    [t, nsId, b.c.id, b.c.name, b.c.type, b.c.ref, b.c.nk, b.c.ph, b.c.at, b.c.mp, b.c.ma],
  );
  await c.query(
    `INSERT INTO contact_ref_ids (tenant_id, namespace_id, ref_id, contact_id, created_at)
     SELECT $1, $2, u.ref, u.id, u.at FROM unnest($3::text[], $4::text[], $5::timestamptz[]) AS u(ref, id, at)`,
    [t, nsId, b.c.ref, b.c.id, b.c.at],
  );
  await c.query(
    `INSERT INTO contact_props (tenant_id, id, contact_id, key, value, type, created_at, created_by, updated_at)
     SELECT $1, u.id, u.cid, u.key, u.value, 'text', u.at, 'bench-seed', u.at
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS u(id, cid, key, value, at)`,
    [t, b.p.id, b.p.cid, b.p.key, b.p.value, b.p.at],
  );
  await c.query(
    // The name key that migration 0012's trigger would copy from the contact (triggers are off).
    `INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via, name_key)
     SELECT $1, u.cid, u.kind, u.value, u.key, u.via, c.name_key FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(cid, kind, value, key, via)
       JOIN contacts c ON c.tenant_id = $1 AND c.id = u.cid
     ON CONFLICT DO NOTHING`,
    [t, b.k.cid, b.k.kind, b.k.value, b.k.key, b.k.via],
  );
  await c.query(
    // Triggers are off while loading (session_replication_role), so the name key that migration
    // 0008's trigger would copy from the contact is copied here.
    `INSERT INTO contact_addresses (tenant_id, id, contact_id, address_line, city, state, pincode, country, created_at, created_by, updated_at, name_key)
     SELECT $1, u.id, u.cid, u.line, u.city, u.state, u.pin, 'India', u.at, 'bench-seed', u.at, c.name_key
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS u(id, cid, line, city, state, pin, at)
       JOIN contacts c ON c.tenant_id = $1 AND c.id = u.cid`,
    [t, b.a.id, b.a.cid, b.a.line, b.a.city, b.a.state, b.a.pin, b.a.at],
  );
}

/**
 * Drops the secondary indexes of the seeded tables (bulk loading into them row by row would cost
 * several times more) and returns the statements that recreate them.
 */
export async function dropSecondaryIndexes(c: pg.Client): Promise<string[]> {
  const res = await c.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
    [TABLES],
  );
  for (const r of res.rows) await c.query(`DROP INDEX ${r.indexname}`);
  return res.rows.map((r) => r.indexdef);
}

export async function finishLoad(c: pg.Client, indexDefs: string[], log: (s: string) => void): Promise<void> {
  await c.query(`SET maintenance_work_mem = '1GB'`);
  for (const def of indexDefs) {
    const t0 = Date.now();
    await c.query(def);
    log(`  index ${def.replace(/^CREATE (UNIQUE )?INDEX (\S+).*$/, '$2')} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // Triggers are off while loading, so the list's contact counters (migration 0040) are built here.
  const tenants = await c.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM contacts');
  for (const { tenant_id } of tenants.rows) {
    await c.query('BEGIN');
    await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant_id]);
    await c.query('SELECT contact_counts_rebuild($1)', [tenant_id]);
    await c.query('COMMIT');
  }
  const t0 = Date.now();
  await c.query(`VACUUM (ANALYZE) ${TABLES.join(', ')}, namespaces`);
  log(`  vacuum analyze ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Seeds one tenant (namespace + contacts + props + match keys + addresses). */
/**
 * Generates the tenant and inserts it; with no client it only generates (the labels of a database
 * seeded earlier with the same spec: the generator is deterministic).
 */
export async function seedTenant(c: pg.Client | null, spec: TenantSpec, progress: (done: number) => void): Promise<SeededTenant> {
  const t0 = Date.now();
  const nsId = namespaceIdOf(spec.index);
  await c?.query(
    `INSERT INTO namespaces (tenant_id, id, name, created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, 'bench-seed', $4)`,
    [spec.tenant, nsId, NAMESPACE, new Date(BASE_TIME)],
  );
  const personOf = new Int32Array(spec.size);
  const labelled = new Map<number, GenRecord>();
  const pairs: [number, number][] = [];
  const phoneticCounts = new Map<string, number>();
  const recent = new Map<number, GenRecord>(); // originals that may still get a duplicate
  let batch = newBatch();
  let n = 0;
  let inflight: Promise<void> | null = null;
  for (const r of generateTenant({ seed: spec.seed, size: spec.size })) {
    personOf[r.seq] = r.person;
    if (r.dupOf === null) {
      recent.clear();
      recent.set(r.seq, r);
    } else {
      const orig = recent.get(r.dupOf)!;
      labelled.set(orig.seq, orig);
      labelled.set(r.seq, r);
      pairs.push([orig.seq, r.seq]);
    }
    const phonetic = phoneticKey(r.name, r.type);
    phoneticCounts.set(phonetic, (phoneticCounts.get(phonetic) ?? 0) + 1);
    if (c) addRecord(batch, spec, r, phonetic);
    if (++n % SEED_BATCH === 0 && c) {
      // Build the next batch while the database writes this one.
      if (inflight) await inflight;
      inflight = insertBatch(c, spec, nsId, batch);
      batch = newBatch();
      progress(n);
    }
  }
  if (inflight) await inflight;
  if (c && batch.c.id.length > 0) await insertBatch(c, spec, nsId, batch);
  progress(n);
  return { ...spec, namespaceId: nsId, personOf, labelled, pairs, phoneticCounts, seconds: (Date.now() - t0) / 1000 };
}

/** A client for bulk loading: foreign-key triggers off (the generator's rows are consistent by construction). */
export async function loaderClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('SET session_replication_role = replica');
  await c.query('SET synchronous_commit = off');
  return c;
}
