import { useEffect, useState } from 'preact/hooks';
import { api, asProblem, unwrap, type HistoryEntry, type Problem } from '../api';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, formatValue, humanize } from '../format';

// A contact's history, newest first: who did what and when, and for each entry the fields it
// changed with their values before and after.

/** Bookkeeping every write changes; a diff that lists them says nothing. */
const NOISE = new Set(['updated_at', 'updated_by', 'tenant_id', 'created_at', 'created_by', 'id', 'contact_id']);

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

type State = Record<string, unknown> | unknown[] | null;

/** Props are lists of {key, value, type}: compared by key, as `props.<key>`. */
function propsByKey(list: unknown[], into: Record<string, unknown>): void {
  for (const item of list) {
    if (item && typeof item === 'object' && 'key' in item) into[`props.${String((item as { key: unknown }).key)}`] = (item as { value?: unknown }).value;
  }
}

function flatten(state: State): Record<string, unknown> {
  if (state === null) return {};
  const out: Record<string, unknown> = {};
  if (Array.isArray(state)) {
    propsByKey(state, out);
    return out;
  }
  for (const [field, value] of Object.entries(state)) {
    // A contact's props inside its own state (create, delete): one row per key, as in prop entries.
    if (field === 'props' && Array.isArray(value)) propsByKey(value, out);
    else out[field] = value;
  }
  return out;
}

/** Nothing worth a row when a record is created or deleted: null, false, empty text, list or object. */
function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

export function diff(before: State, after: State): FieldChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => !NOISE.has(f));
  return fields
    .filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]))
    .map((field) => ({ field, before: a[field], after: b[field] }));
}

const PAGE_SIZE = 20;

export function HistoryTimeline({ contactId, version }: { contactId: string; version: number }) {
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [page, setPage] = useState(1);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function fetchPage(n: number, replace: boolean) {
    setProblem(null);
    try {
      const data = await unwrap(
        api.GET('/contacts/{contact_id}/history/', {
          params: { path: { contact_id: contactId }, query: { page: n, page_size: PAGE_SIZE, ordering: '-timestamp' } },
        }),
      );
      setEntries((old) => (replace || !old ? data.results : [...old, ...data.results]));
      setHasMore(data.has_next);
      setPage(n);
    } catch (err) {
      setProblem(asProblem(err));
    }
  }
  useEffect(() => {
    void fetchPage(1, true);
  }, [contactId, version]);

  return (
    <section class="card" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {problem && <ProblemView problem={problem}><button type="button" class="button secondary" onClick={() => fetchPage(page, false)}>Retry</button></ProblemView>}
      {!entries && !problem && <Loading what="history" />}
      {entries && entries.length === 0 && <Empty><p>No history yet.</p></Empty>}
      {entries && entries.length > 0 && (
        <ol class="timeline">
          {entries.map((entry) => (
            <HistoryItem key={entry.id} entry={entry} />
          ))}
        </ol>
      )}
      {hasMore && (
        <button type="button" class="button secondary" onClick={() => fetchPage(page + 1, false)}>
          Show older entries
        </button>
      )}
    </section>
  );
}

/** The recorded action names (the API's route names) as the buttons call them. */
const ACTION_TITLES: Record<string, string> = { active: 'Activate', inactive: 'Deactivate', approve: 'Approve', reject: 'Reject', restore: 'Restore' };

/** What the entry did, and the comment a user gave (actions are recorded as `approve: <comment>`). */
function describe(entry: HistoryEntry): { title: string; comment: string | null } {
  if (entry.action_type === 'action') {
    const m = /^([a-z_]+)(?::\s?([\s\S]*))?$/.exec(entry.comment ?? '');
    if (m) return { title: ACTION_TITLES[m[1]!] ?? humanize(m[1]!), comment: m[2] || null };
    return { title: 'Action', comment: entry.comment };
  }
  const what = entry.object_type === 'prop' ? 'props' : entry.object_type;
  return { title: `${humanize(entry.action_type)} ${what}`, comment: entry.comment };
}

function HistoryItem({ entry }: { entry: HistoryEntry }) {
  const { title, comment } = describe(entry);
  // A create has no "before" and a delete no "after": those show one column of what was set.
  const only = entry.before_state === null ? 'after' : entry.after_state === null ? 'before' : null;
  const changes = diff(entry.before_state, entry.after_state).filter((c) => only === null || !isBlank(c[only]));
  return (
    <li class="timeline-item">
      <div class="timeline-head">
        <span class="timeline-action">{title}</span>
        <span class="muted">
          by <span class="timeline-user">{entry.user_id}</span> · <time dateTime={entry.timestamp}>{formatTime(entry.timestamp)}</time>
        </span>
      </div>
      {comment && <p class="timeline-comment">“{comment}”</p>}
      {changes.length > 0 && (
        <table class={only ? 'diff single' : 'diff'}>
          <thead>
            {only ? (
              <tr><th scope="col">Field</th><th scope="col">{only === 'after' ? 'Value' : 'Value when deleted'}</th></tr>
            ) : (
              <tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr>
            )}
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.field}>
                <th scope="row" class="mono">{c.field}</th>
                {only !== 'after' && <td class={only ? undefined : 'before'}>{formatValue(c.before)}</td>}
                {only !== 'before' && <td class={only ? undefined : 'after'}>{formatValue(c.after)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}
