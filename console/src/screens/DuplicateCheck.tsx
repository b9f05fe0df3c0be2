import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, asProblem, unwrap, type Contact, type Problem } from '../api';
import { humanize, orDash } from '../format';

// The live duplicate check of the create and edit forms (CONTRACT §6): while the user types a
// name or an identifier, POST /contacts/dedupe/ (which writes nothing) lists the contacts that
// look like this one, with their band and the reasons, in plain words.

type Candidate = { contact: Contact; score: number; band: 'exact' | 'probable' | 'possible'; reasons: Reason[] };
type Reason = { field: string; match: string; similarity?: number; detail?: string };

/** Typing pauses this long before a check goes out: one request per pause, not per key. */
const PAUSE_MS = 400;

const MATCH_WORDS: Record<string, string> = {
  exact: 'same',
  fuzzy: 'similar',
  partial: 'partly the same',
  mismatch: 'different',
  invalid_identifier: 'not a valid identifier',
};

export function reasonText(r: Reason): string {
  const words = MATCH_WORDS[r.match] ?? r.match.replace(/_/g, ' ');
  const similarity = r.similarity !== undefined ? ` (${Math.round(r.similarity * 100)}% alike)` : '';
  const detail = r.detail && r.match !== 'exact' ? ` (${r.detail})` : '';
  return `${r.field.replace(/_/g, ' ')}: ${words}${similarity}${detail}`;
}

interface Props {
  name: string;
  type: Contact['type'];
  props: { key: string; value: string }[];
  /** The contact being edited, which always matches itself. */
  excludeId?: string | undefined;
}

export function DuplicateCheck({ name, type, props, excludeId }: Props) {
  const [candidates, setCandidates] = useState<Candidate[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const identifiers = props.filter((p) => p.key.trim() !== '' && p.value.trim() !== '').map((p) => ({ key: p.key.trim(), value: p.value }));
  const signature = JSON.stringify([name.trim(), type, identifiers]);
  const enough = name.trim().length >= 3 || identifiers.length > 0;

  useEffect(() => {
    if (!enough) {
      setCandidates(null);
      setProblem(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      unwrap(api.POST('/contacts/dedupe/', { body: { name: name.trim() || '-', type, props: identifiers, limit: 5 } })).then(
        (data) => {
          if (!current) return;
          setProblem(null);
          setCandidates((data.results as Candidate[]).filter((c) => c.contact.id !== excludeId));
        },
        (err: unknown) => {
          if (!current) return;
          // A name the API refuses is shown under the name field on save; the check just waits.
          const p = asProblem(err);
          setCandidates(null);
          setProblem(p.status === 400 ? null : p);
        },
      );
    }, PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [signature]);

  if (problem) {
    return <p class="hint" role="status">Duplicate check unavailable: {problem.title}.</p>;
  }
  if (!candidates) return null;
  return (
    <section class={`duplicate-check${candidates.length ? ' found' : ''}`} aria-live="polite" aria-label="Duplicate check">
      {candidates.length === 0 ? (
        <p class="muted">No similar contacts found.</p>
      ) : (
        <>
          <p class="duplicate-check-title">
            {candidates.length === 1 ? 'A contact' : `${candidates.length} contacts`} like this one already {candidates.length === 1 ? 'exists' : 'exist'}:
          </p>
          <ul class="candidates">
            {candidates.map((c) => (
              <li key={c.contact.id} class="candidate">
                <span class={`badge band-${c.band}`}>{humanize(c.band)}</span>{' '}
                <Link href={`/contacts/${c.contact.id}`}>{c.contact.name}</Link>{' '}
                <span class="muted mono">{orDash(c.contact.ref_id)}</span>{' '}
                <span class="muted">score {c.score.toFixed(2)}</span>
                <span class="reasons">{c.reasons.map(reasonText).join(' · ')}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
