import type { ComponentChildren } from 'preact';
import type { Problem } from '../api';

/**
 * An API problem document as the user reads it: the title, what went wrong, each field's
 * messages and the request id to quote to support. Everything is rendered as text.
 */
export function ProblemView({ problem, children }: { problem: Problem; children?: ComponentChildren }) {
  const fieldErrors = Object.entries(problem.errors ?? {});
  return (
    <div class="problem" role="alert">
      <p class="problem-title">
        {problem.title}
        {problem.status ? <span class="problem-status"> ({problem.status})</span> : null}
      </p>
      <p class="problem-detail">{problem.detail}</p>
      {fieldErrors.length > 0 && (
        <ul class="problem-fields">
          {fieldErrors.map(([field, messages]) => (
            <li key={field}>
              <code>{field}</code>: {messages.join('; ')}
            </li>
          ))}
        </ul>
      )}
      {problem.instance ? <p class="problem-instance">Request id {problem.instance}</p> : null}
      {children ? <div class="problem-actions">{children}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
