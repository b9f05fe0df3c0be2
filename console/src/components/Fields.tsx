import type { ComponentChildren } from 'preact';
import type { Problem } from '../api';
import { ProblemView } from './ProblemView';

// Form fields that show the API's validation messages under themselves. A 400 problem document
// maps each field path (`name`, `props.0.value`) to its messages (CONTRACT §1); a form names the
// paths it renders, and whatever it does not render is still shown above the buttons, so no
// message from the API is ever lost.

/** The messages for one field path, joined; undefined when the field is fine. */
export function messagesFor(problem: Problem | null, path: string): string | undefined {
  const list = problem?.errors?.[path];
  return list && list.length ? list.join(' ') : undefined;
}

interface Common {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
}

function Describe({ id, error, hint }: { id: string; error?: string | undefined; hint?: string | undefined }) {
  return (
    <>
      {hint && <p id={`${id}-hint`} class="hint field-hint">{hint}</p>}
      {error && <p id={`${id}-error`} class="field-error">{error}</p>}
    </>
  );
}

const describedBy = (id: string, error?: string, hint?: string) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextField(
  props: Common & {
    value: string;
    onInput(value: string): void;
    type?: string;
    mono?: boolean;
    placeholder?: string;
    maxLength?: number;
    inputMode?: 'text' | 'decimal' | 'numeric';
  },
) {
  const { id, label, error, hint, required, value, onInput, type = 'text', mono, placeholder, maxLength, inputMode } = props;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span class="required"> (required)</span>}
      </label>
      <input
        id={id}
        name={id}
        type={type}
        class={mono ? 'mono' : undefined}
        value={value}
        placeholder={placeholder}
        maxLength={maxLength}
        inputMode={inputMode}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <Describe id={id} error={error} hint={hint} />
    </div>
  );
}

export function TextAreaField(props: Common & { value: string; onInput(value: string): void; rows?: number; mono?: boolean; maxLength?: number }) {
  const { id, label, error, hint, required, value, onInput, rows = 3, mono, maxLength } = props;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span class="required"> (required)</span>}
      </label>
      <textarea
        id={id}
        name={id}
        rows={rows}
        class={mono ? 'mono' : undefined}
        value={value}
        maxLength={maxLength}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <Describe id={id} error={error} hint={hint} />
    </div>
  );
}

export function SelectField(
  props: Common & { value: string; onChange(value: string): void; options: ReadonlyArray<readonly [string, string] | readonly [string, string, boolean]> },
) {
  const { id, label, error, hint, required, value, onChange, options } = props;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span class="required"> (required)</span>}
      </label>
      <select
        id={id}
        name={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        {options.map(([v, text, disabled]) => (
          <option key={v} value={v} disabled={disabled}>
            {text}
          </option>
        ))}
      </select>
      <Describe id={id} error={error} hint={hint} />
    </div>
  );
}

export function CheckboxField({ id, label, checked, onChange, error }: { id: string; label: string; checked: boolean; onChange(v: boolean): void; error?: string | undefined }) {
  return (
    <div class="field checkbox-field">
      <label for={id}>
        <input id={id} name={id} type="checkbox" checked={checked} aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.currentTarget.checked)} /> {label}
      </label>
      {error && <p class="field-error">{error}</p>}
    </div>
  );
}

/**
 * The part of a problem the form's fields do not show: the whole problem for anything but a
 * validation error, else the messages under paths no field rendered (or nothing at all).
 */
export function FormProblem({ problem, shown, children }: { problem: Problem | null; shown: (path: string) => boolean; children?: ComponentChildren }) {
  if (!problem) return null;
  const rest = Object.entries(problem.errors ?? {}).filter(([path]) => !shown(path));
  if (problem.status === 400 && problem.errors && rest.length === 0) {
    return (
      <p class="form-summary field-error" role="alert">
        {problem.title}: see the {Object.keys(problem.errors).length === 1 ? 'field' : 'fields'} marked above.
      </p>
    );
  }
  return <ProblemView problem={{ ...problem, errors: Object.fromEntries(rest) }}>{children}</ProblemView>;
}

/** Tags as typed: comma-separated, trimmed, blanks dropped (the API removes duplicates). */
export const parseTags = (text: string): string[] =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
