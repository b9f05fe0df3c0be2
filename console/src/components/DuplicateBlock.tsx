import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { Problem } from '../api';
import { messagesFor, TextAreaField } from './Fields';

/**
 * A write refused because a live contact holds the same PAN (409 `duplicate`, CONTRACT §6): a
 * link to that contact, and the override — the same write with `on_duplicate=allow` and a reason,
 * which the audit entry records. Without a reason the override is not offered.
 */
export function DuplicateBlock({ problem, busy, onOverride }: { problem: Problem; busy: boolean; onOverride(reason: string): void }) {
  const [reason, setReason] = useState('');
  return (
    <div class="problem duplicate-block" role="alert">
      <p class="problem-title">
        {problem.title} <span class="problem-status">(409)</span>
      </p>
      <p class="problem-detail">{problem.detail}</p>
      {problem.duplicate_of && (
        <p>
          <Link href={`/contacts/${problem.duplicate_of}`}>Open the existing contact</Link>
        </p>
      )}
      <div class="override">
        <TextAreaField
          id="override-reason"
          label="Save anyway: reason for the override"
          required
          rows={2}
          maxLength={500}
          value={reason}
          onInput={setReason}
          error={messagesFor(problem, 'reason')}
          hint="Recorded in the audit entry, e.g. a HUF account of the same person."
        />
        <button type="button" class="button danger" disabled={busy || reason.trim() === ''} onClick={() => onOverride(reason.trim())}>
          Save anyway
        </button>
      </div>
    </div>
  );
}
