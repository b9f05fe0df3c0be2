import { AppError } from '../../errors/index.js';
import { dedupeDuration } from '../../observability/metrics.js';
import type { Executor } from '../../db/index.js';
import type { ContactType } from '../../dedupe/score.js';
import { toContact } from '../contacts/contacts.queries.js';
import type { DedupeBody } from './dedupe.schema.js';
import { planDedupe, rankCandidates } from './dedupe.match.js';
import { findCandidates } from './dedupe.queries.js';
import { normalizeId } from '../../validation/ids.js';
import { dismissedPartners } from '../common/duplicate-pairs.js';

const DEFAULT_LIMIT = 10;

/** POST /contacts/dedupe/: the tenant's live contacts that may be the candidate, scored and explained. */
export async function findDuplicates(db: Executor, tenantId: string, body: DedupeBody) {
  const stopTimer = dedupeDuration.startTimer();
  try {
    return await rankedDuplicates(db, tenantId, body);
  } finally {
    stopTimer();
  }
}

async function rankedDuplicates(db: Executor, tenantId: string, body: DedupeBody) {
  const type = (body.type ?? null) as ContactType | null;
  const { candidate, query } = planDedupe({ name: body.name, type, props: body.props ?? [], addresses: body.addresses ?? [], namespace: body.namespace ?? null });
  // The namespace is only validated (matching is tenant-wide), by the same statement.
  const { namespaceOk, rows } = await findCandidates(db, tenantId, query);
  if (!namespaceOk) {
    throw new AppError('validation_error', `Unknown namespace "${body.namespace}".`, { errors: { namespace: [`Unknown namespace "${body.namespace}".`] } });
  }
  const self = normalizeId(body.id);
  const others = self === undefined ? rows : rows.filter((r) => r.id !== self);
  const matches = rankCandidates(candidate, others, { minScore: body.min_score ?? 0, limit: body.limit ?? DEFAULT_LIMIT });
  const dismissed = self === undefined ? new Set<string>() : await dismissedPartners(db, tenantId, self, matches.map((m) => m.row.id));
  return {
    count: matches.length,
    results: matches.map((m) => ({
      contact: toContact(m.row),
      score: m.result.score,
      band: m.result.band!,
      reasons: m.result.reasons,
      ...(dismissed.has(m.row.id) ? { dismissed: true } : {}),
    })),
  };
}
