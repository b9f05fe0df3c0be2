import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import { retryingConflicts } from '../../db/index.js';
import type { Deps } from '../../http/deps.js';
import { IdParam, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { envelope, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { filterId } from '../common/subresource.js';
import { ContactIdParam } from '../contacts/contacts.routes.js';
import { MergeBody, MergeList, MergeListQuery, MergeRecord, MergeResult, UndoBody } from './merges.schema.js';
import { checkMergeBody, runMerge, toMergeRecord } from './merge.service.js';
import { undoMerge } from './merge.undo.js';
import { MERGE_ORDERINGS, findMerge, listMerges } from './merges.queries.js';

const TAGS = ['merges'];
const MergeIdParam = IdParam('merge_id');

export function registerMergeRoutes(parent: FastifyInstance, deps: Deps): void {
  parent.addSchema(MergeRecord);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/contacts/:contact_id/merge/',
    {
      schema: {
        tags: TAGS,
        summary: 'Merge contacts into this one (the survivor), in one transaction; dry_run computes the result without writing',
        params: ContactIdParam,
        body: MergeBody,
        response: { 200: MergeResult, ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const survivorId = pathId(request.params.contact_id, 'Contact');
      const req = checkMergeBody(survivorId, request.body);
      const precondition = ifMatch(request);
      const dryRun = request.body.dry_run === true;
      const answer = await runMerge(request.db, request.ctx, survivorId, req, { precondition, dryRun });
      if (!dryRun) setEtag(reply, answer.version);
      return { merge: answer.merge, contact: answer.contact };
    },
  );

  app.get(
    '/merges/',
    {
      schema: { tags: TAGS, summary: 'List merge records', querystring: MergeListQuery, response: { 200: MergeList, ...problems(400, 401) } },
    },
    async (request) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, MERGE_ORDERINGS, '-created_at');
      const range = parseDateRange(errors, q);
      const contact = filterId(errors, 'contact', q.contact);
      errors.throwIfAny();
      const { rows, count } = await listMerges(request.db, request.ctx.tenantId, { contact, ...range }, ordering, paging.pageSize, paging.offset);
      return envelope(rows.map(toMergeRecord), count, paging);
    },
  );

  app.get(
    '/merges/:merge_id/',
    {
      schema: { tags: TAGS, summary: 'Retrieve a merge record', params: MergeIdParam, response: { 200: RefTo(MergeRecord), ...problems(401, 404) } },
    },
    async (request) => {
      const id = pathId(request.params.merge_id, 'Merge');
      const m = await findMerge(request.db, request.ctx.tenantId, id);
      if (!m) throw notFound('Merge');
      return toMergeRecord(m);
    },
  );

  app.post(
    '/merges/:merge_id/undo/',
    {
      schema: {
        tags: TAGS,
        summary: 'Undo a merge exactly; 409 when undone already, too old, followed by another merge, or when what it changed was written since',
        params: MergeIdParam,
        body: UndoBody,
        response: { 200: RefTo(MergeRecord), ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const id = pathId(request.params.merge_id, 'Merge');
      const comment = request.body.comment.trim();
      if (!comment) {
        const errors = new FieldErrorCollector();
        errors.add('comment', 'A comment is required.');
        errors.throwIfAny();
      }
      return retryingConflicts(() => request.db.transaction((tx) => undoMerge(tx, request.ctx, id, comment, deps.config.mergeUndoDays)));
    },
  );
}
