import { Type, type Static } from 'typebox';
import { EnumField, EnumParam, Envelope, ListQueryFields, NullableString, NullableTimestamp, Text, Timestamp } from '../../http/schemas.js';
import { COMMENT_MAX } from '../contacts/contacts.schema.js';
import { PAIR_BANDS, PAIR_SOURCES, PAIR_STATUSES } from '../common/duplicate-pairs.js';

// Duplicate pairs and scans on the wire (CONTRACT §8.1).

export const PAIR_EXPANDS = ['contacts'] as const;
export const PAIR_ORDERINGS = ['score', 'created_at', 'updated_at'] as const;
export const SCAN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const SCAN_MIN_BANDS = ['probable', 'possible'] as const;

const Reason = Type.Object({
  field: Type.String(),
  match: Type.String({ description: 'exact | fuzzy | mismatch | partial | invalid_identifier' }),
  similarity: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String()),
});

export const DuplicatePair = Type.Object(
  {
    id: Type.String({ description: 'ULID' }),
    tenant_id: Type.String(),
    contact_a: Type.String({ description: 'the smaller of the two contact ids' }),
    contact_b: Type.String({ description: 'the larger of the two contact ids' }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    band: EnumField(PAIR_BANDS),
    reasons: Type.Array(Reason),
    status: EnumField(PAIR_STATUSES),
    source: EnumField(PAIR_SOURCES, { description: 'what opened the pair: a write, a scan, or an on_duplicate=allow override' }),
    comment: NullableString,
    created_at: Timestamp,
    updated_at: Timestamp,
    resolved_at: NullableTimestamp,
    resolved_by: NullableString,
    contacts: Type.Optional(Type.Array(Type.Ref('Contact'), { description: 'with expand=contacts: contact_a and contact_b, props expanded' })),
  },
  { $id: 'DuplicatePair' },
);

export const PairList = Envelope(Type.Ref('DuplicatePair'));

export const PairListQuery = Type.Object({
  page: ListQueryFields.page,
  page_size: ListQueryFields.page_size,
  ordering: Type.Optional(Type.String({ description: '`-score` (default), `score`, `created_at`, `-created_at`, `updated_at`, `-updated_at`' })),
  status: EnumParam('pair status (default open)', PAIR_STATUSES),
  band: EnumParam('dedupe band', PAIR_BANDS),
  source: EnumParam('what opened the pair', PAIR_SOURCES),
  contact: Type.Optional(Type.String({ description: 'a contact id: pairs where it is either side' })),
  min_score: Type.Optional(Type.String({ description: 'a number from 0 to 1: pairs scoring at least this' })),
  created_at_after: ListQueryFields.created_at_after,
  created_at_before: ListQueryFields.created_at_before,
  expand: Type.Optional(Type.String({ description: 'comma-separated: contacts' })),
});
export type PairListQuery = Static<typeof PairListQuery>;

export const PairGetQuery = Type.Object({
  expand: Type.Optional(Type.String({ description: 'comma-separated: contacts' })),
});

export const DismissBody = Type.Object(
  { comment: Text({ maxLength: COMMENT_MAX, description: 'required: why these are different parties' }) },
  { additionalProperties: false, examples: [{ comment: 'father and son, shared mobile' }] },
);
export type DismissBody = Static<typeof DismissBody>;

export const ReopenBody = Type.Union([
  Type.Object({ comment: Type.Optional(Text({ maxLength: COMMENT_MAX })) }, { additionalProperties: false }),
  Type.Null(),
]);

const ScanCounts = Type.Object({
  pairs_found: Type.Integer({ description: 'pairs at min_band or better found by the scan' }),
  opened: Type.Integer({ description: 'new open pairs' }),
  refreshed: Type.Integer({ description: 'open pairs whose score and reasons were refreshed' }),
  unchanged: Type.Integer({ description: 'open pairs found again as they were' }),
  kept: Type.Integer({ description: 'pairs left as they are (dismissed or merged)' }),
});

export const DuplicateScan = Type.Object(
  {
    id: Type.String(),
    tenant_id: Type.String(),
    status: EnumField(SCAN_STATUSES),
    min_band: EnumField(SCAN_MIN_BANDS),
    progress: Type.Object({
      phase: Type.Union([Type.String(), Type.Null()], { description: 'exact | shared | names | persist | done' }),
      done: Type.Integer(),
      total: Type.Integer(),
      pairs: Type.Integer(),
    }),
    counts: ScanCounts,
    error: NullableString,
    started_at: NullableTimestamp,
    finished_at: NullableTimestamp,
    created_at: Timestamp,
    created_by: Type.String(),
  },
  { $id: 'DuplicateScan' },
);
export type DuplicateScan = Static<typeof DuplicateScan>;

export const ScanBody = Type.Union([
  Type.Object(
    { min_band: Type.Optional(Type.Union(SCAN_MIN_BANDS.map((b) => Type.Literal(b)), { description: 'weakest band that opens a pair (default possible)' })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);
