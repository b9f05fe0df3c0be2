import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import { IdParam, NoContent, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { commaList, envelope, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { filterId } from '../common/subresource.js';
import { Bank, BankCreateBody, BankList, BankListQuery, BankPatchBody } from './banks.schema.js';
import { BANK_ORDERINGS, findBank, listBanks, toBank } from './banks.queries.js';
import { createBank, deleteBank, patchBank } from './banks.service.js';

const TAGS = ['banks'];
const BankIdParam = IdParam('contact_bank_id');

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
        response: { 201: RefTo(Bank), ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const row = await request.db.transaction((tx) => createBank(tx, request.ctx, request.body));
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
      const ordering = parseOrdering(errors, q.ordering, BANK_ORDERINGS, '-created_at');
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
          search: search || undefined,
          ...range,
        },
        ordering,
        paging.pageSize,
        paging.offset,
      );
      return envelope(rows.map(toBank), count, paging);
    },
  );

  app.get(
    '/contacts/banks/:contact_bank_id/',
    { schema: { tags: TAGS, summary: 'Retrieve a bank account', params: BankIdParam, response: { 200: RefTo(Bank), ...problems(401, 404) } } },
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
        response: { 200: RefTo(Bank), ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_bank_id, 'Bank account');
      const precondition = ifMatch(request);
      const row = await request.db.transaction((tx) => patchBank(tx, request.ctx, id, request.body ?? {}, precondition));
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
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => deleteBank(tx, request.ctx, id, precondition));
      return reply.code(204).send(null);
    },
  );
}
