import { Type, type Static } from 'typebox';
import { EnumField, EnumParam, Envelope, FieldErrorsSchema, IdParam, ListQueryFields, NullableString, NullableTimestamp, Text, Timestamp } from '../../http/schemas.js';

export const IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const MATCH_ON = ['none', 'ref_id', 'pan'] as const;
export type MatchOn = (typeof MATCH_ON)[number];
export const ON_DUPLICATE = ['block', 'skip', 'allow'] as const;
export type OnDuplicate = (typeof ON_DUPLICATE)[number];
export const ROW_OUTCOMES = ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

export const ImportCounts = Type.Object({
  rows: Type.Integer({ description: 'data rows in the file' }),
  processed: Type.Integer({ description: 'rows whose outcome is committed' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Integer(),
  failed: Type.Integer(),
});

export const ImportJob = Type.Object(
  {
    id: Type.String(),
    tenant_id: Type.String(),
    status: EnumField(IMPORT_STATUSES),
    format: EnumField(['csv', 'ndjson']),
    dry_run: Type.Boolean(),
    namespace: NullableString,
    match_on: EnumField(MATCH_ON),
    on_duplicate: EnumField(ON_DUPLICATE),
    counts: ImportCounts,
    started_at: NullableTimestamp,
    finished_at: NullableTimestamp,
    error: Type.Union([Type.Object({ code: Type.String(), detail: Type.String(), errors: Type.Optional(FieldErrorsSchema) }), Type.Null()], {
      description: 'why the job failed (a problem-like object), else null',
    }),
    created_at: Timestamp,
    created_by: Type.String(),
  },
  { $id: 'ImportJob' },
);
export type ImportJob = Static<typeof ImportJob>;

export const ImportRow = Type.Object(
  {
    row: Type.Integer({ description: 'data row number, from 1 (the header is not a row)' }),
    line: Type.Union([Type.Integer(), Type.Null()], { description: 'physical line of the file where the row starts' }),
    outcome: Type.Union([EnumField(ROW_OUTCOMES), Type.Null()], { description: 'null while not yet processed' }),
    contact_id: NullableString,
    errors: Type.Union([FieldErrorsSchema, Type.Null()], { description: 'field path → messages, as the API would answer' }),
    duplicate_of: NullableString,
  },
  { $id: 'ImportRow' },
);
export type ImportRow = Static<typeof ImportRow>;

export const ImportList = Envelope(Type.Ref('ImportJob'));
export const ImportRowList = Envelope(Type.Ref('ImportRow'));

export const ImportIdParam = IdParam('import_id');

export const ImportCreateQuery = Type.Object({
  namespace: Type.Optional(Text({ minLength: 1, maxLength: 50, description: 'namespace (name or id) for rows that name none' })),
  dry_run: EnumParam('`true`: validate and check every row, write nothing but the job and its report', ['true', 'false']),
  match_on: EnumParam('`ref_id` or `pan`: update the live contact found (PATCH semantics); `none` (default) always creates', MATCH_ON),
  on_duplicate: EnumParam('a row whose PAN a live contact holds: `block` (default, failed), `skip`, or `allow` (needs `reason`)', ON_DUPLICATE),
  reason: Type.Optional(Text({ description: 'with on_duplicate=allow: recorded in each audit entry' })),
});
export type ImportCreateQuery = Static<typeof ImportCreateQuery>;

export const ImportListQuery = Type.Object({
  page: ListQueryFields.page,
  page_size: ListQueryFields.page_size,
  status: EnumParam('job status', IMPORT_STATUSES),
});
export type ImportListQuery = Static<typeof ImportListQuery>;

export const ImportRowListQuery = Type.Object({
  page: ListQueryFields.page,
  page_size: ListQueryFields.page_size,
  outcome: EnumParam('row outcome', ['failed', 'skipped', 'created', 'updated', 'unchanged']),
});
export type ImportRowListQuery = Static<typeof ImportRowListQuery>;
