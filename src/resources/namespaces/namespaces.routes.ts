import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import { IdParam, NoContent, problems } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { envelope, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { AccountRef, Namespace, NamespaceCreateBody, NamespaceList, NamespaceListQuery, NamespacePatchBody } from './namespaces.schema.js';
import { NAMESPACE_ORDERINGS, findNamespaceById, listNamespaces, toNamespace } from './namespaces.queries.js';
import { allocateAccountRef, createNamespace, deleteNamespace, patchNamespace } from './namespaces.service.js';

const TAGS = ['namespaces'];
const NsId = IdParam('namespace_id');

export function registerNamespaceRoutes(parent: FastifyInstance): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/namespaces/',
    { schema: { tags: TAGS, summary: 'Create a namespace', body: NamespaceCreateBody, response: { 201: Namespace, ...problems(400, 401, 409) } } },
    async (request, reply) => {
      const row = await request.db.transaction((tx) => createNamespace(tx, request.ctx, request.body));
      setEtag(reply, row.version);
      return reply.code(201).send(toNamespace(row));
    },
  );

  app.get(
    '/namespaces/',
    { schema: { tags: TAGS, summary: 'List namespaces', querystring: NamespaceListQuery, response: { 200: NamespaceList, ...problems(400, 401) } } },
    async (request) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, NAMESPACE_ORDERINGS, '-created_at');
      const range = parseDateRange(errors, q);
      errors.throwIfAny();
      const { rows, count } = await listNamespaces(
        request.db,
        request.ctx.tenantId,
        { search: q.search || undefined, ...range },
        ordering,
        paging.pageSize,
        paging.offset,
      );
      return envelope(rows.map(toNamespace), count, paging);
    },
  );

  app.get(
    '/namespaces/:namespace_id/',
    { schema: { tags: TAGS, summary: 'Retrieve a namespace', params: NsId, response: { 200: Namespace, ...problems(401, 404) } } },
    async (request, reply) => {
      const id = pathId(request.params.namespace_id, 'Namespace');
      const row = await findNamespaceById(request.db, request.ctx.tenantId, id);
      if (!row) throw notFound('Namespace');
      setEtag(reply, row.version);
      return toNamespace(row);
    },
  );

  app.patch(
    '/namespaces/:namespace_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a namespace (partial); counters may be raised, never lowered',
        params: NsId,
        body: NamespacePatchBody,
        response: { 200: Namespace, ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.namespace_id, 'Namespace');
      const precondition = ifMatch(request);
      const row = await request.db.transaction((tx) => patchNamespace(tx, request.ctx, id, request.body ?? {}, precondition));
      setEtag(reply, row.version);
      return toNamespace(row);
    },
  );

  app.delete(
    '/namespaces/:namespace_id/',
    { schema: { tags: TAGS, summary: 'Delete a namespace (soft); 409 while live contacts use it', params: NsId, response: { 204: NoContent, ...problems(401, 404, 409, 412) } } },
    async (request, reply) => {
      const id = pathId(request.params.namespace_id, 'Namespace');
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => deleteNamespace(tx, request.ctx, id, precondition));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/namespaces/:namespace_id/account_refs/',
    {
      schema: {
        tags: TAGS,
        summary: 'Allocate the next account reference from the account pattern',
        params: NsId,
        response: { 201: AccountRef, ...problems(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.namespace_id, 'Namespace');
      const refId = await request.db.transaction((tx) => allocateAccountRef(tx, request.ctx, id));
      return reply.code(201).send({ ref_id: refId });
    },
  );
}
