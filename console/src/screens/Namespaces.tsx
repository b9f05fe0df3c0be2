import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { parsePattern, renderPattern } from '../../../src/resources/namespaces/ref-pattern';
import { api, asProblem, unwrap, unwrapWithEtag, type Problem } from '../api';
import { FormProblem, messagesFor, TextField } from '../components/Fields';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime } from '../format';

// Namespaces (CONTRACT §2): the list, create and edit, with a preview of the next reference ids
// their patterns will generate. The preview uses the service's own pattern code
// (src/resources/namespaces/ref-pattern.ts), so what it shows is what the API will allocate.

type NamespacePage = NonNullable<Awaited<ReturnType<typeof listNamespaces>>>;
export type Namespace = NamespacePage['results'][number];

const listNamespaces = (search: string, page: number) =>
  unwrap(api.GET('/namespaces/', { params: { query: { page, page_size: 50, ordering: 'name', ...(search ? { search } : {}) } } }));

/** The ref id a pattern gives for a counter today, or why it gives none. */
export function preview(pattern: string, counter: number | string): { text: string } | { problems: string[] } | null {
  if (pattern.trim() === '') return null;
  const parsed = parsePattern(pattern.trim());
  if (!parsed.ok) return { problems: parsed.problems };
  const seq = typeof counter === 'number' ? counter : Number(counter);
  if (!Number.isSafeInteger(seq) || seq < 1) return { problems: ['The counter must be a whole number of at least 1.'] };
  const text = renderPattern(parsed.value, seq, new Date());
  return text.length > 50 ? { problems: [`"${text}" is longer than the 50 characters a ref id may have.`] } : { text };
}

export function NamespaceList() {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const q = search.get('search') ?? '';
  const pageNo = Number(search.get('page') ?? '1') || 1;
  const [page, setPage] = useState<NamespacePage | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    let current = true;
    setProblem(null);
    listNamespaces(q, pageNo).then(
      (data) => current && setPage(data),
      (err: unknown) => current && setProblem(asProblem(err)),
    );
    return () => void (current = false);
  }, [q, pageNo]);

  const go = (next: { search?: string; page?: number }) => {
    const params = new URLSearchParams();
    const s = next.search ?? q;
    if (s) params.set('search', s);
    if (next.page && next.page > 1) params.set('page', String(next.page));
    const text = params.toString();
    navigate(text ? `/namespaces?${text}` : '/namespaces');
  };

  return (
    <section aria-labelledby="namespaces-heading">
      <div class="heading-row">
        <h1 id="namespaces-heading">Namespaces</h1>
        {page && <p class="count">{page.count === 1 ? '1 namespace' : `${page.count} namespaces`}</p>}
        <Link href="/namespaces/new" class="button heading-action">New namespace</Link>
      </div>
      <form
        class="filters search-row"
        role="search"
        aria-label="Search namespaces"
        key={q}
        onSubmit={(e) => {
          e.preventDefault();
          go({ search: String(new FormData(e.currentTarget).get('search') ?? '').trim(), page: 1 });
        }}
      >
        <label class="sr-only" for="ns-search">Search namespaces</label>
        <input id="ns-search" name="search" type="search" defaultValue={q} placeholder="Namespace name" />
        <button type="submit" class="button">Search</button>
      </form>
      {problem && <ProblemView problem={problem}><Link href="/namespaces">Clear the view</Link></ProblemView>}
      {!page && !problem && <Loading what="namespaces" />}
      {page && !problem && page.results.length === 0 && (
        <Empty>
          {q ? (
            <p>No namespace matches “{q}”. <Link href="/namespaces">Show all</Link></p>
          ) : (
            <p>No namespaces yet. Every contact belongs to one: <Link href="/namespaces/new">create the first</Link>.</p>
          )}
        </Empty>
      )}
      {page && !problem && page.results.length > 0 && (
        <>
          <table class="contacts namespaces">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Contact pattern</th>
                <th scope="col">Next contact ref id</th>
                <th scope="col">Account pattern</th>
                <th scope="col">Next account ref</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.results.map((ns) => (
                <tr key={ns.id}>
                  <td data-label="Name" class="name-cell"><Link href={`/namespaces/${ns.id}`}>{ns.name}</Link></td>
                  <td data-label="Contact pattern" class="mono">{ns.contact_pattern ?? '—'}</td>
                  <td data-label="Next contact ref id" class="mono">{nextRef(ns.contact_pattern, ns.contact_counter)}</td>
                  <td data-label="Account pattern" class="mono">{ns.account_pattern ?? '—'}</td>
                  <td data-label="Next account ref" class="mono">{nextRef(ns.account_pattern, ns.account_counter)}</td>
                  <td data-label="Created">{formatTime(ns.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.total_pages > 1 && (
            <nav class="pager" aria-label="Pages">
              <button type="button" class="button secondary" disabled={!page.has_previous} onClick={() => go({ page: pageNo - 1 })}>← Previous</button>
              <span>Page {page.current_page} of {page.total_pages}</span>
              <button type="button" class="button secondary" disabled={!page.has_next} onClick={() => go({ page: pageNo + 1 })}>Next →</button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

function nextRef(pattern: string | null, counter: number): string {
  if (!pattern) return '—';
  const p = preview(pattern, counter);
  return p && 'text' in p ? p.text : '—';
}

interface Values {
  name: string;
  contact_pattern: string;
  contact_counter: string;
  account_pattern: string;
  account_counter: string;
}
const EMPTY: Values = { name: '', contact_pattern: '', contact_counter: '1', account_pattern: '', account_counter: '1' };
const valuesOf = (ns: Namespace): Values => ({
  name: ns.name,
  contact_pattern: ns.contact_pattern ?? '',
  contact_counter: String(ns.contact_counter),
  account_pattern: ns.account_pattern ?? '',
  account_counter: String(ns.account_counter),
});

type Body = { name?: string; contact_pattern?: string | null; contact_counter?: number; account_pattern?: string | null; account_counter?: number };

export function NamespaceForm({ id }: { id?: string }) {
  const editing = id !== undefined;
  const [, navigate] = useLocation();
  const [original, setOriginal] = useState<Namespace | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [values, setValues] = useState<Values>(EMPTY);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saved, setSaved] = useState(false);

  function load() {
    if (!id) return;
    setLoadProblem(null);
    unwrapWithEtag(api.GET('/namespaces/{namespace_id}/', { params: { path: { namespace_id: id } } })).then(
      ({ data, etag }) => {
        setOriginal(data);
        setEtag(etag);
        setValues(valuesOf(data));
        setProblem(null);
      },
      (err: unknown) => setLoadProblem(asProblem(err)),
    );
  }
  useEffect(load, [id]);

  const set = (field: keyof Values) => (value: string) => {
    setSaved(false);
    setValues((v) => ({ ...v, [field]: value }));
  };

  function bodyOf(): Body | null {
    const errors: Record<string, string> = {};
    const counter = (field: 'contact_counter' | 'account_counter') => {
      const text = values[field].trim();
      if (!/^[0-9]+$/.test(text)) errors[field] = 'Enter a whole number of at least 1.';
      return Number(text);
    };
    const full: Body = {
      name: values.name.trim(),
      contact_pattern: values.contact_pattern.trim() || null,
      contact_counter: counter('contact_counter'),
      account_pattern: values.account_pattern.trim() || null,
      account_counter: counter('account_counter'),
    };
    setLocalErrors(errors);
    if (Object.keys(errors).length) return null;
    if (!original) return full;
    const changed: Body = {};
    for (const [field, value] of Object.entries(full) as [keyof Body, unknown][]) {
      if (value !== original[field]) (changed as Record<string, unknown>)[field] = value;
    }
    return changed;
  }

  async function save(event: Event) {
    event.preventDefault();
    setProblem(null);
    const body = bodyOf();
    if (!body) return;
    setBusy(true);
    try {
      if (!editing) {
        const created = await unwrap(api.POST('/namespaces/', { body: body as Body & { name: string } }));
        navigate(`/namespaces/${created.id}`, { replace: true });
        setSaved(true);
      } else if (Object.keys(body).length) {
        const next = await unwrapWithEtag(
          api.PATCH('/namespaces/{namespace_id}/', { params: { path: { namespace_id: id }, header: etag ? { 'If-Match': etag } : {} }, body }),
        );
        setOriginal(next.data);
        setEtag(next.etag);
        setValues(valuesOf(next.data));
        setSaved(true);
      }
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setProblem(null);
    try {
      await unwrap(api.DELETE('/namespaces/{namespace_id}/', { params: { path: { namespace_id: id! }, header: etag ? { 'If-Match': etag } : {} } }));
      navigate('/namespaces');
    } catch (err) {
      setConfirmDelete(false);
      setProblem(asProblem(err));
      setBusy(false);
    }
  }

  if (loadProblem) {
    return (
      <ProblemView problem={loadProblem.status === 404 ? { ...loadProblem, title: 'Namespace not found', detail: 'No namespace has this id in your tenant: it may have been deleted.' } : loadProblem}>
        <Link href="/namespaces">Back to namespaces</Link>
      </ProblemView>
    );
  }
  if (editing && !original) return <Loading what="the namespace" />;

  const err = (field: string) => localErrors[field] ?? messagesFor(problem, field);
  const contactPreview = preview(values.contact_pattern, values.contact_counter);
  const accountPreview = preview(values.account_pattern, values.account_counter);
  const fields = ['name', 'contact_pattern', 'contact_counter', 'account_pattern', 'account_counter'];

  return (
    <section aria-labelledby="ns-form-heading">
      <p class="breadcrumb"><Link href="/namespaces">← Namespaces</Link></p>
      <h1 id="ns-form-heading">{editing ? `Namespace ${original!.name}` : 'New namespace'}</h1>
      <form class="card form-grid ns-grid" noValidate onSubmit={save}>
        <div class="span-all">
          <TextField id="name" label="Name" required value={values.name} onInput={set('name')} error={err('name')} maxLength={50} hint="Letters, digits, spaces and _ . - ; unique in your tenant (any case)." />
        </div>
        <TextField id="contact_pattern" label="Contact ref id pattern" mono value={values.contact_pattern} onInput={set('contact_pattern')} error={err('contact_pattern')} placeholder="CUST-{yyyy}-{seq:6}" hint="Tokens: {seq} or {seq:N} once; {yyyy} {yy} {mm} {dd} (UTC). Blank: no generated ref ids." />
        <TextField id="contact_counter" label="Next contact number" inputMode="numeric" value={values.contact_counter} onInput={set('contact_counter')} error={err('contact_counter')} hint={editing ? 'May be raised, never lowered: no number is issued twice.' : undefined} />
        <PatternPreview id="contact-preview" label="Next contact ref id" result={contactPreview} />
        <TextField id="account_pattern" label="Account ref pattern" mono value={values.account_pattern} onInput={set('account_pattern')} error={err('account_pattern')} placeholder="LN-{yy}{mm}-{seq:5}" hint="For loan accounts allocated by other services (POST …/account_refs/)." />
        <TextField id="account_counter" label="Next account number" inputMode="numeric" value={values.account_counter} onInput={set('account_counter')} error={err('account_counter')} />
        <PatternPreview id="account-preview" label="Next account ref" result={accountPreview} />
        <div class="span-all">
          <FormProblem problem={problem} shown={(p) => fields.includes(p)}>
            {problem?.status === 412 && <button type="button" class="button secondary" onClick={load}>Reload the namespace (discards your edits)</button>}
          </FormProblem>
          {saved && <p class="saved" role="status">Saved.</p>}
        </div>
        <div class="form-buttons span-all">
          <button type="submit" class="button" disabled={busy}>{editing ? 'Save changes' : 'Create namespace'}</button>
          <Link href="/namespaces" class="button secondary">{editing ? 'Back' : 'Cancel'}</Link>
          {editing && !confirmDelete && (
            <button type="button" class="button danger push-right" disabled={busy} onClick={() => setConfirmDelete(true)}>Delete namespace</button>
          )}
        </div>
        {confirmDelete && (
          <div class="confirm span-all" role="group" aria-label="Confirm delete">
            <p>Delete the namespace {original!.name}? Only a namespace no live contact uses can be deleted; its ref ids stay reserved.</p>
            <div class="confirm-buttons">
              <button type="button" class="button danger" disabled={busy} onClick={() => void remove()}>Delete</button>
              <button type="button" class="button secondary" disabled={busy} onClick={() => setConfirmDelete(false)}>Keep it</button>
            </div>
          </div>
        )}
      </form>
      {editing && (
        <p class="hint">
          <Link href={`/?namespace=${encodeURIComponent(original!.name)}`}>Contacts in {original!.name}</Link>
        </p>
      )}
    </section>
  );
}

function PatternPreview({ id, label, result }: { id: string; label: string; result: ReturnType<typeof preview> }) {
  return (
    <div class="field pattern-preview" id={id} aria-live="polite">
      <span class="label-text">{label}</span>
      {result === null && <p class="muted">None (no pattern)</p>}
      {result && 'text' in result && <p><span class="preview">{result.text}</span></p>}
      {result && 'problems' in result && (
        <ul class="preview-problems">
          {result.problems.map((p) => <li key={p}>{p}</li>)}
        </ul>
      )}
    </div>
  );
}
