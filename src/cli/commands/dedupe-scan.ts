import { defineCommand, UsageError } from '../command.js';
import { tenantIdProblem } from '../../auth/claims.js';

export const dedupeScan = defineCommand({
  name: 'dedupe-scan',
  summary: 'write the clusters of probable duplicates of a tenant',
  usage: 'dedupe-scan --tenant <id> [--namespace <name|id>] [--format jsonl|csv] [--out <file>] [--min-band probable|possible] [--persist [--user <sub>]]',
  details: `Scans the live contacts of a tenant (or one namespace) of DATABASE_URL (or DATA_DIR) for duplicates and
writes one cluster per JSON line ({"cluster","size","contacts":[{"id","ref_id","name"}],"pairs":[{"a","b","score","band","reasons"}]})
or CSV rows (cluster,contact_id,ref_id,name,best_score,band) to --out (default stdout).
Pairs are scored like POST /contacts/dedupe/; --min-band (default probable) is the weakest band that links a pair.
Blocking keeps it near-linear: shared PAN, mobile, email (and CIN, passport, voter id) values, and equal
phonetic name keys that also share a pincode or Aadhaar last four (all same-sounding names with --min-band possible).
--persist also opens a duplicate pair (GET /duplicates/, source "scan") for every pair found, refreshes open
ones and leaves dismissed and merged ones alone; its --min-band default is possible, and --user (default "cli")
is the user the pairs' audit entries name.
Shows a progress bar on stderr when it is a terminal. Statements may run up to 30 minutes (a batch job).`,
  options: {
    tenant: { type: 'string' },
    namespace: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'min-band': { type: 'string' },
    persist: { type: 'boolean' },
    user: { type: 'string' },
  },
  async run(values) {
    if (values.tenant === undefined) throw new UsageError('--tenant is required');
    const problem = tenantIdProblem(values.tenant);
    if (problem) throw new UsageError(`--tenant "${values.tenant}" is not a tenant id: ${problem}`);
    const { loadConfig } = await import('../../config.js');
    const { runScanCommand, ScanUsageError } = await import('../../resources/dedupe/scan.command.js');
    try {
      await runScanCommand(loadConfig(), {
        tenant: values.tenant,
        namespace: values.namespace,
        format: values.format,
        out: values.out,
        minBand: values['min-band'],
        persist: values.persist
          ? async (db, clusters) => {
              const { persistScanPairs } = await import('../../resources/duplicates/scans.service.js');
              const { systemActor } = await import('../../changes/index.js');
              const c = await persistScanPairs(db, systemActor(db.tenantId, values.user ?? 'cli', 'cli:dedupe-scan'), clusters);
              return `pairs: ${c.pairs_found} found, ${c.opened} opened, ${c.refreshed} refreshed, ${c.unchanged} unchanged, ${c.kept} kept (dismissed or merged)`;
            }
          : undefined,
      });
    } catch (err) {
      if (err instanceof ScanUsageError) throw new UsageError(err.message);
      throw err;
    }
    return 0;
  },
});
