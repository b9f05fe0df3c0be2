import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ulid } from '../../ids.js';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import { isUniqueViolation } from '../../db/index.js';
import { IdParam, NoContent, problems } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { checkIfMatch, setEtag } from '../../http/etag.js';
import { envelope, likePattern, orderBySql, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { recordAudit } from '../audit/audit.queries.js';
import { parsePattern, renderPattern, REF_ID_MAX } from './ref-pattern.js';
import {
  AccountRef,
  Namespace,
  NamespaceCreateBody,
  NamespaceList,
  NamespaceListQuery,
  NamespacePatchBody,
} from './namespaces.schema.js';
import {
  findNamespaceById,
  insertNamespace,
  listNamespaces,
  namespaceHasLiveContacts,
  softDeleteNamespace,
  takeCounter,
  toNamespace,
  touchNamespace,
  updateNamespace,
  type NamespaceChanges,
} from './namespaces.queries.js';

const ORDERING = { name: 'lower(n.name)', created_at: 'n.created_at' };
const TAGS = ['namespaces'];
const NsId = IdParam('namespace_id');

type PatternFields = { contact_pattern?: string | null; account_pattern?: string | null; contact_counter?: number; account_counter?: number };

function checkPatterns(errors: FieldErrorCollector, body: PatternFields): void {
  for (const kind of ['contact', 'account'] as const) {
    const field = `${kind}_pattern` as const;
    const value = body[field];
    if (value === undefined || value === null || value === '') continue;
    const parsed = parsePattern(value);
    if (!parsed.ok) {
      for (const p of parsed.problems) errors.add(field, p);
      continue;
    }
    // A pattern whose very next id is already too long would fail every create (409) from the
    // start; it is a bad pattern, so it is refused here. (Dates render at a fixed width.)
    const sample = renderPattern(parsed.value, body[`${kind}_counter`] ?? 1, new Date());
    if (sample.length > REF_ID_MAX) errors.add(field, `Renders ids longer than ${REF_ID_MAX} characters (e.g. "${sample}").`);
  }
}

const emptyToNull = (v: string | null | undefined) => (v === '' ? null : v);

const nameTaken = (err: unknown) =>
  isUniqueViolation(err, 'namespaces_live_name_key')
    ? new AppError('conflict', 'A namespace with this name already exists.', { errors: { name: ['A namespace with this name already exists.'] } })
    : err;

export function registerNamespaceRoutes(parent: FastifyInstance): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/namespaces/',
    { schema: { tags: TAGS, summary: 'Create a namespace', body: NamespaceCreateBody, response: { 201: Namespace, ...problems(400, 401, 409) } } },
    async (request, reply) => {
      const body = request.body;
      const errors = new FieldErrorCollector();
      checkPatterns(errors, body);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db
        .transaction(async (tx) => {
          const created = await insertNamespace(tx, {
            tenant_id: ctx.tenantId,
            id: ulid(at.getTime()),
            name: body.name,
            contact_pattern: emptyToNull(body.contact_pattern) ?? null,
            contact_counter: body.contact_counter ?? 1,
            account_pattern: emptyToNull(body.account_pattern) ?? null,
            account_counter: body.account_counter ?? 1,
            created_at: at,
            created_by: ctx.userId,
            updated_at: at,
          });
          await recordAudit(tx, ctx, { actionType: 'create', objectType: 'namespace', objectId: created.id, before: null, after: toNamespace(created), at });
          return created;
        })
        .catch((err) => Promise.reject(nameTaken(err)));
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
      const ordering = parseOrdering(errors, q.ordering, ORDERING, '-created_at');
      const range = parseDateRange(errors, q);
      errors.throwIfAny();
      const { rows, count } = await listNamespaces(
        request.db,
        request.ctx.tenantId,
        { search: q.search ? likePattern(q.search) : undefined, ...range },
        orderBySql(ordering, 'n'),
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
      const body = request.body ?? {};
      const errors = new FieldErrorCollector();
      checkPatterns(errors, body);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db
        .transaction(async (tx) => {
          const current = await findNamespaceById(tx, ctx.tenantId, id, true);
          if (!current) throw notFound('Namespace');
          checkIfMatch(request, current.version);
          // Lowering a counter could issue a number twice; checked under the row lock.
          for (const field of ['contact_counter', 'account_counter'] as const) {
            const wanted = body[field];
            if (wanted !== undefined && wanted < Number(current[field])) {
              errors.add(field, `May not be lowered below the current value ${current[field]}.`);
            }
          }
          errors.throwIfAny();
          const changes: NamespaceChanges = {
            name: body.name,
            contact_pattern: body.contact_pattern === undefined ? undefined : emptyToNull(body.contact_pattern),
            contact_counter: body.contact_counter,
            account_pattern: body.account_pattern === undefined ? undefined : emptyToNull(body.account_pattern),
            account_counter: body.account_counter,
          };
          const updated = await updateNamespace(tx, ctx.tenantId, id, changes, ctx.userId, at);
          await recordAudit(tx, ctx, {
            actionType: 'update',
            objectType: 'namespace',
            objectId: id,
            before: toNamespace(current),
            after: toNamespace(updated),
            at,
          });
          return updated;
        })
        .catch((err) => Promise.reject(nameTaken(err)));
      setEtag(reply, row.version);
      return toNamespace(row);
    },
  );

  app.delete(
    '/namespaces/:namespace_id/',
    { schema: { tags: TAGS, summary: 'Delete a namespace (soft); 409 while live contacts use it', params: NsId, response: { 204: NoContent, ...problems(401, 404, 409, 412) } } },
    async (request, reply) => {
      const id = pathId(request.params.namespace_id, 'Namespace');
      const ctx = request.ctx;
      const at = new Date();
      await request.db.transaction(async (tx) => {
        const current = await findNamespaceById(tx, ctx.tenantId, id, true);
        if (!current) throw notFound('Namespace');
        checkIfMatch(request, current.version);
        if (await namespaceHasLiveContacts(tx, ctx.tenantId, id)) {
          throw new AppError('conflict', 'The namespace still has live contacts; delete or move them first.');
        }
        const deleted = await softDeleteNamespace(tx, ctx.tenantId, id, ctx.userId, at);
        await recordAudit(tx, ctx, { actionType: 'delete', objectType: 'namespace', objectId: id, before: toNamespace(current), after: toNamespace(deleted), at });
      });
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
      const ctx = request.ctx;
      const at = new Date();
      const refId = await request.db.transaction(async (tx) => {
        const current = await findNamespaceById(tx, ctx.tenantId, id, true);
        if (!current) throw notFound('Namespace');
        if (!current.account_pattern) throw new AppError('conflict', 'The namespace has no account_pattern.');
        const parsed = parsePattern(current.account_pattern);
        if (!parsed.ok) throw new AppError('conflict', 'The namespace account_pattern is invalid.');
        const { seq } = await takeCounter(tx, ctx.tenantId, id, 'account');
        const value = renderPattern(parsed.value, seq, at);
        if (value.length > REF_ID_MAX) throw new AppError('conflict', `The account pattern renders more than ${REF_ID_MAX} characters.`);
        const updated = await touchNamespace(tx, ctx.tenantId, id, ctx.userId, at);
        await recordAudit(tx, ctx, {
          actionType: 'action',
          objectType: 'namespace',
          objectId: id,
          before: toNamespace(current),
          after: toNamespace(updated),
          comment: `account_ref ${value}`,
          at,
        });
        return value;
      });
      return reply.code(201).send({ ref_id: refId });
    },
  );
}
