import type { Executor, QueryOptions } from './executor.js';
import type { Params } from './params.js';

/** A list's order: one of the fields its query allows, ascending or descending. */
export interface Ordering<F extends string = string> {
  field: F;
  desc: boolean;
}

/** `ORDER BY` text for an ordering (field → SQL from the query's own map), the id breaking ties. */
export function orderBySql<F extends string>(o: Ordering<F>, columns: Readonly<Record<F, string>>, alias: string): string {
  const dir = o.desc ? 'DESC' : 'ASC';
  return `${columns[o.field]} ${dir}, ${alias}.id ${dir}`;
}

export interface PagedSql {
  /** Select list of the page rows (may contain correlated subqueries). */
  select: string;
  /** FROM clause (tables and joins) of the page. */
  from: string;
  /**
   * FROM clause of the count when it can be narrower than the page's (joins that neither filter
   * nor multiply rows, such as a foreign-key lookup, left out); default `from`.
   */
  countFrom?: string;
  /**
   * A query of one row whose `__total` is the count, when the count can be read without counting
   * (the contact list's counters); default a `count(*)` over `countFrom` and `where`.
   */
  countQuery?: string;
  where: string;
  orderBy: string;
  /**
   * When the page can be chosen by id alone: `id`, the id column, and `scope`, the condition under
   * which an id finds one row (the tenant's). The page's ids are then chosen first over `countFrom`
   * (an index in the ordering can give them, and the ids a deep page skips, without visiting the
   * table or evaluating the select list), and the select list is evaluated for their rows only.
   */
  pageIds?: { id: string; scope: string };
}

/** The page rows: the select list over exactly the rows of the requested page, in order. */
function pageSql(q: PagedSql, limit: string, offset: string): string {
  const page = `ORDER BY ${q.orderBy} LIMIT ${limit} OFFSET ${offset}`;
  if (!q.pageIds) return `SELECT true AS __page_row, ${q.select} FROM ${q.from} WHERE ${q.where} ${page}`;
  // The ids as an array, not a join: a generic plan (QueryOptions.genericPlan) cannot know the
  // page holds LIMIT rows and would hash-join the whole tenant; `= ANY` of an array is a few index
  // lookups in any plan.
  const { id, scope } = q.pageIds;
  return `SELECT true AS __page_row, ${q.select}
            FROM ${q.from} WHERE ${scope} AND ${id} = ANY(ARRAY(SELECT ${id} FROM ${q.countFrom ?? q.from} WHERE ${q.where} ${page}))
           ORDER BY ${q.orderBy}`;
}

/**
 * One round trip for a page and the total count. The count is `countQuery`, or a plain `count(*)`
 * (an index-only scan where possible) and the select list is evaluated only for the LIMITed page — unlike
 * `count(*) OVER ()`, which materializes every matching row, correlated subqueries included.
 * An empty page (past the end) still returns the count.
 */
export async function pagedQuery<T>(db: Executor, q: PagedSql, p: Params, limit: number, offset: number, opts?: QueryOptions): Promise<{ rows: T[]; count: number }> {
  const res = await db.query<T & { __total: number; __page_row: boolean | null }>(
    `SELECT t.__total, pg.* FROM (${q.countQuery ?? `SELECT count(*)::int AS __total FROM ${q.countFrom ?? q.from} WHERE ${q.where}`}) t
     LEFT JOIN LATERAL (${pageSql(q, p.add(limit), p.add(offset))}) pg ON true`,
    p.values,
    opts,
  );
  const count = Number(res.rows[0]?.__total ?? 0);
  return { rows: res.rows.filter((r) => r.__page_row), count };
}
