import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ulid } from '../../ids.js';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import type { Deps } from '../../http/deps.js';
import type { RequestContext } from '../../http/context.js';
import { NoContent, problems, Text } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { checkIfMatch, setEtag } from '../../http/etag.js';
import { recordAudit } from '../audit/audit.queries.js';
import { Prop, PropsWrite, PROP_KEY_PATTERN } from './contacts.schema.js';
import { deleteProps, findContact, propsOf, toProp, updateContact, upsertProps, type ContactRow } from './contacts.queries.js';
import { checkProps, propUpserts } from './props.validation.js';
import { ContactIdParam } from './contacts.routes.js';
import { commaList } from '../../http/list.js';
import { DuplicateOverrideQuery } from './contacts.schema.js';
import { BLOCK_DUPLICATES, checkIdentifierValues, overrideComment, parseDuplicatePolicy, refreshIdentifiers, type DuplicatePolicy } from '../dedupe/blocking.js';

const TAGS = ['props'];
const PropList = Type.Array(Prop);
const DeleteKeysQuery = Type.Object({ keys: Type.Optional(Text({ description: 'comma-separated prop keys' })) });
const DeleteKeysBody = Type.Union([
  Type.Object({ keys: Type.Array(Type.String({ pattern: PROP_KEY_PATTERN }), { maxItems: 200 }) }, { additionalProperties: false }),
  Type.Null(),
]);

async function currentProps(db: Executor, tenantId: string, contactId: string) {
  return ((await propsOf(db, tenantId, [contactId])).get(contactId) ?? []).map(toProp);
}

/** One audit entry per props write (object `prop`, keyed by the contact); bumps the contact's version, rebuilding its props copy. */
async function recordPropsChange(
  tx: Executor,
  ctx: RequestContext,
  contact: ContactRow,
  actionType: 'update' | 'delete',
  before: unknown,
  at: Date,
  policy: DuplicatePolicy,
) {
  // Match keys follow the props; only PANs new to this contact can be blocked.
  const duplicateOf = await refreshIdentifiers(tx, ctx.tenantId, contact.id, policy, false);
  await updateContact(tx, ctx.tenantId, contact.id, {}, ctx.userId, at, { refreshMatchProps: true });
  const after = await currentProps(tx, ctx.tenantId, contact.id);
  const comment = overrideComment(policy, duplicateOf);
  await recordAudit(tx, ctx, { actionType, objectType: 'prop', objectId: contact.id, contactId: contact.id, before, after, at, comment });
  return after;
}

async function lockedContact(tx: Executor, tenantId: string, id: string): Promise<ContactRow> {
  const contact = await findContact(tx, tenantId, id, { lock: true });
  if (!contact) throw notFound('Contact');
  return contact;
}

export function registerPropRoutes(parent: FastifyInstance, deps: Deps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/contacts/:contact_id/props/',
    { schema: { tags: TAGS, summary: 'All props of a contact, sorted by key', params: ContactIdParam, response: { 200: PropList, ...problems(401, 404) } } },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const contact = await findContact(request.db, request.ctx.tenantId, id);
      if (!contact) throw notFound('Contact');
      setEtag(reply, contact.version);
      return currentProps(request.db, request.ctx.tenantId, id);
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
      checkProps(errors, request.body, '');
      checkIdentifierValues(errors, request.body, '', deps.config.identifierValidation === 'strict');
      const policy = parseDuplicatePolicy(errors, request.query);
      errors.throwIfAny();
      const ctx = request.ctx;
      const at = new Date();
      const { props, version } = await request.db.transaction(async (tx) => {
        const contact = await lockedContact(tx, ctx.tenantId, id);
        checkIfMatch(request, contact.version);
        const before = await currentProps(tx, ctx.tenantId, id);
        const upserts = propUpserts(request.body);
        const changed = (await upsertProps(tx, ctx.tenantId, id, upserts, upserts.map(() => ulid(at.getTime())), ctx.userId, at)).length;
        // Writing the same values again changes nothing: no audit entry, ETag unchanged.
        if (changed === 0) return { props: before, version: contact.version };
        return { props: await recordPropsChange(tx, ctx, contact, 'update', before, at, policy), version: contact.version + 1 };
      });
      setEtag(reply, version);
      return props;
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
      const ctx = request.ctx;
      const at = new Date();
      await request.db.transaction(async (tx) => {
        const contact = await lockedContact(tx, ctx.tenantId, id);
        checkIfMatch(request, contact.version);
        const before = await currentProps(tx, ctx.tenantId, id);
        if ((await deleteProps(tx, ctx.tenantId, id, keys)) > 0) await recordPropsChange(tx, ctx, contact, 'delete', before, at, BLOCK_DUPLICATES);
      });
      return reply.code(204).send(null);
    },
  );
}
