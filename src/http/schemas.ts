import { Type, type TSchema, type TString, type TStringOptions } from 'typebox';
import { STORABLE_TEXT_PATTERN } from '../validation/text.js';

// Shared wire schemas: ids, audit fields, problem documents, list envelope and list queries.

export const ULID_PATTERN = '^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$';

export const IdParam = <K extends string>(name: K) =>
  Type.Object({ [name]: Type.String({ description: 'ULID (case-insensitive); a malformed id answers 404' }) } as Record<K, TString>);

export const NoContent = Type.Null({ description: 'no content' });

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/**
 * A free JSON object (e.g. `refs`). Not a bare `Type.Record(Type.String(), …)`: that compiles to
 * `patternProperties: {"^.*$": …}`, `.` does not match line terminators, and the response
 * serializer silently drops keys holding a newline. `additionalProperties: true` keeps every key.
 */
export const JsonObject = (options: { description?: string } = {}) =>
  Type.Record(Type.String(), Type.Unknown(), { ...options, additionalProperties: true });

/** Free text from a client that reaches the database: no NUL, no unpaired surrogate (see text.ts). */
export const Text = (options: TStringOptions = {}) => Type.String({ ...options, pattern: STORABLE_TEXT_PATTERN });

export const AuditFields = {
  id: Type.String({ description: 'ULID' }),
  tenant_id: Type.String(),
  created_at: Timestamp,
  created_by: Type.String(),
  updated_at: Timestamp,
  updated_by: NullableString,
};

export const SoftDeleteFields = {
  is_deleted: Type.Boolean(),
  deleted_at: NullableTimestamp,
};

/**
 * Fields that Crego lists among body params but that the server owns: accepted in bodies and
 * ignored (anything else unknown is a 400).
 */
export const READ_ONLY_BODY_FIELDS = [
  'id',
  'tenant_id',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
  'is_deleted',
  'deleted_at',
  'approval_status',
  'approval_comment',
  'approval_by',
  'approval_at',
] as const;

export const ReadOnlyBodyFields = Object.fromEntries(
  READ_ONLY_BODY_FIELDS.map((f) => [f, Type.Optional(Type.Unknown({ description: 'read-only; ignored when sent' }))]),
) as Record<(typeof READ_ONLY_BODY_FIELDS)[number], ReturnType<typeof Type.Optional<ReturnType<typeof Type.Unknown>>>>;

export const FieldErrorsSchema = Type.Record(Type.String(), Type.Array(Type.String()));

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.String({ description: 'the request id' }),
    errors: Type.Optional(FieldErrorsSchema),
    duplicate_of: Type.Optional(Type.String()),
  },
  { additionalProperties: true, $id: 'Problem', description: 'RFC 9457 problem document' },
);

export const ProblemRef = Type.Ref('Problem');

/** Problem responses for the given statuses, for a route's `response` map. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}

export function Envelope<T extends TSchema>(item: T) {
  return Type.Object({
    count: Type.Integer(),
    total_pages: Type.Integer(),
    current_page: Type.Integer(),
    has_previous: Type.Boolean(),
    has_next: Type.Boolean(),
    previous_page: Type.Union([Type.Integer(), Type.Null()]),
    next_page: Type.Union([Type.Integer(), Type.Null()]),
    results: Type.Array(item),
  });
}

const digits = (description: string) => Type.Optional(Type.String({ description }));

/** Query parameters every list accepts. Numbers are strings on the wire, parsed strictly. */
export const ListQueryFields = {
  page: digits('1-based page number (default 1)'),
  page_size: digits('items per page, 1–200 (default 20)'),
  ordering: Type.Optional(Type.String({ description: 'field name, `-` prefix for descending' })),
  search: Type.Optional(Text({ description: 'case-insensitive substring search' })),
  created_at_after: Type.Optional(Type.String({ description: 'YYYY-MM-DD or ISO date-time, inclusive' })),
  created_at_before: Type.Optional(Type.String({ description: 'YYYY-MM-DD or ISO date-time, inclusive' })),
};
