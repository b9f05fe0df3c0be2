import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { IdParam, problems } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { envelope, parseDateRange, parseOrdering, parsePaging } from '../../http/list.js';
import { findContact } from '../contacts/contacts.queries.js';
import { filterEnum, filterId } from '../common/subresource.js';
import { ACTION_TYPES, HistoryList, HistoryQuery, OBJECT_TYPES } from './history.schema.js';
import { HISTORY_ORDERINGS, listHistory, toHistoryEntry, type HistoryFilter } from './history.queries.js';

const TAGS = ['history'];

/** Parses the list query strictly (400 before any lookup, as the other retrieve/list routes do). */
function parseHistoryQuery(q: HistoryQuery, contactId?: string) {
  const errors = new FieldErrorCollector();
  const paging = parsePaging(errors, q);
  const ordering = parseOrdering(errors, q.ordering, HISTORY_ORDERINGS, '-timestamp');
  // CONTRACT §6a: the date filters of /history/ apply to `timestamp`.
  const range = parseDateRange(errors, q);
  const objectId = filterId(errors, 'object_id', q.object_id);
  const objectType = filterEnum(errors, 'object_type', q.object_type, OBJECT_TYPES);
  const actionType = filterEnum(errors, 'action_type', q.action_type, ACTION_TYPES);
  errors.throwIfAny();
  const filter: HistoryFilter = { contactId, objectId, objectType, actionType, userId: q.user_id || undefined, ...range };
  return { paging, orderBy: ordering, filter };
}

async function historyPage(db: Executor, tenantId: string, query: ReturnType<typeof parseHistoryQuery>) {
  const { paging, orderBy, filter } = query;
  const { rows, count } = await listHistory(db, tenantId, filter, orderBy, paging.pageSize, paging.offset);
  return envelope(rows.map(toHistoryEntry), count, paging);
}

export function registerHistoryRoutes(parent: FastifyInstance): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/history/',
    {
      schema: {
        tags: TAGS,
        summary: 'Audit history of the tenant (read-only)',
        querystring: HistoryQuery,
        response: { 200: HistoryList, ...problems(400, 401) },
      },
    },
    async (request) => historyPage(request.db, request.ctx.tenantId, parseHistoryQuery(request.query)),
  );

  app.get(
    '/contacts/:contact_id/history/',
    {
      schema: {
        tags: TAGS,
        summary: 'Audit history of a contact and its sub-resources (addresses, banks, props, forward relations)',
        params: IdParam('contact_id'),
        querystring: HistoryQuery,
        response: { 200: HistoryList, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const query = parseHistoryQuery(request.query, id);
      // A deleted contact's history stays readable: the audit trail matters most after a deletion.
      if (!(await findContact(request.db, request.ctx.tenantId, id, { includeDeleted: true }))) throw notFound('Contact');
      return historyPage(request.db, request.ctx.tenantId, query);
    },
  );
}
