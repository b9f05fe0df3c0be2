import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ulid } from '../../ids.js';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { IdParam, NoContent, problems } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { checkIfMatch, setEtag } from '../../http/etag.js';
import { commaList, envelope, likePattern, orderBySql, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { recordAudit } from '../audit/audit.queries.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import { bodyContactId, filterId, lockLiveContact, UNKNOWN_CONTACT } from '../common/subresource.js';
import { Bank, BankCreateBody, BankList, BankListQuery, BankPatchBody } from './banks.schema.js';
import { findBank, insertBank, listBanks, toBank, updateBank, type BankChanges, type BankRow } from './banks.queries.js';
import { bankConflict, demoteOtherPrimary } from './banks.service.js';

const ORDERING = { created_at: 'b.created_at', updated_at: 'b.updated_at' };
const TAGS = ['banks'];
const BankIdParam = IdParam('contact_bank_id');

/** Finds a visible bank account and locks it for a write, owner first (exclusively: see OwnerLock). */
async function lockBank(tx: Executor, tenantId: string, id: string): Promise<BankRow> {
  const seen = await findBank(tx, tenantId, id);
  if (!seen || !(await lockLiveContact(tx, tenantId, seen.contact_id, 'exclusive'))) throw notFound('Bank account');
  const row = await findBank(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Bank account');
  return row;
}

export function registerBankRoutes(parent: FastifyInstance): void {
  parent.addSchema(Bank);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/contacts/banks/',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a bank account of a contact',
        body: BankCreateBody,
        response: { 201: Bank, ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const errors = new FieldErrorCollector();
      const contactId = bodyContactId(errors, 'contact_id', body.contact_id);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const id = ulid(at.getTime());
      const row = await request.db
        .transaction(async (tx) => {
          if (!(await lockLiveContact(tx, ctx.tenantId, contactId!, 'exclusive'))) errors.add('contact_id', UNKNOWN_CONTACT);
          errors.throwIfAny();
          if (body.is_primary) await demoteOtherPrimary(tx, ctx, contactId!, id, at);
          const created = await insertBank(tx, {
            tenant_id: ctx.tenantId,
            id,
            contact_id: contactId!,
            account_holder_name: body.account_holder_name,
            account_no: body.account_no,
            ifsc: body.ifsc.toUpperCase(),
            bank_name: body.bank_name ?? null,
            branch_name: body.branch_name ?? null,
            account_type: body.account_type ?? 'savings',
            is_primary: body.is_primary ?? false,
            tags: uniqueTags(body.tags ?? []),
            at,
            user_id: ctx.userId,
          });
          await recordAudit(tx, ctx, {
            actionType: 'create',
            objectType: 'bank',
            objectId: id,
            contactId: created.contact_id,
            before: null,
            after: toBank(created),
            at,
          });
          return created;
        })
        .catch((err) => Promise.reject(bankConflict(err)));
      setEtag(reply, row.version);
      return reply.code(201).send(toBank(row));
    },
  );

  app.get(
    '/contacts/banks/',
    {
      schema: { tags: TAGS, summary: 'List bank accounts', querystring: BankListQuery, response: { 200: BankList, ...problems(400, 401) } },
    },
    async (request) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, ORDERING, '-created_at');
      const range = parseDateRange(errors, q);
      const contactId = filterId(errors, 'contact', q.contact);
      errors.throwIfAny();
      const search = q.search?.trim();
      const { rows, count } = await listBanks(
        request.db,
        request.ctx.tenantId,
        {
          contactId,
          ifsc: q.ifsc ? q.ifsc.trim().toUpperCase() : undefined,
          tags: commaList(q.tags),
          searchLike: search ? likePattern(search) : undefined,
          ...range,
        },
        orderBySql(ordering, 'b'),
        paging.pageSize,
        paging.offset,
      );
      return envelope(rows.map(toBank), count, paging);
    },
  );

  app.get(
    '/contacts/banks/:contact_bank_id/',
    { schema: { tags: TAGS, summary: 'Retrieve a bank account', params: BankIdParam, response: { 200: Bank, ...problems(401, 404) } } },
    async (request, reply) => {
      const id = pathId(request.params.contact_bank_id, 'Bank account');
      const row = await findBank(request.db, request.ctx.tenantId, id);
      if (!row) throw notFound('Bank account');
      setEtag(reply, row.version);
      return toBank(row);
    },
  );

  app.patch(
    '/contacts/banks/:contact_bank_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a bank account (partial); is_primary true demotes the previous primary',
        params: BankIdParam,
        body: BankPatchBody,
        response: { 200: Bank, ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_bank_id, 'Bank account');
      const body = request.body ?? {};
      const errors = new FieldErrorCollector();
      const contactId = body.contact_id === undefined ? undefined : bodyContactId(errors, 'contact_id', body.contact_id);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db
        .transaction(async (tx) => {
          const current = await lockBank(tx, ctx.tenantId, id);
          checkIfMatch(request, current.version);
          // The owner is fixed: moving an account would split its history across two contacts.
          if (contactId !== undefined && contactId !== current.contact_id) {
            errors.add('contact_id', 'The owning contact of a bank account cannot be changed; create a new one instead.');
          }
          errors.throwIfAny();
          if (body.is_primary && !current.is_primary) await demoteOtherPrimary(tx, ctx, current.contact_id, id, at);
          const changes: BankChanges = {
            account_holder_name: body.account_holder_name,
            account_no: body.account_no,
            ifsc: body.ifsc?.toUpperCase(),
            bank_name: body.bank_name,
            branch_name: body.branch_name,
            account_type: body.account_type,
            is_primary: body.is_primary,
            tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
          };
          const updated = await updateBank(tx, ctx.tenantId, id, changes, ctx.userId, at);
          await recordAudit(tx, ctx, {
            actionType: 'update',
            objectType: 'bank',
            objectId: id,
            contactId: current.contact_id,
            before: toBank(current),
            after: toBank(updated),
            at,
          });
          return updated;
        })
        .catch((err) => Promise.reject(bankConflict(err)));
      setEtag(reply, row.version);
      return toBank(row);
    },
  );

  app.delete(
    '/contacts/banks/:contact_bank_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a bank account (soft)',
        params: BankIdParam,
        response: { 204: NoContent, ...problems(401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_bank_id, 'Bank account');
      const ctx = request.ctx;
      const at = new Date();
      await request.db.transaction(async (tx) => {
        const current = await lockBank(tx, ctx.tenantId, id);
        checkIfMatch(request, current.version);
        // A deleted primary stays flagged in its own record; the contact simply has no primary now.
        const deleted = await updateBank(tx, ctx.tenantId, id, { is_deleted: true, deleted_at: at }, ctx.userId, at);
        await recordAudit(tx, ctx, {
          actionType: 'delete',
          objectType: 'bank',
          objectId: id,
          contactId: current.contact_id,
          before: toBank(current),
          after: toBank(deleted),
          at,
        });
      });
      return reply.code(204).send(null);
    },
  );
}
