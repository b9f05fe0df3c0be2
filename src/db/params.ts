/**
 * Collects bound parameters for dynamically assembled WHERE clauses: `p.add(value)` returns the
 * `$n` placeholder, so values are never interpolated into SQL text.
 */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
