import { Type, type Static } from 'typebox';
import { EnumField, EnumParam, Envelope, ListQueryFields, NullableString, Timestamp } from '../../http/schemas.js';

export const ACTION_TYPES = ['create', 'update', 'delete', 'action'] as const;
export const OBJECT_TYPES = ['namespace', 'contact', 'address', 'bank', 'prop', 'relation', 'duplicate'] as const;

const State = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown()), Type.Null()], {
  description: 'the object as it was served (props: the list of props); null before a create',
});

export const HistoryEntry = Type.Object({
  id: Type.String({ description: 'ULID' }),
  tenant_id: Type.String(),
  user_id: Type.String(),
  action_type: EnumField(ACTION_TYPES),
  object_type: EnumField(OBJECT_TYPES),
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
  page: ListQueryFields.page,
  page_size: ListQueryFields.page_size,
  ordering: EnumParam('newest first by default', ['-timestamp', 'timestamp']),
  object_id: Type.Optional(Type.String({ description: 'id of the changed object (for props: the contact id)' })),
  object_type: EnumParam('kind of the changed object', OBJECT_TYPES),
  action_type: EnumParam('kind of change', ACTION_TYPES),
  user_id: Type.Optional(Type.String({ description: 'sub of the token that made the change' })),
  created_at_after: Type.Optional(Type.String({ description: 'applies to timestamp; YYYY-MM-DD or ISO date-time, inclusive' })),
  created_at_before: Type.Optional(Type.String({ description: 'applies to timestamp; YYYY-MM-DD or ISO date-time, inclusive' })),
});
export type HistoryQuery = Static<typeof HistoryQuery>;
