import { Type, type Static, type TSchema, type TString, type TStringOptions, type TUnsafe } from 'typebox';
import { STORABLE_TEXT_PATTERN } from '../validation/text.js';
import { ERROR_STATUS } from '../errors/index.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list.js';

// Shared wire schemas: ids, audit fields, problem documents, list envelope and list queries.

export const ULID_PATTERN = '^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$';

export const IdParam = <K extends string>(name: K) =>
  Type.Object({
    [name]: Type.String({ description: 'ULID (case-insensitive); a malformed id answers 404', examples: ['01JD8X3QK6Z1V2W3Y4A5B6C7D8'] }),
  } as Record<K, TString>);

/**
 * OpenAPI-only annotation of a query parameter that its handler parses (so that every bad
 * parameter of a request is reported in one 400, with the handler's messages): its type on the
 * wire, for the document and generated clients. Validation ignores it; openapi-document.ts
 * merges it into the parameter's schema. Registered with Ajv as an annotation keyword (app.ts).
 */
export const OPENAPI_HINT = 'x-openapi';

/** A query parameter documented as an integer (decimal digits on the wire, checked by the handler). */
export const IntegerParam = (description: string, range: { minimum: number; maximum?: number; default: number }) =>
  Type.Optional(Type.String({ description, [OPENAPI_HINT]: { type: 'integer', ...range } }));

/** A query parameter documented as one of `values` (checked by the handler; empty means no filter). */
export const EnumParam = (description: string, values: readonly string[]) =>
  Type.Optional(Type.String({ description, [OPENAPI_HINT]: { enum: [...values] } }));

/** A response field that is always one of `values` (its static type stays string). */
export const EnumField = (values: readonly string[], options: { description?: string } = {}) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], ...options });

export const NoContent = Type.Null({ description: 'no content' });

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC', examples: ['2026-05-04T09:30:00.000Z'] });
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

/** Written by the server only: `readOnly`, so clients and /docs leave them out of request bodies. */
export const AuditFields = {
  id: Type.String({ description: 'ULID', readOnly: true }),
  tenant_id: Type.String({ readOnly: true }),
  created_at: Type.String({ ...Timestamp, readOnly: true }),
  created_by: Type.String({ description: 'sub of the token that created it', readOnly: true }),
  updated_at: Type.String({ ...Timestamp, readOnly: true }),
  updated_by: Type.Union([Type.String(), Type.Null()], { readOnly: true }),
};

export const SoftDeleteFields = {
  is_deleted: Type.Boolean({ readOnly: true }),
  deleted_at: Type.Union([Timestamp, Type.Null()], { readOnly: true }),
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
  READ_ONLY_BODY_FIELDS.map((f) => [f, Type.Optional(Type.Unknown({ description: 'read-only; ignored when sent', readOnly: true }))]),
) as Record<(typeof READ_ONLY_BODY_FIELDS)[number], ReturnType<typeof Type.Optional<ReturnType<typeof Type.Unknown>>>>;

export const FieldErrorsSchema = Type.Record(Type.String(), Type.Array(Type.String()));

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:contact-registry:problem:<code>', examples: ['urn:contact-registry:problem:validation_error'] }),
    title: Type.String({ examples: ['Validation failed'] }),
    status: Type.Integer({ minimum: 400, maximum: 599, examples: [400] }),
    detail: Type.String({ examples: ['Invalid body: name.'] }),
    code: EnumField(Object.keys(ERROR_STATUS), { description: 'what went wrong; each code has one status' }),
    instance: Type.String({ description: 'the request id (also the X-Request-Id header)', examples: ['01JD8X4B2M3N4P5Q6R7S8T9V0W'] }),
    errors: Type.Optional({ ...FieldErrorsSchema, description: 'field path (`props.0.key`) → messages, for 400s and some 409s' }),
    duplicate_of: Type.Optional(Type.String({ description: 'with code `duplicate`: the id of the live contact holding the PAN' })),
    merged_into: Type.Optional(Type.String({ description: 'with code `merged`: the survivor the contact was merged into' })),
    running_scan: Type.Optional(Type.String({ description: 'with code `conflict` on POST /duplicates/scan/: the id of the tenant\'s scan still running' })),
    conflicts: Type.Optional(
      Type.Array(Type.Object({ object_type: Type.String(), object_id: Type.String() }), { description: 'with code `undo_refused`: the objects written since the merge' }),
    ),
  },
  { additionalProperties: true, $id: 'Problem', description: 'RFC 9457 problem document' },
);

export const ProblemRef = Type.Ref('Problem');

/**
 * A response schema registered by its `$id` (addSchema), referenced instead of copied: the
 * document then names it once under `components.schemas` and every operation points at it (the
 * serializer resolves the reference the same way). Typed as the schema it names, so replies are
 * still checked against it.
 */
export function RefTo<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('RefTo: the schema has no $id to refer to');
  return Type.Unsafe<Static<T>>(Type.Ref(id));
}

/** Problem responses for the given statuses, for a route's `response` map. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}

export function Envelope<T extends TSchema>(item: T) {
  return Type.Object({
    count: Type.Integer({ minimum: 0, description: 'matching items on all pages' }),
    total_pages: Type.Integer({ minimum: 1 }),
    current_page: Type.Integer({ minimum: 1 }),
    has_previous: Type.Boolean(),
    has_next: Type.Boolean(),
    previous_page: Type.Union([Type.Integer(), Type.Null()]),
    next_page: Type.Union([Type.Integer(), Type.Null()]),
    results: Type.Array(item),
  });
}

/** Query parameters every list accepts. Numbers are digits on the wire, parsed strictly by the handler. */
export const ListQueryFields = {
  page: IntegerParam('1-based page number (default 1)', { minimum: 1, default: 1 }),
  page_size: IntegerParam(`items per page, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`, {
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  }),
  ordering: Type.Optional(Type.String({ description: 'field name, `-` prefix for descending' })),
  search: Type.Optional(Text({ description: 'case-insensitive substring search' })),
  created_at_after: Type.Optional(Type.String({ description: 'YYYY-MM-DD or ISO date-time, inclusive' })),
  created_at_before: Type.Optional(Type.String({ description: 'YYYY-MM-DD or ISO date-time, inclusive' })),
};
