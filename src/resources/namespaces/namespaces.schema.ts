import { Type, type Static } from 'typebox';
import { AuditFields, Envelope, ListQueryFields, ReadOnlyBodyFields, SoftDeleteFields } from '../../http/schemas.js';

export const NAMESPACE_NAME_PATTERN = '^[A-Za-z0-9 _.-]{1,50}$';
const MAX_COUNTER = 1e15;

const Pattern = Type.Union([Type.String({ maxLength: 50 }), Type.Null()], {
  description: 'literal text with {seq} or {seq:N} exactly once, and optional {yyyy} {yy} {mm} {dd}',
});
const Counter = (what: string) =>
  Type.Integer({ minimum: 1, maximum: MAX_COUNTER, description: `the next ${what} number to use (default 1)` });

const writable = {
  name: Type.String({ pattern: NAMESPACE_NAME_PATTERN, description: 'unique per tenant, case-insensitively' }),
  contact_pattern: Type.Optional(Pattern),
  contact_counter: Type.Optional(Counter('contact')),
  account_pattern: Type.Optional(Pattern),
  account_counter: Type.Optional(Counter('account')),
};

/** The namespace of Crego's example contact, with a pattern that numbers its contacts. */
export const NamespaceCreateBody = Type.Object(
  { ...writable, ...ReadOnlyBodyFields },
  { additionalProperties: false, examples: [{ name: 'Vayana', contact_pattern: 'VAY-{yyyy}-{seq:6}', account_pattern: 'VAYACC{seq:8}' }] },
);
export type NamespaceCreateBody = Static<typeof NamespaceCreateBody>;

export const NamespacePatchBody = Type.Object(
  { ...writable, name: Type.Optional(writable.name), ...ReadOnlyBodyFields },
  { additionalProperties: false, examples: [{ contact_counter: 1000 }] },
);
export type NamespacePatchBody = Static<typeof NamespacePatchBody>;

export const Namespace = Type.Object(
  {
    ...AuditFields,
    name: Type.String(),
    contact_pattern: Type.Union([Type.String(), Type.Null()]),
    contact_counter: Type.Integer(),
    account_pattern: Type.Union([Type.String(), Type.Null()]),
    account_counter: Type.Integer(),
    ...SoftDeleteFields,
  },
  {
    examples: [
      {
        id: '01JD8X2P9R4S5T6V7W8X9Y0Z1A',
        tenant_id: 'acme',
        created_at: '2026-05-04T09:00:00.000Z',
        created_by: 'alice',
        updated_at: '2026-05-04T09:00:00.000Z',
        updated_by: null,
        name: 'Vayana',
        contact_pattern: 'VAY-{yyyy}-{seq:6}',
        contact_counter: 1,
        account_pattern: 'VAYACC{seq:8}',
        account_counter: 1,
        is_deleted: false,
        deleted_at: null,
      },
    ],
  },
);
export type Namespace = Static<typeof Namespace>;

export const NamespaceList = Envelope(Namespace);

export const NamespaceListQuery = Type.Object(ListQueryFields);
export type NamespaceListQuery = Static<typeof NamespaceListQuery>;

export const AccountRef = Type.Object({ ref_id: Type.String({ examples: ['VAYACC00000001'] }) });
