/**
 * The schools a city admin left out of a held run's approval (fix33b, issue 7 item 3; migration 1385): their changes
 * rejected, the run goes on for the others. Per run, the schools left out (`sync_runs.rejected_schools`, read with
 * the run) and, per school, what of it the run did not apply: its pages' records and tombstones, and the records its
 * reconciliation did not delete (counts only, no keys).
 */
import type { Queryable } from './db.js';

/** What a run did not apply of one school an approval left out. */
export interface NotApplied {
  school: string;
  /** Its pages' records and tombstones of the school, not applied. */
  records: number;
  /** The school's records its reconciliation did not delete. */
  deletions: number;
}

export function createRunExceptRepo(q: Queryable) {
  return {
    /** Adds schools to those the run's approvals left out (each counted from 0). */
    async leaveOut(runId: number, schools: readonly string[]): Promise<void> {
      if (schools.length === 0) return;
      await q.query(
        `UPDATE truc.sync_runs SET rejected_schools =
                ARRAY(SELECT DISTINCT s FROM unnest(rejected_schools || $2::text[]) s ORDER BY s)
          WHERE id = $1`,
        [runId, [...schools]],
      );
      await q.query(
        `INSERT INTO truc.sync_run_not_applied (sync_run_id, school_code)
         SELECT $1, s FROM unnest($2::text[]) s ON CONFLICT DO NOTHING`,
        [runId, [...schools]],
      );
    },
    /** Counts what the run left of those schools (`records`: its pages', `deletions`: its reconciliation's). */
    async count(
      runId: number,
      what: 'records' | 'deletions',
      counts: ReadonlyMap<string, number>,
    ): Promise<void> {
      if (counts.size === 0) return;
      const column = what === 'records' ? 'records' : 'deletions';
      await q.query(
        `INSERT INTO truc.sync_run_not_applied AS n (sync_run_id, school_code, ${column})
         SELECT $1, * FROM unnest($2::text[], $3::int[])
         ON CONFLICT (sync_run_id, school_code) DO UPDATE SET ${column} = n.${column} + EXCLUDED.${column}`,
        [runId, [...counts.keys()], [...counts.values()]],
      );
    },
    /**
     * What a hold's run did not apply of the schools the hold's approval left out, by school code (none for a hold of
     * no run, or that left none out).
     */
    async ofHold(hold: {
      syncRunId: number | null;
      exceptSchools: readonly string[];
    }): Promise<NotApplied[]> {
      if (hold.syncRunId === null || hold.exceptSchools.length === 0) return [];
      const res = await q.query<NotApplied>(
        `SELECT school_code AS school, records, deletions FROM truc.sync_run_not_applied
          WHERE sync_run_id = $1 AND school_code = ANY($2::text[]) ORDER BY school_code`,
        [hold.syncRunId, [...hold.exceptSchools]],
      );
      return res.rows;
    },
  };
}
