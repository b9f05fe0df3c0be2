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
import { bodyContactId, checkJsonSize, filterId, lockLiveContact, UNKNOWN_CONTACT } from '../common/subresource.js';
import { refreshMatchAddresses } from '../contacts/match-copies.js';
import { Address, AddressCreateBody, AddressList, AddressListQuery, AddressPatchBody } from './addresses.schema.js';
import {
  findAddress,
  insertAddress,
  listAddresses,
  toAddress,
  updateAddress,
  type AddressChanges,
  type AddressRow,
} from './addresses.queries.js';

const ORDERING = { created_at: 'a.created_at', updated_at: 'a.updated_at' };
const TAGS = ['addresses'];
const AddressIdParam = IdParam('contact_address_id');

/**
 * Address writes lock their contact `exclusive` (see OwnerLock): every address write rebuilds the
 * contact row's copy of its addresses (refreshMatchAddresses), so writers of one contact
 * serialize anyway, and two holding `share` would deadlock upgrading it.
 */
const OWNER_LOCK = 'exclusive';

/**
 * Finds a visible address and locks it for a write, owner first: an address whose contact is
 * deleted is as absent as a deleted one.
 */
async function lockAddress(tx: Executor, tenantId: string, id: string): Promise<AddressRow> {
  const seen = await findAddress(tx, tenantId, id);
  if (!seen || !(await lockLiveContact(tx, tenantId, seen.contact_id, OWNER_LOCK))) throw notFound('Address');
  const row = await findAddress(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Address');
  return row;
}

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
        response: { 201: Address, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const errors = new FieldErrorCollector();
      const contactId = bodyContactId(errors, 'contact_id', body.contact_id);
      checkJsonSize(errors, 'codes', body.codes);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db.transaction(async (tx) => {
        if (!(await lockLiveContact(tx, ctx.tenantId, contactId!, OWNER_LOCK))) errors.add('contact_id', UNKNOWN_CONTACT);
        errors.throwIfAny();
        const created = await insertAddress(tx, {
          tenant_id: ctx.tenantId,
          id: ulid(at.getTime()),
          contact_id: contactId!,
          address_line: body.address_line ?? null,
          city: body.city ?? null,
          state: body.state ?? null,
          pincode: body.pincode ?? null,
          country: body.country ?? null,
          coords: body.coords ?? null,
          codes: body.codes ?? {},
          tags: uniqueTags(body.tags ?? []),
          at,
          user_id: ctx.userId,
        });
        await refreshMatchAddresses(tx, ctx.tenantId, contactId!);
        await recordAudit(tx, ctx, {
          actionType: 'create',
          objectType: 'address',
          objectId: created.id,
          contactId: created.contact_id,
          before: null,
          after: toAddress(created),
          at,
        });
        return created;
      });
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
      const ordering = parseOrdering(errors, q.ordering, ORDERING, '-created_at');
      const range = parseDateRange(errors, q);
      const contactId = filterId(errors, 'contact', q.contact);
      errors.throwIfAny();
      const search = q.search?.trim();
      const { rows, count } = await listAddresses(
        request.db,
        request.ctx.tenantId,
        { contactId, tags: commaList(q.tags), searchLike: search ? likePattern(search) : undefined, ...range },
        orderBySql(ordering, 'a'),
        paging.pageSize,
        paging.offset,
      );
      return envelope(rows.map(toAddress), count, paging);
    },
  );

  app.get(
    '/contacts/addresses/:contact_address_id/',
    { schema: { tags: TAGS, summary: 'Retrieve an address', params: AddressIdParam, response: { 200: Address, ...problems(401, 404) } } },
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
        response: { 200: Address, ...problems(400, 401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_address_id, 'Address');
      const body = request.body ?? {};
      const errors = new FieldErrorCollector();
      const contactId = body.contact_id === undefined ? undefined : bodyContactId(errors, 'contact_id', body.contact_id);
      checkJsonSize(errors, 'codes', body.codes);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const row = await request.db.transaction(async (tx) => {
        const current = await lockAddress(tx, ctx.tenantId, id);
        checkIfMatch(request, current.version);
        // The owner is fixed: moving an address would split its history across two contacts.
        if (contactId !== undefined && contactId !== current.contact_id) {
          errors.add('contact_id', 'The owning contact of an address cannot be changed; create a new address instead.');
        }
        errors.throwIfAny();
        const changes: AddressChanges = {
          address_line: body.address_line,
          city: body.city,
          state: body.state,
          pincode: body.pincode,
          country: body.country,
          coords: body.coords === undefined ? undefined : body.coords === null ? null : JSON.stringify(body.coords),
          codes: body.codes === undefined ? undefined : JSON.stringify(body.codes),
          tags: body.tags === undefined ? undefined : uniqueTags(body.tags),
        };
        const updated = await updateAddress(tx, ctx.tenantId, id, changes, ctx.userId, at);
        await refreshMatchAddresses(tx, ctx.tenantId, current.contact_id);
        await recordAudit(tx, ctx, {
          actionType: 'update',
          objectType: 'address',
          objectId: id,
          contactId: current.contact_id,
          before: toAddress(current),
          after: toAddress(updated),
          at,
        });
        return updated;
      });
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
      const ctx = request.ctx;
      const at = new Date();
      await request.db.transaction(async (tx) => {
        const current = await lockAddress(tx, ctx.tenantId, id);
        checkIfMatch(request, current.version);
        const deleted = await updateAddress(tx, ctx.tenantId, id, { is_deleted: true, deleted_at: at }, ctx.userId, at);
        await refreshMatchAddresses(tx, ctx.tenantId, current.contact_id);
        await recordAudit(tx, ctx, {
          actionType: 'delete',
          objectType: 'address',
          objectId: id,
          contactId: current.contact_id,
          before: toAddress(current),
          after: toAddress(deleted),
          at,
        });
      });
      return reply.code(204).send(null);
    },
  );
}
