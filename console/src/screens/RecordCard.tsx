import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { asProblem, type Problem } from '../api';
import { CheckboxField, FormProblem, messagesFor, SelectField, TextField } from '../components/Fields';
import { Empty } from '../components/ProblemView';
import { ContactPicker } from './ContactPicker';

// A card of a contact's sub-records (addresses, bank accounts, relations — CONTRACT §4) that
// lists them and adds, edits and deletes them in place. An edit first fetches the record for its
// ETag and current values, and saves only the fields that changed with If-Match, so a change
// made meanwhile is a 412 with a reload rather than a silent overwrite.

export type FormValues = Record<string, string | boolean>;

export interface FieldSpec {
  name: string;
  label: string;
  kind?: 'text' | 'select' | 'checkbox' | 'contact';
  options?: ReadonlyArray<readonly [string, string]>;
  hint?: string;
  mono?: boolean;
  required?: boolean;
}

export interface RecordResource<T extends { id: string }> {
  /** "address", "bank account", "relation". */
  noun: string;
  fields: FieldSpec[];
  valuesOf(record: T | null): FormValues;
  /** Everything the form holds, as the API's body (without the owning contact). */
  bodyOf(values: FormValues): Record<string, unknown>;
  create(body: Record<string, unknown>): Promise<unknown>;
  fetch(id: string): Promise<{ data: T; etag: string | null }>;
  update(id: string, body: Record<string, unknown>, etag: string | null): Promise<unknown>;
  remove(id: string): Promise<unknown>;
}

type Mode = { kind: 'new' } | { kind: 'edit'; id: string; etag: string | null; original: Record<string, unknown> } | null;

interface Props<T extends { id: string }> {
  title: string;
  headingId: string;
  items: T[];
  empty: string;
  resource: RecordResource<T>;
  editable: boolean;
  renderItem(item: T): ComponentChildren;
  /** After a write: loads the records again; resolves once shown, so the card closes onto them. */
  onChanged(): Promise<void>;
  children?: ComponentChildren;
}

export function RecordCard<T extends { id: string }>({ title, headingId, items, empty, resource, editable, renderItem, onChanged, children }: Props<T>) {
  const [mode, setMode] = useState<Mode>(null);
  const [values, setValues] = useState<FormValues>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);

  function startNew() {
    setMode({ kind: 'new' });
    setValues(resource.valuesOf(null));
    setProblem(null);
    setDeleting(null);
  }

  async function startEdit(id: string) {
    setBusy(true);
    setProblem(null);
    setDeleting(null);
    try {
      const { data, etag } = await resource.fetch(id);
      const current = resource.valuesOf(data);
      setValues(current);
      setMode({ kind: 'edit', id, etag, original: resource.bodyOf(current) });
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  function close() {
    setMode(null);
    setProblem(null);
  }

  async function save(event: Event) {
    event.preventDefault();
    if (!mode) return;
    setBusy(true);
    setProblem(null);
    try {
      const body = resource.bodyOf(values);
      if (mode.kind === 'new') await resource.create(body);
      else {
        const changed = Object.fromEntries(Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(mode.original[k])));
        if (Object.keys(changed).length) await resource.update(mode.id, changed, mode.etag);
      }
      await onChanged();
      close();
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(id: string) {
    setBusy(true);
    setProblem(null);
    try {
      await resource.remove(id);
      await onChanged();
      setDeleting(null);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  const names = resource.fields.map((f) => f.name);
  const form = mode && (
    <form class="inline-form form-grid" noValidate onSubmit={save} aria-label={mode.kind === 'new' ? `New ${resource.noun}` : `Edit ${resource.noun}`}>
      {resource.fields.map((f) => {
        const id = `${headingId}-${f.name}`;
        const error = messagesFor(problem, f.name) ?? nestedMessages(problem, f.name);
        const set = (v: string | boolean) => setValues((old) => ({ ...old, [f.name]: v }));
        if (f.kind === 'select') return <SelectField key={f.name} id={id} label={f.label} value={String(values[f.name] ?? '')} onChange={set} options={f.options ?? []} error={error} required={f.required} />;
        if (f.kind === 'checkbox') return <CheckboxField key={f.name} id={id} label={f.label} checked={values[f.name] === true} onChange={set} error={error} />;
        if (f.kind === 'contact') {
          return (
            <div class="span-all" key={f.name}>
              <ContactPicker id={id} label={f.label} value={String(values[f.name] ?? '')} chosenName={String(values[`${f.name}__name`] ?? '')} onChange={(cid, name) => setValues((old) => ({ ...old, [f.name]: cid, [`${f.name}__name`]: name }))} error={error} hint={f.hint} />
            </div>
          );
        }
        return <TextField key={f.name} id={id} label={f.label} value={String(values[f.name] ?? '')} onInput={set} error={error} hint={f.hint} mono={f.mono} required={f.required} />;
      })}
      <div class="span-all">
        <FormProblem problem={problem} shown={(p) => names.includes(p.split('.')[0]!)}>
          {problem?.status === 412 && mode.kind === 'edit' && (
            <button type="button" class="button secondary" onClick={() => void startEdit(mode.id)}>
              Reload the {resource.noun} (discards your edits)
            </button>
          )}
        </FormProblem>
      </div>
      <div class="form-buttons span-all">
        <button type="submit" class="button" disabled={busy}>{mode.kind === 'new' ? `Add ${resource.noun}` : 'Save changes'}</button>
        <button type="button" class="button secondary" disabled={busy} onClick={close}>Cancel</button>
      </div>
    </form>
  );

  return (
    <section class="card" aria-labelledby={headingId}>
      <div class="card-head">
        <h2 id={headingId}>{title}</h2>
        {editable && !mode && (
          <button type="button" class="button secondary small" onClick={startNew}>
            Add {resource.noun}
          </button>
        )}
      </div>
      {mode?.kind === 'new' && form}
      {items.length === 0 && !children ? (
        mode?.kind !== 'new' && <Empty><p>{empty}</p></Empty>
      ) : (
        <ul class="plain-list">
          {items.map((item) =>
            mode?.kind === 'edit' && mode.id === item.id ? (
              <li key={item.id}>{form}</li>
            ) : (
              <li key={item.id} data-id={item.id}>
                {renderItem(item)}
                {editable && !mode && (
                  <div class="row-actions">
                    <button type="button" class="button secondary small" disabled={busy} onClick={() => void startEdit(item.id)}>Edit</button>
                    {deleting === item.id ? (
                      <>
                        <button type="button" class="button danger small" disabled={busy} onClick={() => void remove(item.id)}>Delete this {resource.noun}</button>
                        <button type="button" class="button secondary small" disabled={busy} onClick={() => setDeleting(null)}>Keep it</button>
                      </>
                    ) : (
                      <button type="button" class="button danger small" disabled={busy} onClick={() => setDeleting(item.id)}>Delete</button>
                    )}
                  </div>
                )}
              </li>
            ),
          )}
          {children}
        </ul>
      )}
      {problem && !mode && <FormProblem problem={problem} shown={() => false} />}
    </section>
  );
}

function nestedMessages(problem: Problem | null, field: string): string | undefined {
  const entries = Object.entries(problem?.errors ?? {}).filter(([path]) => path.startsWith(`${field}.`));
  return entries.length ? entries.map(([path, m]) => `${path}: ${m.join(' ')}`).join(' ') : undefined;
}
