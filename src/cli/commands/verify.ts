import { defineCommand, UsageError } from '../command.js';
import { tenantIdProblem } from '../../auth/claims.js';

const LIMIT = /^[1-9][0-9]{0,6}$/;

export const verify = defineCommand({
  name: 'verify',
  summary: "check a tenant's derived dedupe data against its sources",
  usage: 'verify --tenant <id> [--limit <n>] [--repair]',
  details: `Checks a tenant's derived data against its sources: name keys against names, match keys against
props, the contact rows' copies of props and addresses against the tables, the name keys
copied to addresses and match keys, and the list's contact counters against count(*) per
namespace, status, type and approval status (docs/architecture.md, "Derived data"). Prints one line
per difference (at most --limit, default 100). Exit 0 when everything is consistent, 1 when
differences were found. --repair rebuilds the derived data of every contact that differs (run it
after an upgrade that changed identifier recognition, see the README's dedupe section) and, when
they differ, the tenant's counters (writes of contacts wait meanwhile), then exits 0.`,
  options: { tenant: { type: 'string' }, limit: { type: 'string' }, repair: { type: 'boolean' } },
  async run(values, io) {
    if (values.tenant === undefined) throw new UsageError('--tenant is required');
    const problem = tenantIdProblem(values.tenant);
    if (problem) throw new UsageError(`--tenant "${values.tenant}" is not a tenant id: ${problem}`);
    if (values.limit !== undefined && !LIMIT.test(values.limit)) throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    const tenant = values.tenant;
    const { loadConfig } = await import('../../config.js');
    const { openDatabase } = await import('../../db/index.js');
    const { describeCountDifference, describeDifference, rebuildContactCounts, repairDerived, verifyContactCounts, verifyDerived } = await import(
      '../../resources/contacts/derived.verify.js'
    );
    const db = await openDatabase(loadConfig());
    try {
      if (values.repair) {
        const rebuilt = await db.forTenant(tenant).transaction((tx) => repairDerived(tx, tenant));
        io.out(`tenant ${tenant}: derived data rebuilt for ${rebuilt.length} contact(s)\n`);
        const counts = await db.forTenant(tenant).transaction(async (tx) => {
          const differing = await verifyContactCounts(tx, tenant);
          if (differing.length > 0) await rebuildContactCounts(tx, tenant);
          return differing.length;
        });
        if (counts > 0) io.out(`tenant ${tenant}: contact counts rebuilt (${counts} combination(s) differed)\n`);
        return 0;
      }
      const counts = (await db.forTenant(tenant).transaction((tx) => verifyContactCounts(tx, tenant))).map(describeCountDifference);
      const contacts = (await db.forTenant(tenant).transaction((tx) => verifyDerived(tx, tenant, { limit }))).map(describeDifference);
      const differences = [...counts, ...contacts].slice(0, limit);
      if (differences.length === 0) {
        io.out(`tenant ${tenant}: derived data consistent\n`);
        return 0;
      }
      for (const d of differences) io.out(`${d}\n`);
      io.out(`tenant ${tenant}: ${differences.length}${differences.length === limit ? '+' : ''} difference(s)\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
});
