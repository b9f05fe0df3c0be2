import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import { EVENT_TYPES } from '../../changes/index.js';
import { IdParam, problems, RefTo } from '../../http/schemas.js';
import { normalizeId, pathId } from '../../http/ids.js';
import { commaList, parsePositiveInt } from '../../http/list.js';
import { Event, EventFeed, EventFeedQuery } from './events.schema.js';
import { findEvent, readFeed, toEvent } from './events.queries.js';

const TAGS = ['events'];
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

/** A cursor or filter id: malformed is a 400 naming the parameter. */
function idParam(errors: FieldErrorCollector, field: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const id = normalizeId(raw);
  if (!id) errors.add(field, 'Must be an event id (ULID).');
  return id;
}

export function registerEventRoutes(parent: FastifyInstance): void {
  parent.addSchema(Event);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/events/',
    {
      schema: {
        tags: TAGS,
        summary: 'The event feed: pass `next_after` as `after` to read on; every event appears exactly once, in id order',
        querystring: EventFeedQuery,
        response: { 200: EventFeed, ...problems(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const errors = new FieldErrorCollector();
      const after = idParam(errors, 'after', q.after);
      const objectId = idParam(errors, 'object_id', q.object_id);
      const limit = parsePositiveInt(errors, 'limit', q.limit, DEFAULT_LIMIT, MAX_LIMIT);
      const types = commaList(q.type);
      const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown.length > 0) errors.add('type', `Unknown event type(s): ${unknown.join(', ')}.`);
      errors.throwIfAny();
      const rows = await readFeed(request.db, request.ctx.tenantId, { after, types, objectId }, limit);
      const page = rows.slice(0, limit);
      return { results: page.map(toEvent), next_after: page.at(-1)?.id ?? after ?? null, has_more: rows.length > limit };
    },
  );

  app.get(
    '/events/:event_id/',
    { schema: { tags: TAGS, summary: 'Retrieve an event', params: IdParam('event_id'), response: { 200: RefTo(Event), ...problems(401, 404) } } },
    async (request) => {
      const row = await findEvent(request.db, request.ctx.tenantId, pathId(request.params.event_id, 'Event'));
      if (!row) throw notFound('Event');
      return toEvent(row);
    },
  );
}
