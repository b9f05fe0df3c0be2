import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector } from '../../errors/index.js';
import type { Deps } from '../../http/deps.js';
import { IdParam, NoContent, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { commaList, envelope, parseDateRange, parseExpand, parseOrdering, parsePaging } from '../../http/list.js';
import {
  APPROVAL_STATUSES,
  CONTACT_STATUSES,
  CONTACT_TYPES,
  Contact,
  ContactCreateBody,
  ContactList,
  ContactListQuery,
  ContactPatchBody,
  DuplicateOverrideQuery,
  ExpandQuery,
} from './contacts.schema.js';
import { parseDuplicatePolicy } from './blocking.js';
import { CONTACT_ORDERINGS, toContact } from './contacts.queries.js';
import { contactsPage, retrieveContactOrSurvivor } from '../views/contacts.read.js';
import { checkContactBody, createContactCommitted, deleteContact, patchContact, type ContactRules } from './contacts.service.js';
import { CONTACT_EXPANDS } from '../views/expand.js';
import { createHeavyResponses } from '../../http/heavy-responses.js';

const TAGS = ['contacts'];
export const ContactIdParam = IdParam('contact_id');

function checkEnum(errors: FieldErrorCollector, field: string, value: string | undefined, allowed: readonly string[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!allowed.includes(value)) errors.add(field, `Must be one of: ${allowed.join(', ')}.`);
  return value;
}

export function registerContactRoutes(parent: FastifyInstance, deps: Deps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const rules: ContactRules = { strictIdentifiers: deps.config.identifierValidation === 'strict' };
  const heavy = createHeavyResponses(deps.config.maxHeavyResponses);

  app.post(
    '/contacts/',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a contact with its props (one transaction); 409 with duplicate_of when a live contact holds the PAN',
        querystring: DuplicateOverrideQuery,
        body: ContactCreateBody,
        response: { 201: RefTo(Contact), ...problems(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const errors = new FieldErrorCollector();
      const policy = parseDuplicatePolicy(errors, request.query);
      checkContactBody(request.body, rules, errors);
      const { row } = await createContactCommitted(request.db, request.ctx, request.body, policy);
      setEtag(reply, row.version);
      return reply.code(201).send(toContact(row));
    },
  );

  app.get(
    '/contacts/',
    {
      schema: {
        tags: TAGS,
        summary: 'List contacts',
        querystring: ContactListQuery,
        response: { 200: ContactList, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, q);
      const ordering = parseOrdering(errors, q.ordering, CONTACT_ORDERINGS, '-created_at');
      const range = parseDateRange(errors, q);
      const expand = parseExpand(errors, q.expand, CONTACT_EXPANDS);
      const status = checkEnum(errors, 'status', q.status, CONTACT_STATUSES);
      const type = checkEnum(errors, 'type', q.type, CONTACT_TYPES);
      const approvalStatus = checkEnum(errors, 'approval_status', q.approval_status, APPROVAL_STATUSES);
      errors.throwIfAny();
      const { results, count } = await request.db.read((tx) =>
        contactsPage(tx, request.ctx.tenantId, {
          namespace: q.namespace || undefined,
          status,
          type,
          approvalStatus,
          tags: commaList(q.tags),
          rmId: q.rm_id || undefined,
          branchId: q.branch_id || undefined,
          refId: q.ref_id || undefined,
          search: q.search,
          ...range,
          ordering,
          limit: paging.pageSize,
          offset: paging.offset,
          expand,
          gate: heavy.gateFor(reply),
        }),
      );
      return envelope(results, count, paging);
    },
  );

  app.get(
    '/contacts/:contact_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Retrieve a contact; a merged id answers with its survivor and Content-Location',
        params: ContactIdParam,
        querystring: ExpandQuery,
        response: { 200: RefTo(Contact), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const errors = new FieldErrorCollector();
      const expand = parseExpand(errors, request.query.expand, CONTACT_EXPANDS);
      errors.throwIfAny();
      const { row, contact, survivor } = await request.db.read((tx) => retrieveContactOrSurvivor(tx, request.ctx.tenantId, id, expand, heavy.gateFor(reply)));
      setEtag(reply, row.version);
      if (survivor) reply.header('content-location', `/contacts/${row.id}/`);
      return contact;
    },
  );

  app.patch(
    '/contacts/:contact_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Update a contact (partial); props are upserted by key',
        params: ContactIdParam,
        querystring: DuplicateOverrideQuery,
        body: ContactPatchBody,
        response: { 200: RefTo(Contact), ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const body = request.body ?? {};
      const errors = new FieldErrorCollector();
      const policy = parseDuplicatePolicy(errors, request.query);
      checkContactBody(body, rules, errors);
      const precondition = ifMatch(request);
      const { row } = await request.db.transaction((tx) => patchContact(tx, request.ctx, id, body, { policy, precondition }));
      setEtag(reply, row.version);
      return toContact(row);
    },
  );

  app.delete(
    '/contacts/:contact_id/',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a contact (soft)',
        params: ContactIdParam,
        response: { 204: NoContent, ...problems(401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => deleteContact(tx, request.ctx, id, precondition));
      return reply.code(204).send(null);
    },
  );
}
