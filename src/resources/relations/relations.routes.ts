import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ulid } from '../../ids.js';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import { isUniqueViolation, type Executor } from '../../db/index.js';
import { IdParam, NoContent, problems } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { checkIfMatch, setEtag } from '../../http/etag.js';
import { commaList, envelope, orderBySql, parseDateRange, parseExpand, parseOrdering, parsePaging } from '../../http/list.js';
import { recordAudit } from '../audit/audit.queries.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import { bodyContactId, checkJsonSize, filterEnum, filterId, lockLiveContact, UNKNOWN_CONTACT } from '../common/subresource.js';
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
import {
  findRelation,
  insertRelation,
  listRelations,
  RELATION_KEY,
  toRelation,
  updateRelation,
  type RelationChanges,
  type RelationRow,
} from './relations.queries.js';
import { expandRelations } from './relations.expand.js';

const ORDERING = { created_at: 'r.created_at', updated_at: 'r.updated_at' };
const TAGS = ['relations'];
const RelationIdParam = IdParam('contact_relation_id');
const SELF = 'Must differ from contact: a contact cannot be related to itself.';

const duplicate = (err: unknown) => {
  if (!isUniqueViolation(err, RELATION_KEY)) return err;
  const msg = 'This relation (contact, type, related_contact) already exists.';
  return new AppError('conflict', msg, { errors: { related_contact: [msg] } });
};

/** Finds a visible relation and locks it for a write, owner first (see OwnerLock). */
async function lockRelation(tx: Executor, tenantId: string, id: string): Promise<RelationRow> {
  const seen = await findRelation(tx, tenantId, id);
  if (!seen || !(await lockLiveContact(tx, tenantId, seen.contact_id, 'share'))) throw notFound('Relation');
  const row = await findRelation(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Relation');
  return row;
}

/** Both parties must be live in the tenant for the whole write (CONTRACT §4.4, §6a). */
async function checkParty(
  tx: Executor,
  errors: FieldErrorCollector,
  tenantId: string,
  field: string,
  id: string | null | undefined,
): Promise<void> {
  if (id && !(await lockLiveContact(tx, tenantId, id, 'share'))) errors.add(field, UNKNOWN_CONTACT);
}

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
        response: { 201: Relation, ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const errors = new FieldErrorCollector();
      const contactId = bodyContactId(errors, 'contact', body.contact);
      const relatedId = body.related_contact == null ? null : bodyContactId(errors, 'related_contact', body.related_contact);
      if (contactId && relatedId === contactId) errors.add('related_contact', SELF);
      checkJsonSize(errors, 'refs', body.refs);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db
        .transaction(async (tx) => {
          await checkParty(tx, errors, ctx.tenantId, 'contact', contactId);
          await checkParty(tx, errors, ctx.tenantId, 'related_contact', relatedId);
          errors.throwIfAny();
          const created = await insertRelation(tx, {
            tenant_id: ctx.tenantId,
            id: ulid(at.getTime()),
            contact_id: contactId!,
            related_contact_id: relatedId ?? null,
            type: body.type,
            tags: uniqueTags(body.tags ?? []),
            refs: body.refs ?? {},
            at,
            user_id: ctx.userId,
          });
          await recordAudit(tx, ctx, {
            actionType: 'create',
            objectType: 'relation',
            objectId: created.id,
            contactId: created.contact_id,
            before: null,
            after: toRelation(created),
            at,
          });
          return created;
        })
        .catch((err) => Promise.reject(duplicate(err)));
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
      const ordering = parseOrdering(errors, q.ordering, ORDERING, '-created_at');
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
        orderBySql(ordering, 'r'),
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
        response: { 200: Relation, ...problems(400, 401, 404) },
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
        response: { 200: Relation, ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_relation_id, 'Relation');
      const body = request.body ?? {};
      const errors = new FieldErrorCollector();
      const contactId = body.contact === undefined ? undefined : bodyContactId(errors, 'contact', body.contact);
      const relatedId =
        body.related_contact == null ? body.related_contact : bodyContactId(errors, 'related_contact', body.related_contact);
      checkJsonSize(errors, 'refs', body.refs);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db
        .transaction(async (tx) => {
          const current = await lockRelation(tx, ctx.tenantId, id);
          checkIfMatch(request, current.version);
          // The owner is fixed: the relation belongs to its contact's history.
          if (contactId !== undefined && contactId !== current.contact_id) {
            errors.add('contact', 'The contact of a relation cannot be changed; create a new relation instead.');
          }
          if (relatedId && relatedId === current.contact_id) errors.add('related_contact', SELF);
          else if (relatedId && relatedId !== current.related_contact_id)
            await checkParty(tx, errors, ctx.tenantId, 'related_contact', relatedId);
          errors.throwIfAny();
          const changes: RelationChanges = {
            type: body.type,
            related_contact_id: relatedId,
            tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
            refs: body.refs === undefined ? undefined : JSON.stringify(body.refs),
          };
          const updated = await updateRelation(tx, ctx.tenantId, id, changes, ctx.userId, at);
          await recordAudit(tx, ctx, {
            actionType: 'update',
            objectType: 'relation',
            objectId: id,
            contactId: current.contact_id,
            before: toRelation(current),
            after: toRelation(updated),
            at,
          });
          return updated;
        })
        .catch((err) => Promise.reject(duplicate(err)));
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
      const ctx = request.ctx;
      const at = new Date();
      await request.db.transaction(async (tx) => {
        const current = await lockRelation(tx, ctx.tenantId, id);
        checkIfMatch(request, current.version);
        const deleted = await updateRelation(tx, ctx.tenantId, id, { is_deleted: true, deleted_at: at }, ctx.userId, at);
        await recordAudit(tx, ctx, {
          actionType: 'delete',
          objectType: 'relation',
          objectId: id,
          contactId: current.contact_id,
          before: toRelation(current),
          after: toRelation(deleted),
          at,
        });
      });
      return reply.code(204).send(null);
    },
  );
}
