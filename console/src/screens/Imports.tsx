import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, asProblem, unwrap, type Problem, type Schemas } from '../api';
import { CheckboxField, FormProblem, messagesFor, SelectField, TextAreaField } from '../components/Fields';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, humanize } from '../format';

// Bulk import (CONTRACT §10): upload a CSV or NDJSON file with its options, read the dry run's
// report (counts, failed rows with their field errors, blocked rows linking to the contact that
// holds the PAN), then import for real; a job's progress while the worker runs it; past imports.

type Job = Schemas['ImportJob'];
type Row = Schemas['ImportRow'];
type Options = { namespace: string; match_on: Job['match_on']; on_duplicate: Job['on_duplicate']; reason: string };

/** The file and options of a dry run in this tab, so its report can offer "import for real". */
const uploads = new Map<string, { file: File; options: Options }>();

const FINISHED: Job['status'][] = ['succeeded', 'failed', 'cancelled'];
const POLL_MS = 1000;

async function upload(file: File, options: Options, dryRun: boolean): Promise<Job> {
  const ndjson = /\.(ndjson|jsonl)$/i.test(file.name) || file.type === 'application/x-ndjson';
  const query = {
    dry_run: dryRun ? ('true' as const) : ('false' as const),
    match_on: options.match_on,
    on_duplicate: options.on_duplicate,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.on_duplicate === 'allow' ? { reason: options.reason.trim() } : {}),
  };
  // The file goes as the body as it is (a Blob streams; nothing is read into a string here).
  return unwrap(
    api.POST('/imports/', {
      params: { query },
      body: file as unknown as string,
      bodySerializer: (b: unknown) => b as string,
      headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'text/csv' },
    }),
  ) as Promise<Job>;
}

export function ImportList() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    unwrap(api.GET('/imports/', { params: { query: { page_size: 50 } } })).then((page) => setJobs(page.results as Job[]), (err: unknown) => setProblem(asProblem(err)));
  }, []);
  return (
    <section aria-labelledby="imports-heading">
      <div class="heading-row">
        <h1 id="imports-heading">Imports</h1>
        <Link href="/imports/new" class="button heading-action">New import</Link>
      </div>
      {problem && <ProblemView problem={problem} />}
      {!jobs && !problem && <Loading what="imports" />}
      {jobs && jobs.length === 0 && <Empty><p>No imports yet. <Link href="/imports/new">Upload a CSV or NDJSON file</Link> — a dry run first writes nothing.</p></Empty>}
      {jobs && jobs.length > 0 && (
        <table class="contacts imports">
          <thead>
            <tr><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Kind</th><th scope="col">Namespace</th><th scope="col">Rows</th><th scope="col">Created</th><th scope="col">Updated</th><th scope="col">Skipped</th><th scope="col">Failed</th><th scope="col">By</th></tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.id}>
                <td data-label="Started"><Link href={`/imports/${j.id}`}>{formatTime(j.created_at)}</Link></td>
                <td data-label="Status"><StatusBadge job={j} /></td>
                <td data-label="Kind">{j.dry_run ? 'Dry run' : 'Import'} · {j.format.toUpperCase()}</td>
                <td data-label="Namespace">{j.namespace ?? 'from the file'}</td>
                <td data-label="Rows">{j.counts.processed} / {j.counts.rows}</td>
                <td data-label="Created">{j.counts.created}</td>
                <td data-label="Updated">{j.counts.updated}</td>
                <td data-label="Skipped">{j.counts.skipped}</td>
                <td data-label="Failed">{j.counts.failed}</td>
                <td data-label="By">{j.created_by}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StatusBadge({ job }: { job: Job }) {
  const tone = job.status === 'succeeded' ? 'active' : job.status === 'failed' ? 'rejected' : job.status === 'cancelled' ? 'inactive' : 'pending';
  return <span class={`badge ${tone}`}>{humanize(job.status)}</span>;
}

export function ImportForm() {
  const [, navigate] = useLocation();
  const [file, setFile] = useState<File | null>(null);
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const [options, setOptions] = useState<Options>({ namespace: '', match_on: 'none', on_duplicate: 'block', reason: '' });
  const [dryRun, setDryRun] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    unwrap(api.GET('/namespaces/', { params: { query: { page_size: 200, ordering: 'name' } } })).then((p) => setNamespaces(p.results.map((n) => n.name)), (err: unknown) => setProblem(asProblem(err)));
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setProblem(null);
    setFileError(file ? null : 'Choose a CSV or NDJSON file.');
    if (!file) return;
    setBusy(true);
    try {
      const job = await upload(file, options, dryRun);
      if (dryRun) uploads.set(job.id, { file, options });
      navigate(`/imports/${job.id}`);
    } catch (err) {
      setProblem(asProblem(err));
      setBusy(false);
    }
  }

  const set = (field: keyof Options) => (value: string) => setOptions((o) => ({ ...o, [field]: value }));
  return (
    <section aria-labelledby="import-form-heading">
      <p class="breadcrumb"><Link href="/imports">← Imports</Link></p>
      <h1 id="import-form-heading">New import</h1>
      <form class="card form-grid" noValidate onSubmit={submit}>
        <div class="field span-all">
          <label for="import-file">File <span class="required">(required)</span></label>
          <input id="import-file" type="file" accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson" aria-invalid={fileError || messagesFor(problem, 'header') ? true : undefined} aria-describedby="import-file-error" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          <p class="hint field-hint">
            CSV with a header row — name, type, namespace, status, ref_id, tags (separated by |), rm_id, branch_id, prop:&lt;key&gt; columns, address.* columns — or NDJSON, one contact per line.
          </p>
          {(fileError ?? messagesFor(problem, 'header')) && <p id="import-file-error" class="field-error">{fileError ?? messagesFor(problem, 'header')}</p>}
        </div>
        <SelectField id="import-namespace" label="Namespace" value={options.namespace} onChange={set('namespace')} error={messagesFor(problem, 'namespace')} options={[['', 'From the file (namespace column)'], ...namespaces.map((n) => [n, n] as const)]} />
        <SelectField id="import-match" label="Existing contacts" value={options.match_on} onChange={set('match_on')} error={messagesFor(problem, 'match_on')} options={[['none', 'Always create new contacts'], ['ref_id', 'Update the contact with the same ref id'], ['pan', 'Update the contact with the same PAN']]} />
        <SelectField id="import-duplicates" label="A PAN another contact holds" value={options.on_duplicate} onChange={set('on_duplicate')} error={messagesFor(problem, 'on_duplicate')} options={[['block', 'Fail the row'], ['skip', 'Skip the row'], ['allow', 'Create it anyway (with a reason)']]} />
        {options.on_duplicate === 'allow' && (
          <TextAreaField id="import-reason" label="Reason for creating duplicates" required rows={2} maxLength={500} value={options.reason} onInput={set('reason')} error={messagesFor(problem, 'reason')} />
        )}
        <div class="span-all">
          <CheckboxField id="import-dry-run" label="Dry run: check every row and report, write nothing" checked={dryRun} onChange={setDryRun} />
        </div>
        <div class="span-all">
          <FormProblem problem={problem} shown={(p) => ['header', 'namespace', 'match_on', 'on_duplicate', 'reason'].includes(p)} />
        </div>
        <div class="form-buttons span-all">
          <button type="submit" class="button" disabled={busy}>{dryRun ? 'Start the dry run' : 'Import'}</button>
          <Link href="/imports" class="button secondary">Cancel</Link>
        </div>
      </form>
    </section>
  );
}

const OUTCOMES = ['failed', 'skipped', 'created', 'updated'] as const;

export function ImportJob({ id }: { id: string }) {
  const [, navigate] = useLocation();
  const [job, setJob] = useState<Job | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [outcome, setOutcome] = useState<(typeof OUTCOMES)[number]>('failed');
  const [rows, setRows] = useState<{ results: Row[]; count: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionProblem, setActionProblem] = useState<Problem | null>(null);
  const finished = job !== null && FINISHED.includes(job.status);

  // The job, again every second until it has finished.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current = true;
    const poll = () =>
      unwrap(api.GET('/imports/{import_id}/', { params: { path: { import_id: id } } })).then(
        (data) => {
          if (!current) return;
          setJob(data as Job);
          if (!FINISHED.includes((data as Job).status)) timer = setTimeout(poll, POLL_MS);
        },
        (err: unknown) => current && setProblem(asProblem(err)),
      );
    void poll();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [id]);

  useEffect(() => {
    if (!finished) return;
    setRows(null);
    unwrap(api.GET('/imports/{import_id}/rows/', { params: { path: { import_id: id }, query: { outcome, page_size: 200 } } })).then(
      (page) => setRows(page as { results: Row[]; count: number }),
      (err: unknown) => setActionProblem(asProblem(err)),
    );
  }, [id, finished, outcome]);

  async function cancel() {
    setBusy(true);
    try {
      setJob((await unwrap(api.POST('/imports/{import_id}/cancel/', { params: { path: { import_id: id } } }))) as Job);
    } catch (err) {
      setActionProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  async function runForReal() {
    const saved = uploads.get(id);
    if (!saved) return;
    setBusy(true);
    setActionProblem(null);
    try {
      const next = await upload(saved.file, saved.options, false);
      navigate(`/imports/${next.id}`);
    } catch (err) {
      setActionProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  if (problem) {
    return (
      <ProblemView problem={problem.status === 404 ? { ...problem, title: 'Import not found', detail: 'No import has this id in your tenant.' } : problem}>
        <Link href="/imports">All imports</Link>
      </ProblemView>
    );
  }
  if (!job) return <Loading what="the import" />;
  const c = job.counts;
  const percent = c.rows > 0 ? Math.round((c.processed / c.rows) * 100) : finished ? 100 : 0;
  const verb = job.dry_run ? 'would be ' : '';

  return (
    <section aria-labelledby="import-heading" class="import-job">
      <p class="breadcrumb"><Link href="/imports">← Imports</Link></p>
      <div class="heading-row">
        <h1 id="import-heading">{job.dry_run ? 'Dry run' : 'Import'} of {formatTime(job.created_at)}</h1>
        <StatusBadge job={job} />
      </div>
      <div class="card">
        <p>
          {job.format.toUpperCase()} · namespace {job.namespace ?? 'from the file'} · existing contacts: {job.match_on === 'none' ? 'always create' : `matched on ${job.match_on}`} · a PAN held elsewhere:{' '}
          {job.on_duplicate} · by {job.created_by}
        </p>
        <div class="progress-row">
          <progress max={100} value={percent} aria-label="Rows processed" />
          <span>{c.processed.toLocaleString('en-IN')} of {c.rows.toLocaleString('en-IN')} rows{finished ? '' : ' …'}</span>
        </div>
        <ul class="counts" aria-label="Counts">
          <li><strong>{c.created}</strong> {verb}created</li>
          <li><strong>{c.updated}</strong> {verb}updated</li>
          <li><strong>{c.unchanged}</strong> unchanged</li>
          <li><strong>{c.skipped}</strong> skipped</li>
          <li class={c.failed ? 'bad' : undefined}><strong>{c.failed}</strong> failed</li>
        </ul>
        {job.error && (
          <ProblemView problem={{ type: 'about:blank', title: 'The import failed before its rows', status: 0, detail: job.error.detail, code: 'bad_request', instance: '', ...(job.error.errors ? { errors: job.error.errors } : {}) }} />
        )}
        <div class="form-buttons">
          {!finished && <button type="button" class="button danger" disabled={busy} onClick={() => void cancel()}>Cancel the import</button>}
          {finished && job.dry_run && job.status === 'succeeded' && uploads.has(id) && (
            <button type="button" class="button" disabled={busy} onClick={() => void runForReal()}>
              Import for real{c.failed ? ` (the ${c.failed} failed ${c.failed === 1 ? 'row is' : 'rows are'} left out)` : ''}
            </button>
          )}
          {finished && job.dry_run && !uploads.has(id) && <span class="muted">To import this file for real, <Link href="/imports/new">upload it again</Link> without the dry run.</span>}
        </div>
        {actionProblem && <ProblemView problem={actionProblem} />}
      </div>

      {finished && (
        <div class="card">
          <div class="card-head">
            <h2>Rows</h2>
            <div class="segmented" role="group" aria-label="Show rows">
              {OUTCOMES.map((o) => (
                <button key={o} type="button" class={`button small ${o === outcome ? '' : 'secondary'}`} aria-pressed={o === outcome} onClick={() => setOutcome(o)}>
                  {humanize(o)}
                </button>
              ))}
            </div>
          </div>
          {!rows && <Loading what="rows" />}
          {rows && rows.results.length === 0 && <Empty><p>No {outcome} rows.</p></Empty>}
          {rows && rows.results.length > 0 && (
            <table class="contacts import-rows">
              <thead><tr><th scope="col">Row</th><th scope="col">Line</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>
              <tbody>
                {rows.results.map((r) => (
                  <tr key={r.row}>
                    <td data-label="Row">{r.row}</td>
                    <td data-label="Line">{r.line ?? '—'}</td>
                    <td data-label="Outcome">{r.outcome ? humanize(r.outcome) : '—'}</td>
                    <td data-label="Details">
                      {r.errors && (
                        <ul class="row-errors">
                          {Object.entries(r.errors).map(([field, messages]) => (
                            <li key={field}>{field === 'non_field_errors' ? null : <><code>{field}</code>: </>}{messages.join(' ')}</li>
                          ))}
                        </ul>
                      )}
                      {r.duplicate_of && <span>A live contact holds this PAN: <Link href={`/contacts/${r.duplicate_of}`}>open it</Link></span>}
                      {r.contact_id && <Link href={`/contacts/${r.contact_id}`}>Open the contact</Link>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {rows && rows.count > rows.results.length && <p class="hint">The first {rows.results.length} of {rows.count} rows.</p>}
        </div>
      )}
    </section>
  );
}
