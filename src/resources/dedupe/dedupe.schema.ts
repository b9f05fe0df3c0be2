import { Type, type Static } from 'typebox';
import { CONTACT_NAME_PATTERN, CONTACT_TYPES, PROP_KEY_PATTERN, PROP_TYPES } from '../contacts/contacts.schema.js';

export const DEDUPE_MAX_LIMIT = 50;

const CandidateProp = Type.Object(
  {
    key: Type.String({ pattern: PROP_KEY_PATTERN }),
    value: Type.String({ minLength: 1, maxLength: 500 }),
    type: Type.Optional(Type.Union(PROP_TYPES.map((t) => Type.Literal(t)))),
  },
  { additionalProperties: true },
);

/** A candidate in the contact-create shape, plus `limit` and `min_score`. */
export const DedupeBody = Type.Object(
  {
    name: Type.String({ pattern: CONTACT_NAME_PATTERN }),
    type: Type.Optional(Type.Union(CONTACT_TYPES.map((t) => Type.Literal(t)))),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'validated; matching is tenant-wide' })),
    props: Type.Optional(Type.Array(CandidateProp, { maxItems: 200 })),
    addresses: Type.Optional(
      Type.Array(
        Type.Object(
          {
            pincode: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
            address_line: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
          },
          { additionalProperties: true },
        ),
        {
          maxItems: 50,
          description: 'address objects (as the address resource has them); pincodes, and address lines at a shared pincode, are supporting evidence',
        },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DEDUPE_MAX_LIMIT, description: 'default 10' })),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  // The rest of a contact-create body (status, tags, refs, ref_id, …) may be sent and is ignored.
  { additionalProperties: true },
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
    }),
  ),
});
