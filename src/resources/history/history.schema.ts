import { Type, type Static } from 'typebox';
import { Envelope, NullableString, Timestamp } from '../../http/schemas.js';

export const ACTION_TYPES = ['create', 'update', 'delete', 'action'] as const;
export const OBJECT_TYPES = ['namespace', 'contact', 'address', 'bank', 'prop', 'relation'] as const;

const State = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown()), Type.Null()], {
  description: 'the object as it was served (props: the list of props); null before a create',
});

export const HistoryEntry = Type.Object({
  id: Type.String({ description: 'ULID' }),
  tenant_id: Type.String(),
  user_id: Type.String(),
  action_type: Type.String({ description: ACTION_TYPES.join(' | ') }),
  object_type: Type.String({ description: OBJECT_TYPES.join(' | ') }),
  object_id: Type.String({ description: 'id of the object; for prop entries, the contact id' }),
  timestamp: Timestamp,
  ip_address: NullableString,
  user_agent: NullableString,
  before_state: State,
  after_state: State,
  comment: NullableString,
});
export type HistoryEntry = Static<typeof HistoryEntry>;

export const HistoryList = Envelope(HistoryEntry);

export const HistoryQuery = Type.Object({
  page: Type.Optional(Type.String({ description: '1-based page number (default 1)' })),
  page_size: Type.Optional(Type.String({ description: 'items per page, 1–200 (default 20)' })),
  ordering: Type.Optional(Type.String({ description: 'timestamp or -timestamp (default -timestamp)' })),
  object_id: Type.Optional(Type.String()),
  object_type: Type.Optional(Type.String({ description: OBJECT_TYPES.join(' | ') })),
  action_type: Type.Optional(Type.String({ description: ACTION_TYPES.join(' | ') })),
  user_id: Type.Optional(Type.String()),
  created_at_after: Type.Optional(Type.String({ description: 'applies to timestamp; YYYY-MM-DD or ISO date-time, inclusive' })),
  created_at_before: Type.Optional(Type.String({ description: 'applies to timestamp; YYYY-MM-DD or ISO date-time, inclusive' })),
});
export type HistoryQuery = Static<typeof HistoryQuery>;
