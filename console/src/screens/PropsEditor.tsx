import { useState } from 'preact/hooks';
import { api, asProblem, unwrap, type Contact, type Problem, type Prop } from '../api';
import { DuplicateBlock } from '../components/DuplicateBlock';
import { FormProblem, messagesFor } from '../components/Fields';
import { Empty, ProblemView } from '../components/ProblemView';
import { isChanged, newDraft, PropRows, type PropDraft } from '../components/PropRows';

// A contact's props (CONTRACT §4.3), shown as a table and edited in place: changed and new rows
// go in one PUT …/props/ (an upsert by key), a prop is deleted with DELETE …/props/ {keys}. Both
// send the contact's ETag, so a change made meanwhile is a 412, not a silent overwrite. The API's
// messages for a row (an invalid PAN, a number that is not one) appear under that row.

interface Props {
  contact: Contact;
  etag: string | null;
  /** After a write: loads the contact (and its ETag and history) again; resolves once shown. */
  onSaved(): Promise<void>;
}

export function PropsEditor({ contact, etag, onSaved }: Props) {
  const props = contact.props.filter((p): p is Prop => typeof p !== 'string');
  const [rows, setRows] = useState<PropDraft[] | null>(null);
  const [sent, setSent] = useState<PropDraft[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<PropDraft | null>(null);
  const header = etag ? { 'If-Match': etag } : {};
  const path = { contact_id: contact.id };

  function edit() {
    setRows(props.length ? props.map((p) => newDraft(p)) : [newDraft()]);
    setProblem(null);
  }
  function stop() {
    setRows(null);
    setProblem(null);
    setDeleting(null);
  }

  async function save(override: string | null) {
    if (!rows) return;
    const changed = rows.filter((r) => isChanged(r) && !(r.stored === undefined && r.key.trim() === '' && r.value === ''));
    if (changed.length === 0) return stop();
    setBusy(true);
    setProblem(null);
    setSent(changed);
    try {
      await unwrap(
        api.PUT('/contacts/{contact_id}/props/', {
          params: { path, header, query: override ? { on_duplicate: 'allow', reason: override } : undefined },
          body: changed.map((r) => ({ key: r.key.trim(), type: r.type, value: r.value })),
        }),
      );
      await onSaved();
      stop();
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(row: PropDraft) {
    setBusy(true);
    setProblem(null);
    try {
      // Keys in the body: a key may hold a comma, which ?keys= would split.
      await unwrap(api.DELETE('/contacts/{contact_id}/props/', { params: { path, header }, body: { keys: [row.key] } }));
      setDeleting(null);
      // The other rows keep what the user typed; the contact (and its ETag) is loaded again.
      setRows((current) => current && current.filter((r) => r.uid !== row.uid));
      await onSaved();
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  const errorAt = (row: PropDraft, field: 'key' | 'type' | 'value') => {
    const i = sent.findIndex((r) => r.uid === row.uid);
    return i < 0 ? undefined : messagesFor(problem, `${i}.${field}`);
  };
  const editable = !contact.is_deleted;

  return (
    <section class="card" aria-labelledby="props-heading">
      <div class="card-head">
        <h2 id="props-heading">Props</h2>
        {editable && !rows && (
          <button type="button" class="button secondary small" onClick={edit}>
            Edit props
          </button>
        )}
      </div>
      {!rows && props.length === 0 && (
        <Empty>
          <p>No props.</p>
        </Empty>
      )}
      {!rows && props.length > 0 && (
        <table class="props">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Type</th>
            </tr>
          </thead>
          <tbody>
            {props.map((p) => (
              <tr key={p.id}>
                <td data-label="Key" class="mono">{p.key}</td>
                <td data-label="Value" class="value-cell">{p.value}</td>
                <td data-label="Type">{p.type}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows && (
        <form
          noValidate
          aria-label="Edit props"
          onSubmit={(e) => {
            e.preventDefault();
            void save(null);
          }}
        >
          <PropRows
            rows={rows}
            onChange={setRows}
            errorAt={errorAt}
            onRemove={(row) => (row.stored ? setDeleting(row) : setRows(rows.filter((r) => r.uid !== row.uid)))}
            removeLabel={(row) => (row.stored ? 'Delete' : 'Remove')}
          />
          {deleting && (
            <div class="confirm card" role="group" aria-label="Confirm delete">
              <p>
                Delete the prop <span class="mono">{deleting.key}</span>? Its value stays in the history.
              </p>
              <div class="confirm-buttons">
                <button type="button" class="button danger" disabled={busy} onClick={() => void remove(deleting)}>
                  Delete prop
                </button>
                <button type="button" class="button secondary" disabled={busy} onClick={() => setDeleting(null)}>
                  Keep it
                </button>
              </div>
            </div>
          )}
          {problem?.code === 'duplicate' ? (
            <DuplicateBlock problem={problem} busy={busy} onOverride={(reason) => void save(reason)} />
          ) : problem?.status === 412 ? (
            <ProblemView problem={{ ...problem, title: 'This contact was changed since you opened it' }}>
              <button type="button" class="button secondary" onClick={() => (stop(), onSaved())}>
                Reload the contact (discards your edits)
              </button>
            </ProblemView>
          ) : (
            <FormProblem problem={problem} shown={(p) => /^\d+\.(key|type|value)$/.test(p)} />
          )}
          <div class="form-buttons">
            <button type="button" class="button secondary small" onClick={() => setRows([...rows, newDraft()])}>
              Add prop
            </button>
            <button type="submit" class="button" disabled={busy}>
              Save props
            </button>
            <button type="button" class="button secondary" disabled={busy} onClick={stop}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
