import { Link } from 'wouter-preact';
import { api, unwrap, unwrapWithEtag, type Address, type Bank, type Relation } from '../api';
import type { paths } from '../../../generated/openapi';
import { parseTags } from '../components/Fields';
import { formatValue, humanize, orDash } from '../format';
import { RecordCard, type FormValues, type RecordResource } from './RecordCard';

// A contact's addresses, bank accounts and relations (CONTRACT §4.1, §4.2, §4.4), each a card
// that lists them and adds, edits and deletes them through the flat Crego paths.

const text = (v: FormValues[string] | undefined) => String(v ?? '').trim();
/** A blank optional field is null, as the API stores it. */
const orNull = (v: FormValues[string] | undefined) => text(v) || null;
const ifMatch = (etag: string | null) => (etag ? { 'If-Match': etag } : {});

type CreateBody<P extends '/contacts/addresses/' | '/contacts/banks/'> = NonNullable<paths[P]['post']['requestBody']>['content']['application/json'];
type AddressBody = Pick<CreateBody<'/contacts/addresses/'>, 'address_line' | 'city' | 'state' | 'pincode' | 'country' | 'tags'>;
type BankBody = Omit<CreateBody<'/contacts/banks/'>, 'contact_id'>;
type RelationBody = { type: Relation['type']; related_contact: string | null; tags: string[] };

function addressResource(contactId: string): RecordResource<Address> {
  return {
    noun: 'address',
    fields: [
      { name: 'address_line', label: 'Address line', hint: '5–100 characters' },
      { name: 'city', label: 'City' },
      { name: 'state', label: 'State' },
      { name: 'pincode', label: 'Pincode', mono: true, hint: '6 digits' },
      { name: 'country', label: 'Country' },
      { name: 'tags', label: 'Tags', hint: 'Comma-separated, e.g. home, kyc' },
    ],
    valuesOf: (a) => ({ address_line: a?.address_line ?? '', city: a?.city ?? '', state: a?.state ?? '', pincode: a?.pincode ?? '', country: a?.country ?? '', tags: a?.tags.join(', ') ?? '' }),
    bodyOf: (v): AddressBody => ({
      address_line: orNull(v.address_line),
      city: orNull(v.city),
      state: orNull(v.state),
      pincode: orNull(v.pincode),
      country: orNull(v.country),
      tags: parseTags(text(v.tags)),
    }),
    create: (body) => unwrap(api.POST('/contacts/addresses/', { body: { ...(body as AddressBody), contact_id: contactId } })),
    fetch: (id) => unwrapWithEtag(api.GET('/contacts/addresses/{contact_address_id}/', { params: { path: { contact_address_id: id } } })),
    update: (id, body, etag) =>
      unwrap(api.PATCH('/contacts/addresses/{contact_address_id}/', { params: { path: { contact_address_id: id }, header: ifMatch(etag) }, body: body as Partial<AddressBody> })),
    remove: (id) => unwrap(api.DELETE('/contacts/addresses/{contact_address_id}/', { params: { path: { contact_address_id: id } } })),
  };
}

const ACCOUNT_TYPES: Bank['account_type'][] = ['savings', 'current', 'overdraft', 'cash_credit', 'nre', 'nro', 'other'];

function bankResource(contactId: string): RecordResource<Bank> {
  return {
    noun: 'bank account',
    fields: [
      { name: 'account_holder_name', label: 'Account holder', required: true },
      { name: 'account_no', label: 'Account number', mono: true, required: true, hint: '9–18 digits' },
      { name: 'ifsc', label: 'IFSC', mono: true, required: true, hint: 'e.g. HDFC0001234' },
      { name: 'account_type', label: 'Account type', kind: 'select', options: ACCOUNT_TYPES.map((t) => [t, t === 'nre' || t === 'nro' ? t.toUpperCase() : humanize(t)] as const) },
      { name: 'bank_name', label: 'Bank' },
      { name: 'branch_name', label: 'Branch' },
      { name: 'tags', label: 'Tags', hint: 'Comma-separated' },
      { name: 'is_primary', label: 'Primary account (the others stop being primary)', kind: 'checkbox' },
    ],
    valuesOf: (b) => ({
      account_holder_name: b?.account_holder_name ?? '',
      account_no: b?.account_no ?? '',
      ifsc: b?.ifsc ?? '',
      account_type: b?.account_type ?? 'savings',
      bank_name: b?.bank_name ?? '',
      branch_name: b?.branch_name ?? '',
      tags: b?.tags.join(', ') ?? '',
      is_primary: b?.is_primary ?? false,
    }),
    bodyOf: (v): BankBody => ({
      account_holder_name: text(v.account_holder_name),
      account_no: text(v.account_no),
      ifsc: text(v.ifsc),
      account_type: text(v.account_type) as Bank['account_type'],
      bank_name: orNull(v.bank_name),
      branch_name: orNull(v.branch_name),
      tags: parseTags(text(v.tags)),
      is_primary: v.is_primary === true,
    }),
    create: (body) => unwrap(api.POST('/contacts/banks/', { body: { ...(body as BankBody), contact_id: contactId } })),
    fetch: (id) => unwrapWithEtag(api.GET('/contacts/banks/{contact_bank_id}/', { params: { path: { contact_bank_id: id } } })),
    update: (id, body, etag) =>
      unwrap(api.PATCH('/contacts/banks/{contact_bank_id}/', { params: { path: { contact_bank_id: id }, header: ifMatch(etag) }, body: body as Partial<BankBody> })),
    remove: (id) => unwrap(api.DELETE('/contacts/banks/{contact_bank_id}/', { params: { path: { contact_bank_id: id } } })),
  };
}

const RELATION_TYPES: Relation['type'][] = ['father', 'mother', 'spouse', 'child', 'sibling', 'friend', 'co_applicant', 'guarantor', 'witness', 'nominee'];

function relationResource(contactId: string): RecordResource<Relation> {
  return {
    noun: 'relation',
    fields: [
      { name: 'type', label: 'Relation type', kind: 'select', required: true, options: RELATION_TYPES.map((t) => [t, humanize(t)] as const) },
      { name: 'tags', label: 'Tags', hint: 'Comma-separated' },
      { name: 'related_contact', label: 'Related contact', kind: 'contact', hint: 'Leave empty for a party not on file.' },
    ],
    valuesOf: (r) => {
      const other = r?.related_contact;
      return {
        type: r?.type ?? 'spouse',
        tags: r?.tags.join(', ') ?? '',
        related_contact: typeof other === 'string' ? other : (other?.id ?? ''),
        related_contact__name: typeof other === 'object' && other ? other.name : '',
      };
    },
    bodyOf: (v): RelationBody => ({ type: text(v.type) as Relation['type'], related_contact: orNull(v.related_contact), tags: parseTags(text(v.tags)) }),
    create: (body) => unwrap(api.POST('/contacts/relations/', { body: { ...(body as RelationBody), contact: contactId } })),
    fetch: (id) =>
      unwrapWithEtag(api.GET('/contacts/relations/{contact_relation_id}/', { params: { path: { contact_relation_id: id }, query: { expand: 'related_contact' } } })),
    update: (id, body, etag) =>
      unwrap(api.PATCH('/contacts/relations/{contact_relation_id}/', { params: { path: { contact_relation_id: id }, header: ifMatch(etag) }, body: body as Partial<RelationBody> })),
    remove: (id) => unwrap(api.DELETE('/contacts/relations/{contact_relation_id}/', { params: { path: { contact_relation_id: id } } })),
  };
}

interface CardProps<T> {
  contactId: string;
  items: T[];
  editable: boolean;
  onChanged(): Promise<void>;
}

export function AddressesCard({ contactId, items, editable, onChanged }: CardProps<Address>) {
  return (
    <RecordCard
      title="Addresses"
      headingId="addresses-heading"
      items={items}
      empty="No addresses."
      editable={editable}
      onChanged={onChanged}
      resource={addressResource(contactId)}
      renderItem={(a) => (
        <>
          <span class="block">{orDash(a.address_line)}</span>
          <span class="muted">{[a.city, a.state, a.pincode, a.country].filter(Boolean).join(', ') || '—'}</span>
          {a.tags.length > 0 && <span class="tags">{a.tags.join(', ')}</span>}
        </>
      )}
    />
  );
}

export function BanksCard({ contactId, items, editable, onChanged }: CardProps<Bank>) {
  return (
    <RecordCard
      title="Banks"
      headingId="banks-heading"
      items={items}
      empty="No bank accounts."
      editable={editable}
      onChanged={onChanged}
      resource={bankResource(contactId)}
      renderItem={(b) => (
        <>
          <span class="block">
            {b.account_holder_name} {b.is_primary && <span class="badge primary">Primary</span>}
          </span>
          <span class="mono">{b.account_no} · {b.ifsc}</span>
          <span class="muted">{[b.bank_name, b.branch_name, humanize(b.account_type)].filter(Boolean).join(' · ')}</span>
          {b.tags.length > 0 && <span class="tags">{b.tags.join(', ')}</span>}
        </>
      )}
    />
  );
}

export function RelationsCard({ contactId, items, reverse, editable, onChanged }: CardProps<Relation> & { reverse: Relation[] }) {
  return (
    <RecordCard
      title="Relations"
      headingId="relations-heading"
      items={items}
      empty="No relations."
      editable={editable}
      onChanged={onChanged}
      resource={relationResource(contactId)}
      renderItem={(r) => (
        <>
          <span class="relation-type">{humanize(r.type)}</span>
          <RelatedLink other={r.related_contact} refs={r.refs} />
        </>
      )}
    >
      {/* Relations other contacts hold to this one: edited from their side. */}
      {reverse.length > 0 &&
        reverse.map((r) => (
          <li key={r.id}>
            <span class="relation-type">{humanize(r.type)} of</span>
            <RelatedLink other={r.contact} refs={r.refs} />
          </li>
        ))}
    </RecordCard>
  );
}

function RelatedLink({ other, refs }: { other: Relation['related_contact']; refs: Record<string, unknown> }) {
  if (other === null) {
    return <span class="muted">a party not on file{Object.keys(refs).length ? ` (${formatValue(refs)})` : ''}</span>;
  }
  if (typeof other === 'string') return <Link href={`/contacts/${other}`} class="mono">{other}</Link>;
  return <Link href={`/contacts/${other.id}`}>{other.name}</Link>;
}
