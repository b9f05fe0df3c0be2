import { Type, type Static } from 'typebox';
import { ReadOnlyBodyFields } from '../../http/schemas.js';
import { CONTACT_NAME_PATTERN, CONTACT_TYPES, PROP_KEY_PATTERN, PROP_TYPES } from '../contacts/contacts.schema.js';

export const DEDUPE_MAX_LIMIT = 50;

const CandidateProp = Type.Object(
  {
    key: Type.String({ pattern: PROP_KEY_PATTERN }),
    value: Type.String({ minLength: 1, maxLength: 500 }),
    type: Type.Optional(Type.Union(PROP_TYPES.map((t) => Type.Literal(t)))),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false },
);

// An address as the address resource has it; pincode and address line are what dedupe reads.
const CandidateAddress = Type.Object(
  {
    contact_id: Type.Optional(Type.Unknown({ description: 'ignored' })),
    address_line: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    city: Type.Optional(Type.Unknown()),
    state: Type.Optional(Type.Unknown()),
    pincode: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
    country: Type.Optional(Type.Unknown()),
    coords: Type.Optional(Type.Unknown()),
    codes: Type.Optional(Type.Unknown()),
    tags: Type.Optional(Type.Unknown()),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false },
);

/** The rest of a contact-create body: accepted so a create body can be checked as is, and ignored. */
const IGNORED_CREATE_FIELDS = Object.fromEntries(
  ['status', 'ref_id', 'tags', 'refs', 'rm_id', 'branch_id'].map((f) => [f, Type.Optional(Type.Unknown({ description: 'ignored by dedupe' }))]),
);

/** A candidate in the contact-create shape, plus `limit` and `min_score`. */
export const DedupeBody = Type.Object(
  {
    name: Type.String({ pattern: CONTACT_NAME_PATTERN }),
    type: Type.Optional(Type.Union(CONTACT_TYPES.map((t) => Type.Literal(t)))),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'validated; matching is tenant-wide' })),
    props: Type.Optional(Type.Array(CandidateProp, { maxItems: 200 })),
    addresses: Type.Optional(
      Type.Array(CandidateAddress, {
        maxItems: 50,
        description: 'address objects (as the address resource has them); pincodes, and address lines at a shared pincode, are supporting evidence',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DEDUPE_MAX_LIMIT, description: 'default 10' })),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    ...IGNORED_CREATE_FIELDS,
    ...ReadOnlyBodyFields,
    id: Type.Optional(
      Type.Unknown({
        description:
          'the candidate\'s own id when it is an existing contact: it is left out of the results, and candidates whose pair with it was dismissed carry `dismissed: true` (anything but a live contact of the tenant is ignored, as a read-only field)',
      }),
    ),
  },
  // Any other field is a 400, as on every body (CONTRACT §1).
  { additionalProperties: false },
);
export type DedupeBody = Static<typeof DedupeBody>;

const Reason = Type.Object({
  field: Type.String(),
  match: Type.String({ description: 'exact | fuzzy | mismatch | partial | invalid_identifier' }),
  similarity: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String()),
});

export const DedupeResponse = Type.Object({
  count: Type.Integer(),
  results: Type.Array(
    Type.Object({
      contact: Type.Ref('Contact'),
      score: Type.Number(),
      band: Type.String({ description: 'exact | probable | possible' }),
      reasons: Type.Array(Reason),
      dismissed: Type.Optional(Type.Boolean({ description: 'present (true) when the pair of this candidate and the body\'s `id` was dismissed: a human said they differ' })),
    }),
  ),
});
