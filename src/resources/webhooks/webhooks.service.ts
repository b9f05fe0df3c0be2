import { ulid } from '../../ids.js';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import { checkPrecondition, type Actor, type Precondition } from '../../changes/index.js';
import { checkWebhookUrl } from '../../validation/webhook-url.js';
import { generateWebhookSecret } from './webhook-send.js';
import { findEvent } from '../events/events.queries.js';
import { isEventPattern, matchesEventFilter } from './event-filter.js';
import type { RedeliverBody, WebhookCreateBody, WebhookPatchBody } from './webhooks.schema.js';
import {
  enabledWebhooks,
  findDelivery,
  findWebhook,
  insertDeliveries,
  insertWebhook,
  scheduleDeliveryNow,
  updateWebhook,
  type DeliveryRow,
  type WebhookChanges,
  type WebhookRow,
} from './webhooks.queries.js';

// Webhook endpoints are a tenant's configuration, not contact data: their writes are not audit
// entries and publish no events (the service disabling one publishes `webhook.disabled`).

export interface WebhookRules {
  /** WEBHOOK_ALLOW_PRIVATE: loopback, private addresses and plain http are allowed (development). */
  allowPrivate: boolean;
}

function checkBody(errors: FieldErrorCollector, body: { url?: string; events?: string[] }, rules: WebhookRules): void {
  if (body.url !== undefined) {
    const problem = checkWebhookUrl(body.url, rules.allowPrivate);
    if (problem) errors.add('url', problem);
  }
  body.events?.forEach((p, i) => {
    if (!isEventPattern(p)) errors.add(`events.${i}`, `Unknown event type "${p}" (an event type, or "<prefix>.*").`);
  });
}

async function lockWebhook(tx: Executor, tenantId: string, id: string, precondition?: Precondition): Promise<WebhookRow> {
  const row = await findWebhook(tx, tenantId, id, { lock: true });
  if (!row) throw notFound('Webhook');
  checkPrecondition(precondition, row.version);
  return row;
}

export async function createWebhook(tx: Executor, actor: Actor, body: WebhookCreateBody, rules: WebhookRules, at = new Date()): Promise<WebhookRow> {
  const errors = new FieldErrorCollector();
  checkBody(errors, body, rules);
  errors.throwIfAny();
  return insertWebhook(tx, {
    tenant_id: actor.tenantId,
    id: ulid(at.getTime()),
    url: body.url,
    events: [...new Set(body.events ?? [])],
    description: body.description ?? null,
    enabled: body.enabled ?? true,
    secret: generateWebhookSecret(),
    at,
    user_id: actor.userId,
  });
}

export async function patchWebhook(tx: Executor, actor: Actor, id: string, body: WebhookPatchBody, rules: WebhookRules, precondition?: Precondition, at = new Date()): Promise<WebhookRow> {
  const b = body ?? {};
  const errors = new FieldErrorCollector();
  checkBody(errors, b, rules);
  errors.throwIfAny();
  await lockWebhook(tx, actor.tenantId, id, precondition);
  const changes: WebhookChanges = {
    url: b.url,
    events: b.events === undefined ? undefined : [...new Set(b.events)],
    description: b.description,
    enabled: b.enabled,
  };
  // Enabling again starts afresh: the reason it was disabled and its failure streak are cleared.
  if (b.enabled) Object.assign(changes, { disabled_reason: null, failing_since: null });
  return updateWebhook(tx, actor.tenantId, id, changes, actor.userId, at);
}

export async function deleteWebhook(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<void> {
  await lockWebhook(tx, actor.tenantId, id, precondition);
  await updateWebhook(tx, actor.tenantId, id, { is_deleted: true, deleted_at: at, enabled: false }, actor.userId, at);
  // Deliveries still pending for it will not be attempted: the worker skips deleted endpoints.
}

/** A new signing secret; the old one stops working at once. */
export async function rotateWebhookSecret(tx: Executor, actor: Actor, id: string, precondition?: Precondition, at = new Date()): Promise<WebhookRow> {
  await lockWebhook(tx, actor.tenantId, id, precondition);
  return updateWebhook(tx, actor.tenantId, id, { secret: generateWebhookSecret() }, actor.userId, at);
}

/** Makes one delivery due now. */
export async function retryDelivery(tx: Executor, actor: Actor, webhookId: string, deliveryId: string, at = new Date()): Promise<DeliveryRow> {
  const webhook = await findWebhook(tx, actor.tenantId, webhookId);
  const delivery = webhook && (await findDelivery(tx, actor.tenantId, webhookId, deliveryId, { lock: true }));
  if (!delivery) throw notFound('Delivery');
  await scheduleDeliveryNow(tx, actor.tenantId, deliveryId, at);
  return (await findDelivery(tx, actor.tenantId, webhookId, deliveryId))!;
}

/** New deliveries of a published event: to one webhook, or to every enabled webhook whose filter takes it. */
export async function redeliverEvent(tx: Executor, actor: Actor, eventId: string, body: RedeliverBody, at = new Date()): Promise<DeliveryRow[]> {
  const event = await findEvent(tx, actor.tenantId, eventId);
  if (!event) throw notFound('Event');
  let targets: string[];
  if (body?.webhook !== undefined) {
    const webhook = await findWebhook(tx, actor.tenantId, body.webhook.toUpperCase());
    if (!webhook) throw new AppError('validation_error', 'Unknown webhook.', { errors: { webhook: ['Unknown webhook: no webhook with this id.'] } });
    targets = [webhook.id];
  } else {
    targets = (await enabledWebhooks(tx, actor.tenantId)).filter((w) => matchesEventFilter(w.events, event.type)).map((w) => w.id);
  }
  const deliveries = targets.map((webhookId) => ({ id: ulid(at.getTime()), webhookId }));
  await insertDeliveries(tx, actor.tenantId, event.id, deliveries, at);
  const out: DeliveryRow[] = [];
  for (const d of deliveries) out.push((await findDelivery(tx, actor.tenantId, d.webhookId, d.id))!);
  return out;
}
