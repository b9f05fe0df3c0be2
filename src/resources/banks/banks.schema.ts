import { Type, type Static } from 'typebox';
import {
  AuditFields,
  EnumField,
  Envelope,
  ListQueryFields,
  NullableString,
  ReadOnlyBodyFields,
  SoftDeleteFields,
} from '../../http/schemas.js';
import { CONTACT_NAME_PATTERN, Tags } from '../contacts/contacts.schema.js';

/** Checked after upper-casing (CONTRACT §4.2); the wire schema accepts either case. */
export const IFSC_PATTERN = '^[A-Z]{4}0[A-Z0-9]{6}$';
const IFSC_INPUT_PATTERN = '^[A-Za-z]{4}0[A-Za-z0-9]{6}$';
export const ACCOUNT_NO_PATTERN = '^[0-9]{9,18}$';
export const ACCOUNT_TYPES = ['savings', 'current', 'overdraft', 'cash_credit', 'nre', 'nro', 'other'] as const;

const OptionalText = Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], { description: '≤ 100 characters' });

const writable = {
  account_holder_name: Type.String({ pattern: CONTACT_NAME_PATTERN, description: 'the contact name pattern' }),
  account_no: Type.String({ pattern: ACCOUNT_NO_PATTERN, description: '9–18 digits' }),
  ifsc: Type.String({ pattern: IFSC_INPUT_PATTERN, description: 'IFSC, upper-cased on input: 4 letters, 0, 6 letters or digits' }),
  bank_name: OptionalText,
  branch_name: OptionalText,
  account_type: Type.Union(
    ACCOUNT_TYPES.map((t) => Type.Literal(t)),
    { description: 'default savings' },
  ),
  is_primary: Type.Boolean({ description: 'at most one primary account per contact; setting one clears the others' }),
  tags: Tags,
};

export const BankCreateBody = Type.Object(
  {
    contact_id: Type.String({ description: 'id of a live contact in the tenant' }),
    account_holder_name: writable.account_holder_name,
    account_no: writable.account_no,
    ifsc: writable.ifsc,
    bank_name: Type.Optional(writable.bank_name),
    branch_name: Type.Optional(writable.branch_name),
    account_type: Type.Optional(writable.account_type),
    is_primary: Type.Optional(writable.is_primary),
    tags: Type.Optional(writable.tags),
    ...ReadOnlyBodyFields,
  },
  {
    additionalProperties: false,
    examples: [
      {
        contact_id: '01JD8X3QK6Z1V2W3Y4A5B6C7D8',
        account_holder_name: 'Sukumar',
        account_no: '123456789012',
        ifsc: 'HDFC0001234',
        account_type: 'savings',
        is_primary: true,
      },
    ],
  },
);
export type BankCreateBody = Static<typeof BankCreateBody>;

export const BankPatchBody = Type.Object(
  {
    contact_id: Type.Optional(Type.String({ description: 'the owner cannot change; accepted when it names the current owner' })),
    account_holder_name: Type.Optional(writable.account_holder_name),
    account_no: Type.Optional(writable.account_no),
    ifsc: Type.Optional(writable.ifsc),
    bank_name: Type.Optional(writable.bank_name),
    branch_name: Type.Optional(writable.branch_name),
    account_type: Type.Optional(writable.account_type),
    is_primary: Type.Optional(writable.is_primary),
    tags: Type.Optional(writable.tags),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false, examples: [{ is_primary: true }] },
);
export type BankPatchBody = Static<typeof BankPatchBody>;

export const Bank = Type.Object(
  {
    ...AuditFields,
    contact_id: Type.String(),
    account_holder_name: Type.String(),
    account_no: Type.String(),
    ifsc: Type.String(),
    bank_name: NullableString,
    branch_name: NullableString,
    account_type: EnumField(ACCOUNT_TYPES),
    is_primary: Type.Boolean(),
    tags: Type.Array(Type.String()),
    ...SoftDeleteFields,
  },
  { $id: 'Bank' },
);
export type Bank = Static<typeof Bank>;

export const BankList = Envelope(Type.Ref('Bank'));

export const BankListQuery = Type.Object({
  ...ListQueryFields,
  search: Type.Optional(Type.String({ description: 'case-insensitive substring of bank_name, branch_name or account_holder_name' })),
  contact: Type.Optional(Type.String({ description: 'contact id' })),
  ifsc: Type.Optional(Type.String({ description: 'exact IFSC (case-insensitive)' })),
  tags: Type.Optional(Type.String({ description: 'comma-separated; matches any' })),
});
export type BankListQuery = Static<typeof BankListQuery>;
