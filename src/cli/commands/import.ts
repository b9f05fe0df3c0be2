import { defineCommand, UsageError } from '../command.js';
import { tenantIdProblem } from '../../auth/claims.js';

export const importFile = defineCommand({
  name: 'import',
  summary: 'import a CSV or NDJSON file of contacts into a tenant (as POST /imports/ does)',
  usage: 'import FILE --tenant <id> [--namespace <name|id>] [--dry-run] [--match-on none|ref_id|pan] [--on-duplicate block|skip|allow] [--reason <text>] [--user <sub>]',
  details: `Imports FILE (.csv with a header row, or .ndjson/.jsonl: one contact body per line) into the tenant
of DATABASE_URL (or DATA_DIR), in this process, exactly as POST /imports/ and the worker would: each row
validated and written like POST /contacts/ (or PATCH, when --match-on finds a live contact), all or
nothing on its own, in batches that each commit with the job's position (IMPORT_BATCH_ROWS). The job and
its per-row report are in GET /imports/ afterwards. If this process dies, a running worker resumes the job
once its lease (IMPORT_LEASE_MS) runs out.
Shows a progress bar (rows, rows/s, ETA) on stderr when it is a terminal, plain lines every few seconds
otherwise, then a summary. Exit 0 when every row succeeded, 3 when some rows failed or were skipped,
1 when the job failed. --user (default "cli") is the user the audit entries name.`,
  options: {
    tenant: { type: 'string' },
    namespace: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'match-on': { type: 'string' },
    'on-duplicate': { type: 'string' },
    reason: { type: 'string' },
    user: { type: 'string' },
  },
  allowPositionals: true,
  async run(values, io, positionals = []) {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'FILE is required' : 'only one FILE may be given');
    if (values.tenant === undefined) throw new UsageError('--tenant is required');
    const problem = tenantIdProblem(values.tenant);
    if (problem) throw new UsageError(`--tenant "${values.tenant}" is not a tenant id: ${problem}`);
    const { loadConfig } = await import('../../config.js');
    const { runImportCommand, ImportUsageError } = await import('../../resources/imports/import.command.js');
    try {
      return await runImportCommand(loadConfig(), {
        file: positionals[0]!,
        tenant: values.tenant,
        namespace: values.namespace,
        dryRun: values['dry-run'] === true,
        matchOn: values['match-on'],
        onDuplicate: values['on-duplicate'],
        reason: values.reason,
        user: values.user,
      }, io);
    } catch (err) {
      if (err instanceof ImportUsageError) throw new UsageError(err.message);
      throw err;
    }
  },
});
