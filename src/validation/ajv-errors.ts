import type { FieldErrors } from '../errors/index.js';
import { STORABLE_TEXT_PATTERN, UNSTORABLE_TEXT_MESSAGE } from './text.js';

// Ajv's errors as the `errors` member of a 400 (DRF-style field paths, one message each): used by
// the HTTP error handler and by imports, which validate each row as the API would.

export interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/props/0/key` → `props.0.key` (DRF-style field paths). */
function fieldPath(instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (typeof child === 'string') parts.push(child);
  return parts.join('.') || 'non_field_errors';
}

function messageFor(e: AjvError): string {
  switch (e.keyword) {
    case 'required':
      return 'This field is required.';
    case 'additionalProperties':
      return 'Unknown field.';
    case 'type':
      return `Must be of type ${String(e.params.type)}.`;
    case 'pattern':
      if (e.params.pattern === STORABLE_TEXT_PATTERN) return UNSTORABLE_TEXT_MESSAGE;
      return `Does not match the required pattern ${String(e.params.pattern)}.`;
    case 'enum':
      return `Must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}.`;
    case 'const':
      return `Must be ${JSON.stringify(e.params.allowedValue)}.`;
    case 'anyOf':
      return 'Does not match any allowed form.';
    default:
      return (e.message ?? 'Invalid value.').replace(/^must/, 'Must') + (e.message?.endsWith('.') ? '' : '.');
  }
}

export function validationErrors(validation: AjvError[]): FieldErrors {
  // Field names come from the client (an unknown field `valueOf`): no prototype to collide with.
  const errors: FieldErrors = Object.create(null);
  for (const e of validation) {
    const child = e.keyword === 'required' ? e.params.missingProperty : e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
    // A whole-body error (e.g. an array instead of an object) lands under `non_field_errors`.
    const path = fieldPath(e.instancePath, child);
    const msg = messageFor(e);
    const list = (errors[path] ??= []);
    if (!list.includes(msg)) list.push(msg);
  }
  // anyOf failures also report each branch's failure; the branch noise is dropped when a
  // clearer error exists for the same field.
  for (const [k, v] of Object.entries(errors)) {
    if (v.length > 1) errors[k] = v.filter((m) => m !== 'Does not match any allowed form.');
  }
  dropNullBranchNoise(errors);
  return errors;
}

const NULL_BRANCH = 'Must be of type null.';
const isTypeMessage = (m: string) => m.startsWith('Must be of type ');

/**
 * The null branch of a nullable union (`ref_id`, an optional action body) fails for every non-null
 * value. Next to another type error it is useful ("string", "null": either will do); it only
 * misleads when the value had the other branch's type and failed inside it: a pattern at the same
 * field, or an error deeper down (`{"comment": 5}` is about `comment`, not "the body must be null").
 */
function dropNullBranchNoise(errors: FieldErrors): void {
  const keys = Object.keys(errors);
  for (const k of keys) {
    const msgs = errors[k]!;
    if (!msgs.includes(NULL_BRANCH)) continue;
    const deeper = keys.some((o) => o !== k && (k === 'non_field_errors' || o.startsWith(`${k}.`)));
    const failedInside = deeper || msgs.some((m) => !isTypeMessage(m));
    if (!failedInside) continue;
    const rest = msgs.filter((m) => m !== NULL_BRANCH);
    if (rest.length > 0) errors[k] = rest;
    else delete errors[k];
  }
}
