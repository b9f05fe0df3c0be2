import type { Config } from '../../config.js';
import { openDatabase } from '../../db/index.js';
import { describeDifference, verifyDerived } from '../../resources/contacts/derived.verify.js';

export const VERIFY_HELP = `Usage: contact-registry verify --tenant <id> [--limit <n>]

Checks a tenant's derived data against its sources: name keys against names, match keys against
props, the contact rows' copies of props and addresses against the tables, and the name keys
copied to addresses and match keys. Prints one line per difference (at most --limit, default 100).
Exit 0 when everything is consistent, 1 when differences were found.`;

/** `contact-registry verify`: returns the exit code. */
export async function runVerify(config: Config, opts: { tenant: string; limit?: number }, out = process.stdout): Promise<number> {
  const db = await openDatabase(config);
  try {
    const tenantDb = db.forTenant(opts.tenant);
    const differences = await tenantDb.transaction((tx) => verifyDerived(tx, opts.tenant, { limit: opts.limit ?? 100 }));
    if (differences.length === 0) {
      out.write(`tenant ${opts.tenant}: derived data consistent\n`);
      return 0;
    }
    for (const d of differences) out.write(`${describeDifference(d)}\n`);
    out.write(`tenant ${opts.tenant}: ${differences.length}${differences.length === (opts.limit ?? 100) ? '+' : ''} difference(s)\n`);
    return 1;
  } finally {
    await db.close();
  }
}
