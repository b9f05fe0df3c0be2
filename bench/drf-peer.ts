// The Django/DRF peer as a benchmark target: its own database on the same PostgreSQL server, its
// own migrations and seed command, gunicorn as its README runs it. The peer lives outside this
// repository; `DRF_PEER_DIR` says where (unset: the peer is skipped, and the report says so).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_URL, admin } from './db.js';
import { onCleanup, startCommand, type Proc } from './procs.js';

const PYTHON = '/usr/bin/python3';
const MODULES = 'import django, rest_framework, django_filters, psycopg2, jwt';

/** Null when the peer can run here, else why not. */
export function drfUnavailable(dir: string | undefined): string | null {
  if (!dir) return 'DRF_PEER_DIR is not set';
  if (!existsSync(join(dir, 'run.sh')) || !existsSync(join(dir, 'manage.py'))) return `${dir} holds no run.sh and manage.py`;
  if (!existsSync('/usr/bin/gunicorn')) return 'gunicorn is not installed (Debian package gunicorn)';
  try {
    execFileSync(PYTHON, ['-c', MODULES], { stdio: 'ignore' });
  } catch {
    return `${PYTHON} lacks Django/DRF/django-filter/psycopg2/PyJWT (Debian packages: see the peer's README)`;
  }
  return null;
}

export interface DrfPeer {
  proc: Proc;
  database: string;
  /** The seeded contacts' ids (the peer makes its own ULIDs). */
  ids: string[];
  version: string;
}

/** Creates `<database>`, migrates and seeds `count` contacts for `tenant`, starts gunicorn. */
export async function startDrfPeer(
  dir: string,
  o: { database: string; tenant: string; count: number; secret: string; workers: number },
): Promise<DrfPeer> {
  const u = new URL(ADMIN_URL);
  await admin(`DROP DATABASE IF EXISTS ${o.database} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${o.database}`);
  onCleanup(() => admin(`DROP DATABASE IF EXISTS ${o.database} WITH (FORCE)`));
  const env = {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || 'postgres',
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: o.database,
    AUTH_JWT_SECRET: o.secret,
    DJANGO_SETTINGS_MODULE: 'crego_peer.settings',
    WORKERS: String(o.workers),
  };
  const manage = (...args: string[]) => execFileSync(PYTHON, ['manage.py', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  manage('migrate', '--noinput');
  manage('seed_contacts', '--tenant', o.tenant, '--count', String(o.count));
  const version = execFileSync(PYTHON, ['-c', 'import django, rest_framework; print(django.get_version(), rest_framework.VERSION)'], {
    env,
  })
    .toString()
    .trim();
  const c = new pg.Client({ connectionString: Object.assign(new URL(ADMIN_URL), { pathname: `/${o.database}` }).toString() });
  await c.connect();
  const ids = (await c.query('SELECT id FROM contacts_contact WHERE tenant_id = $1 ORDER BY id', [o.tenant])).rows.map(
    (r) => r.id as string,
  );
  await c.end();
  const proc = await startCommand('drf', 'bash', [join(dir, 'run.sh')], env as Record<string, string>);
  return { proc, database: o.database, ids, version };
}
