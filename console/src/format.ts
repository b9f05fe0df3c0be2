// How values from the API are shown. All of it ends up as text nodes, never as markup.

const dateTime = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** 4 Dec 2026, 11:28 UTC */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${dateTime.format(date)} UTC`;
}

export function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : value;
}

/** A JSON value on one line, for diffs and free JSON (refs). */
export function formatValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export const humanize = (word: string): string => (word.charAt(0).toUpperCase() + word.slice(1)).replace(/_/g, ' ');
