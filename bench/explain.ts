// EXPLAIN (ANALYZE, BUFFERS) of the service's contact queries on a freshly seeded database, to see
// why a scenario is slow without running load. Uses the SQL of bench/baseline-raw-sql.ts (a copy
// of the service's). Usage: node --import tsx bench/explain.ts [large-tenant-size, default 200000]
import pg from 'pg';
import { preparePostgres } from './db.js';
import { cleanup } from './procs.js';
import { FIND_CONTACT, listContactsSql } from './baseline-raw-sql.js';
import { LARGE_INDEX, contactId, seededPan, tenantId } from './dataset.js';

const large = Number(process.argv[2] ?? 200_000);
const { url } = await preparePostgres({ tenants: 2, perTenant: 50, large });
const c = new pg.Client({ connectionString: url });
await c.connect();
const t = tenantId(LARGE_INDEX);
const show = async (label: string, sql: string, params: unknown[]) => {
  const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) ${sql}`, params);
  console.log(`--- ${label}\n${r.rows.map((x) => x['QUERY PLAN']).join('\n')}\n`);
};
try {
  await show('get by id', FIND_CONTACT, [t, contactId(LARGE_INDEX, 5)]);
  for (const [label, q] of [
    ['list filtered', 'status=active&type=individual&page_size=20&page=3'],
    ['search surname', 'search=sharma&page_size=20'],
    ['search full name', `search=${encodeURIComponent('Aarav Sharma')}&page_size=20`],
    ['search PAN', `search=${seededPan(LARGE_INDEX, 1234)}&page_size=20`],
  ] as const) {
    const l = listContactsSql(t, new URLSearchParams(q));
    await show(label, l.sql, l.params);
  }
} finally {
  await c.end();
  await cleanup();
}
