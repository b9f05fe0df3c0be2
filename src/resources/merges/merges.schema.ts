import { Type, type Static } from 'typebox';
import { Envelope, ListQueryFields, NullableString, NullableTimestamp, Text, Timestamp } from '../../http/schemas.js';
import { COMMENT_MAX } from '../contacts/contacts.schema.js';

// Merge and undo on the wire (CONTRACT §8.2, §8.3).

export const MAX_MERGE_IDS = 10;
/** Contact fields `prefer` may name; props are named `props.<key>`. */
export const PREFERABLE_FIELDS = ['name', 'status', 'rm_id', 'branch_id', 'namespace'] as const;

export const MergeBody = Type.Object(
  {
    merge_ids: Type.Array(Type.String(), { description: `ids of 1–${MAX_MERGE_IDS} live contacts of the same type, merged into the path's contact` }),
    prefer: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        additionalProperties: true,
        description: 'field (`name`, `status`, `rm_id`, `branch_id`, `namespace`, `props.<key>`) → id of the contact whose value wins',
      }),
    ),
    comment: Text({ maxLength: COMMENT_MAX, description: 'required: why these contacts are one' }),
    dry_run: Type.Optional(Type.Boolean({ description: 'compute the result without writing anything' })),
  },
  {
    additionalProperties: false,
    examples: [{ merge_ids: ['01JD8X3QK6Z1V2W3Y4A5B6C7D9'], prefer: { 'props.mobile': '01JD8X3QK6Z1V2W3Y4A5B6C7D9' }, comment: 'same PAN, same person' }],
  },
);
export type MergeBody = Static<typeof MergeBody>;

const Decision = Type.Object({
  field: Type.String({ description: '`name`, `status`, … or `props.<key>`' }),
  winner: Type.String({ description: 'the contact whose value the survivor now holds' }),
  value: Type.Unknown(),
  dropped: Type.Array(Type.Object({ contact: Type.String(), value: Type.Unknown() })),
});

const IdLists = <K extends string>(keys: readonly K[]) => Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Array(Type.String())])) as Record<K, ReturnType<typeof Type.Array<ReturnType<typeof Type.String>>>>);

export const MergeRecord = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Null()], { description: 'ULID; null in a dry run' }),
    tenant_id: Type.String(),
    survivor: Type.String(),
    merged_ids: Type.Array(Type.String()),
    comment: Type.String(),
    decisions: Type.Array(Decision),
    moved: IdLists(['addresses', 'banks', 'relations', 'props'] as const),
    collapsed: IdLists(['banks', 'relations'] as const),
    created_at: Timestamp,
    created_by: Type.String(),
    undone_at: NullableTimestamp,
    undone_by: NullableString,
    undo_comment: NullableString,
  },
  { $id: 'Merge' },
);
export type MergeRecord = Static<typeof MergeRecord>;

export const MergeResult = Type.Object({
  merge: Type.Ref('Merge'),
  contact: Type.Ref('Contact'),
});

export const MergeList = Envelope(Type.Ref('Merge'));

export const MergeListQuery = Type.Object({
  page: ListQueryFields.page,
  page_size: ListQueryFields.page_size,
  ordering: Type.Optional(Type.String({ description: '`-created_at` (default) or `created_at`' })),
  contact: Type.Optional(Type.String({ description: 'a contact id: merges where it is the survivor or a victim' })),
  created_at_after: ListQueryFields.created_at_after,
  created_at_before: ListQueryFields.created_at_before,
});
export type MergeListQuery = Static<typeof MergeListQuery>;

export const UndoBody = Type.Object(
  { comment: Text({ maxLength: COMMENT_MAX, description: 'required: why the merge is undone' }) },
  { additionalProperties: false, examples: [{ comment: 'different people after all' }] },
);
export type UndoBody = Static<typeof UndoBody>;
