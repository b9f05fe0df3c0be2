import { AppError, fieldError, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { checkPrecondition, recordChange, type Actor, type Precondition } from '../../changes/index.js';
import type { ContactType } from '../../dedupe/score.js';
import { pairChange, type PairRow } from '../common/duplicate-pairs.js';
import { findContactsByIds } from '../contacts/contacts.queries.js';
import { propsOf } from '../contacts/props.queries.js';
import { addressesOf } from '../addresses/addresses.queries.js';
import { planDedupe, rankCandidates } from '../dedupe/dedupe.match.js';
import { findCandidates } from '../dedupe/dedupe.queries.js';
import { findPair, openOrRefreshPair, setPairStatus, type FoundPair, type PairOutcome } from './duplicates.queries.js';

// The review queue's actions (CONTRACT §8.1) and the matching of one existing contact against its
// tenant, which opens pairs after writes. Dismiss and reopen follow the lifecycle actions' rules:
// a repeat is a no-op 200 (no entry, same ETag), a transition the state forbids is 409.

async function lockVisiblePair(tx: Executor, tenantId: string, id: string, precondition?: Precondition): Promise<PairRow> {
  const pair = await findPair(tx, tenantId, id, { lock: true });
  if (!pair) throw notFound('Duplicate pair');
  checkPrecondition(precondition, pair.version);
  return pair;
}

const mergedPair = (p: PairRow) => new AppError('invalid_state', `Pair ${p.id} is merged: its contacts are one contact now.`);

export async function dismissPair(tx: Executor, actor: Actor, id: string, comment: string, precondition?: Precondition, at = new Date()): Promise<PairRow> {
  if (!comment) throw fieldError('comment', 'A comment is required to dismiss a pair.');
  const pair = await lockVisiblePair(tx, actor.tenantId, id, precondition);
  if (pair.status === 'dismissed') return pair;
  if (pair.status === 'merged') throw mergedPair(pair);
  const next = await setPairStatus(tx, actor.tenantId, id, { status: 'dismissed', comment, resolvedAt: at, resolvedBy: actor.userId }, at);
  await recordChange(tx, actor, pairChange('duplicate.dismissed', pair, next, `dismiss: ${comment}`, at));
  return next;
}

export async function reopenPair(tx: Executor, actor: Actor, id: string, comment: string | null, precondition?: Precondition, at = new Date()): Promise<PairRow> {
  const pair = await lockVisiblePair(tx, actor.tenantId, id, precondition);
  if (pair.status === 'open') return pair;
  if (pair.status === 'merged') throw mergedPair(pair);
  const next = await setPairStatus(tx, actor.tenantId, id, { status: 'open', comment, resolvedAt: null, resolvedBy: null }, at);
  await recordChange(tx, actor, pairChange('duplicate.opened', pair, next, comment ? `reopen: ${comment}` : 'reopen', at));
  return next;
}

/** Bands a write opens pairs for (CONTRACT §12a: `possible` pairs come from scans only). */
const WRITE_BANDS = new Set(['exact', 'probable']);
/** Candidates considered per check: more than any real contact has duplicates. */
const WRITE_CHECK_LIMIT = 50;

/**
 * The §6 engine run for an existing contact: every other live contact of the tenant that scores
 * `probable` or better against it, as pairs. Null when the contact is gone (deleted or merged).
 */
export async function matchContact(tx: Executor, tenantId: string, contactId: string): Promise<FoundPair[] | null> {
  const [row] = await findContactsByIds(tx, tenantId, [contactId]);
  if (!row) return null;
  const props = (await propsOf(tx, tenantId, [contactId])).get(contactId) ?? [];
  const addresses = (await addressesOf(tx, tenantId, [contactId])).get(contactId) ?? [];
  const { candidate, query } = planDedupe({ name: row.name, type: row.type as ContactType, props, addresses, namespace: null });
  const { rows } = await findCandidates(tx, tenantId, query);
  const others = rows.filter((r) => r.id !== contactId);
  return rankCandidates(candidate, others, { minScore: 0, limit: WRITE_CHECK_LIMIT })
    .filter((m) => WRITE_BANDS.has(m.result.band!))
    .map((m) => {
      const [a, b] = contactId < m.row.id ? [contactId, m.row.id] : [m.row.id, contactId];
      return { a, b, score: m.result.score, band: m.result.band!, reasons: m.result.reasons } as FoundPair;
    });
}

/** Opens or refreshes each found pair; an opened one gets its audit entry and `duplicate.opened` event. */
export async function persistPairs(tx: Executor, actor: Actor, found: readonly FoundPair[], source: 'write' | 'scan', at = new Date()): Promise<PairOutcome[]> {
  const out: PairOutcome[] = [];
  if (found.length === 0) return out;
  // Contacts before pairs, each in id order, as a merge locks them: a check racing a merge waits,
  // never deadlocks (inserting a pair takes a key-share lock on both contacts anyway).
  const contactIds = [...new Set(found.flatMap((f) => [f.a, f.b]))];
  await tx.query('SELECT 1 FROM contacts WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR KEY SHARE', [actor.tenantId, contactIds]);
  await tx.query(
    `SELECT 1 FROM duplicate_pairs WHERE tenant_id = $1 AND (contact_a, contact_b) IN (SELECT * FROM unnest($2::text[], $3::text[])) ORDER BY id FOR UPDATE`,
    [actor.tenantId, found.map((f) => f.a), found.map((f) => f.b)],
  );
  // In key order too: two checks inserting the same new pairs wait for each other, never deadlock.
  const ordered = [...found].sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  for (const f of ordered) {
    const outcome = await openOrRefreshPair(tx, actor.tenantId, f, source, at);
    if (outcome.kind === 'opened') await recordChange(tx, actor, pairChange('duplicate.opened', null, outcome.row, `opened by ${source}`, at));
    out.push(outcome);
  }
  return out;
}
