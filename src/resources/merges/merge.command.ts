import type { Config } from '../../config.js';
import type { CliIo } from '../../cli/command.js';
import { openDatabase } from '../../db/index.js';
import { AppError } from '../../errors/index.js';
import { systemActor } from '../../changes/index.js';
import { normalizeId } from '../../validation/ids.js';
import { checkMergeBody, runMerge } from './merge.service.js';
import type { MergeRecord } from './merges.schema.js';

// `contact-registry merge`: the merge of POST /contacts/{id}/merge/ for scripted clean-ups, run in
// this process on DATABASE_URL (or DATA_DIR) — the same service, rules, audit entries and events.

export interface MergeCommandOptions {
  tenant: string;
  into: string;
  ids: string[];
  comment: string;
  /** `field=<contact id>` pairs (as the API's `prefer`). */
  prefer: string[];
  dryRun: boolean;
  user: string | undefined;
}

export class MergeUsageError extends Error {}

function parsePrefer(pairs: readonly string[]): Record<string, string> {
  const prefer: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new MergeUsageError(`--prefer takes field=<contact id>, got "${pair}"`);
    prefer[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return prefer;
}

/** The refusal as a person reads it: the detail, then each field's messages. */
function describeRefusal(err: AppError): string {
  const lines = [`merge refused (${err.status} ${err.code}): ${err.message}`];
  for (const [field, messages] of Object.entries(err.errors ?? {})) lines.push(`  ${field}: ${messages.join(' ')}`);
  return lines.join('\n');
}

/** Exit 0 when merged (or dry-run computed), 1 when the service refused the merge. */
export async function runMergeCommand(config: Config, o: MergeCommandOptions, io: CliIo): Promise<number> {
  const survivorId = normalizeId(o.into);
  if (!survivorId) throw new MergeUsageError(`--into "${o.into}" is not a contact id`);
  const body = { merge_ids: o.ids, comment: o.comment, prefer: parsePrefer(o.prefer) };
  const db = await openDatabase(config);
  try {
    const actor = systemActor(o.tenant, o.user ?? 'cli', 'cli:merge');
    let outcome: { merge: MergeRecord; contact: unknown };
    try {
      const { merge, contact } = await runMerge(db.forTenant(o.tenant), actor, survivorId, checkMergeBody(survivorId, body), { dryRun: o.dryRun });
      outcome = { merge, contact };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      io.err(`${describeRefusal(err)}\n`);
      return 1;
    }
    io.out(`${JSON.stringify(outcome)}\n`);
    const m = outcome.merge;
    io.err(
      o.dryRun
        ? `dry run: ${m.merged_ids.length} contact(s) would be merged into ${m.survivor}; nothing was written\n`
        : `merged ${m.merged_ids.join(', ')} into ${m.survivor} (merge ${m.id}); undo: POST /merges/${m.id}/undo/\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
