/**
 * Collects bound parameters for dynamically assembled WHERE clauses: `p.add(value)` returns the
 * `$n` placeholder, so values are never interpolated into SQL text.
 */
/** A LIKE/ILIKE pattern matching `text` anywhere, its wildcards escaped. */
export function likePattern(text: string): string {
  return '%' + text.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
