import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, asProblem, unwrap, unwrapWithEtag, type Problem, type Schemas } from '../api';
import { CheckboxField, FormProblem, messagesFor, parseTags, TextField } from '../components/Fields';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, humanize } from '../format';

// Webhooks (CONTRACT §9): endpoints that receive the events, signed per the Standard Webhooks
// spec. Create (the signing secret is shown once), edit, enable/disable, rotate the secret,
// delete, and each endpoint's deliveries with status, response code, latency and error, and retry.

type Webhook = Schemas['Webhook'];
type Delivery = Schemas['Delivery'];

const POLL_MS = 1500;

export function WebhookList() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    unwrap(api.GET('/webhooks/', { params: { query: { page_size: 100 } } })).then((p) => setHooks(p.results as Webhook[]), (err: unknown) => setProblem(asProblem(err)));
  }, []);
  return (
    <section aria-labelledby="webhooks-heading">
      <div class="heading-row">
        <h1 id="webhooks-heading">Webhooks</h1>
        <Link href="/webhooks/new" class="button heading-action">New webhook</Link>
      </div>
      {problem && <ProblemView problem={problem} />}
      {!hooks && !problem && <Loading what="webhooks" />}
      {hooks && hooks.length === 0 && <Empty><p>No webhooks yet. <Link href="/webhooks/new">Add an endpoint</Link> to be told of every change as it happens.</p></Empty>}
      {hooks && hooks.length > 0 && (
        <table class="contacts webhooks">
          <thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Description</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {hooks.map((w) => (
              <tr key={w.id}>
                <td data-label="Endpoint" class="mono"><Link href={`/webhooks/${w.id}`}>{w.url}</Link></td>
                <td data-label="Events">{w.events.length ? w.events.join(', ') : 'All events'}</td>
                <td data-label="State"><EnabledBadge hook={w} /></td>
                <td data-label="Description">{w.description ?? '—'}</td>
                <td data-label="Created">{formatTime(w.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EnabledBadge({ hook }: { hook: Webhook }) {
  return hook.enabled ? <span class="badge active">Enabled</span> : <span class="badge inactive" title={hook.disabled_reason ?? undefined}>Disabled{hook.disabled_reason ? `: ${hook.disabled_reason}` : ''}</span>;
}

interface Values {
  url: string;
  events: string;
  description: string;
  enabled: boolean;
}
const valuesOf = (w: Webhook | null): Values => ({ url: w?.url ?? 'https://', events: w?.events.join(', ') ?? '', description: w?.description ?? '', enabled: w?.enabled ?? true });
const bodyOf = (v: Values) => ({ url: v.url.trim(), events: parseTags(v.events), description: v.description.trim() || null, enabled: v.enabled });

function WebhookFields({ values, onChange, problem }: { values: Values; onChange(v: Values): void; problem: Problem | null }) {
  const set = (field: keyof Values) => (value: string | boolean) => onChange({ ...values, [field]: value });
  return (
    <>
      <div class="span-all">
        <TextField id="url" label="Endpoint URL" required mono value={values.url} onInput={set('url')} error={messagesFor(problem, 'url')} hint="https only; never a private or loopback address unless this instance allows them." />
      </div>
      <TextField id="events" label="Events" value={values.events} onInput={set('events')} error={messagesFor(problem, 'events') ?? nested(problem, 'events')} hint="Comma-separated, e.g. contact.*, bank.created. Empty: all events." />
      <TextField id="description" label="Description" value={values.description} onInput={set('description')} error={messagesFor(problem, 'description')} />
      <div class="span-all">
        <CheckboxField id="enabled" label="Enabled: deliver events to this endpoint" checked={values.enabled} onChange={set('enabled')} error={messagesFor(problem, 'enabled')} />
      </div>
    </>
  );
}

function nested(problem: Problem | null, field: string): string | undefined {
  const entries = Object.entries(problem?.errors ?? {}).filter(([path]) => path.startsWith(`${field}.`));
  return entries.length ? entries.map(([, m]) => m.join(' ')).join(' ') : undefined;
}

/** The signing secret, shown once: the API never shows it again. */
function SecretOnce({ secret, children }: { secret: string; children?: ComponentChildren }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="notice secret" role="status">
      <p><strong>Signing secret — copy it now; it is not shown again.</strong></p>
      <p class="secret-row">
        <code class="mono" id="webhook-secret">{secret}</code>
        <button type="button" class="button secondary small" onClick={() => navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false))}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </p>
      <p class="hint">The receiver verifies each delivery's webhook-signature with it (Standard Webhooks).</p>
      {children}
    </div>
  );
}

const FIELDS = ['url', 'events', 'description', 'enabled'];

export function WebhookForm() {
  const [, navigate] = useLocation();
  const [values, setValues] = useState<Values>(valuesOf(null));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<Webhook | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      setCreated((await unwrap(api.POST('/webhooks/', { body: bodyOf(values) }))) as Webhook);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="webhook-form-heading">
      <p class="breadcrumb"><Link href="/webhooks">← Webhooks</Link></p>
      <h1 id="webhook-form-heading">New webhook</h1>
      {created ? (
        <SecretOnce secret={created.secret ?? ''}>
          <button type="button" class="button" onClick={() => navigate(`/webhooks/${created.id}`)}>I have stored it: open the webhook</button>
        </SecretOnce>
      ) : (
        <form class="card form-grid" noValidate onSubmit={save}>
          <WebhookFields values={values} onChange={setValues} problem={problem} />
          <div class="span-all"><FormProblem problem={problem} shown={(p) => FIELDS.includes(p.split('.')[0]!)} /></div>
          <div class="form-buttons span-all">
            <button type="submit" class="button" disabled={busy}>Create webhook</button>
            <Link href="/webhooks" class="button secondary">Cancel</Link>
          </div>
        </form>
      )}
    </section>
  );
}

export function WebhookDetail({ id }: { id: string }) {
  const [, navigate] = useLocation();
  const [hook, setHook] = useState<{ data: Webhook; etag: string | null } | null>(null);
  const [values, setValues] = useState<Values>(valuesOf(null));
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  function load() {
    unwrapWithEtag(api.GET('/webhooks/{webhook_id}/', { params: { path: { webhook_id: id } } })).then(
      (next) => {
        setHook(next as { data: Webhook; etag: string | null });
        setValues(valuesOf(next.data as Webhook));
        setProblem(null);
      },
      (err: unknown) => setLoadProblem(asProblem(err)),
    );
  }
  useEffect(load, [id]);

  async function write(action: () => Promise<{ data: Webhook; etag: string | null }>) {
    setBusy(true);
    setProblem(null);
    setSaved(false);
    try {
      const next = await action();
      setHook(next);
      setValues(valuesOf(next.data));
      setSaved(true);
      return next.data;
    } catch (err) {
      setProblem(asProblem(err));
      return null;
    } finally {
      setBusy(false);
    }
  }
  const header = () => (hook?.etag ? { 'If-Match': hook.etag } : {});
  const save = (event: Event) => {
    event.preventDefault();
    const patch = (etag: string | null) =>
      unwrapWithEtag(api.PATCH('/webhooks/{webhook_id}/', { params: { path: { webhook_id: id }, header: etag ? { 'If-Match': etag } : {} }, body: bodyOf(values) })) as Promise<{
        data: Webhook;
        etag: string | null;
      }>;
    void write(async () => {
      try {
        return await patch(hook?.etag ?? null);
      } catch (err) {
        // The worker's delivery bookkeeping also changes the webhook's version. When nothing a
        // user edits changed (url, events, description, enabled), save over the new version;
        // otherwise the 412 stands and the user reloads.
        if (!(asProblem(err).status === 412 && hook)) throw err;
        const fresh = (await unwrapWithEtag(api.GET('/webhooks/{webhook_id}/', { params: { path: { webhook_id: id } } }))) as { data: Webhook; etag: string | null };
        if (JSON.stringify(bodyOf(valuesOf(fresh.data))) !== JSON.stringify(bodyOf(valuesOf(hook.data)))) throw err;
        return patch(fresh.etag);
      }
    });
  };
  const rotate = async () => {
    const next = await write(() => unwrapWithEtag(api.POST('/webhooks/{webhook_id}/rotate_secret/', { params: { path: { webhook_id: id }, header: header() } })) as Promise<{ data: Webhook; etag: string | null }>);
    if (next?.secret) setSecret(next.secret);
  };
  async function remove() {
    setBusy(true);
    try {
      await unwrap(api.DELETE('/webhooks/{webhook_id}/', { params: { path: { webhook_id: id }, header: header() } }));
      navigate('/webhooks');
    } catch (err) {
      setProblem(asProblem(err));
      setBusy(false);
      setConfirmDelete(false);
    }
  }

  if (loadProblem) {
    return (
      <ProblemView problem={loadProblem.status === 404 ? { ...loadProblem, title: 'Webhook not found', detail: 'No webhook has this id in your tenant.' } : loadProblem}>
        <Link href="/webhooks">All webhooks</Link>
      </ProblemView>
    );
  }
  if (!hook) return <Loading what="the webhook" />;
  return (
    <section aria-labelledby="webhook-heading">
      <p class="breadcrumb"><Link href="/webhooks">← Webhooks</Link></p>
      <div class="heading-row">
        <h1 id="webhook-heading" class="mono webhook-title">{hook.data.url}</h1>
        <EnabledBadge hook={hook.data} />
      </div>
      {secret && <SecretOnce secret={secret} />}
      <form class="card form-grid" noValidate onSubmit={save} aria-label="Edit webhook">
        <WebhookFields values={values} onChange={(v) => (setValues(v), setSaved(false))} problem={problem} />
        <div class="span-all">
          <FormProblem problem={problem} shown={(p) => FIELDS.includes(p.split('.')[0]!)}>
            {problem?.status === 412 && <button type="button" class="button secondary" onClick={load}>Reload the webhook (discards your edits)</button>}
          </FormProblem>
          {saved && !secret && <p class="saved" role="status">Saved.</p>}
        </div>
        <div class="form-buttons span-all">
          <button type="submit" class="button" disabled={busy}>Save changes</button>
          <button type="button" class="button secondary" disabled={busy} onClick={() => void rotate()}>Rotate the secret</button>
          {!confirmDelete && <button type="button" class="button danger push-right" disabled={busy} onClick={() => setConfirmDelete(true)}>Delete webhook</button>}
        </div>
        {confirmDelete && (
          <div class="confirm span-all" role="group" aria-label="Confirm delete">
            <p>Delete this webhook? Nothing more is delivered to it.</p>
            <div class="confirm-buttons">
              <button type="button" class="button danger" disabled={busy} onClick={() => void remove()}>Delete</button>
              <button type="button" class="button secondary" disabled={busy} onClick={() => setConfirmDelete(false)}>Keep it</button>
            </div>
          </div>
        )}
      </form>
      <Deliveries webhookId={id} />
    </section>
  );
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [tick, setTick] = useState(0);
  const [retrying, setRetrying] = useState<string | null>(null);

  // Fetched again every 1.5 s: deliveries are made by the worker, not by this page.
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      unwrap(api.GET('/webhooks/{webhook_id}/deliveries/', { params: { path: { webhook_id: webhookId }, query: { page_size: 50 } } })).then(
        (page) => {
          if (!current) return;
          setDeliveries(page.results as Delivery[]);
          setProblem(null);
          timer = setTimeout(poll, POLL_MS);
        },
        (err: unknown) => current && setProblem(asProblem(err)),
      );
    void poll();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [webhookId, tick]);

  async function retry(d: Delivery) {
    setRetrying(d.id);
    try {
      await unwrap(api.POST('/webhooks/{webhook_id}/deliveries/{delivery_id}/retry/', { params: { path: { webhook_id: webhookId, delivery_id: d.id } } }));
      setTick((t) => t + 1);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setRetrying(null);
    }
  }

  return (
    <section class="card" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      {problem && <ProblemView problem={problem}><button type="button" class="button secondary" onClick={() => setTick((t) => t + 1)}>Retry loading</button></ProblemView>}
      {!deliveries && !problem && <Loading what="deliveries" />}
      {deliveries && deliveries.length === 0 && <Empty><p>No deliveries yet: they appear here as events happen.</p></Empty>}
      {deliveries && deliveries.length > 0 && (
        <table class="contacts deliveries">
          <thead>
            <tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempt</th><th scope="col">Response</th><th scope="col">Latency</th><th scope="col">Error</th><th scope="col">Last attempt</th><th scope="col">Next attempt</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-event={d.event_id}>
                <td data-label="Event"><span class="block">{d.event_type}</span><span class="mono muted">{d.event_id}</span></td>
                <td data-label="Status"><span class={`badge ${d.status === 'succeeded' ? 'active' : d.status === 'failed' ? 'rejected' : 'pending'}`}>{humanize(d.status)}</span></td>
                <td data-label="Attempt">{d.attempt}</td>
                <td data-label="Response">{d.status_code ?? '—'}</td>
                <td data-label="Latency">{d.latency_ms === null ? '—' : `${d.latency_ms} ms`}</td>
                <td data-label="Error" class="value-cell">{d.error ?? '—'}</td>
                <td data-label="Last attempt">{formatTime(d.last_attempt_at)}</td>
                <td data-label="Next attempt">{formatTime(d.next_attempt_at)}</td>
                <td data-label="">
                  {d.status !== 'succeeded' && (
                    <button type="button" class="button secondary small" disabled={retrying === d.id} onClick={() => void retry(d)}>Retry now</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
