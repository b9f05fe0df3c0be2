import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { api, asProblem, unwrap, type Contact, type PairListQuery as Query, type Problem } from '../api';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, humanize } from '../format';
import { describeReason, SOURCE_WORDS, type Pair } from '../pairs';

// The duplicate review queue (CONTRACT §8.1): pairs of contacts that may be one borrower, best
// score first, narrowed by band, source and status, with how many pairs each band holds. Every
// choice is in the URL, as on the contacts list. A pair opens its side-by-side review.

const BANDS = ['exact', 'probable', 'possible'] as const;
const STATUSES = [
  ['open', 'Open'],
  ['dismissed', 'Dismissed'],
  ['merged', 'Merged'],
] as const;
const SOURCES = ['write', 'scan', 'override'] as const;
const ORDERINGS = [
  ['-score', 'Best score first'],
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-updated_at', 'Recently updated'],
] as const;
const PAGE_SIZE = 20;
const DEFAULTS: Record<string, string> = { status: 'open', ordering: '-score', page: '1' };
const KEYS = ['status', 'band', 'source', 'contact', 'ordering', 'page'] as const;

type PairPage = { count: number; total_pages: number; current_page: number; has_next: boolean; has_previous: boolean; results: Pair[] };

function toQuery(params: URLSearchParams, extra: Record<string, string | number> = {}): Query {
  const query: Record<string, string | number> = { status: 'open', page_size: PAGE_SIZE };
  for (const key of KEYS) {
    const value = params.get(key);
    if (value) query[key] = key === 'page' ? Number(value) : value;
  }
  return { ...query, ...extra } as Query;
}

export function DuplicateQueue() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const [page, setPage] = useState<PairPage | null>(null);
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let current = true;
    setLoading(true);
    setProblem(null);
    const p = new URLSearchParams(search);
    const list = unwrap(api.GET('/duplicates/', { params: { query: { ...toQuery(p), expand: 'contacts' } } }));
    // The count per band under the other filters: one page of one pair each, for its `count`.
    const perBand = Promise.all(
      BANDS.map((band) => {
        const q = toQuery(p, { band, page: 1, page_size: 1 });
        return unwrap(api.GET('/duplicates/', { params: { query: q } })).then((d) => [band, d.count] as const);
      }),
    );
    Promise.all([list, perBand]).then(
      ([data, bands]) => {
        if (!current) return;
        setPage(data as PairPage);
        setCounts(Object.fromEntries(bands));
        setLoading(false);
      },
      (err: unknown) => current && (setProblem(asProblem(err)), setLoading(false)),
    );
    return () => void (current = false);
  }, [search]);

  /** A new view: changed filters start again on page 1. */
  function go(changes: Record<string, string>) {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === '' || DEFAULTS[key] === value) next.delete(key);
      else next.set(key, value);
    }
    if (!('page' in changes)) next.delete('page');
    const text = next.toString();
    navigate(text ? `/duplicates?${text}` : '/duplicates');
  }

  const status = params.get('status') ?? 'open';
  const band = params.get('band') ?? '';
  const contact = params.get('contact') ?? '';
  const all = counts ? BANDS.reduce((n, b) => n + (counts[b] ?? 0), 0) : null;
  const statusWord = status === 'open' ? 'open' : status;
  const noun = (n: number) => `${n.toLocaleString('en-IN')} ${statusWord} ${n === 1 ? 'pair' : 'pairs'}`;

  return (
    <section aria-labelledby="duplicates-heading">
      <div class="heading-row">
        <h1 id="duplicates-heading">Duplicates</h1>
        {page && !problem && <p class="count" aria-live="polite">{noun(page.count)}{band ? ` (${band})` : ''}</p>}
      </div>
      <p class="lead">Pairs of contacts that may be one borrower. Review a pair side by side, then merge it or dismiss it as two different parties.</p>
      {contact && (
        <p>
          Pairs of contact <Link href={`/contacts/${contact}`} class="mono">{contact}</Link> · <Link href="/duplicates">the whole queue</Link>
        </p>
      )}

      <div class="queue-controls">
        <div class="band-filter" role="group" aria-label="Band">
          <button type="button" class="band-choice" aria-pressed={band === ''} onClick={() => go({ band: '' })}>
            All <span class="band-count">{all ?? '…'}</span>
          </button>
          {BANDS.map((b) => (
            <button type="button" key={b} class={`band-choice band-${b}`} aria-pressed={band === b} onClick={() => go({ band: b })}>
              {humanize(b)} <span class="band-count">{counts ? counts[b] : '…'}</span>
            </button>
          ))}
        </div>
        <div class="queue-selects">
          <label for="q-status">Status</label>
          <select id="q-status" value={status} onChange={(e) => go({ status: e.currentTarget.value })}>
            {STATUSES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
          <label for="q-source">Source</label>
          <select id="q-source" value={params.get('source') ?? ''} onChange={(e) => go({ source: e.currentTarget.value })}>
            <option value="">Any</option>
            {SOURCES.map((s) => <option key={s} value={s}>{humanize(s)}</option>)}
          </select>
          <label for="q-ordering">Order</label>
          <select id="q-ordering" value={params.get('ordering') ?? '-score'} onChange={(e) => go({ ordering: e.currentTarget.value })}>
            {ORDERINGS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </div>
      </div>

      {problem && (
        <ProblemView problem={problem}>
          <Link href="/duplicates">Back to the open pairs</Link>
        </ProblemView>
      )}
      {loading && !page && <Loading what="the duplicate queue" />}
      {page && !problem && page.results.length === 0 && (
        <Empty>
          {page.count > 0 ? (
            <p>This page is past the last one. <Link href="/duplicates">Back to the first page</Link></p>
          ) : status === 'open' && !band && !params.get('source') && !contact ? (
            <p>No open pairs: nothing waits for review. Pairs appear here when a write or a scan finds contacts that look like one borrower.</p>
          ) : (
            <>
              <p>No {statusWord} pairs match these filters.</p>
              <Link href="/duplicates">Back to the open pairs</Link>
            </>
          )}
        </Empty>
      )}
      {page && !problem && page.results.length > 0 && (
        <>
          <ol class={loading ? 'pair-list stale' : 'pair-list'} aria-busy={loading}>
            {page.results.map((p) => <PairItem key={p.id} pair={p} />)}
          </ol>
          <nav class="pager" aria-label="Pages">
            <button type="button" class="button secondary" disabled={!page.has_previous} onClick={() => go({ page: String(page.current_page - 1) })}>
              ← Previous
            </button>
            <span>Page {page.current_page} of {page.total_pages}</span>
            <button type="button" class="button secondary" disabled={!page.has_next} onClick={() => go({ page: String(page.current_page + 1) })}>
              Next →
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function Who({ contact, id }: { contact: Contact | undefined; id: string }) {
  if (!contact) return <span class="mono">{id}</span>;
  return (
    <span class="pair-who">
      <strong>{contact.name}</strong>
      {contact.ref_id && <span class="mono muted"> {contact.ref_id}</span>}
    </span>
  );
}

function PairItem({ pair }: { pair: Pair }) {
  const a = pair.contacts?.find((c) => c.id === pair.contact_a);
  const b = pair.contacts?.find((c) => c.id === pair.contact_b);
  const reasons = pair.reasons.map(describeReason);
  const label = `${a?.name ?? pair.contact_a} and ${b?.name ?? pair.contact_b}`;
  return (
    <li class="pair-item">
      <div class="pair-score">
        <span class={`badge band-${pair.band}`}>{humanize(pair.band)}</span>
        <span class="score" title="dedupe score, 0 to 1">score {pair.score.toFixed(2)}</span>
      </div>
      <div class="pair-main">
        <Link href={`/duplicates/${pair.id}`} class="pair-link" aria-label={`Review ${label}`}>
          <Who contact={a} id={pair.contact_a} /> <span class="muted">and</span> <Who contact={b} id={pair.contact_b} />
        </Link>
        <ul class="reason-chips" aria-label="Reasons">
          {reasons.map((r, i) => (
            <li key={i} class={`reason ${r.leaning}`}>
              <span class="reason-sign" aria-hidden="true">{r.leaning === 'for' ? '+' : r.leaning === 'against' ? '−' : '!'}</span>
              <span class="sr-only">{r.leaning === 'for' ? 'for: ' : r.leaning === 'against' ? 'against: ' : 'note: '}</span>
              {r.text}
            </li>
          ))}
        </ul>
        <p class="pair-meta muted">
          {humanize(SOURCE_WORDS[pair.source] ?? pair.source)} {formatTime(pair.created_at)}
          {pair.status !== 'open' && pair.resolved_at && ` · ${pair.status} by ${pair.resolved_by ?? 'someone'} ${formatTime(pair.resolved_at)}`}
          {pair.comment && ` · “${pair.comment}”`}
        </p>
      </div>
    </li>
  );
}
