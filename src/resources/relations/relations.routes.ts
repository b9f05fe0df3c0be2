import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import { IdParam, NoContent, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { commaList, envelope, parseDateRange, parseExpand, parseOrdering, parsePaging } from '../../http/list.js';
import { filterEnum, filterId } from '../common/subresource.js';
import {
  Relation,
  RELATION_EXPANDS,
  RELATION_TYPES,
  RelationCreateBody,
  RelationExpandQuery,
  RelationList,
  RelationListQuery,
  RelationPatchBody,
} from './relations.schema.js';
import { RELATION_ORDERINGS, findRelation, listRelations, toRelation } from './relations.queries.js';
import { expandRelations } from './relations.expand.js';
import { createRelation, deleteRelation, patchRelation } from './relations.service.js';

const TAGS = ['relations'];
const RelationIdParam = IdParam('contact_relation_id');

export function registerRelationRoutes(parent: FastifyInstance): void {
  parent.addSchema(Relation);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/contacts/relations/',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a relation between contacts',
        body: RelationCreateBody,
        response: { 201: RefTo(Relation), ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const row = await request.db.transaction((tx) => createRelation(tx, request.ctx, request.body));
      setEtag(reply, row.version);
      return reply.code(201).send(toRelation(row));
    },
  );

  app.get(
    '/contacts/relations/',
    {
      schema: {
        tags: TAGS,
        summary: 'List relations',
        querystring: RelationListQuery,
        response: { 200: RelationList, ...problems(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const tenantId = request.ctx.tenantId;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, RELATION_ORDERINGS, '-created_at');
      const range = parseDateRange(errors, q);
      const expand = parseExpand(errors, q.expand, RELATION_EXPANDS);
      const contactId = filterId(errors, 'contact', q.contact);
      const relatedContactId = filterId(errors, 'related_contact', q.related_contact);
      const type = filterEnum(errors, 'type', q.type, RELATION_TYPES);
      errors.throwIfAny();
      const { rows, count } = await listRelations(
        request.db,
        tenantId,
        { contactId, relatedContactId, type, tags: commaList(q.tags), ...range },
        ordering,
        paging.pageSize,
        paging.offset,
      );
      return envelope(await expandRelations(request.db, tenantId, rows, expand), count, paging);
    },
  );

  app.get(
    '/contacts/relations/:contact_relation_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Retrieve a relation',
        params: RelationIdParam,
        querystring: RelationExpandQuery,
        response: { 200: RefTo(Relation), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_relation_id, 'Relation');
      const errors = new FieldErrorCollector();
      const expand = parseExpand(errors, request.query.expand, RELATION_EXPANDS);
      errors.throwIfAny();
      const row = await findRelation(request.db, request.ctx.tenantId, id);
      if (!row) throw notFound('Relation');
      setEtag(reply, row.version);
      const [relation] = await expandRelations(request.db, request.ctx.tenantId, [row], expand);
      return relation;
    },
  );

  app.patch(
    '/contacts/relations/:contact_relation_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a relation (partial): type, related_contact, tags, refs',
        params: RelationIdParam,
        body: RelationPatchBody,
        response: { 200: RefTo(Relation), ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_relation_id, 'Relation');
      const precondition = ifMatch(request);
      const row = await request.db.transaction((tx) => patchRelation(tx, request.ctx, id, request.body ?? {}, precondition));
      setEtag(reply, row.version);
      return toRelation(row);
    },
  );

  app.delete(
    '/contacts/relations/:contact_relation_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a relation (soft)',
        params: RelationIdParam,
        response: { 204: NoContent, ...problems(401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_relation_id, 'Relation');
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => deleteRelation(tx, request.ctx, id, precondition));
      return reply.code(204).send(null);
    },
  );
}
