import { ulid } from '../ids.js';
import type { Executor } from '../db/index.js';
import type { Actor } from './actor.js';

export * from './change.js';
import type { Change, EventType } from './change.js';

/** The changed top-level fields' earlier values (Stripe's `previous_attributes`). */
export function previousAttributes(before: unknown, after: unknown): Record<string, unknown> | null {
  if (!isObject(before) || !isObject(after)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(before)) if (JSON.stringify(v) !== JSON.stringify(after[k])) out[k] = v;
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The event's `data`: the object after the change (null after a delete), and for updates what changed. */
export function eventData(change: Change): { object: unknown; previous_attributes: Record<string, unknown> | null } {
  const { before, after } = change.subject ?? change;
  if (change.action === 'delete') return { object: null, previous_attributes: null };
  if (change.action === 'create') return { object: after, previous_attributes: null };
  return { object: after, previous_attributes: previousAttributes(before, after) };
}

/**
 * Changes after which a contact may newly duplicate another (CONTRACT §8.1, pairs from writes):
 * the seam queues a duplicate check of the contact in the write's own transaction, which the
 * worker runs after commit (src/resources/duplicates/checks.service.ts).
 */
const DUPLICATE_CHECK_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'contact.created',
  'contact.updated',
  'contact.props_updated',
  'contact.restored',
  'contact.merged',
  'contact.unmerged',
  'address.created',
  'address.updated',
  'address.deleted',
]);

/** What matching reads of a contact (its addresses are changes of their own). */
const MATCHED_FIELDS = ['name', 'type', 'props'] as const;

/**
 * Whether the change queues a duplicate check of its contact. A contact update that leaves what
 * matching reads alone (tags, status, refs, namespace, …) does not: the check would find the same.
 */
export function queuesDuplicateCheck(change: Pick<Change, 'event' | 'contactId' | 'before' | 'after'>): boolean {
  if (change.contactId === null || !DUPLICATE_CHECK_EVENTS.has(change.event)) return false;
  const { before, after } = change;
  if (change.event !== 'contact.updated' || !isObject(before) || !isObject(after)) return true;
  return MATCHED_FIELDS.some((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

// A contact already pending gets a new generation (the worker that holds the older one checks it
// again) and a fresh attempt budget.
const QUEUE_CHECK = `INSERT INTO duplicate_checks (tenant_id, contact_id, queued_at) SELECT $1, q.contact_id, q.at FROM q
    ON CONFLICT (tenant_id, contact_id) DO UPDATE SET generation = duplicate_checks.generation + 1, attempts = 0`;

/**
 * Bench-only: BENCH_EVENT_WRITE=off leaves the event out of every recorded change (the audit entry
 * and the duplicate check stay), so `npm run bench:events` can set the cost of writing events
 * against the same build without it. Not a setting: an instance running so breaks the feed and
 * webhooks, hence the name, the absence from config and README, and a warning at start-up.
 */
// eslint-disable-next-line no-restricted-properties -- deliberately not a setting of src/config.ts (see above)
export const EVENT_WRITE_OFF = process.env.BENCH_EVENT_WRITE === 'off';

/**
 * The event's `data` as eventData gives it, built from the audit entry's `after` where the event
 * is about the audited object: the object's representation then travels once, not twice.
 * `data` is the whole of it for a change with a `subject`; `prev` is its previous_attributes.
 */
const eventDataSql = (data: string, action: string, after: string, prev: string) =>
  `coalesce(${data}, jsonb_build_object('object', CASE WHEN ${action} = 'delete' THEN NULL ELSE ${after} END, 'previous_attributes', ${prev}))`;

/** What eventDataSql needs of a change: its whole `data` when it has a subject of its own, else its previous_attributes. */
function eventParts(change: Change): { data: unknown; prev: unknown } {
  if (EVENT_WRITE_OFF) return { data: null, prev: null };
  if (change.subject) return { data: eventData(change), prev: null };
  return { data: null, prev: eventData(change).previous_attributes };
}

// The audit entry and the event in one statement: one round trip per change.
const RECORD_WITH_EVENT_SQL = `WITH audit AS (
    INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp,
                           ip_address, user_agent, before_state, after_state, comment)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13))
  INSERT INTO event_outbox (tenant_id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)
  VALUES ($1, $14, $15, $6, $7, ${eventDataSql('$16::jsonb', '$4::text', '$12::jsonb', '$18::jsonb')}, $17, $3, $8)`;

// EVENT_WRITE_OFF: the audit entry alone; the event's parameters are still typed (an untyped
// unused parameter is an error) but not written.
const RECORD_SQL = EVENT_WRITE_OFF
  ? `WITH audit AS (
    INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp,
                           ip_address, user_agent, before_state, after_state, comment)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13))
  SELECT $14::text, $15::text, $16::jsonb, $17::text, $18::jsonb`
  : RECORD_WITH_EVENT_SQL;

// The same, queueing the contact's duplicate check too.
const RECORD_AND_QUEUE_SQL = RECORD_SQL.replace(
  'WITH audit AS (',
  `WITH q AS (SELECT $7::text AS contact_id, $8::timestamptz AS at), checks AS (${QUEUE_CHECK}), audit AS (`,
);

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The change's own comment, after the actor's note (`import <id>; duplicate override …`). */
function auditComment(actor: Actor, change: Change): string | null {
  const parts = [actor.note, change.comment].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? parts.join('; ') : null;
}

/**
 * The one seam every write passes: records the change — its audit entry and its event — in the
 * transaction of the write it describes, so the write, its entry and its event commit together
 * or not at all. No-op writes must not call it. Audit entries are append-only.
 */
export async function recordChange(tx: Executor, actor: Actor, change: Change): Promise<void> {
  if (actor.deferred) {
    actor.deferred.entries.push({ id: ulid(change.at.getTime()), change });
    return;
  }
  const { data, prev } = eventParts(change);
  await write(tx, queuesDuplicateCheck(change) ? RECORD_AND_QUEUE_SQL : RECORD_SQL, [
    actor.tenantId,
    ulid(change.at.getTime()),
    actor.userId,
    change.action,
    change.objectType,
    change.objectId,
    change.contactId,
    change.at,
    actor.ip,
    actor.userAgent,
    json(change.before),
    json(change.after),
    auditComment(actor, change),
    change.event,
    change.event.slice(0, change.event.indexOf('.')),
    json(data),
    actor.requestId,
    json(prev),
  ]);
}

/**
 * Nothing reads what recording returns, so on PostgreSQL it travels with the transaction's next
 * statement or its COMMIT (Executor.defer): no round trip of its own.
 */
async function write(tx: Executor, sql: string, params: unknown[]): Promise<void> {
  if (tx.defer) tx.defer(sql, params, { prepare: true });
  else await tx.query(sql, params, { prepare: true });
}

// Many changes in one statement (a merge records one per object it touched): the same rows as
// recordChange would write, one round trip instead of one per change.
const RECORD_MANY_WITH_EVENTS_SQL = `WITH c AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS c(id text, action_type text, object_type text, object_id text, contact_id text,
      ts timestamptz, before_state jsonb, after_state jsonb, comment text, event text, event_object_type text, data jsonb, prev jsonb, ord int, check_dup boolean)),
  q AS (SELECT c.contact_id, min(c.ts) AS at FROM c WHERE c.check_dup GROUP BY c.contact_id),
  checks AS (${QUEUE_CHECK}),
  audit AS (
    INSERT INTO audit_log (tenant_id, id, user_id, action_type, object_type, object_id, contact_id, timestamp,
                           ip_address, user_agent, before_state, after_state, comment)
    SELECT $1, c.id, $3, c.action_type, c.object_type, c.object_id, c.contact_id, c.ts, $4, $5, c.before_state, c.after_state, c.comment FROM c)
  INSERT INTO event_outbox (tenant_id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)
  SELECT $1, c.event, c.event_object_type, c.object_id, c.contact_id, ${eventDataSql('c.data', 'c.action_type', 'c.after_state', 'c.prev')}, $6, $3, c.ts FROM c ORDER BY c.ord`;

const RECORD_MANY_SQL = EVENT_WRITE_OFF
  ? RECORD_MANY_WITH_EVENTS_SQL.replace(/INSERT INTO event_outbox[^]*$/, 'SELECT $6::text')
  : RECORD_MANY_WITH_EVENTS_SQL;

/** recordChange for several changes of one write, in one statement; events keep the given order. */
export async function recordChanges(tx: Executor, actor: Actor, changes: readonly Change[]): Promise<void> {
  await writeChanges(
    tx,
    actor,
    changes.map((change) => ({ id: ulid(change.at.getTime()), change })),
  );
}

/**
 * Writes the changes an actor with `deferred` collected (in one statement, in the order they were
 * recorded) and empties the collection. Must run in the transaction of the writes they describe.
 */
export async function flushChanges(tx: Executor, actor: Actor): Promise<void> {
  if (!actor.deferred) return;
  const entries = actor.deferred.entries.splice(0);
  await writeChanges(tx, actor, entries);
}

async function writeChanges(tx: Executor, actor: Actor, entries: readonly { id: string; change: Change }[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map(({ id, change }, ord) => ({
    id,
    action_type: change.action,
    object_type: change.objectType,
    object_id: change.objectId,
    contact_id: change.contactId,
    ts: change.at.toISOString(),
    before_state: change.before ?? null,
    after_state: change.after ?? null,
    comment: auditComment(actor, change),
    event: change.event,
    event_object_type: change.event.slice(0, change.event.indexOf('.')),
    ...eventParts(change),
    ord,
    check_dup: queuesDuplicateCheck(change),
  }));
  await write(tx, RECORD_MANY_SQL, [actor.tenantId, JSON.stringify(rows), actor.userId, actor.ip, actor.userAgent, actor.requestId]);
}

/** An event that is not the record of an audited write (a webhook the service disabled, a finished import). */
export interface Notice {
  event: EventType;
  objectId: string;
  contactId: string | null;
  object: unknown;
  at: Date;
}

/** Publishes a notice through the same outbox, in the caller's transaction. */
export async function recordNotice(tx: Executor, actor: Actor, n: Notice): Promise<void> {
  await tx.query(
    `INSERT INTO event_outbox (tenant_id, type, object_type, object_id, contact_id, data, request_id, user_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      actor.tenantId,
      n.event,
      n.event.slice(0, n.event.indexOf('.')),
      n.objectId,
      n.contactId,
      JSON.stringify({ object: n.object, previous_attributes: null }),
      actor.requestId,
      actor.userId,
      n.at,
    ],
  );
}
