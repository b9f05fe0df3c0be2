import { Type, type Static } from 'typebox';
import { NullableString, Timestamp } from '../../http/schemas.js';

export const Event = Type.Object(
  {
    id: Type.String({ description: 'ULID; the feed is ordered by id' }),
    type: Type.String({ description: 'e.g. contact.created' }),
    created_at: Timestamp,
    object_type: Type.String(),
    object_id: Type.String(),
    contact_id: NullableString,
    data: Type.Object(
      {
        object: Type.Unknown({ description: 'the object after the change; null after a delete' }),
        previous_attributes: Type.Union([Type.Record(Type.String(), Type.Unknown(), { additionalProperties: true }), Type.Null()], {
          description: "the changed fields' earlier values (updates only)",
        }),
      },
      { additionalProperties: false },
    ),
    request_id: NullableString,
    user_id: Type.String(),
  },
  { $id: 'Event' },
);
export type Event = Static<typeof Event>;

export const EventFeed = Type.Object({
  results: Type.Array(Type.Ref('Event')),
  next_after: Type.Union([Type.String(), Type.Null()], { description: 'pass as `after` to read on; the id of the last result' }),
  has_more: Type.Boolean(),
});

export const EventFeedQuery = Type.Object({
  after: Type.Optional(Type.String({ description: 'an event id: only events after it' })),
  type: Type.Optional(Type.String({ description: 'comma-separated event types' })),
  object_id: Type.Optional(Type.String({ description: 'only events of this object (an id)' })),
  limit: Type.Optional(Type.String({ description: '1–500 (default 100)' })),
});
export type EventFeedQuery = Static<typeof EventFeedQuery>;
