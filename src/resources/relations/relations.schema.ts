import { Type, type Static } from 'typebox';
import {
  AuditFields,
  EnumField,
  EnumParam,
  Envelope,
  JsonObject,
  ListQueryFields,
  ReadOnlyBodyFields,
  SoftDeleteFields,
} from '../../http/schemas.js';
import { Refs, Tags } from '../contacts/contacts.schema.js';

export const RELATION_TYPES = [
  'father',
  'mother',
  'spouse',
  'child',
  'sibling',
  'friend',
  'co_applicant',
  'guarantor',
  'witness',
  'nominee',
] as const;
export type RelationType = (typeof RELATION_TYPES)[number];

export const RELATION_EXPANDS = ['contact', 'related_contact'] as const;
export type RelationExpand = (typeof RELATION_EXPANDS)[number];

const RelationTypeSchema = Type.Union(RELATION_TYPES.map((t) => Type.Literal(t)));
const RelatedContact = Type.Union([Type.String(), Type.Null()], { description: 'contact id, or null for a party not on file yet' });

export const RelationCreateBody = Type.Object(
  {
    contact: Type.String({ description: 'id of a live contact in the tenant (the relation is forward from it)' }),
    type: RelationTypeSchema,
    related_contact: Type.Optional(RelatedContact),
    tags: Type.Optional(Tags),
    refs: Type.Optional(Refs),
    ...ReadOnlyBodyFields,
  },
  {
    additionalProperties: false,
    examples: [{ contact: '01JD8X3QK6Z1V2W3Y4A5B6C7D8', type: 'spouse', related_contact: '01JD8X5C3D4E5F6G7H8J9K0M1N' }],
  },
);
export type RelationCreateBody = Static<typeof RelationCreateBody>;

export const RelationPatchBody = Type.Object(
  {
    contact: Type.Optional(Type.String({ description: 'the owner cannot change; accepted when it names the current one' })),
    type: Type.Optional(RelationTypeSchema),
    related_contact: Type.Optional(RelatedContact),
    tags: Type.Optional(Tags),
    refs: Type.Optional(Refs),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false, examples: [{ type: 'guarantor' }] },
);
export type RelationPatchBody = Static<typeof RelationPatchBody>;

export const Relation = Type.Object(
  {
    ...AuditFields,
    contact: Type.Union([Type.String(), Type.Ref('Contact')], { description: 'contact id; the contact object with expand=contact' }),
    type: EnumField(RELATION_TYPES),
    related_contact: Type.Union([Type.String(), Type.Null(), Type.Ref('Contact')], {
      description: 'contact id or null; the contact object with expand=related_contact',
    }),
    tags: Type.Array(Type.String()),
    refs: JsonObject(),
    ...SoftDeleteFields,
  },
  { $id: 'Relation' },
);
export type Relation = Static<typeof Relation>;

export const RelationList = Envelope(Type.Ref('Relation'));

// Relations have no text to search: the list takes every common list field but `search`.
const { search: _search, ...listFields } = ListQueryFields;

export const RelationListQuery = Type.Object({
  ...listFields,
  contact: Type.Optional(Type.String({ description: 'contact id: relations from this contact (forward)' })),
  related_contact: Type.Optional(Type.String({ description: 'contact id: relations to this contact (reverse)' })),
  type: EnumParam('relation type', RELATION_TYPES),
  tags: Type.Optional(Type.String({ description: 'comma-separated; matches any' })),
  expand: Type.Optional(Type.String({ description: 'comma-separated: contact, related_contact' })),
});
export type RelationListQuery = Static<typeof RelationListQuery>;

export const RelationExpandQuery = Type.Object({
  expand: Type.Optional(Type.String({ description: 'comma-separated: contact, related_contact' })),
});
