import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { migrate, type Database } from '../../src/db/index.js';
import { readMigrations } from '../../src/db/migrate.js';
import { createPgDatabase } from '../../src/db/pg.js';
import { createPgliteDatabase } from '../../src/db/pglite.js';

// Test databases, migrated once and cloned: running the 14 migrations costs about a second on
// PostgreSQL and creating a PGlite cluster (initdb in WebAssembly) four to six seconds, per suite.
// So the first suite after a change to migrations/ builds a migrated template — a PostgreSQL
// template database and a PGlite data directory (in memory, see SCRATCH), both named by a hash of the
// migrations — and every suite then starts from a copy of it: the same schema a fresh migrate
// gives, in a database of its own. The templates are caches: a changed migration gets new ones,
// and the builder of a new one removes those of other hashes that are a day old (PostgreSQL:
// built a day ago, and rebuilt by a run that still needs it; PGlite: not copied for a day).

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
const ORPHAN_AFTER_MS = 60 * 60 * 1000;

let hash: string | undefined;
/** Names the schema the migrations build: any change to a file in migrations/ changes it. */
function migrationsHash(): string {
  if (hash === undefined) {
    const h = createHash('sha256');
    for (const m of readMigrations()) h.update(m.version).update('\0').update(m.sql).update('\0');
    hash = h.digest('hex').slice(0, 16);
  }
  return hash;
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

let pgReachable: Promise<string | null> | undefined;
/** null when reachable, else the reason. */
export function postgresProblem(): Promise<string | null> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

/**
 * Builds what is missing of the templates now rather than in the first suites: the runner
 * (test/run.ts) calls it before starting processes that would otherwise build them side by side.
 */
export async function prepareTemplates(): Promise<void> {
  const template = pgliteTemplatePath();
  if (!existsSync(template)) await buildPgliteTemplate(template);
  if ((await postgresProblem()) !== null) return; // the suites report it (skip, or fail under REQUIRE_POSTGRES=1)
  await withAdmin(async (admin) => {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [pgTemplateName()]);
    if (!exists.rowCount) await buildPgTemplate(admin, pgTemplateName());
  });
}

export interface PgTestDatabase {
  url: string;
  drop: () => Promise<void>;
}

/** A database of this test process, dropped by `drop`. */
async function pgTestDatabase(create: (admin: pg.Client, name: string) => Promise<void>): Promise<PgTestDatabase> {
  const name = `cr_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdmin((admin) => create(admin, name));
  return {
    url: databaseUrl(name),
    drop: () => withAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/** A fresh, empty PostgreSQL database (for tests of migrating itself). */
export function createPgTestDatabase(): Promise<PgTestDatabase> {
  return pgTestDatabase(async (admin, name) => void (await admin.query(`CREATE DATABASE ${name}`)));
}

const pgTemplateName = () => `cr_test_template_${migrationsHash()}`;

/** A PostgreSQL database with every migration applied: a copy of the template, built on first use. */
export function createMigratedPgTestDatabase(): Promise<PgTestDatabase> {
  const template = pgTemplateName();
  return pgTestDatabase(async (admin, name) => {
    const clone = () => admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    try {
      await clone();
    } catch (err) {
      if ((err as { code?: string }).code !== '3D000') throw err; // invalid_catalog_name: no template yet
      await buildPgTemplate(admin, template);
      await clone();
    }
  });
}

// Serializes template builders across processes; migrate() uses 72707369.
const TEMPLATE_LOCK = 72707370;

/**
 * Migrates a database under another name and publishes it by renaming, so a template is either
 * absent or complete. It accepts no connections: CREATE DATABASE … TEMPLATE fails while anyone is
 * connected to the template, so nobody may be.
 */
async function buildPgTemplate(admin: pg.Client, template: string): Promise<void> {
  await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount) return; // another process built it while this one waited
    const build = `${template}_build`;
    await admin.query(`DROP DATABASE IF EXISTS ${build} WITH (FORCE)`); // left by a builder that died
    await admin.query(`CREATE DATABASE ${build}`);
    const db = createPgDatabase({ connectionString: databaseUrl(build), max: 1, statementTimeoutMs: 0, connectTimeoutMs: 3000 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    await admin.query(`COMMENT ON DATABASE ${build} IS 'contact-registry test template, built ${new Date().toISOString()}'`);
    await admin.query(`ALTER DATABASE ${build} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    await admin.query(`ALTER DATABASE ${build} RENAME TO ${template}`);
    await dropStalePgTemplates(admin, template);
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

/** Templates of other migrations built over a day ago; one still in use is rebuilt by its next clone. */
async function dropStalePgTemplates(admin: pg.Client, keep: string): Promise<void> {
  const res = await admin.query<{ name: string; note: string | null }>(
    `SELECT datname AS name, shobj_description(oid, 'pg_database') AS note FROM pg_database
      WHERE datname LIKE 'cr\\_test\\_template\\_%' AND datname <> $1 AND datname NOT LIKE '%\\_build'`,
    [keep],
  );
  for (const { name, note } of res.rows) {
    const built = Date.parse(/built (\S+)/.exec(note ?? '')?.[1] ?? '');
    if (Date.now() - built < STALE_AFTER_MS) continue;
    try {
      await admin.query(`ALTER DATABASE ${name} WITH IS_TEMPLATE false`);
      await admin.query(`DROP DATABASE ${name}`);
    } catch {
      /* being cloned or dropped by another process: left for the next builder */
    }
  }
}

/** The login role the service uses in tests: a member of the migration's contact_registry_app, never the owner. */
export const SERVICE_ROLE = 'contact_registry_service';

/**
 * The URL of `url`'s database as SERVICE_ROLE, so row-level security applies as in production.
 * Needs the database migrated (migration 0007 creates contact_registry_app).
 */
export async function serviceRoleUrl(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${SERVICE_ROLE}') THEN CREATE ROLE ${SERVICE_ROLE} LOGIN; END IF;
      EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await admin.query(`GRANT contact_registry_app TO ${SERVICE_ROLE}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.username = SERVICE_ROLE;
  u.password = '';
  return u.toString();
}

// PGlite: the template is a migrated data directory; each database opens a copy of it. (Copying
// the directory and opening it costs less than loading PGlite's dumpDataDir tar into memory.)

/**
 * Where PGlite data directories live: a data directory is 1,100 small files, and copying and
 * removing them on a disk file system cost about a second of system time per suite, against a
 * twentieth of that on tmpfs (/dev/shm, when the machine has it).
 */
const SCRATCH = process.env.TEST_SCRATCH_DIR ?? (writableDir('/dev/shm') ? '/dev/shm' : tmpdir());

function writableDir(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const TEMPLATES_DIR = join(SCRATCH, 'contact-registry-test-templates');
const COPY_PREFIX = 'cr-test-pglite-';

/** The data directory layout depends on the PGlite build as much as on the migrations. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function pgliteTemplatePath(): string {
  return join(TEMPLATES_DIR, `pglite-${pgliteVersion()}-${migrationsHash()}`);
}

/** A PGlite database with every migration applied, in a data directory of its own that `close` removes. */
export async function openMigratedPglite(): Promise<{ db: Database; close: () => Promise<void> }> {
  removeOrphanedCopies();
  const dir = mkdtempSync(join(SCRATCH, COPY_PREFIX));
  try {
    await copyPgliteTemplate(dir);
    const db = await createPgliteDatabase(dir);
    const close = async () => {
      try {
        await db.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    return { db, close };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function copyPgliteTemplate(into: string): Promise<void> {
  const template = pgliteTemplatePath();
  const copy = () => {
    cpSync(join(template, 'pgdata'), join(into, 'pgdata'), { recursive: true });
    const now = new Date();
    utimesSync(template, now, now); // last used: see removeStalePgliteTemplates
  };
  try {
    copy();
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  rmSync(join(into, 'pgdata'), { recursive: true, force: true });
  await buildPgliteTemplate(template);
  copy();
}

/**
 * Builds in a directory of its own and publishes by renaming, so a template is either absent or
 * complete. Processes that build at the same moment race harmlessly: the first rename wins.
 */
async function buildPgliteTemplate(template: string): Promise<void> {
  mkdirSync(TEMPLATES_DIR, { recursive: true });
  const build = mkdtempSync(join(TEMPLATES_DIR, 'build-'));
  try {
    const db = await createPgliteDatabase(build);
    try {
      await migrate(db);
      // PGlite zeroes its buffer pool at every start: the default 128 MB is most of the cost of
      // opening a database. A suite's few megabytes of rows fit in 16 MB.
      await db.exec(`ALTER SYSTEM SET shared_buffers = '16MB'`);
    } finally {
      await db.close();
    }
    try {
      renameSync(build, template);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err; // else another process published first
    }
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  removeStalePgliteTemplates(template);
}

/**
 * Templates not copied for a day, and builds abandoned by killed processes. Moved aside before
 * removal: a copy reading one at that moment fails with ENOENT (and rebuilds) instead of silently
 * copying half a directory.
 */
function removeStalePgliteTemplates(keep: string): void {
  for (const name of readdirSync(TEMPLATES_DIR)) {
    const path = join(TEMPLATES_DIR, name);
    if (path === keep || name.startsWith('trash-')) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs < STALE_AFTER_MS) continue;
      const trash = join(TEMPLATES_DIR, `trash-${process.pid}-${name}`);
      renameSync(path, trash);
      rmSync(trash, { recursive: true, force: true });
    } catch {
      /* removed by another process meanwhile */
    }
  }
}

let orphansRemoved = false;

/**
 * Copies left by test processes killed before they could remove them (Ctrl-C): an hour old,
 * when no suite still runs on them.
 */
function removeOrphanedCopies(): void {
  if (orphansRemoved) return;
  orphansRemoved = true;
  for (const name of readdirSync(SCRATCH)) {
    if (!name.startsWith(COPY_PREFIX)) continue;
    const path = join(SCRATCH, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > ORPHAN_AFTER_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      /* removed by another process meanwhile */
    }
  }
}
