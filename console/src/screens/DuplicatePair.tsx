import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, asProblem, unwrap, unwrapWithEtag, type Address, type Bank, type Contact, type Problem, type Relation } from '../api';
import { messagesFor, TextAreaField } from '../components/Fields';
import { Loading, ProblemView } from '../components/ProblemView';
import { formatTime, humanize } from '../format';
import { BAND_WORDS, describeReason, SOURCE_WORDS, type Pair } from '../pairs';
import { defaultSurvivor } from './Merge';
import { PairCompare, type Side } from './PairCompare';

// One duplicate pair under review (CONTRACT §8.1): why dedupe paired them, in words; the two
// contacts side by side with every value marked same, different or one side only; and the
// decision — merge (the merge flow, with both contacts chosen) or dismiss with a comment (and
// reopen a dismissed pair).

async function loadSide(contact: Contact): Promise<Side> {
  const id = contact.id;
  const [addresses, banks, relations] = await Promise.all([
    unwrap(api.GET('/contacts/addresses/', { params: { query: { contact: id, page_size: 200 } } })),
    unwrap(api.GET('/contacts/banks/', { params: { query: { contact: id, page_size: 200 } } })),
    unwrap(api.GET('/contacts/relations/', { params: { query: { contact: id, expand: 'related_contact', page_size: 200 } } })),
  ]);
  return { contact, addresses: addresses.results as Address[], banks: banks.results as Bank[], relations: relations.results as Relation[] };
}

export function DuplicatePair({ id }: { id: string }) {
  const [pair, setPair] = useState<{ pair: Pair; etag: string | null } | null>(null);
  const [sides, setSides] = useState<[Side, Side] | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);

  function load() {
    setLoadProblem(null);
    unwrapWithEtag(api.GET('/duplicates/{pair_id}/', { params: { path: { pair_id: id }, query: { expand: 'contacts' } } })).then(
      async ({ data, etag }) => {
        setPair({ pair: data, etag });
        const a = data.contacts?.find((c) => c.id === data.contact_a);
        const b = data.contacts?.find((c) => c.id === data.contact_b);
        if (a && b) setSides(await Promise.all([loadSide(a), loadSide(b)]));
      },
      (err: unknown) => setLoadProblem(asProblem(err)),
    );
  }
  useEffect(() => {
    setPair(null);
    setSides(null);
    load();
  }, [id]);

  if (loadProblem) {
    return (
      <ProblemView problem={loadProblem.status === 404 ? { ...loadProblem, title: 'Pair not found', detail: 'No duplicate pair has this id in your tenant, or one of its contacts has been deleted.' } : loadProblem}>
        <Link href="/duplicates">Back to the queue</Link>
      </ProblemView>
    );
  }
  if (!pair) return <Loading what="the pair" />;
  const p = pair.pair;
  const a = p.contacts?.find((c) => c.id === p.contact_a);
  const b = p.contacts?.find((c) => c.id === p.contact_b);
  const reasons = p.reasons.map(describeReason);
  const pointing = (l: string) => reasons.filter((r) => r.leaning === l);

  return (
    <article class="pair-review" aria-labelledby="pair-heading">
      <p class="breadcrumb"><Link href="/duplicates">← Duplicates</Link></p>
      <div class="contact-header">
        <h1 id="pair-heading">{a?.name ?? p.contact_a} and {b?.name ?? p.contact_b}</h1>
        <div class="badges">
          <span class={`badge band-${p.band}`} title={BAND_WORDS[p.band]}>{humanize(p.band)}</span>
          <span class={`badge pair-${p.status}`}>{humanize(p.status)}</span>
        </div>
      </div>
      <p class="lead">
        Score {p.score.toFixed(2)} ({BAND_WORDS[p.band] ?? p.band}), {SOURCE_WORDS[p.source] ?? p.source} on {formatTime(p.created_at)}.
      </p>

      <div class="two-col">
        <section class="card" aria-labelledby="why-heading">
          <h2 id="why-heading">Why dedupe paired them</h2>
          <ReasonList title="Pointing to one borrower" items={pointing('for').map((r) => r.text)} sign="+" kind="for" />
          <ReasonList title="Pointing to two different parties" items={pointing('against').map((r) => r.text)} sign="−" kind="against" />
          <ReasonList title="To check" items={pointing('note').map((r) => r.text)} sign="!" kind="note" />
        </section>
        <Decision pair={pair} a={a} b={b} onChange={(next) => setPair(next)} onStale={load} />
      </div>

      {a && b ? (
        sides ? <PairCompare a={sides[0]} b={sides[1]} /> : <Loading what="the two contacts' records" />
      ) : (
        <p class="notice">
          The contacts of this pair are no longer both on file ({p.status === 'merged' ? 'they were merged' : 'one was merged or deleted'}): <Link href={`/contacts/${p.contact_a}`} class="mono">{p.contact_a}</Link>,{' '}
          <Link href={`/contacts/${p.contact_b}`} class="mono">{p.contact_b}</Link>.
        </p>
      )}
    </article>
  );
}

function ReasonList({ title, items, sign, kind }: { title: string; items: string[]; sign: string; kind: string }) {
  if (items.length === 0) return null;
  return (
    <>
      <h3 class="reason-heading">{title}</h3>
      <ul class="reason-list">
        {items.map((text, i) => (
          <li key={i} class={`reason ${kind}`}>
            <span class="reason-sign" aria-hidden="true">{sign}</span> {text}
          </li>
        ))}
      </ul>
    </>
  );
}

interface DecisionProps {
  pair: { pair: Pair; etag: string | null };
  a: Contact | undefined;
  b: Contact | undefined;
  onChange(next: { pair: Pair; etag: string | null }): void;
  /** The pair changed meanwhile (412): read it again. */
  onStale(): void;
}

/** Merge, dismiss (a comment required) or reopen, as the pair's status allows. */
function Decision({ pair: { pair, etag }, a, b, onChange, onStale }: DecisionProps) {
  const [dismissing, setDismissing] = useState(false);
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [next, setNext] = useState<string | null | undefined>(undefined);

  async function act(action: 'dismiss' | 'reopen') {
    setBusy(true);
    setProblem(null);
    try {
      const params = { path: { pair_id: pair.id }, header: etag ? { 'If-Match': etag } : {} };
      const body = action === 'dismiss' ? { comment: comment.trim() } : comment.trim() ? { comment: comment.trim() } : {};
      const call = action === 'dismiss' ? api.PUT('/duplicates/{pair_id}/dismiss/', { params, body: body as { comment: string } }) : api.PUT('/duplicates/{pair_id}/reopen/', { params, body });
      const done = await unwrapWithEtag(call);
      onChange({ pair: { ...done.data, contacts: pair.contacts ?? [] }, etag: done.etag });
      setDismissing(false);
      setComment('');
      if (action === 'dismiss') {
        // The next pair waiting, so a reviewer can go on without the list.
        const waiting = await unwrap(api.GET('/duplicates/', { params: { query: { page_size: 1 } } })).catch(() => null);
        setNext(waiting?.results[0]?.id ?? null);
      }
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  const survivor = a && b ? defaultSurvivor([a, b]) : null;
  const other = survivor && a && b ? (survivor.contact.id === a.id ? b : a) : null;

  return (
    <section class="card decision" aria-labelledby="decision-heading">
      <h2 id="decision-heading">Decision</h2>
      {pair.status === 'dismissed' && (
        <p class="notice" role="status">
          Dismissed as two different parties by {pair.resolved_by ?? 'someone'} on {formatTime(pair.resolved_at)}{pair.comment ? `: “${pair.comment}”` : ''}. Writes and scans will not open it again.
        </p>
      )}
      {pair.status === 'merged' && (
        <p class="notice" role="status">
          Merged by {pair.resolved_by ?? 'someone'} on {formatTime(pair.resolved_at)}. <Link href={`/merges?contact=${pair.contact_a}`}>See the merge</Link> (undo it there).
        </p>
      )}
      {pair.status === 'open' && survivor && other && !dismissing && (
        <>
          <p class="hint">
            Merging keeps {survivor.contact.name} ({survivor.reason}) unless you choose the other; you will see a preview first.
          </p>
          <div class="action-buttons">
            <Link href={`/contacts/${survivor.contact.id}/merge?with=${other.id}&pair=${pair.id}`} class="button">Merge…</Link>
            <button type="button" class="button secondary" onClick={() => setDismissing(true)}>Not a duplicate…</button>
          </div>
        </>
      )}
      {pair.status === 'open' && dismissing && (
        <div class="confirm">
          <TextAreaField
            id="dismiss-comment"
            label="Why these are different parties"
            required
            rows={2}
            maxLength={500}
            value={comment}
            onInput={setComment}
            hint="e.g. father and son sharing a mobile. Kept with the pair; writes and scans will not open it again."
            error={messagesFor(problem, 'comment')}
          />
          <div class="confirm-buttons">
            <button type="button" class="button" disabled={busy || comment.trim() === ''} onClick={() => void act('dismiss')}>Dismiss the pair</button>
            <button type="button" class="button secondary" disabled={busy} onClick={() => (setDismissing(false), setProblem(null))}>Cancel</button>
          </div>
        </div>
      )}
      {pair.status === 'dismissed' && (
        <div class="confirm">
          <TextAreaField id="reopen-comment" label="Reopen: why (optional)" rows={2} maxLength={500} value={comment} onInput={setComment} />
          <div class="confirm-buttons">
            <button type="button" class="button secondary" disabled={busy} onClick={() => void act('reopen')}>Reopen the pair</button>
          </div>
        </div>
      )}
      {problem && !problem.errors && (
        <ProblemView problem={problem}>
          {problem.status === 412 && <button type="button" class="button secondary" onClick={() => (setProblem(null), onStale())}>Reload the pair</button>}
        </ProblemView>
      )}
      {next !== undefined && (
        <p class="next-pair">
          {next ? <Link href={`/duplicates/${next}`}>Review the next open pair →</Link> : <span>No open pairs left. </span>}{' '}
          <Link href="/duplicates">Back to the queue</Link>
        </p>
      )}
      {a && b && (
        <p class="pair-links muted">
          Open <Link href={`/contacts/${a.id}`}>{a.name}</Link>
          {a.ref_id && <span class="mono"> {a.ref_id}</span>} or <Link href={`/contacts/${b.id}`}>{b.name}</Link>
          {b.ref_id && <span class="mono"> {b.ref_id}</span>}
        </p>
      )}
    </section>
  );
}
