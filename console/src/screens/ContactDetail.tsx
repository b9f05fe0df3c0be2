import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, asProblem, unwrap, unwrapWithEtag, type Address, type Bank, type Contact, type Problem, type Relation } from '../api';
import { Loading, ProblemView } from '../components/ProblemView';
import { formatTime, formatValue, humanize, orDash } from '../format';
import { ContactActions } from './ContactActions';
import { HistoryTimeline } from './HistoryTimeline';
import { PropsEditor } from './PropsEditor';
import { AddressesCard, BanksCard, RelationsCard } from './SubRecords';

// One contact: its fields, props, addresses, banks, relations (linking to the related contacts),
// the actions its state allows, and its history.

interface Loaded {
  contact: Contact;
  etag: string | null;
  addresses: Address[];
  banks: Bank[];
  relations: Relation[];
  reverse: Relation[];
  /** Open duplicate pairs this contact is in (the review queue, §8.1). */
  openPairs: number;
}

async function load(id: string): Promise<Loaded> {
  const path = { contact_id: id };
  const [{ data: contact, etag }, addresses, banks, relations, reverse, pairs] = await Promise.all([
    unwrapWithEtag(api.GET('/contacts/{contact_id}/', { params: { path, query: { expand: 'props' } } })),
    unwrap(api.GET('/contacts/addresses/', { params: { query: { contact: id, page_size: 200 } } })),
    unwrap(api.GET('/contacts/banks/', { params: { query: { contact: id, page_size: 200 } } })),
    unwrap(api.GET('/contacts/relations/', { params: { query: { contact: id, expand: 'related_contact', page_size: 200 } } })),
    unwrap(api.GET('/contacts/relations/', { params: { query: { related_contact: id, expand: 'contact', page_size: 200 } } })),
    // A pointer to the queue only: a failure here must not hide the contact.
    unwrap(api.GET('/duplicates/', { params: { query: { contact: id, page_size: 1 } } })).catch(() => ({ count: 0 })),
  ]);
  return { contact, etag, addresses: addresses.results, banks: banks.results, relations: relations.results, reverse: reverse.results, openPairs: pairs.count };
}

export function ContactDetail({ id }: { id: string }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [historyVersion, setHistoryVersion] = useState(0);

  // Resolves once the page shows the contact as stored (or the problem): an editor waits for it
  // before it closes, so the card never shows the values from before its own save.
  function reload(): Promise<void> {
    setProblem(null);
    return load(id).then(
      (data) => {
        setLoaded(data);
        setHistoryVersion((v) => v + 1);
      },
      (err: unknown) => setProblem(asProblem(err)),
    );
  }
  useEffect(() => {
    setLoaded(null);
    void reload();
  }, [id]);

  if (problem && (!loaded || problem.status === 404)) {
    return (
      <ProblemView
        problem={
          problem.status === 404
            ? { ...problem, title: 'Contact not found', detail: 'No contact has this id in your tenant: it may have been deleted, or the link may be wrong.' }
            : problem
        }
      >
        <Link href="/">Back to contacts</Link>
        {problem.status !== 404 && (
          <button type="button" class="button secondary" onClick={reload}>Retry</button>
        )}
      </ProblemView>
    );
  }
  if (!loaded) return <Loading what="the contact" />;
  const { contact } = loaded;
  const mergedIn = contact.merged_ids?.length ?? 0;

  return (
    <article class="contact" aria-labelledby="contact-name" data-id={contact.id}>
      <p class="breadcrumb"><Link href="/">← Contacts</Link></p>
      {contact.id !== id.toUpperCase() && (
        <p class="notice" role="status">
          The contact <span class="mono">{id}</span> was merged into {contact.name}; this is {contact.name}.{' '}
          <Link href={`/merges?contact=${id.toUpperCase()}`}>See the merge</Link>
        </p>
      )}
      {mergedIn > 0 && contact.id === id.toUpperCase() && (
        <p class="hint">
          {mergedIn === 1 ? '1 contact was' : `${mergedIn} contacts were`} merged into this one.{' '}
          <Link href={`/merges?contact=${contact.id}`}>Merges</Link>
        </p>
      )}
      {loaded.openPairs > 0 && !contact.is_deleted && (
        <p class="hint">
          {loaded.openPairs === 1 ? '1 possible duplicate waits' : `${loaded.openPairs} possible duplicates wait`} for review.{' '}
          <Link href={`/duplicates?contact=${contact.id}`}>Review in the duplicate queue</Link>
        </p>
      )}
      <header class="contact-header">
        <h1 id="contact-name">{contact.name}</h1>
        <div class="badges">
          {contact.is_deleted && <span class="badge deleted">Deleted</span>}
          <span class={`badge ${contact.status}`}>{humanize(contact.status)}</span>
          <span class={`badge ${contact.approval_status}`}>{humanize(contact.approval_status)}</span>
        </div>
        {!contact.is_deleted && (
          <span class="heading-action header-links">
            <Link href={`/contacts/${contact.id}/edit`} class="button secondary">Edit</Link>
            <Link href={`/contacts/${contact.id}/merge`} class="button secondary">Merge…</Link>
          </span>
        )}
      </header>

      <ContactActions
        contact={contact}
        etag={loaded.etag}
        onChanged={(next, etag) => {
          setLoaded({ ...loaded, contact: { ...next, props: contact.props }, etag });
          setHistoryVersion((v) => v + 1);
        }}
        onReload={reload}
      />

      <section class="card" aria-labelledby="fields-heading">
        <h2 id="fields-heading">Details</h2>
        <dl class="fields">
          <Field label="Type" value={humanize(contact.type)} />
          <Field label="Namespace" value={contact.namespace} />
          <Field label="Ref id" value={orDash(contact.ref_id)} mono />
          <Field label="RM" value={orDash(contact.rm_id)} />
          <Field label="Branch" value={orDash(contact.branch_id)} />
          <Field label="Tags" value={contact.tags.length ? contact.tags.join(', ') : '—'} />
          <Field label="Approval comment" value={orDash(contact.approval_comment)} />
          <Field label="Approval by" value={contact.approval_by ? `${contact.approval_by}, ${formatTime(contact.approval_at)}` : '—'} />
          <Field label="Created" value={`${formatTime(contact.created_at)} by ${contact.created_by}`} />
          <Field label="Updated" value={contact.updated_by ? `${formatTime(contact.updated_at)} by ${contact.updated_by}` : formatTime(contact.updated_at)} />
          <Field label="Id" value={contact.id} mono />
          {Object.keys(contact.refs).length > 0 && <Field label="Refs" value={formatValue(contact.refs)} mono />}
        </dl>
      </section>

      <PropsEditor contact={contact} etag={loaded.etag} onSaved={reload} />

      <div class="two-col">
        <AddressesCard contactId={contact.id} items={loaded.addresses} editable={!contact.is_deleted} onChanged={reload} />
        <BanksCard contactId={contact.id} items={loaded.banks} editable={!contact.is_deleted} onChanged={reload} />
      </div>

      <RelationsCard contactId={contact.id} items={loaded.relations} reverse={loaded.reverse} editable={!contact.is_deleted} onChanged={reload} />

      {!contact.is_deleted && <HistoryTimeline contactId={contact.id} version={historyVersion} />}
    </article>
  );
}

function Field({ label, value, mono = false }: { label: string; value: string; mono?: boolean }) {
  return (
    <div class="field-row">
      <dt>{label}</dt>
      <dd class={mono ? 'mono' : undefined}>{value}</dd>
    </div>
  );
}
