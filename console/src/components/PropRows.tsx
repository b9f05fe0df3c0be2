import type { Prop } from '../api';

// Rows of typed props being edited: key, type and value, with the API's messages under each
// input. Used by the create form (errors at `props.<i>.<field>`) and by the props editor of the
// contact page (errors at `<i>.<field>` of the PUT body).

export type PropType = Prop['type'];
export const PROP_TYPES: PropType[] = ['text', 'number', 'boolean', 'file'];

export interface PropDraft {
  /** Stable across edits, for keys and ids. */
  uid: number;
  key: string;
  type: PropType;
  value: string;
  /** The prop as stored, for a row that edits one (its key is fixed: PUT upserts by key). */
  stored?: Prop;
}

let nextUid = 1;
export const newDraft = (stored?: Prop): PropDraft =>
  stored ? { uid: nextUid++, key: stored.key, type: stored.type, value: stored.value, stored } : { uid: nextUid++, key: '', type: 'text', value: '' };

export const isChanged = (d: PropDraft): boolean => !d.stored || d.stored.value !== d.value || d.stored.type !== d.type;

interface Props {
  rows: PropDraft[];
  onChange(rows: PropDraft[]): void;
  /** The API's messages for a row's field, if any. */
  errorAt(row: PropDraft, field: 'key' | 'type' | 'value'): string | undefined;
  /** What the per-row button does: drop a new row, or ask to delete a stored prop. */
  onRemove(row: PropDraft): void;
  removeLabel(row: PropDraft): string;
}

export function PropRows({ rows, onChange, errorAt, onRemove, removeLabel }: Props) {
  const update = (uid: number, change: Partial<PropDraft>) => onChange(rows.map((r) => (r.uid === uid ? { ...r, ...change } : r)));
  return (
    <ul class="prop-rows">
      {rows.map((row, i) => {
        const n = i + 1;
        const id = `prop-${row.uid}`;
        const keyError = errorAt(row, 'key');
        const typeError = errorAt(row, 'type');
        const valueError = errorAt(row, 'value');
        return (
          <li key={row.uid} class={`prop-row${valueError || keyError || typeError ? ' invalid' : ''}`} data-key={row.key}>
            <div class="field">
              <label for={`${id}-key`}>Key</label>
              {row.stored ? (
                <input id={`${id}-key`} class="mono" value={row.key} readOnly aria-label={`Key of prop ${n}`} />
              ) : (
                <input
                  id={`${id}-key`}
                  class="mono"
                  value={row.key}
                  placeholder="pan_no"
                  maxLength={100}
                  autoComplete="off"
                  aria-label={`Key of prop ${n}`}
                  aria-invalid={keyError ? true : undefined}
                  onInput={(e) => update(row.uid, { key: e.currentTarget.value })}
                />
              )}
              {keyError && <p class="field-error">{keyError}</p>}
            </div>
            <div class="field">
              <label for={`${id}-type`}>Type</label>
              <select
                id={`${id}-type`}
                value={row.type}
                aria-label={`Type of ${row.key || `prop ${n}`}`}
                aria-invalid={typeError ? true : undefined}
                onChange={(e) => {
                  const type = e.currentTarget.value as PropType;
                  update(row.uid, { type, value: type === 'boolean' && row.value !== 'true' && row.value !== 'false' ? 'true' : row.value });
                }}
              >
                {PROP_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
              </select>
              {typeError && <p class="field-error">{typeError}</p>}
            </div>
            <div class="field prop-value">
              <label for={`${id}-value`}>Value</label>
              {row.type === 'boolean' ? (
                <select id={`${id}-value`} value={row.value} aria-label={`Value of ${row.key || `prop ${n}`}`} aria-invalid={valueError ? true : undefined} onChange={(e) => update(row.uid, { value: e.currentTarget.value })}>
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  id={`${id}-value`}
                  value={row.value}
                  maxLength={500}
                  autoComplete="off"
                  inputMode={row.type === 'number' ? 'decimal' : undefined}
                  aria-label={`Value of ${row.key || `prop ${n}`}`}
                  aria-invalid={valueError ? true : undefined}
                  onInput={(e) => update(row.uid, { value: e.currentTarget.value })}
                />
              )}
              {valueError && <p class="field-error">{valueError}</p>}
            </div>
            <button type="button" class="button secondary small prop-remove" onClick={() => onRemove(row)}>
              {removeLabel(row)}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
