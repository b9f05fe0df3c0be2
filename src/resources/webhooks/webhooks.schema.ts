import { Type, type Static } from 'typebox';
import { AuditFields, Envelope, ListQueryFields, NullableString, NullableTimestamp, ReadOnlyBodyFields, Text } from '../../http/schemas.js';

export const MAX_EVENT_PATTERNS = 50;

const Events = Type.Array(Type.String({ minLength: 1, maxLength: 60 }), {
  maxItems: MAX_EVENT_PATTERNS,
  description: 'event types (`bank.created`) or `<prefix>.*`; empty means every event',
});

const writable = {
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'https URL of the receiver' }),
  events: Events,
  description: Type.Union([Text({ maxLength: 500 }), Type.Null()]),
  enabled: Type.Boolean(),
};

export const WebhookCreateBody = Type.Object(
  { url: writable.url, events: Type.Optional(writable.events), description: Type.Optional(writable.description), enabled: Type.Optional(writable.enabled), ...ReadOnlyBodyFields },
  { additionalProperties: false },
);
export type WebhookCreateBody = Static<typeof WebhookCreateBody>;

export const WebhookPatchBody = Type.Union(
  [
    Type.Object(
      {
        url: Type.Optional(writable.url),
        events: Type.Optional(writable.events),
        description: Type.Optional(writable.description),
        enabled: Type.Optional(writable.enabled),
        ...ReadOnlyBodyFields,
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
);
export type WebhookPatchBody = Static<typeof WebhookPatchBody>;

export const Webhook = Type.Object(
  {
    ...AuditFields,
    url: Type.String(),
    events: Type.Array(Type.String()),
    description: NullableString,
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.String(), Type.Null()], { description: 'why the service disabled it (410, failing too long)' }),
    secret: Type.Optional(Type.String({ description: 'the signing secret: only in the create and rotate_secret responses' })),
  },
  { $id: 'Webhook' },
);
export type Webhook = Static<typeof Webhook>;

export const WebhookList = Envelope(Type.Ref('Webhook'));
export const WebhookListQuery = Type.Object({ ...ListQueryFields });
export type WebhookListQuery = Static<typeof WebhookListQuery>;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const Delivery = Type.Object(
  {
    id: Type.String(),
    webhook_id: Type.String(),
    event_id: Type.String(),
    event_type: Type.String(),
    status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
    attempt: Type.Integer({ description: 'attempts made so far' }),
    status_code: Type.Union([Type.Integer(), Type.Null()], { description: "the last attempt's HTTP status" }),
    latency_ms: Type.Union([Type.Integer(), Type.Null()]),
    error: NullableString,
    last_attempt_at: NullableTimestamp,
    next_attempt_at: NullableTimestamp,
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Delivery' },
);
export type Delivery = Static<typeof Delivery>;

export const DeliveryList = Envelope(Type.Ref('Delivery'));
export const DeliveryListQuery = Type.Object({
  page: ListQueryFields.page,
  page_size: ListQueryFields.page_size,
  status: Type.Optional(Type.String({ description: 'pending | succeeded | failed' })),
});
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

export const RedeliverBody = Type.Union([Type.Object({ webhook: Type.Optional(Type.String({ description: 'one webhook id; default every matching enabled webhook' })) }, { additionalProperties: false }), Type.Null()]);
export type RedeliverBody = Static<typeof RedeliverBody>;

export const Redelivered = Type.Object({ deliveries: Type.Array(Type.Ref('Delivery')) });

export const DeliveryIdParams = Type.Object({
  webhook_id: Type.String({ description: 'ULID' }),
  delivery_id: Type.String({ description: 'ULID' }),
});
