import { useEffect, useState } from 'preact/hooks';
import { api, asProblem, unwrap, type Contact, type Problem } from '../api';
import { orDash } from '../format';

// Choosing a contact by name, ref id, PAN or mobile (the list's `search`), for a relation's other
// party. An empty choice means "a party not on file" (CONTRACT §4.4: related_contact null).

interface Props {
  id: string;
  label: string;
  value: string;
  chosenName: string;
  onChange(id: string, name: string): void;
  error?: string | undefined;
  hint?: string | undefined;
}

export function ContactPicker({ id, label, value, chosenName, onChange, error, hint }: Props) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Contact[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) {
      setResults(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      unwrap(api.GET('/contacts/', { params: { query: { search: q, page_size: 6, ordering: 'name' } } })).then(
        (page) => current && (setResults(page.results), setProblem(null)),
        (err: unknown) => current && setProblem(asProblem(err)),
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query]);

  if (value) {
    return (
      <div class="field contact-picker">
        <span class="label-text">{label}</span>
        <p class="chosen">
          <span>{chosenName || value}</span>{' '}
          <button type="button" class="button secondary small" onClick={() => onChange('', '')}>Change</button>
        </p>
        {error && <p class="field-error">{error}</p>}
      </div>
    );
  }
  return (
    <div class="field contact-picker">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={query}
        placeholder="Name, ref id, PAN or mobile"
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(e) => setQuery(e.currentTarget.value)}
      />
      {hint && <p class="hint field-hint">{hint}</p>}
      {error && <p id={`${id}-error`} class="field-error">{error}</p>}
      {problem && <p class="field-error">Search failed: {problem.title}</p>}
      {results && (
        <ul class="picker-results" aria-label="Matching contacts">
          {results.length === 0 && <li class="muted">No contact matches.</li>}
          {results.map((c) => (
            <li key={c.id}>
              <button type="button" class="link-like" onClick={() => (onChange(c.id, c.name), setQuery(''))}>
                {c.name} <span class="muted mono">{orDash(c.ref_id)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
