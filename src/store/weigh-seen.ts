/**
 * What a held full run's weighed pages saw (fix35b, migration 1430, ../jobs/reconcile-ahead.ts): one row a page, the
 * held page's and each weighed page's, as truc.sync_run_seen keeps the run's applied pages (keys, unkeyed, schools),
 * and the live records its tombstones would delete (`gone`). The run's reconciliation is weighed ahead from them once
 * the weighing reaches the run's end; dropped when the weighing ends. Codes only.
 */
import type { Queryable } from './db.js';

/** What one page of a run saw, as its reconciliation reads it (../jobs/reconcile.ts `afterPulledPage`). */
export interface PageSeen {
  keys: readonly string[];
  unkeyed: number;
  schools: readonly string[];
  /** The live records its tombstones delete: gone before the run's reconciliation. */
  gone: readonly string[];
  /**
   * A school system's students page: the school years it listed at each school (`school/year`), as the page wrote
   * them (fix36e: its stored copies, rolled back, may still say last year at a rollover). Empty otherwise.
   */
  years: readonly string[];
}

/** A page's columns after its hold and page number, as truc.weigh_seen keeps them. */
const pageColumns = (seen: PageSeen) => [
  [...seen.keys],
  seen.unkeyed,
  [...new Set(seen.schools)],
  [...seen.gone],
  [...new Set(seen.years)],
];

export function createWeighSeenRepo(q: Queryable) {
  return {
    /**
     * What the page `batchId` of the run noted it saw (in the page's own transaction, before it is rolled back), its
     * tombstones' deletions `gone` beside; undefined for a page without records nor deletions.
     */
    async ofPage(
      runId: number,
      batchId: string | null,
      gone: readonly string[],
      years: readonly string[] = [],
    ): Promise<PageSeen | undefined> {
      const res =
        batchId === null
          ? { rows: [] }
          : await q.query<{ keys: string[]; unkeyed: number; schools: string[] }>(
              `SELECT keys, unkeyed, schools FROM truc.sync_run_seen WHERE sync_run_id = $1 AND batch_id = $2`,
              [runId, batchId],
            );
      const row = res.rows[0];
      if (!row && gone.length === 0) return undefined;
      return {
        keys: row?.keys ?? [],
        unkeyed: row?.unkeyed ?? 0,
        schools: row?.schools ?? [],
        gone: [...gone],
        years: [...years],
      };
    },
    /** Notes what the hold's page `pageNo` saw (a resumed weighing weighs a page again: the latest kept). */
    async note(holdId: number, pageNo: number, seen: PageSeen): Promise<void> {
      await q.query(
        `INSERT INTO truc.weigh_seen (hold_id, page_no, keys, unkeyed, schools, gone, years)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (hold_id, page_no) DO UPDATE
           SET keys = EXCLUDED.keys, unkeyed = EXCLUDED.unkeyed, schools = EXCLUDED.schools, gone = EXCLUDED.gone,
               years = EXCLUDED.years`,
        [holdId, pageNo, ...pageColumns(seen)],
      );
    },
    /**
     * The hold's pages as pages the run saw (truc.sync_run_seen rows of run `runId`): only in a transaction rolled
     * back (../jobs/reconcile-ahead.ts). Returns the records they did not map, the keys their tombstones delete, and the
     * school years a school system's students pages listed (`school/year`, as they wrote them: fix36e).
     */
    async asRunSeen(
      holdId: number,
      runId: number,
    ): Promise<{ unkeyed: number; gone: Set<string>; years: Set<string> }> {
      await q.query(
        `INSERT INTO truc.sync_run_seen (sync_run_id, batch_id, keys, unkeyed, schools)
         SELECT $2, gen_random_uuid(), keys, unkeyed, schools FROM truc.weigh_seen WHERE hold_id = $1`,
        [holdId, runId],
      );
      const res = await q.query<{ unkeyed: number; gone: string[] | null; years: string[] | null }>(
        `SELECT COALESCE(sum(unkeyed), 0)::int AS unkeyed,
                (SELECT array_agg(g) FROM truc.weigh_seen, unnest(gone) g WHERE hold_id = $1) AS gone,
                (SELECT array_agg(DISTINCT y) FROM truc.weigh_seen, unnest(years) y WHERE hold_id = $1) AS years
           FROM truc.weigh_seen WHERE hold_id = $1`,
        [holdId],
      );
      const row = res.rows[0];
      return { unkeyed: row?.unkeyed ?? 0, gone: new Set(row?.gone ?? []), years: new Set(row?.years ?? []) };
    },
    /** The weighing ended: its pages' rows are not read again. */
    async drop(holdId: number): Promise<void> {
      await q.query('DELETE FROM truc.weigh_seen WHERE hold_id = $1', [holdId]);
    },
  };
}
