import { Type, type Static } from 'typebox';
import { AuditFields, Envelope, JsonObject, ListQueryFields, NullableString, ReadOnlyBodyFields, SoftDeleteFields } from '../../http/schemas.js';
import { Tags } from '../contacts/contacts.schema.js';

// [crego] field patterns. Crego wrote the city class as `[a-zA-Z\s-.]`, which is invalid under the
// unicode regex flag Ajv uses; `[a-zA-Z\s\-.]` means the same.
export const ADDRESS_LINE_PATTERN = "^[a-zA-Z0-9\\s,.'\\-\\/#]{5,100}$";
export const CITY_PATTERN = '^[a-zA-Z\\s\\-.]{2,50}$';
export const STATE_PATTERN = '^[a-zA-Z\\s-]{3,50}$';
export const PINCODE_PATTERN = '^[0-9]{6}$';
export const COUNTRY_PATTERN = '^[a-zA-Z\\s]{2,50}$';

const nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);

export const Coords = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false, description: 'latitude/longitude in degrees' },
);
export const Codes = JsonObject({ description: 'free JSON object (e.g. district or GST state codes), ≤ 8 KiB serialized' });

// Everything but the owner is optional: the contract names only `contact_id` as required, and
// Crego clients send partial addresses. `null` clears a field.
const writable = {
  address_line: Type.Optional(nullable(Type.String({ pattern: ADDRESS_LINE_PATTERN }))),
  city: Type.Optional(nullable(Type.String({ pattern: CITY_PATTERN }))),
  state: Type.Optional(nullable(Type.String({ pattern: STATE_PATTERN }))),
  pincode: Type.Optional(nullable(Type.String({ pattern: PINCODE_PATTERN }))),
  country: Type.Optional(nullable(Type.String({ pattern: COUNTRY_PATTERN }))),
  coords: Type.Optional(Type.Union([Coords, Type.Null()])),
  codes: Type.Optional(Codes),
  tags: Type.Optional(Tags),
};

export const AddressCreateBody = Type.Object(
  { contact_id: Type.String({ description: 'id of a live contact in the tenant' }), ...writable, ...ReadOnlyBodyFields },
  {
    additionalProperties: false,
    examples: [
      { contact_id: '01JD8X3QK6Z1V2W3Y4A5B6C7D8', address_line: '12, MG Road', city: 'Bengaluru', state: 'Karnataka', pincode: '560001', country: 'India' },
    ],
  },
);
export type AddressCreateBody = Static<typeof AddressCreateBody>;

export const AddressPatchBody = Type.Object(
  {
    contact_id: Type.Optional(Type.String({ description: 'the owner cannot change; accepted when it names the current owner' })),
    ...writable,
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false, examples: [{ address_line: '14, MG Road', country: null }] },
);
export type AddressPatchBody = Static<typeof AddressPatchBody>;

export const Address = Type.Object(
  {
    ...AuditFields,
    contact_id: Type.String(),
    address_line: NullableString,
    city: NullableString,
    state: NullableString,
    pincode: NullableString,
    country: NullableString,
    coords: Type.Union([Type.Object({ lat: Type.Number(), lng: Type.Number() }), Type.Null()]),
    codes: JsonObject(),
    tags: Type.Array(Type.String()),
    ...SoftDeleteFields,
  },
  { $id: 'Address' },
);
export type Address = Static<typeof Address>;

export const AddressList = Envelope(Type.Ref('Address'));

export const AddressListQuery = Type.Object({
  ...ListQueryFields,
  search: Type.Optional(Type.String({ description: 'case-insensitive substring of address_line, city, state, country or pincode' })),
  contact: Type.Optional(Type.String({ description: 'contact id' })),
  tags: Type.Optional(Type.String({ description: 'comma-separated; matches any' })),
});
export type AddressListQuery = Static<typeof AddressListQuery>;
