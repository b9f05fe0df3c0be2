import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Deps } from '../../http/deps.js';
import { NoContent, problems, Text } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { commaList } from '../../http/list.js';
import { DuplicateOverrideQuery, Prop, PropsWrite, PROP_KEY_PATTERN } from './contacts.schema.js';
import { findContact } from './contacts.queries.js';
import { propsOf, toProp } from './props.queries.js';
import { checkPropsBody, putProps, removeProps } from './props.service.js';
import { ContactIdParam } from './contacts.routes.js';
import { parseDuplicatePolicy } from './blocking.js';

const TAGS = ['props'];
const PropList = Type.Array(Prop);
const DeleteKeysQuery = Type.Object({ keys: Type.Optional(Text({ description: 'comma-separated prop keys' })) });
const DeleteKeysBody = Type.Union([
  Type.Object({ keys: Type.Array(Type.String({ pattern: PROP_KEY_PATTERN }), { maxItems: 200 }) }, { additionalProperties: false }),
  Type.Null(),
]);

export function registerPropRoutes(parent: FastifyInstance, deps: Deps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/contacts/:contact_id/props/',
    { schema: { tags: TAGS, summary: 'All props of a contact, sorted by key', params: ContactIdParam, response: { 200: PropList, ...problems(401, 404) } } },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const tenantId = request.ctx.tenantId;
      const { contact, props } = await request.db.read(async (tx) => ({
        contact: await findContact(tx, tenantId, id),
        props: (await propsOf(tx, tenantId, [id])).get(id) ?? [],
      }));
      if (!contact) throw notFound('Contact');
      setEtag(reply, contact.version);
      return props.map(toProp);
    },
  );

  app.put(
    '/contacts/:contact_id/props/',
    {
      schema: {
        tags: TAGS,
        summary: 'Upsert props by key (others kept); returns the full list',
        params: ContactIdParam,
        querystring: DuplicateOverrideQuery,
        body: PropsWrite,
        response: { 200: PropList, ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const errors = new FieldErrorCollector();
      const policy = parseDuplicatePolicy(errors, request.query);
      checkPropsBody(request.body, { strictIdentifiers: deps.config.identifierValidation === 'strict' }, errors);
      const precondition = ifMatch(request);
      const { row, props } = await request.db.transaction((tx) => putProps(tx, request.ctx, id, request.body, { policy, precondition }));
      setEtag(reply, row.version);
      return props.map(toProp);
    },
  );

  app.delete(
    '/contacts/:contact_id/props/',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete props by key (`?keys=a,b` or body `{"keys": [...]}`); unknown keys are ignored',
        params: ContactIdParam,
        querystring: DeleteKeysQuery,
        body: DeleteKeysBody,
        response: { 204: NoContent, ...problems(400, 401, 404, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const keys = [...new Set([...commaList(request.query.keys), ...(request.body?.keys ?? [])])];
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => removeProps(tx, request.ctx, id, keys, precondition));
      return reply.code(204).send(null);
    },
  );
}
