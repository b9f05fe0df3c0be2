import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, asProblem, unwrap, unwrapWithEtag, type Contact, type Problem } from '../api';
import { FormProblem, messagesFor, parseTags, SelectField, TextAreaField, TextField } from '../components/Fields';
import { DuplicateBlock } from '../components/DuplicateBlock';
import { Loading, ProblemView } from '../components/ProblemView';
import { isChanged, newDraft, PropRows, type PropDraft } from '../components/PropRows';
import { formatValue } from '../format';
import { DuplicateCheck } from './DuplicateCheck';

// Create and edit a contact (CONTRACT §3). The API validates; its messages appear under the
// fields they name. An edit sends the ETag it was opened with, so a change saved meanwhile by
// someone else is a 412 shown with what changed — never silently overwritten. A PAN another live
// contact holds is a 409 naming it, which the user may override with a stated reason (§6).

interface Values {
  name: string;
  type: Contact['type'];
  namespace: string;
  status: Contact['status'];
  ref_id: string;
  rm_id: string;
  branch_id: string;
  tags: string;
  refs: string;
}

const EMPTY: Values = { name: '', type: 'individual', namespace: '', status: 'active', ref_id: '', rm_id: '', branch_id: '', tags: '', refs: '' };

function valuesOf(c: Contact): Values {
  return {
    name: c.name,
    type: c.type,
    namespace: c.namespace,
    status: c.status,
    ref_id: c.ref_id ?? '',
    rm_id: c.rm_id ?? '',
    branch_id: c.branch_id ?? '',
    tags: c.tags.join(', '),
    refs: Object.keys(c.refs).length ? JSON.stringify(c.refs, null, 2) : '',
  };
}

type Body = {
  name?: string;
  type?: Contact['type'];
  namespace?: string;
  status?: Contact['status'];
  ref_id?: string | null;
  rm_id?: string | null;
  branch_id?: string | null;
  tags?: string[];
  refs?: Record<string, unknown>;
};

/** The refs text as an object, or the message to show under the field. */
function parseRefs(text: string): { refs: Record<string, unknown> } | { error: string } {
  if (text.trim() === '') return { refs: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { refs: value as Record<string, unknown> };
    return { error: 'Refs must be a JSON object, like {"crm_id": "C-1001"}.' };
  } catch (err) {
    return { error: `Not valid JSON: ${(err as Error).message}` };
  }
}

/** The body a save sends: every field on create; on edit only what differs from the contact as opened. */
function bodyOf(values: Values, refs: Record<string, unknown>, original: Contact | null): Body {
  const full: Body = {
    name: values.name.trim(),
    type: values.type,
    namespace: values.namespace,
    status: values.status,
    ref_id: values.ref_id.trim() || null,
    rm_id: values.rm_id.trim() || null,
    branch_id: values.branch_id.trim() || null,
    tags: parseTags(values.tags),
    refs,
  };
  if (!original) {
    // A blank ref id lets the namespace's pattern generate one.
    if (full.ref_id === null) delete full.ref_id;
    return full;
  }
  const changed: Body = {};
  for (const [field, value] of Object.entries(full) as [keyof Body, unknown][]) {
    if (JSON.stringify(value) !== JSON.stringify(original[field] ?? null)) (changed as Record<string, unknown>)[field] = value;
  }
  return changed;
}

const FIELDS = ['name', 'type', 'namespace', 'status', 'ref_id', 'rm_id', 'branch_id', 'tags', 'refs'];
/** `tags.2` is shown under tags, `refs.x` under refs. */
const fieldOf = (path: string) => path.split('.')[0]!;

interface Stale {
  current: Contact;
  etag: string | null;
  changes: { field: string; before: unknown; after: unknown }[];
}

export function ContactForm({ id }: { id?: string }) {
  const editing = id !== undefined;
  const [, navigate] = useLocation();
  const [original, setOriginal] = useState<Contact | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [values, setValues] = useState<Values>(EMPTY);
  const [props, setProps] = useState<PropDraft[]>([]);
  const [namespaces, setNamespaces] = useState<string[] | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [refsError, setRefsError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stale, setStale] = useState<Stale | null>(null);

  useEffect(() => {
    const loads: Promise<unknown>[] = [
      unwrap(api.GET('/namespaces/', { params: { query: { page_size: 200, ordering: 'name' } } })).then((page) => {
        const names = page.results.map((n) => n.name);
        setNamespaces(names);
        if (!editing && names.length) setValues((v) => (v.namespace ? v : { ...v, namespace: names[0]! }));
      }),
    ];
    if (editing) {
      loads.push(
        unwrapWithEtag(api.GET('/contacts/{contact_id}/', { params: { path: { contact_id: id }, query: { expand: 'props' } } })).then(({ data, etag }) => {
          setOriginal(data);
          setEtag(etag);
          setValues(valuesOf(data));
        }),
      );
    }
    Promise.all(loads).catch((err: unknown) => setLoadProblem(asProblem(err)));
  }, [id]);

  const set = (field: keyof Values) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  async function save(override: string | null) {
    setProblem(null);
    setRefsError(null);
    const refs = parseRefs(values.refs);
    if ('error' in refs) {
      setRefsError(refs.error);
      return;
    }
    const body = bodyOf(values, refs.refs, original);
    const query = override ? { on_duplicate: 'allow' as const, reason: override } : undefined;
    setBusy(true);
    try {
      if (!editing) {
        const rows = props.filter((p) => p.key.trim() !== '' || p.value !== '');
        const created = await unwrap(
          api.POST('/contacts/', {
            params: { query },
            body: { ...(body as Required<Pick<Body, 'name' | 'type' | 'namespace'>> & Body), props: rows.map((p) => ({ key: p.key.trim(), type: p.type, value: p.value })) },
          }),
        );
        navigate(`/contacts/${created.id}`);
      } else {
        if (Object.keys(body).length === 0) {
          navigate(`/contacts/${id}`);
          return;
        }
        await unwrap(
          api.PATCH('/contacts/{contact_id}/', {
            params: { path: { contact_id: id }, query, header: etag ? { 'If-Match': etag } : {} },
            body,
          }),
        );
        navigate(`/contacts/${id}`);
      }
    } catch (err) {
      const p = asProblem(err);
      if (p.status === 412 && editing && original) await showStale();
      else setProblem(p);
      setBusy(false);
    }
  }

  /** Someone saved the contact since this form opened: fetch it and say what they changed. */
  async function showStale() {
    try {
      const { data, etag } = await unwrapWithEtag(api.GET('/contacts/{contact_id}/', { params: { path: { contact_id: id! }, query: { expand: 'props' } } }));
      const before = valuesOf(original!);
      const after = valuesOf(data);
      const changes: Stale['changes'] = (Object.keys(before) as (keyof Values)[])
        .filter((f) => before[f] !== after[f])
        .map((field) => ({ field, before: original![field], after: data[field] }));
      if (data.approval_status !== original!.approval_status) changes.push({ field: 'approval_status', before: original!.approval_status, after: data.approval_status });
      setStale({ current: data, etag, changes });
    } catch (err) {
      setProblem(asProblem(err));
    }
  }

  function reloadFromStale() {
    if (!stale) return;
    setOriginal(stale.current);
    setEtag(stale.etag);
    setValues(valuesOf(stale.current));
    setStale(null);
    setProblem(null);
  }

  if (loadProblem) {
    return (
      <ProblemView problem={loadProblem.status === 404 ? { ...loadProblem, title: 'Contact not found', detail: 'No contact has this id in your tenant.' } : loadProblem}>
        <Link href="/">Back to contacts</Link>
      </ProblemView>
    );
  }
  if (namespaces === null || (editing && !original)) return <Loading what={editing ? 'the contact' : 'the form'} />;
  if (!editing && namespaces.length === 0) {
    return (
      <ProblemView problem={{ type: 'about:blank', title: 'No namespace yet', status: 0, detail: 'Every contact belongs to a namespace. Create one first.', code: 'bad_request', instance: '' }}>
        <Link href="/namespaces/new">Create a namespace</Link>
      </ProblemView>
    );
  }

  const err = (path: string) => (path === 'refs' && refsError) || messagesFor(problem, path) || nested(problem, path);
  const propError = (row: PropDraft, field: 'key' | 'type' | 'value') => messagesFor(problem, `props.${props.indexOf(row)}.${field}`);
  const shown = (path: string) => FIELDS.includes(fieldOf(path)) || (!editing && /^props\.\d+\.(key|type|value)$/.test(path));
  const rejected = original?.approval_status === 'rejected';
  const duplicateOf = problem?.code === 'duplicate' ? problem.duplicate_of : undefined;
  const title = editing ? `Edit ${original!.name}` : 'New contact';

  return (
    <section class="contact-form" aria-labelledby="form-heading">
      <p class="breadcrumb">{editing ? <Link href={`/contacts/${id}`}>← {original!.name}</Link> : <Link href="/">← Contacts</Link>}</p>
      <h1 id="form-heading">{title}</h1>
      <form
        class="card form-grid"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save(null);
        }}
      >
        <TextField id="name" label="Name" required value={values.name} onInput={set('name')} error={err('name')} maxLength={100} hint="Letters, digits, spaces and , . - ' & ( )" />
        <SelectField id="type" label="Type" required value={values.type} onChange={set('type')} error={err('type')} options={[['individual', 'Individual'], ['corporate', 'Corporate']]} />
        <SelectField
          id="namespace"
          label="Namespace"
          required
          value={values.namespace}
          onChange={set('namespace')}
          error={err('namespace')}
          options={(namespaces.includes(values.namespace) || !values.namespace ? namespaces : [values.namespace, ...namespaces]).map((n) => [n, n] as const)}
          hint={editing ? 'Moving a contact keeps its ref id, which must be free in the new namespace.' : undefined}
        />
        <SelectField
          id="status"
          label="Status"
          value={values.status}
          onChange={set('status')}
          error={err('status')}
          options={[['active', rejected ? 'Active (approve the contact first)' : 'Active', rejected && original?.status !== 'active'], ['inactive', 'Inactive']]}
        />
        <TextField id="ref_id" label="Ref id" mono value={values.ref_id} onInput={set('ref_id')} error={err('ref_id')} maxLength={50} hint={editing ? 'Letters, digits and . _ / - (up to 50).' : "Letters, digits and . _ / -. Leave blank to generate one from the namespace's pattern."} />
        <TextField id="rm_id" label="RM" mono value={values.rm_id} onInput={set('rm_id')} error={err('rm_id')} maxLength={50} hint="Relationship manager code: letters, digits, _ and -" />
        <TextField id="branch_id" label="Branch" mono value={values.branch_id} onInput={set('branch_id')} error={err('branch_id')} maxLength={50} hint="Branch code: letters, digits, _ and -" />
        <TextField id="tags" label="Tags" value={values.tags} onInput={set('tags')} error={err('tags')} hint="Comma-separated" />
        <div class="span-all">
          <TextAreaField id="refs" label="Refs (JSON object)" mono rows={3} value={values.refs} onInput={set('refs')} error={err('refs')} hint='Free references, e.g. {"crm_id": "C-1001"}' />
        </div>

        {!editing && (
          <fieldset class="span-all props-fieldset">
            <legend>Props</legend>
            {props.length === 0 && <p class="hint">No props. Identifiers such as pan_no and mobile are checked for duplicates.</p>}
            <PropRows
              rows={props}
              onChange={setProps}
              errorAt={propError}
              onRemove={(row) => setProps(props.filter((p) => p !== row))}
              removeLabel={() => 'Remove'}
            />
            <button type="button" class="button secondary small" onClick={() => setProps([...props, newDraft()])}>
              Add prop
            </button>
          </fieldset>
        )}

        <div class="span-all">
          <DuplicateCheck
            name={values.name}
            type={values.type}
            excludeId={id}
            props={editing ? (original!.props.filter((p) => typeof p !== 'string') as { key: string; value: string }[]) : props.filter((p) => isChanged(p))}
          />
        </div>

        {stale && (
          <div class="problem span-all" role="alert">
            <p class="problem-title">This contact was changed since you opened it <span class="problem-status">(412)</span></p>
            <p class="problem-detail">Nothing was saved. {stale.current.updated_by ? `${stale.current.updated_by} changed it` : 'It was changed'}{stale.changes.length ? ':' : ' (its props or sub-records).'}</p>
            {stale.changes.length > 0 && (
              <table class="diff">
                <thead><tr><th scope="col">Field</th><th scope="col">When you opened it</th><th scope="col">Now</th></tr></thead>
                <tbody>
                  {stale.changes.map((c) => (
                    <tr key={c.field}>
                      <th scope="row" class="mono">{c.field}</th>
                      <td class="before">{formatValue(c.before)}</td>
                      <td class="after">{formatValue(c.after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div class="problem-actions">
              <button type="button" class="button secondary" onClick={reloadFromStale}>Reload the contact (discards your edits)</button>
            </div>
          </div>
        )}

        {duplicateOf ? (
          <div class="span-all">
            <DuplicateBlock problem={problem!} busy={busy} onOverride={(reason) => void save(reason)} />
          </div>
        ) : (
          <div class="span-all">
            <FormProblem problem={problem} shown={shown} />
          </div>
        )}

        <div class="form-buttons span-all">
          <button type="submit" class="button" disabled={busy || stale !== null}>
            {editing ? 'Save changes' : 'Create contact'}
          </button>
          <Link href={editing ? `/contacts/${id}` : '/'} class="button secondary">Cancel</Link>
        </div>
      </form>
    </section>
  );
}

/** Messages under a field's sub-paths (`tags.1`, `refs.x`), shown under the field itself. */
function nested(problem: Problem | null, field: string): string | undefined {
  const entries = Object.entries(problem?.errors ?? {}).filter(([path]) => path.startsWith(`${field}.`));
  return entries.length ? entries.map(([path, m]) => `${path}: ${m.join(' ')}`).join(' ') : undefined;
}
