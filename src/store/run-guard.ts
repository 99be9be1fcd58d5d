/**
 * The mass-change guard's view of a sync run (issue 7, migrations 110, 580, 670, 730, 1457, 1437): per school (and school year,
 * for classes), its live records before the run and what the run's applied pages did to them so far (counts,
 * no keys), the records the run brought there; and a run held for a city admin's decision (status 'held').
 */
import type { Queryable } from './db.js';

/** What a run's pages did to one school (of one school year, for classes) so far. */
export interface RunSchoolCounts {
  school: string;
  /** The school year a classes run weighs within (migration 670); '' for the other entities. */
  schoolYear: string;
  /**
   * The school's live records before the run, counted when the run first weighed a change of it; null
   * while the run only brought records there (`arrived`).
   */
  live: number | null;
  deleted: number;
  moved: number;
  changed: number;
  /** Of `changed`, the regrades (a student's grade and class alone, in the rollover window: migration 730). */
  regraded: number;
  /** Deleted records of the school the run's pages brought back (restoreguard, migration 1457); also in `arrived`. */
  restored: number;
  /** Records the run's pages brought to the school (new, restored, moved in). */
  arrived: number;
}

/** The run's counts per school, and its hold. */
function runCounts(q: Queryable) {
  return {
    /** The run's counts so far for these schools (those it touched), every school year of them. */
    async counts(runId: number, schools: readonly string[]): Promise<RunSchoolCounts[]> {
      const res = await q.query<RunSchoolCounts>(
        `SELECT school_code AS school, school_year AS "schoolYear", live, deleted, moved, changed, regraded, restored,
                arrived
           FROM truc.sync_run_guard WHERE sync_run_id = $1 AND school_code = ANY($2::text[])`,
        [runId, [...schools]],
      );
      return res.rows;
    },
    /** Adds a page's counts to the run's (a school's live count is kept from the first one given). */
    async add(runId: number, page: readonly RunSchoolCounts[]): Promise<void> {
      if (page.length === 0) return;
      await q.query(
        `INSERT INTO truc.sync_run_guard AS g
           (sync_run_id, school_code, live, deleted, moved, changed, arrived, school_year, regraded, restored)
         SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::text[],
                                  $9::int[], $10::int[])
         ON CONFLICT (sync_run_id, school_code, school_year) DO UPDATE SET
           live = coalesce(g.live, EXCLUDED.live),
           deleted = g.deleted + EXCLUDED.deleted, moved = g.moved + EXCLUDED.moved,
           changed = g.changed + EXCLUDED.changed, regraded = g.regraded + EXCLUDED.regraded,
           restored = g.restored + EXCLUDED.restored, arrived = g.arrived + EXCLUDED.arrived`,
        [
          runId,
          page.map((c) => c.school),
          page.map((c) => c.live),
          page.map((c) => c.deleted),
          page.map((c) => c.moved),
          page.map((c) => c.changed),
          page.map((c) => c.arrived),
          page.map((c) => c.schoolYear),
          page.map((c) => c.regraded),
          page.map((c) => c.restored),
        ],
      );
    },
    /** Holds a queued or running run; false when it was not (held already, or finished). */
    async hold(runId: number): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.sync_runs SET status = 'held' WHERE id = $1 AND status IN ('queued', 'running')`,
        [runId],
      );
      return (res.rowCount ?? 0) > 0;
    },
    /** A held run runs again: the pages it stored so far (its next page's number), or undefined. */
    async release(runId: number): Promise<{ pages: number } | undefined> {
      const res = await q.query<{ pages: number }>(
        `UPDATE truc.sync_runs SET status = 'running' WHERE id = $1 AND status = 'held' RETURNING pages`,
        [runId],
      );
      return res.rows[0];
    },
    /**
     * Runs held now, waiting for a decision (the `truc_sync_runs_held` gauge): a held page's run, and a full run whose
     * reconciliation is held (review23: listed under `held` too, ./sync-run-reads.ts).
     */
    async heldRuns(): Promise<number> {
      const res = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.sync_runs
          WHERE status = 'held' OR (status = 'done' AND reconcile = 'held')`,
      );
      return res.rows[0]?.n ?? 0;
    },
  };
}

export function createRunGuardRepo(q: Queryable) {
  return { ...runCounts(q), ...runDeletions(q) };
}

/** What a run's tombstones deleted (migration 1437): read for its pages' restores, purged once it finished (./run-purge.ts). */
function runDeletions(q: Queryable) {
  return {
    /**
     * Of `keys`, those the run's pages tombstoned (migration 1437), each with the school it was deleted from: what a
     * later page of the run brings back there undoes the run's deletion (../jobs/run-restores.ts).
     */
    async deletedByRun(runId: number, keys: readonly string[]): Promise<Map<string, string>> {
      const res = await q.query<{ key: string; school: string }>(
        `SELECT record_key AS key, school_code AS school FROM truc.sync_run_deleted
          WHERE sync_run_id = $1 AND record_key = ANY($2::text[])`,
        [runId, [...keys]],
      );
      return new Map(res.rows.map((r) => [r.key, r.school]));
    },
  };
}
