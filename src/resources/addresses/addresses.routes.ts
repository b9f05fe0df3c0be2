import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import { IdParam, NoContent, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { commaList, envelope, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { filterId } from '../common/subresource.js';
import { Address, AddressCreateBody, AddressList, AddressListQuery, AddressPatchBody } from './addresses.schema.js';
import { ADDRESS_ORDERINGS, findAddress, listAddresses, toAddress } from './addresses.queries.js';
import { createAddress, deleteAddress, patchAddress } from './addresses.service.js';

const TAGS = ['addresses'];
const AddressIdParam = IdParam('contact_address_id');

export function registerAddressRoutes(parent: FastifyInstance): void {
  parent.addSchema(Address);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/contacts/addresses/',
    {
      schema: {
        tags: TAGS,
        summary: 'Create an address of a contact',
        body: AddressCreateBody,
        response: { 201: RefTo(Address), ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const row = await request.db.transaction((tx) => createAddress(tx, request.ctx, request.body));
      setEtag(reply, row.version);
      return reply.code(201).send(toAddress(row));
    },
  );

  app.get(
    '/contacts/addresses/',
    {
      schema: {
        tags: TAGS,
        summary: 'List addresses',
        querystring: AddressListQuery,
        response: { 200: AddressList, ...problems(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, ADDRESS_ORDERINGS, '-created_at');
      const range = parseDateRange(errors, q);
      const contactId = filterId(errors, 'contact', q.contact);
      errors.throwIfAny();
      const search = q.search?.trim();
      const { rows, count } = await listAddresses(
        request.db,
        request.ctx.tenantId,
        { contactId, tags: commaList(q.tags), search: search || undefined, ...range },
        ordering,
        paging.pageSize,
        paging.offset,
      );
      return envelope(rows.map(toAddress), count, paging);
    },
  );

  app.get(
    '/contacts/addresses/:contact_address_id/',
    { schema: { tags: TAGS, summary: 'Retrieve an address', params: AddressIdParam, response: { 200: RefTo(Address), ...problems(401, 404) } } },
    async (request, reply) => {
      const id = pathId(request.params.contact_address_id, 'Address');
      const row = await findAddress(request.db, request.ctx.tenantId, id);
      if (!row) throw notFound('Address');
      setEtag(reply, row.version);
      return toAddress(row);
    },
  );

  app.patch(
    '/contacts/addresses/:contact_address_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Update an address (partial); null clears a field',
        params: AddressIdParam,
        body: AddressPatchBody,
        response: { 200: RefTo(Address), ...problems(400, 401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_address_id, 'Address');
      const precondition = ifMatch(request);
      const row = await request.db.transaction((tx) => patchAddress(tx, request.ctx, id, request.body ?? {}, precondition));
      setEtag(reply, row.version);
      return toAddress(row);
    },
  );

  app.delete(
    '/contacts/addresses/:contact_address_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete an address (soft)',
        params: AddressIdParam,
        response: { 204: NoContent, ...problems(401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_address_id, 'Address');
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => deleteAddress(tx, request.ctx, id, precondition));
      return reply.code(204).send(null);
    },
  );
}
