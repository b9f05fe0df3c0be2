import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Deps } from '../../http/deps.js';
import { IdParam, NoContent, problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { ifMatch, setEtag } from '../../http/etag.js';
import { envelope, parsePaging } from '../../http/list.js';
import { filterEnum } from '../common/subresource.js';
import {
  DELIVERY_STATUSES,
  Delivery,
  DeliveryIdParams,
  DeliveryList,
  DeliveryListQuery,
  Redelivered,
  RedeliverBody,
  Webhook,
  WebhookCreateBody,
  WebhookList,
  WebhookListQuery,
  WebhookPatchBody,
} from './webhooks.schema.js';
import { findWebhook, listDeliveries, listWebhooks, toDelivery, toWebhook } from './webhooks.queries.js';
import { createWebhook, deleteWebhook, patchWebhook, redeliverEvent, retryDelivery, rotateWebhookSecret, type WebhookRules } from './webhooks.service.js';

const TAGS = ['webhooks'];
const WebhookId = IdParam('webhook_id');

export function registerWebhookRoutes(parent: FastifyInstance, deps: Deps): void {
  parent.addSchema(Webhook);
  parent.addSchema(Delivery);
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const rules: WebhookRules = { allowPrivate: deps.config.webhooks.allowPrivate };

  app.post(
    '/webhooks/',
    { schema: { tags: TAGS, summary: 'Register a webhook endpoint; the response carries its signing secret (shown only here)', body: WebhookCreateBody, response: { 201: RefTo(Webhook), ...problems(400, 401) } } },
    async (request, reply) => {
      const row = await request.db.transaction((tx) => createWebhook(tx, request.ctx, request.body, rules));
      setEtag(reply, row.version);
      return reply.code(201).send(toWebhook(row, true));
    },
  );

  app.get(
    '/webhooks/',
    { schema: { tags: TAGS, summary: 'List webhook endpoints', querystring: WebhookListQuery, response: { 200: WebhookList, ...problems(400, 401) } } },
    async (request) => {
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, request.query);
      errors.throwIfAny();
      const { rows, count } = await listWebhooks(request.db, request.ctx.tenantId, paging.pageSize, paging.offset);
      return envelope(rows.map((r) => toWebhook(r)), count, paging);
    },
  );

  app.get(
    '/webhooks/:webhook_id/',
    { schema: { tags: TAGS, summary: 'Retrieve a webhook endpoint', params: WebhookId, response: { 200: RefTo(Webhook), ...problems(401, 404) } } },
    async (request, reply) => {
      const row = await findWebhook(request.db, request.ctx.tenantId, pathId(request.params.webhook_id, 'Webhook'));
      if (!row) throw notFound('Webhook');
      setEtag(reply, row.version);
      return toWebhook(row);
    },
  );

  app.patch(
    '/webhooks/:webhook_id/',
    { schema: { tags: TAGS, summary: 'Update a webhook endpoint (partial); enabling clears the disabled reason', params: WebhookId, body: WebhookPatchBody, response: { 200: RefTo(Webhook), ...problems(400, 401, 404, 412) } } },
    async (request, reply) => {
      const id = pathId(request.params.webhook_id, 'Webhook');
      const precondition = ifMatch(request);
      const row = await request.db.transaction((tx) => patchWebhook(tx, request.ctx, id, request.body, rules, precondition));
      setEtag(reply, row.version);
      return toWebhook(row);
    },
  );

  app.delete(
    '/webhooks/:webhook_id/',
    { schema: { tags: TAGS, summary: 'Delete a webhook endpoint; its pending deliveries are dropped', params: WebhookId, response: { 204: NoContent, ...problems(401, 404, 412) } } },
    async (request, reply) => {
      const id = pathId(request.params.webhook_id, 'Webhook');
      const precondition = ifMatch(request);
      await request.db.transaction((tx) => deleteWebhook(tx, request.ctx, id, precondition));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:webhook_id/rotate_secret/',
    { schema: { tags: TAGS, summary: 'Replace the signing secret; the response carries the new one (shown only here)', params: WebhookId, response: { 200: RefTo(Webhook), ...problems(401, 404, 412) } } },
    async (request, reply) => {
      const id = pathId(request.params.webhook_id, 'Webhook');
      const precondition = ifMatch(request);
      const row = await request.db.transaction((tx) => rotateWebhookSecret(tx, request.ctx, id, precondition));
      setEtag(reply, row.version);
      return toWebhook(row, true);
    },
  );

  app.get(
    '/webhooks/:webhook_id/deliveries/',
    { schema: { tags: TAGS, summary: "A webhook endpoint's deliveries, newest first", params: WebhookId, querystring: DeliveryListQuery, response: { 200: DeliveryList, ...problems(400, 401, 404) } } },
    async (request) => {
      const id = pathId(request.params.webhook_id, 'Webhook');
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, request.query);
      const status = filterEnum(errors, 'status', request.query.status, DELIVERY_STATUSES);
      errors.throwIfAny();
      const tenantId = request.ctx.tenantId;
      const { rows, count } = await request.db.read(async (tx) => {
        if (!(await findWebhook(tx, tenantId, id))) throw notFound('Webhook');
        return listDeliveries(tx, tenantId, id, status, paging.pageSize, paging.offset);
      });
      return envelope(rows.map(toDelivery), count, paging);
    },
  );

  app.post(
    '/webhooks/:webhook_id/deliveries/:delivery_id/retry/',
    { schema: { tags: TAGS, summary: 'Attempt a delivery again now', params: DeliveryIdParams, response: { 200: RefTo(Delivery), ...problems(401, 404) } } },
    async (request) => {
      const webhookId = pathId(request.params.webhook_id, 'Delivery');
      const deliveryId = pathId(request.params.delivery_id, 'Delivery');
      return toDelivery(await request.db.transaction((tx) => retryDelivery(tx, request.ctx, webhookId, deliveryId)));
    },
  );

  app.post(
    '/events/:event_id/redeliver/',
    { schema: { tags: ['events'], summary: 'Deliver a published event again: to one webhook, or to every matching enabled one', params: IdParam('event_id'), body: RedeliverBody, response: { 202: Redelivered, ...problems(400, 401, 404) } } },
    async (request, reply) => {
      const id = pathId(request.params.event_id, 'Event');
      const rows = await request.db.transaction((tx) => redeliverEvent(tx, request.ctx, id, request.body));
      return reply.code(202).send({ deliveries: rows.map(toDelivery) });
    },
  );
}
