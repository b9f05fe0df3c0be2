import { useState } from 'preact/hooks';
import { api, asProblem, unwrapWithEtag, type Contact, type Problem } from '../api';
import { ProblemView } from '../components/ProblemView';

// The lifecycle actions of CONTRACT §3.2, offered only where the contact's state allows them:
// approve (pending/rejected), reject with a comment (pending/approved), activate (inactive and
// not rejected), deactivate (active), delete, and restore (deleted). Each write sends the ETag
// the page was loaded with, so a change made meanwhile by someone else comes back as a 412.

type Action = 'approve' | 'reject' | 'activate' | 'deactivate' | 'delete' | 'restore';

const LABELS: Record<Action, string> = {
  approve: 'Approve',
  reject: 'Reject',
  activate: 'Activate',
  deactivate: 'Deactivate',
  delete: 'Delete',
  restore: 'Restore',
};

export function allowedActions(c: Contact): Action[] {
  if (c.is_deleted) return ['restore'];
  const actions: Action[] = [];
  if (c.approval_status !== 'approved') actions.push('approve');
  if (c.approval_status !== 'rejected') actions.push('reject');
  if (c.status === 'inactive' && c.approval_status !== 'rejected') actions.push('activate');
  if (c.status === 'active') actions.push('deactivate');
  actions.push('delete');
  return actions;
}

interface Props {
  contact: Contact;
  etag: string | null;
  onChanged(contact: Contact, etag: string | null): void;
  onReload(): void;
}

export function ContactActions({ contact, etag, onChanged, onReload }: Props) {
  const [pending, setPending] = useState<Action | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function run(action: Action, text: string) {
    setBusy(true);
    setProblem(null);
    const path = { contact_id: contact.id };
    const header = etag ? { 'If-Match': etag } : {};
    const body = text.trim() === '' ? {} : { comment: text.trim() };
    try {
      let next: { data: Contact; etag: string | null };
      if (action === 'approve') next = await unwrapWithEtag(api.PUT('/contacts/{contact_id}/approve/', { params: { path, header }, body }));
      else if (action === 'reject') next = await unwrapWithEtag(api.PUT('/contacts/{contact_id}/reject/', { params: { path, header }, body }));
      else if (action === 'activate') next = await unwrapWithEtag(api.PUT('/contacts/{contact_id}/active/', { params: { path, header }, body: {} }));
      else if (action === 'deactivate') next = await unwrapWithEtag(api.PUT('/contacts/{contact_id}/inactive/', { params: { path, header }, body: {} }));
      else if (action === 'restore') next = await unwrapWithEtag(api.POST('/contacts/{contact_id}/restore/', { params: { path, header } }));
      else {
        await unwrapWithEtag(api.DELETE('/contacts/{contact_id}/', { params: { path, header } }));
        // A deleted contact is no longer served (404): keep showing it, marked deleted, with Restore.
        next = { data: { ...contact, is_deleted: true, deleted_at: new Date().toISOString() }, etag: null };
      }
      setPending(null);
      setComment('');
      onChanged(next.data, next.etag);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  function choose(action: Action) {
    setProblem(null);
    // Approve, reject and delete ask first; the others are undone as easily as they are done.
    if (action === 'approve' || action === 'reject' || action === 'delete') {
      setPending(action);
      setComment('');
    } else void run(action, '');
  }

  const commentRequired = pending === 'reject';
  return (
    <section class="actions" aria-label="Actions">
      <div class="action-buttons">
        {allowedActions(contact).map((action) => (
          <button
            key={action}
            type="button"
            class={`button ${action === 'delete' || action === 'reject' ? 'danger' : action === 'approve' || action === 'restore' ? '' : 'secondary'}`}
            disabled={busy}
            aria-pressed={pending === action}
            onClick={() => choose(action)}
          >
            {LABELS[action]}
          </button>
        ))}
      </div>
      {pending && (
        <form
          class="confirm card"
          onSubmit={(e) => {
            e.preventDefault();
            void run(pending, comment);
          }}
        >
          {pending === 'delete' ? (
            <p>Delete {contact.name}? The contact leaves lists and searches; it can be restored later.</p>
          ) : (
            <>
              <label for="action-comment">{pending === 'reject' ? 'Reason for rejecting (required)' : 'Comment (optional)'}</label>
              <textarea id="action-comment" rows={3} maxLength={500} value={comment} required={commentRequired} onInput={(e) => setComment(e.currentTarget.value)} aria-invalid={!!problem?.errors?.comment} />
              {problem?.errors?.comment && <p class="field-error">{problem.errors.comment.join('; ')}</p>}
            </>
          )}
          <div class="confirm-buttons">
            <button type="submit" class={`button ${pending === 'approve' ? '' : 'danger'}`} disabled={busy || (commentRequired && comment.trim() === '')}>
              {pending === 'delete' ? 'Delete contact' : `${LABELS[pending]} contact`}
            </button>
            <button type="button" class="button secondary" disabled={busy} onClick={() => (setPending(null), setProblem(null))}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {problem && !(problem.errors?.comment && pending) && (
        <ProblemView problem={problem}>
          {(problem.status === 412 || problem.status === 409) && (
            <button type="button" class="button secondary" onClick={() => (setProblem(null), setPending(null), onReload())}>
              Reload the contact
            </button>
          )}
        </ProblemView>
      )}
    </section>
  );
}
