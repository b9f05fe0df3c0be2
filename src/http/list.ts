import { FieldErrorCollector } from '../errors/index.js';

// Strict parsing of list query parameters (page, page_size, ordering, date filters, expand) and
// the Crego pagination envelope.

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 20;

export interface Paging {
  page: number;
  pageSize: number;
  offset: number;
}

export type { Ordering } from '../db/index.js';
import type { Ordering } from '../db/index.js';

export interface DateRange {
  after: Date | null;
  before: Date | null;
}

const POSITIVE_INT = /^[0-9]{1,9}$/;

export function parsePositiveInt(
  errors: FieldErrorCollector,
  field: string,
  raw: string | undefined,
  fallback: number,
  max?: number,
): number {
  if (raw === undefined) return fallback;
  const n = POSITIVE_INT.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1)) {
    errors.add(field, 'Must be a positive integer.');
    return fallback;
  }
  if (max !== undefined && n > max) {
    errors.add(field, `Must be at most ${max}.`);
    return fallback;
  }
  return n;
}

export function parsePaging(errors: FieldErrorCollector, q: { page?: string; page_size?: string }): Paging {
  const page = parsePositiveInt(errors, 'page', q.page, 1);
  const pageSize = parsePositiveInt(errors, 'page_size', q.page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  return { page, pageSize, offset: (page - 1) * pageSize };
}

/** DRF-style `ordering` (`name`, `-created_at`) among the fields a resource's list query allows. */
export function parseOrdering<F extends string>(errors: FieldErrorCollector, raw: string | undefined, allowed: readonly F[], fallback: NoInfer<`${F}` | `-${F}`>): Ordering<F> {
  const text = raw === undefined || raw === '' ? fallback : raw.trim();
  const desc = text.startsWith('-');
  const field = (desc ? text.slice(1) : text) as F;
  if (!allowed.includes(field)) {
    errors.add('ordering', `Unknown ordering field "${field}"; allowed: ${allowed.join(', ')}.`);
    return { field: fallback.replace(/^-/, '') as F, desc: fallback.startsWith('-') };
  }
  return { field, desc };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function parseDateBound(errors: FieldErrorCollector, field: string, raw: string | undefined, upper: boolean): Date | null {
  if (raw === undefined || raw === '') return null;
  const m = DATE_ONLY.exec(raw);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.getUTCDate() !== Number(m[3]) || d.getUTCMonth() !== Number(m[2]) - 1) {
      errors.add(field, 'Not a valid date.');
      return null;
    }
    // A date covers its whole UTC day: `before` is exclusive of the next day's start.
    return upper ? new Date(d.getTime() + 86_400_000 - 1) : d;
  }
  if (DATE_TIME.test(raw)) {
    const d = new Date(raw);
    if (!Number.isNaN(d.getTime())) return d;
  }
  errors.add(field, 'Must be a date (YYYY-MM-DD) or an ISO 8601 date-time.');
  return null;
}

export function parseDateRange(
  errors: FieldErrorCollector,
  q: { created_at_after?: string; created_at_before?: string },
): DateRange {
  return {
    after: parseDateBound(errors, 'created_at_after', q.created_at_after, false),
    before: parseDateBound(errors, 'created_at_before', q.created_at_before, true),
  };
}

export function parseExpand<T extends string>(errors: FieldErrorCollector, raw: string | undefined, allowed: readonly T[]): Set<T> {
  const out = new Set<T>();
  if (raw === undefined || raw.trim() === '') return out;
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if ((allowed as readonly string[]).includes(name)) out.add(name as T);
    else errors.add('expand', `Unknown expand "${name}"; allowed: ${allowed.join(', ')}.`);
  }
  return out;
}

/** Escapes LIKE metacharacters so a search is a literal substring match. */
export function commaList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface Envelope<T> {
  count: number;
  total_pages: number;
  current_page: number;
  has_previous: boolean;
  has_next: boolean;
  previous_page: number | null;
  next_page: number | null;
  results: T[];
}

export function envelope<T>(results: T[], count: number, paging: Paging): Envelope<T> {
  // Like Django's paginator, an empty list still has one (empty) page.
  const totalPages = Math.max(1, Math.ceil(count / paging.pageSize));
  const page = paging.page;
  return {
    count,
    total_pages: totalPages,
    current_page: page,
    has_previous: page > 1,
    has_next: page < totalPages,
    previous_page: page > 1 ? Math.min(page - 1, totalPages) : null,
    next_page: page < totalPages ? page + 1 : null,
    results,
  };
}

