import { defineCommand, UsageError } from '../command.js';
import { tenantIdProblem } from '../../auth/claims.js';

export const merge = defineCommand({
  name: 'merge',
  summary: 'merge contacts into a survivor (as POST /contacts/{id}/merge/ does)',
  usage: 'merge ID... --tenant <id> --into <survivor id> --comment <text> [--prefer <field>=<contact id>]... [--dry-run] [--user <sub>]',
  details: `Merges the contacts ID... of a tenant of DATABASE_URL (or DATA_DIR) into the survivor --into, in this
process and one transaction, exactly as POST /contacts/{id}/merge/ would: the same rules for fields,
props, addresses, banks and relations, a merge record that POST /merges/{id}/undo/ can undo, audit
entries and events. --prefer field=<contact id> (repeatable; props as props.<key>) picks a conflicting
field's winner, as the API's "prefer". --dry-run computes the result and writes nothing.
Prints {"merge", "contact"} (the record and the survivor afterwards) as one JSON line on stdout and a
summary on stderr. Exit 0 when merged (or computed), 1 when the merge is refused (the reason and the
fields on stderr, nothing written), 2 for bad arguments. --user (default "cli") is the user the audit
entries name.`,
  options: {
    tenant: { type: 'string' },
    into: { type: 'string' },
    comment: { type: 'string' },
    prefer: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    user: { type: 'string' },
  },
  allowPositionals: true,
  async run(values, io, positionals = []) {
    if (positionals.length === 0) throw new UsageError('give the ids of the contacts to merge into --into');
    if (values.tenant === undefined) throw new UsageError('--tenant is required');
    const problem = tenantIdProblem(values.tenant);
    if (problem) throw new UsageError(`--tenant "${values.tenant}" is not a tenant id: ${problem}`);
    if (values.into === undefined) throw new UsageError('--into (the survivor) is required');
    if (values.comment === undefined) throw new UsageError('--comment is required (it is kept in the merge record and the audit entries)');
    const { loadConfig } = await import('../../config.js');
    const { runMergeCommand, MergeUsageError } = await import('../../resources/merges/merge.command.js');
    try {
      return await runMergeCommand(
        loadConfig(),
        {
          tenant: values.tenant,
          into: values.into,
          ids: positionals,
          comment: values.comment,
          prefer: (values.prefer as string[] | undefined) ?? [],
          dryRun: values['dry-run'] === true,
          user: values.user,
        },
        io,
      );
    } catch (err) {
      if (err instanceof MergeUsageError) throw new UsageError(err.message);
      throw err;
    }
  },
});
