import type { FieldErrorCollector } from '../../errors/index.js';
import type { PropWrite } from './contacts.schema.js';

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Checks each prop value against its declared type, and that keys are unique in the request. */
export function checkProps(errors: FieldErrorCollector, props: readonly PropWrite[] | undefined, prefix = 'props'): void {
  if (!props) return;
  const seen = new Map<string, number>();
  props.forEach((p, i) => {
    const at = prefix ? `${prefix}.${i}` : String(i);
    if (p.type === 'number' && !NUMBER_TEXT.test(p.value)) errors.add(`${at}.value`, 'Must be a decimal number for type "number".');
    if (p.type === 'boolean' && p.value !== 'true' && p.value !== 'false') errors.add(`${at}.value`, 'Must be "true" or "false" for type "boolean".');
    if (p.value.trim() === '') errors.add(`${at}.value`, 'May not be blank.');
    const first = seen.get(p.key);
    if (first !== undefined) errors.add(`${at}.key`, `Duplicate key "${p.key}" (also at index ${first}).`);
    else seen.set(p.key, i);
  });
}

/** The props to write: only key/value/type (read-only extras in the body are ignored). */
export function propUpserts(props: readonly PropWrite[] | undefined): { key: string; value: string; type: string }[] {
  return (props ?? []).map((p) => ({ key: p.key, value: p.value, type: p.type }));
}
