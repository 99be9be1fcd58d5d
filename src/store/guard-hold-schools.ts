/**
 * A hold's diff paged by school (fix34a, review33c N1), and its reasons paged (fix35a): a held city-wide run's diff is 2,500 schools, each with up to
 * `guard.weighedKeys` codes a kind, megabytes of JSON; its page reads it a page of schools at a time, most affected
 * first, found by school code or among the schools over a threshold. Read in the database (the diff is jsonb): only
 * the page leaves it.
 */
import type { Queryable } from './db.js';
import { rankedReasons, type HoldReason, type SchoolDiff } from './guard-holds.js';

/** Which of a hold's schools a page reads. */
export interface HoldSchoolsFilter {
  /** School codes starting with this (a whole code finds the school; its first digits, the schools of an area). */
  school?: string | undefined;
  /** Only the schools (school years) a reason of the hold names: those over a threshold. */
  over?: boolean | undefined;
}

/**
 * The page's order: most affected first (records deleted, moved away, changed and restored, together), then by school code and
 * school year, then as the hold keeps them (a classes run's school may come once a year).
 */
const PAGE_SQL = `
  WITH h AS (SELECT diff, reasons FROM truc.guard_holds WHERE id = $1),
  o AS (SELECT DISTINCT r->>'school' AS school, coalesce(r->>'schoolYear', '') AS year
          FROM h, jsonb_array_elements(h.reasons) r),
  d AS (SELECT e.d, e.n, e.d->>'school' AS school, coalesce(e.d->>'schoolYear', '') AS year,
               (e.d->>'deleted')::int + (e.d->>'moved')::int + (e.d->>'changed')::int
                 + coalesce((e.d->>'restored')::int, 0) AS affected
          FROM h, jsonb_array_elements(h.diff) WITH ORDINALITY AS e(d, n)
         WHERE ($2::text IS NULL OR starts_with(e.d->>'school', $2::text))
           AND (NOT $3::boolean OR (e.d->>'school', coalesce(e.d->>'schoolYear', '')) IN (SELECT school, year FROM o)))
  SELECT EXISTS (SELECT 1 FROM h) AS found, (SELECT count(*)::int FROM d) AS total,
         (SELECT coalesce(jsonb_agg(p.d ORDER BY p.affected DESC, p.school COLLATE "C", p.year COLLATE "C", p.n), '[]'::jsonb)
            FROM (SELECT * FROM d ORDER BY affected DESC, school COLLATE "C", year COLLATE "C", n LIMIT $4 OFFSET $5) p)
           AS items`;

/** A page of a hold's reasons (fix35a), in the order its summary's first ones come in. */
const REASONS_SQL = `
  WITH h AS (SELECT reasons FROM truc.guard_holds WHERE id = $1),
  o AS (${rankedReasons('h, jsonb_array_elements(h.reasons)')})
  SELECT EXISTS (SELECT 1 FROM h) AS found, (SELECT count(*)::int FROM o) AS total,
         (SELECT coalesce(jsonb_agg(p.r ORDER BY p.o), '[]'::jsonb)
            FROM (SELECT * FROM o ORDER BY o LIMIT $2 OFFSET $3) p) AS items`;

export function createHoldSchoolsRepo(q: Queryable) {
  return {
    /**
     * A page of the hold's reasons (the thresholds its schools went over), the school of the highest ratio first, its whole-school reason before its grades in order, with how many it
     * has in all; undefined when there is no such hold.
     */
    async reasons(
      id: number,
      page: { limit: number; offset: number },
    ): Promise<{ total: number; items: HoldReason[] } | undefined> {
      const res = await q.query<{ found: boolean; total: number; items: HoldReason[] }>(REASONS_SQL, [
        id,
        page.limit,
        page.offset,
      ]);
      const r = res.rows[0];
      return r?.found ? { total: r.total, items: r.items } : undefined;
    },
    /**
     * A page of the hold's schools (their counts and codes as the hold keeps them), most affected first, with how
     * many match in all; undefined when there is no such hold.
     */
    async page(
      id: number,
      filter: HoldSchoolsFilter,
      page: { limit: number; offset: number },
    ): Promise<{ total: number; items: SchoolDiff[] } | undefined> {
      const res = await q.query<{ found: boolean; total: number; items: SchoolDiff[] }>(PAGE_SQL, [
        id,
        filter.school ?? null,
        filter.over === true,
        page.limit,
        page.offset,
      ]);
      const r = res.rows[0];
      return r?.found ? { total: r.total, items: r.items } : undefined;
    },
  };
}
export type HoldSchoolsRepo = ReturnType<typeof createHoldSchoolsRepo>;
