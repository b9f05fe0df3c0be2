import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { api, asProblem, unwrap, type Contact, type ContactListQuery, type Problem } from '../api';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, humanize, orDash } from '../format';

// Contacts: search, every filter of CONTRACT §3.2, ordering, page size and page — all of it in the
// URL, so a copied link reproduces the view.

const TEXT_FILTERS = [
  ['namespace', 'Namespace', 'name or id'],
  ['tags', 'Tags', 'comma-separated, any'],
  ['rm_id', 'RM', 'exact code'],
  ['branch_id', 'Branch', 'exact code'],
  ['ref_id', 'Ref id', 'exact'],
] as const;
const CHOICES = {
  status: ['active', 'inactive'],
  type: ['individual', 'corporate'],
  approval_status: ['pending', 'approved', 'rejected'],
} as const;
const ORDERINGS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-updated_at', 'Recently updated'],
  ['name', 'Name A–Z'],
  ['-name', 'Name Z–A'],
  ['ref_id', 'Ref id'],
] as const;
const PAGE_SIZES = [20, 50, 100, 200];
/** The API's defaults stay out of the URL: a link says only what differs. */
const DEFAULTS: Record<string, string> = { ordering: '-created_at', page_size: '20', page: '1' };
const KEYS = ['search', 'namespace', 'status', 'type', 'approval_status', 'tags', 'rm_id', 'branch_id', 'ref_id', 'created_at_after', 'created_at_before', 'ordering', 'page', 'page_size'] as const;

type Page = { count: number; total_pages: number; current_page: number; has_next: boolean; has_previous: boolean; results: Contact[] };

function toQuery(params: URLSearchParams): ContactListQuery {
  const query: Record<string, string | number> = {};
  for (const key of KEYS) {
    const value = params.get(key);
    if (value === null || value === '') continue;
    query[key] = key === 'page' || key === 'page_size' ? Number(value) : value;
  }
  return query as ContactListQuery;
}

export function ContactList() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const [page, setPage] = useState<Page | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);
  // The filter panel stays as the user left it while the view changes under it.
  const [filtersOpen, setFiltersOpen] = useState(() => KEYS.some((k) => !(k in DEFAULTS) && k !== 'search' && params.get(k)));

  useEffect(() => {
    let current = true;
    setLoading(true);
    setProblem(null);
    unwrap(api.GET('/contacts/', { params: { query: toQuery(new URLSearchParams(search)) } })).then(
      (data) => current && (setPage(data as Page), setLoading(false)),
      (err: unknown) => current && (setProblem(asProblem(err)), setLoading(false)),
    );
    return () => void (current = false);
  }, [search]);

  /** A new view: changed filters start again on page 1. */
  function go(changes: Record<string, string>, keepPage = false) {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === '' || DEFAULTS[key] === value) next.delete(key);
      else next.set(key, value);
    }
    if (!keepPage && !('page' in changes)) next.delete('page');
    const text = next.toString();
    navigate(text ? `/?${text}` : '/');
  }

  function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const changes: Record<string, string> = {};
    for (const key of KEYS) if (form.has(key)) changes[key] = String(form.get(key)).trim();
    go(changes);
  }

  const filtered = KEYS.some((k) => k !== 'ordering' && k !== 'page' && k !== 'page_size' && params.get(k));
  const fieldError = (field: string) => problem?.errors?.[field]?.join('; ');
  return (
    <section aria-labelledby="contacts-heading">
      <div class="heading-row">
        <h1 id="contacts-heading">Contacts</h1>
        {page && !problem && <p class="count" aria-live="polite">{page.count === 1 ? '1 contact' : `${page.count.toLocaleString('en-IN')} contacts`}</p>}
        <Link href="/contacts/new" class="button heading-action">New contact</Link>
      </div>
      {/* key: a new URL resets the form's fields to what the URL says */}
      <form class="filters" onSubmit={submit} key={search} role="search" aria-label="Search and filter contacts">
        <div class="search-row">
          <label class="sr-only" for="search">Search</label>
          <input id="search" name="search" type="search" defaultValue={params.get('search') ?? ''} placeholder="Name, ref id, PAN or mobile" />
          <button type="submit" class="button">Search</button>
        </div>
        <details class="filter-panel" open={filtersOpen || Object.keys(problem?.errors ?? {}).some((f) => f !== 'search' && !(f in DEFAULTS))} onToggle={(e) => setFiltersOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>Filters{filtered ? ' (active)' : ''}</summary>
          <div class="filter-grid">
            {(Object.keys(CHOICES) as (keyof typeof CHOICES)[]).map((key) => (
              <div class="field" key={key}>
                <label for={`f-${key}`}>{key === 'approval_status' ? 'Approval' : humanize(key)}</label>
                <select id={`f-${key}`} name={key} aria-invalid={!!fieldError(key)} value={params.get(key) ?? ''} onChange={(e) => go({ [key]: e.currentTarget.value })}>
                  <option value="">Any</option>
                  {CHOICES[key].map((choice) => <option key={choice} value={choice}>{humanize(choice)}</option>)}
                </select>
                {fieldError(key) && <p class="field-error">{fieldError(key)}</p>}
              </div>
            ))}
            {TEXT_FILTERS.map(([key, label, hint]) => (
              <div class="field" key={key}>
                <label for={`f-${key}`}>{label}</label>
                <input id={`f-${key}`} name={key} defaultValue={params.get(key) ?? ''} placeholder={hint} aria-invalid={!!fieldError(key)} />
                {fieldError(key) && <p class="field-error">{fieldError(key)}</p>}
              </div>
            ))}
            <div class="field">
              <label for="f-created_at_after">Created from</label>
              <input id="f-created_at_after" name="created_at_after" type="date" defaultValue={params.get('created_at_after') ?? ''} aria-invalid={!!fieldError('created_at_after')} />
              {fieldError('created_at_after') && <p class="field-error">{fieldError('created_at_after')}</p>}
            </div>
            <div class="field">
              <label for="f-created_at_before">Created until</label>
              <input id="f-created_at_before" name="created_at_before" type="date" defaultValue={params.get('created_at_before') ?? ''} aria-invalid={!!fieldError('created_at_before')} />
              {fieldError('created_at_before') && <p class="field-error">{fieldError('created_at_before')}</p>}
            </div>
          </div>
          <div class="filter-actions">
            <button type="submit" class="button secondary">Apply filters</button>
            {filtered && <Link href="/" class="link-button">Clear all</Link>}
          </div>
        </details>
        <div class="list-controls">
          <label for="ordering">Order</label>
          <select id="ordering" name="ordering" value={params.get('ordering') ?? '-created_at'} onChange={(e) => go({ ordering: e.currentTarget.value })}>
            {ORDERINGS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
          <label for="page_size">Per page</label>
          <select id="page_size" name="page_size" value={params.get('page_size') ?? '20'} onChange={(e) => go({ page_size: e.currentTarget.value })}>
            {PAGE_SIZES.map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select>
        </div>
      </form>

      {problem && (
        <ProblemView problem={problem}>
          <Link href="/">Clear the view</Link>
        </ProblemView>
      )}
      {loading && !page && <Loading what="contacts" />}
      {page && !problem && page.results.length === 0 && (
        <Empty>
          {filtered ? (
            <>
              <p>No contacts match this search or these filters.</p>
              <Link href="/">Clear all filters</Link>
            </>
          ) : page.count > 0 ? (
            <p>This page is past the last one. <Link href="/">Back to the first page</Link></p>
          ) : (
            <p>No contacts yet in this tenant. <Link href="/contacts/new">Create the first one</Link>, or create them through the API or an import.</p>
          )}
        </Empty>
      )}
      {page && !problem && page.results.length > 0 && (
        <>
          <table class={loading ? 'contacts stale' : 'contacts'} aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Ref id</th>
                <th scope="col">Type</th>
                <th scope="col">Namespace</th>
                <th scope="col">Status</th>
                <th scope="col">Approval</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {page.results.map((c) => (
                <tr key={c.id}>
                  <td data-label="Name" class="name-cell">
                    <Link href={`/contacts/${c.id}`}>{c.name}</Link>
                  </td>
                  <td data-label="Ref id" class="mono">{orDash(c.ref_id)}</td>
                  <td data-label="Type">{humanize(c.type)}</td>
                  <td data-label="Namespace">{c.namespace}</td>
                  <td data-label="Status"><span class={`badge ${c.status}`}>{humanize(c.status)}</span></td>
                  <td data-label="Approval"><span class={`badge ${c.approval_status}`}>{humanize(c.approval_status)}</span></td>
                  <td data-label="Updated">{formatTime(c.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="button secondary" disabled={!page.has_previous} onClick={() => go({ page: String(page.current_page - 1) }, true)}>
              ← Previous
            </button>
            <span>
              Page {page.current_page} of {page.total_pages}
            </span>
            <button type="button" class="button secondary" disabled={!page.has_next} onClick={() => go({ page: String(page.current_page + 1) }, true)}>
              Next →
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
