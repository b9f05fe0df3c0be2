import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector } from '../../errors/index.js';
import { problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { ActionBody, Contact, DuplicateOverrideQuery } from './contacts.schema.js';
import { parseDuplicatePolicy } from './blocking.js';
import { toContact } from './contacts.queries.js';
import { CONTACT_ACTIONS, applyAction, restoreContact, type ContactAction } from './lifecycle.service.js';
import { ContactIdParam } from './contacts.routes.js';

const TAGS = ['contact lifecycle'];
const SUMMARY: Record<ContactAction, string> = {
  active: 'Make a contact active (409 if rejected)',
  inactive: 'Make a contact inactive',
  approve: 'Approve a contact (status becomes active); optional comment',
  reject: 'Reject a contact (status becomes inactive); comment required',
};

export function registerLifecycleRoutes(parent: FastifyInstance): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  for (const action of CONTACT_ACTIONS) {
    app.put(
      `/contacts/:contact_id/${action}/`,
      {
        schema: {
          tags: TAGS,
          summary: SUMMARY[action],
          params: ContactIdParam,
          body: ActionBody,
          response: { 200: RefTo(Contact), ...problems(400, 401, 404, 409, 412) },
        },
      },
      async (request, reply) => {
        const id = pathId(request.params.contact_id, 'Contact');
        const comment = request.body?.comment?.trim() || null;
        const precondition = ifMatch(request);
        const { row } = await request.db.transaction((tx) => applyAction(tx, request.ctx, id, action, comment, precondition));
        setEtag(reply, row.version);
        return toContact(row);
      },
    );
  }

  app.post(
    '/contacts/:contact_id/restore/',
    {
      schema: {
        tags: TAGS,
        summary: 'Restore a soft-deleted contact (no-op when live); 409 with duplicate_of when its PAN is now held by another live contact',
        params: ContactIdParam,
        querystring: DuplicateOverrideQuery,
        response: { 200: RefTo(Contact), ...problems(400, 401, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const id = pathId(request.params.contact_id, 'Contact');
      const errors = new FieldErrorCollector();
      const policy = parseDuplicatePolicy(errors, request.query);
      errors.throwIfAny();
      const precondition = ifMatch(request);
      const { row } = await request.db.transaction((tx) => restoreContact(tx, request.ctx, id, { policy, precondition }));
      setEtag(reply, row.version);
      return toContact(row);
    },
  );
}
