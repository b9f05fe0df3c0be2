import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { api, asProblem, unwrap, type Problem, type Schemas } from '../api';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, formatValue } from '../format';

// The events feed (CONTRACT §9) as a timeline: filter by type and object, read each event's
// changed fields, follow new events as they come, and redeliver one to the webhooks.

type Event = Schemas['Event'];

const PAGE = 100;
const FOLLOW_MS = 2000;

export function EventFeed() {
  const params = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const type = params.get('type') ?? '';
  const objectId = params.get('object_id') ?? '';
  const [events, setEvents] = useState<Event[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [follow, setFollow] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const query = (after: string | null) => ({ limit: String(PAGE), ...(type ? { type } : {}), ...(objectId ? { object_id: objectId } : {}), ...(after ? { after } : {}) });

  async function fetchFrom(after: string | null, replace: boolean) {
    try {
      const page = await unwrap(api.GET('/events/', { params: { query: query(after) } }));
      setProblem(null);
      setEvents((old) => (replace || !old ? (page.results as Event[]) : [...old, ...(page.results as Event[])]));
      if (page.next_after) setCursor(page.next_after);
      else if (replace) setCursor(after);
      setHasMore(page.has_more);
    } catch (err) {
      setProblem(asProblem(err));
    }
  }

  useEffect(() => {
    setEvents(null);
    setCursor(null);
    void fetchFrom(null, true);
  }, [type, objectId]);

  // Following: new events after the last one read, every two seconds.
  useEffect(() => {
    if (!follow || hasMore) return;
    const timer = setInterval(() => void fetchFrom(cursor, false), FOLLOW_MS);
    return () => clearInterval(timer);
  }, [follow, hasMore, cursor, type, objectId]);

  function submit(e: SubmitEvent) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const key of ['type', 'object_id']) {
      const v = String(form.get(key) ?? '').trim();
      if (v) next.set(key, v);
    }
    const text = next.toString();
    navigate(text ? `/events?${text}` : '/events');
  }

  async function redeliver(event: Event) {
    setNotice(null);
    try {
      await unwrap(api.POST('/events/{event_id}/redeliver/', { params: { path: { event_id: event.id } }, body: {} }));
      setNotice(`${event.type} ${event.id} queued again for every webhook it matches.`);
    } catch (err) {
      setProblem(asProblem(err));
    }
  }

  return (
    <section aria-labelledby="events-heading">
      <div class="heading-row">
        <h1 id="events-heading">Events</h1>
        <p class="count">Oldest first, as webhooks receive them</p>
      </div>
      <form class="filters event-filters" role="search" aria-label="Filter events" onSubmit={submit} key={`${type}|${objectId}`}>
        <div class="field">
          <label for="ev-type">Types</label>
          <input id="ev-type" name="type" defaultValue={type} placeholder="contact.created, contact.merged" aria-invalid={problem?.errors?.type ? true : undefined} />
          {problem?.errors?.type && <p class="field-error">{problem.errors.type.join(' ')}</p>}
        </div>
        <div class="field">
          <label for="ev-object">Object id</label>
          <input id="ev-object" name="object_id" class="mono" defaultValue={objectId} placeholder="a contact, address, bank … id" />
        </div>
        <div class="form-buttons">
          <button type="submit" class="button secondary">Apply</button>
          {(type || objectId) && <Link href="/events">Clear</Link>}
        </div>
      </form>
      <label class="check-row follow">
        <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow new events as they happen
      </label>
      {notice && <p class="notice" role="status">{notice}</p>}
      {problem && !problem.errors && <ProblemView problem={problem} />}
      {!events && !problem && <Loading what="events" />}
      {events && events.length === 0 && <Empty><p>No events{type || objectId ? ' match these filters' : ' yet'}.</p></Empty>}
      {events && events.length > 0 && (
        <ol class="timeline events">
          {events.map((e) => (
            <EventItem key={e.id} event={e} onRedeliver={() => void redeliver(e)} />
          ))}
        </ol>
      )}
      {hasMore && (
        <button type="button" class="button secondary" onClick={() => void fetchFrom(cursor, false)}>
          Show later events
        </button>
      )}
    </section>
  );
}

function EventItem({ event, onRedeliver }: { event: Event; onRedeliver(): void }) {
  const previous = event.data.previous_attributes ?? {};
  const object = (event.data.object ?? {}) as Record<string, unknown>;
  const changed = Object.keys(previous).filter((f) => f !== 'updated_at' && f !== 'updated_by');
  return (
    <li class="timeline-item" data-type={event.type}>
      <div class="timeline-head">
        <span class="timeline-action mono">{event.type}</span>
        <span class="muted">
          by <span class="timeline-user">{event.user_id}</span> · <time dateTime={event.created_at}>{formatTime(event.created_at)}</time>
        </span>
        <button type="button" class="button secondary small push-right" onClick={onRedeliver}>Redeliver</button>
      </div>
      <p class="muted event-object">
        {event.object_type} <span class="mono">{event.object_id}</span>
        {event.contact_id && (
          <>
            {' '}· <Link href={`/contacts/${event.contact_id}`}>open the contact</Link>
          </>
        )}
      </p>
      {changed.length > 0 && (
        <table class="diff">
          <thead><tr><th scope="col">Field</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
          <tbody>
            {changed.map((f) => (
              <tr key={f}>
                <th scope="row" class="mono">{f}</th>
                <td class="before">{formatValue(previous[f])}</td>
                <td class="after">{formatValue(object[f])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}
