import { Type, type Static } from 'typebox';
import {
  AuditFields,
  EnumField,
  EnumParam,
  Envelope,
  ListQueryFields,
  NullableString,
  NullableTimestamp,
  ReadOnlyBodyFields,
  SoftDeleteFields,
  JsonObject,
  Text,
} from '../../http/schemas.js';

// [crego] patterns; the prop key pattern adds `_` (Crego's own example key `pan_no` needs it).
export const CONTACT_NAME_PATTERN = "^[a-zA-Z0-9\\s,.\\-'&()]{1,100}$";
export const PROP_KEY_PATTERN = "^[A-Za-z0-9_\\s,.\\-'&()]{1,100}$";
export const REF_ID_PATTERN = '^[A-Za-z0-9._/-]{1,50}$';
export const CODE_ID_PATTERN = '^[A-Za-z0-9_-]{1,50}$';
/** 1–50 printable characters: no control characters (nor unpaired surrogates, see validation/text.ts). */
export const TAG_PATTERN = '^[^\\u0000-\\u001F\\u007F\\uD800-\\uDFFF]{1,50}$';
export const MAX_TAGS = 50;
export const MAX_PROPS = 200;
export { FREE_JSON_MAX_BYTES as REFS_MAX_BYTES } from '../../validation/free-json.js';
export const COMMENT_MAX = 500;

export const PROP_TYPES = ['text', 'number', 'boolean', 'file'] as const;
export const CONTACT_STATUSES = ['active', 'inactive'] as const;
export const CONTACT_TYPES = ['individual', 'corporate'] as const;
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected'] as const;

export const Tags = Type.Array(Type.String({ pattern: TAG_PATTERN }), {
  maxItems: MAX_TAGS,
  description: 'unique tags (duplicates removed, order kept), each 1–50 printable characters',
});
export const Refs = JsonObject({ description: 'free JSON object, ≤ 8 KiB serialized' });

export const PropWrite = Type.Object(
  {
    key: Type.String({ pattern: PROP_KEY_PATTERN }),
    value: Text({ minLength: 1, maxLength: 500, description: 'checked against `type`' }),
    type: Type.Union(PROP_TYPES.map((t) => Type.Literal(t))),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false },
);
export type PropWrite = Static<typeof PropWrite>;
export const PropsWrite = Type.Array(PropWrite, { maxItems: MAX_PROPS });

export const Prop = Type.Object({
  ...AuditFields,
  key: Type.String({ examples: ['pan_no'] }),
  value: Type.String({ examples: ['123254684'] }),
  type: EnumField(PROP_TYPES),
});
export type Prop = Static<typeof Prop>;

const CodeId = Type.Union([Type.String({ pattern: `(${CODE_ID_PATTERN})|^$` }), Type.Null()], { description: '`""` means null' });

const writable = {
  name: Type.String({ pattern: CONTACT_NAME_PATTERN }),
  namespace: Text({ minLength: 1, maxLength: 50, description: 'namespace name or id' }),
  status: Type.Union(CONTACT_STATUSES.map((s) => Type.Literal(s)), { description: 'default active' }),
  type: Type.Union(CONTACT_TYPES.map((s) => Type.Literal(s))),
  ref_id: Type.Union([Type.String({ pattern: REF_ID_PATTERN }), Type.Null()], {
    description: 'client-supplied, else generated from the namespace pattern, else null',
  }),
  tags: Tags,
  refs: Refs,
  props: PropsWrite,
  rm_id: CodeId,
  branch_id: CodeId,
};

/** Crego's own example contact, as its documentation sends it (an empty `branch_id` means none). */
const SUKUMAR = {
  name: 'Sukumar',
  ref_id: 'jijkdmkdoedmsaad',
  status: 'active',
  type: 'individual',
  tags: ['string'],
  refs: {},
  branch_id: '',
  namespace: 'Vayana',
  props: [{ key: 'pan_no', type: 'number', value: '123254684' }],
};

export const ContactCreateBody = Type.Object(
  {
    name: writable.name,
    namespace: writable.namespace,
    type: writable.type,
    status: Type.Optional(writable.status),
    ref_id: Type.Optional(writable.ref_id),
    tags: Type.Optional(writable.tags),
    refs: Type.Optional(writable.refs),
    props: Type.Optional(writable.props),
    rm_id: Type.Optional(writable.rm_id),
    branch_id: Type.Optional(writable.branch_id),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false, examples: [SUKUMAR] },
);
export type ContactCreateBody = Static<typeof ContactCreateBody>;

export const ContactPatchBody = Type.Object(
  {
    name: Type.Optional(writable.name),
    namespace: Type.Optional(writable.namespace),
    type: Type.Optional(writable.type),
    status: Type.Optional(writable.status),
    ref_id: Type.Optional(writable.ref_id),
    tags: Type.Optional(writable.tags),
    refs: Type.Optional(writable.refs),
    props: Type.Optional(writable.props),
    rm_id: Type.Optional(writable.rm_id),
    branch_id: Type.Optional(writable.branch_id),
    ...ReadOnlyBodyFields,
  },
  { additionalProperties: false, examples: [{ tags: ['vip'], props: [{ key: 'mobile', type: 'text', value: '9876543210' }] }] },
);
export type ContactPatchBody = Static<typeof ContactPatchBody>;

export const Contact = Type.Object(
  {
    ...AuditFields,
    namespace: Type.String({ description: 'namespace name' }),
    name: Type.String(),
    ref_id: NullableString,
    status: EnumField(CONTACT_STATUSES),
    type: EnumField(CONTACT_TYPES),
    tags: Type.Array(Type.String()),
    refs: JsonObject(),
    rm_id: NullableString,
    branch_id: NullableString,
    props: Type.Array(Type.Union([Type.String(), Prop]), { description: 'prop ids; full objects with expand=props' }),
    approval_status: EnumField(APPROVAL_STATUSES),
    approval_comment: NullableString,
    approval_by: NullableString,
    approval_at: NullableTimestamp,
    ...SoftDeleteFields,
    merged_into: Type.Optional(Type.String({ description: 'on a merged contact: the survivor it was merged into (CONTRACT §8.2)' })),
    merged_at: Type.Optional(Type.String({ description: 'on a merged contact: when it was merged' })),
    merged_ids: Type.Optional(Type.Array(Type.String(), { description: 'on a survivor: every contact ever merged into it, transitively' })),
    // By $id (registered by the address/bank/relation route modules): importing those schemas
    // here would be an import cycle, as they use Tags from this file.
    addresses: Type.Optional(Type.Array(Type.Ref('Address'), { description: 'with expand=addresses' })),
    banks: Type.Optional(Type.Array(Type.Ref('Bank'), { description: 'with expand=banks' })),
    relations: Type.Optional(Type.Array(Type.Ref('Relation'), { description: 'with expand=relations (forward)' })),
  },
  {
    $id: 'Contact',
    examples: [
      {
        id: '01JD8X3QK6Z1V2W3Y4A5B6C7D8',
        tenant_id: 'acme',
        created_at: '2026-05-04T09:30:00.000Z',
        created_by: 'alice',
        updated_at: '2026-05-04T09:30:00.000Z',
        updated_by: null,
        namespace: 'Vayana',
        name: 'Sukumar',
        ref_id: 'jijkdmkdoedmsaad',
        status: 'active',
        type: 'individual',
        tags: ['string'],
        refs: {},
        rm_id: null,
        branch_id: null,
        props: ['01JD8X3QK6Z1V2W3Y4A5B6C7D9'],
        approval_status: 'pending',
        approval_comment: null,
        approval_by: null,
        approval_at: null,
        is_deleted: false,
        deleted_at: null,
      },
    ],
  },
);
export type Contact = Static<typeof Contact>;

export const ContactList = Envelope(Type.Ref('Contact'));

export const ContactListQuery = Type.Object({
  ...ListQueryFields,
  namespace: Type.Optional(Text({ description: 'namespace name or id' })),
  status: EnumParam('contact status', CONTACT_STATUSES),
  type: EnumParam('contact type', CONTACT_TYPES),
  tags: Type.Optional(Text({ description: 'comma-separated; matches any' })),
  approval_status: EnumParam('approval status', APPROVAL_STATUSES),
  rm_id: Type.Optional(Text({ description: 'exact relationship-manager code' })),
  branch_id: Type.Optional(Text({ description: 'exact branch code' })),
  ref_id: Type.Optional(Text({ description: 'exact reference id' })),
  expand: Type.Optional(Type.String({ description: 'comma-separated: props, addresses, banks, relations' })),
});
export type ContactListQuery = Static<typeof ContactListQuery>;

export const ExpandQuery = Type.Object({
  expand: Type.Optional(Type.String({ description: 'comma-separated: props, addresses, banks, relations' })),
});

export const ActionBody = Type.Union(
  [Type.Object({ comment: Type.Optional(Type.Union([Text({ maxLength: COMMENT_MAX }), Type.Null()])) }, { additionalProperties: false }), Type.Null()],
  { description: 'optional {"comment"}; required for reject', examples: [{ comment: 'KYC verified' }] },
);
export type ActionBody = Static<typeof ActionBody>;

export const DuplicateOverrideQuery = Type.Object({
  on_duplicate: EnumParam('`allow` skips duplicate blocking (needs `reason`)', ['allow']),
  reason: Type.Optional(Text({ description: 'why the duplicate is allowed; recorded in the audit entry' })),
});
