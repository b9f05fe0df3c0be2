import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { IdParam, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { envelope, parseDateRange, parseExpand, parseOrdering, parsePaging } from '../../http/list.js';
import { filterEnum, filterId } from '../common/subresource.js';
import { PAIR_BANDS, PAIR_SOURCES, PAIR_STATUSES, toPair, type PairRow } from '../common/duplicate-pairs.js';
import { findContact, findContactsByIds, type ContactRow } from '../contacts/contacts.queries.js';
import { expandContacts } from '../views/expand.js';
import type { Contact } from '../contacts/contacts.schema.js';
import { DismissBody, DuplicatePair, DuplicateScan, PAIR_EXPANDS, PAIR_ORDERINGS, PairGetQuery, PairList, PairListQuery, ReopenBody, ScanBody } from './duplicates.schema.js';
import { findScan, queueScan, toScan } from './scans.service.js';
import { findPair, listPairs } from './duplicates.queries.js';
import { dismissPair, reopenPair } from './duplicates.service.js';

const TAGS = ['duplicates'];
const PairIdParam = IdParam('pair_id');
const ScanIdParam = IdParam('scan_id');

/** Both contacts of every pair, props expanded, in one query per kind (merged contacts included). */
async function withContacts(db: Executor, tenantId: string, pairs: PairRow[]) {
  const ids = [...new Set(pairs.flatMap((p) => [p.contact_a, p.contact_b]))];
  const rows: ContactRow[] = await findContactsByIds(db, tenantId, ids);
  const live = new Set(rows.map((r) => r.id));
  // A merged contact (status `merged` pairs) is read as stored; there are few of them on a page.
  for (const id of ids) if (!live.has(id)) rows.push(...[await findContact(db, tenantId, id, { includeDeleted: true })].filter((r): r is ContactRow => r !== undefined));
  const expanded = new Map((await expandContacts(db, tenantId, rows, new Set(['props']))).map((c) => [c.id, c]));
  return pairs.map((p) => ({ ...toPair(p), contacts: [expanded.get(p.contact_a), expanded.get(p.contact_b)].filter((c): c is Contact => c !== undefined) }));
}

function parseMinScore(errors: FieldErrorCollector, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = /^(0|1)(\.\d+)?$|^\.\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= 1)) {
    errors.add('min_score', 'Must be a number from 0 to 1.');
    return undefined;
  }
  return n;
}

export function registerDuplicateRoutes(parent: FastifyInstance): void {
  parent.addSchema(DuplicatePair);
  parent.addSchema(DuplicateScan);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/duplicates/',
    {
      schema: {
        tags: TAGS,
        summary: 'The review queue: pairs of contacts that may be one party (default: open pairs, best first)',
        querystring: PairListQuery,
        response: { 200: PairList, ...problems(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, PAIR_ORDERINGS, '-score');
      const range = parseDateRange(errors, q);
      const status = filterEnum(errors, 'status', q.status, PAIR_STATUSES) ?? 'open';
      const band = filterEnum(errors, 'band', q.band, PAIR_BANDS);
      const source = filterEnum(errors, 'source', q.source, PAIR_SOURCES);
      const contact = filterId(errors, 'contact', q.contact);
      const minScore = parseMinScore(errors, q.min_score);
      const expand = parseExpand(errors, q.expand, PAIR_EXPANDS);
      errors.throwIfAny();
      const tenantId = request.ctx.tenantId;
      const { rows, count } = await listPairs(request.db, tenantId, { status, band, source, contact, minScore, ...range }, ordering, paging.pageSize, paging.offset);
      const results = expand.has('contacts') ? await withContacts(request.db, tenantId, rows) : rows.map(toPair);
      return envelope(results, count, paging);
    },
  );

  app.get(
    '/duplicates/:pair_id/',
    {
      schema: { tags: TAGS, summary: 'Retrieve a duplicate pair', params: PairIdParam, querystring: PairGetQuery, response: { 200: RefTo(DuplicatePair), ...problems(400, 401, 404) } },
    },
    async (request, reply) => {
      const id = pathId(request.params.pair_id, 'Duplicate pair');
      const errors = new FieldErrorCollector();
      const expand = parseExpand(errors, request.query.expand, PAIR_EXPANDS);
      errors.throwIfAny();
      const pair = await findPair(request.db, request.ctx.tenantId, id);
      if (!pair) throw notFound('Duplicate pair');
      setEtag(reply, pair.version);
      return expand.has('contacts') ? (await withContacts(request.db, request.ctx.tenantId, [pair]))[0]! : toPair(pair);
    },
  );

  app.put(
    '/duplicates/:pair_id/dismiss/',
    {
      schema: {
        tags: TAGS,
        summary: 'Dismiss a pair: these are different parties (comment required; a repeat is a no-op)',
        params: PairIdParam,
        body: DismissBody,
        response: { 200: RefTo(DuplicatePair), ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.pair_id, 'Duplicate pair');
      const comment = request.body.comment.trim();
      const precondition = ifMatch(request);
      const pair = await request.db.transaction((tx) => dismissPair(tx, request.ctx, id, comment, precondition));
      setEtag(reply, pair.version);
      return toPair(pair);
    },
  );

  app.put(
    '/duplicates/:pair_id/reopen/',
    {
      schema: {
        tags: TAGS,
        summary: 'Reopen a dismissed pair (no-op when open; 409 when merged)',
        params: PairIdParam,
        body: ReopenBody,
        response: { 200: RefTo(DuplicatePair), ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.pair_id, 'Duplicate pair');
      const comment = request.body?.comment?.trim() || null;
      const precondition = ifMatch(request);
      const pair = await request.db.transaction((tx) => reopenPair(tx, request.ctx, id, comment, precondition));
      setEtag(reply, pair.version);
      return toPair(pair);
    },
  );

  app.post(
    '/duplicates/scan/',
    {
      schema: {
        tags: TAGS,
        summary: 'Scan the whole tenant for duplicates in the background and open a pair for each one found (202 + job)',
        body: ScanBody,
        response: { 202: Type.Ref('DuplicateScan'), ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const minBand = request.body?.min_band ?? 'possible';
      const scan = await request.db.transaction((tx) => queueScan(tx, request.ctx, minBand));
      reply.code(202).header('location', `/duplicates/scan/${scan.id}/`);
      return toScan(scan);
    },
  );

  app.get(
    '/duplicates/scan/:scan_id/',
    {
      schema: { tags: TAGS, summary: "A scan's status, progress and counts", params: ScanIdParam, response: { 200: Type.Ref('DuplicateScan'), ...problems(401, 404) } },
    },
    async (request) => {
      const id = pathId(request.params.scan_id, 'Scan');
      const scan = await findScan(request.db, request.ctx.tenantId, id);
      if (!scan) throw notFound('Scan');
      return toScan(scan);
    },
  );
}
