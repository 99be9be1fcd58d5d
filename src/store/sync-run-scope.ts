/**
 * What a full run's reconciliation may decide over (issue 7): the schools (and a classes run's, or a school system's
 * students run's, school years)
 * its pages listed, and where newer full runs of the same system and entity overtook it, their own
 * reconciliation deciding there. Read-only; ./sync-runs.ts's repository offers them with the run's writes.
 */
import type { Queryable } from './db.js';

/** Newer full runs that overtook a run: its reconciliation's view of what the source lacks is stale there. */
export function runOvertaken(q: Queryable) {
  return {
    /**
     * Whether a full run of the same system and entity requested after this one, over the same scope or
     * everything, has fetched its last page: this run's view of what the source lacks is then stale (a record
     * it did not see may be one the newer run saw, unchanged and so not rewritten), and the newer run's own
     * reconciliation decides.
     */
    async supersededByNewer(id: number): Promise<boolean> {
      const res = await q.query(
        `SELECT 1 FROM truc.sync_runs r JOIN truc.sync_runs o
            ON o.system = r.system AND o.entity = r.entity AND (o.scope = r.scope OR o.scope = '')
           AND o.since IS NULL AND o.status = 'done' AND o.id > r.id
          WHERE r.id = $1 LIMIT 1`,
        [id],
      );
      return res.rows.length > 0;
    },
    /**
     * Schools a newer full run of that school alone fetched every page of, when the run is of everything
     * (scope ''): a record of such a school this run missed may be one the newer run saw unchanged (not
     * rewritten), so the run's reconciliation leaves those schools to the newer run's (review18b S1).
     */
    async schoolsOvertaken(id: number): Promise<string[]> {
      const res = await q.query<{ scope: string }>(
        `SELECT DISTINCT o.scope FROM truc.sync_runs r JOIN truc.sync_runs o
            ON o.system = r.system AND o.entity = r.entity AND r.scope = '' AND o.scope <> ''
           AND o.since IS NULL AND o.status = 'done' AND o.id > r.id
          WHERE r.id = $1`,
        [id],
      );
      return res.rows.map((r) => r.scope);
    },
    /**
     * Of `schools`, those a full run of that school alone (same system and entity as the run of everything
     * the hold holds), requested after the hold was made, has fetched every page of: the hold's view of them
     * is stale, the newer runs decided there through the guard (left19 item 2). Empty for a run of one scope.
     */
    async schoolsOvertakenSinceHold(holdId: number, schools: readonly string[]): Promise<Set<string>> {
      const res = await q.query<{ scope: string }>(
        `SELECT DISTINCT o.scope FROM truc.guard_holds h
           JOIN truc.sync_runs r ON r.id = h.sync_run_id AND r.scope = ''
           JOIN truc.sync_runs o
             ON o.system = r.system AND o.entity = r.entity AND o.scope = ANY($2::text[])
            AND o.since IS NULL AND o.status = 'done' AND o.created_at > h.created_at
          WHERE h.id = $1`,
        [holdId, [...schools]],
      );
      return new Set(res.rows.map((r) => r.scope));
    },
  };
}

/** The schools a run's pages listed, as its reconciliation reads them. */
export function runListedSchools(q: Queryable) {
  return {
    /**
     * The schools the records of the run's ingested pages named (review18b R2): the schools its listing
     * walked, as far as its records tell (a school it listed with no record is not among them).
     */
    async listedSchools(id: number): Promise<Set<string>> {
      const res = await q.query<{ school: string }>(
        `SELECT DISTINCT unnest(schools) AS school FROM truc.sync_run_seen WHERE sync_run_id = $1`,
        [id],
      );
      return new Set(res.rows.map((r) => r.school));
    },
    /**
     * The school years a classes run's pages listed at each school, as `school/year` (its seen keys are class
     * keys, school/year/code): what its reconciliation deletes within (left20 item 1).
     */
    async listedClassYears(id: number): Promise<Set<string>> {
      const res = await q.query<{ unit: string }>(
        `SELECT DISTINCT split_part(k, '/', 1) || '/' || split_part(k, '/', 2) AS unit
           FROM truc.sync_run_seen, unnest(keys) k WHERE sync_run_id = $1`,
        [id],
      );
      return new Set(res.rows.map((r) => r.unit));
    },
    /**
     * The school years a school system's students run listed at each school, as `school/year` (pullyear25): those
     * of the students it saw as truc holds them, of those it wrote last (a record it carried written, or skipped as
     * what it carried before: the school and year it carries). A student it carried that truc holds as another's
     * word (a later year the city wrote: year24) or refused tells no year. What its reconciliation deletes within.
     * `batchId`: of that one page only (a held page, in its transaction after its writes: fix36e).
     */
    async listedStudentYears(id: number, system: string, batchId?: string): Promise<Set<string>> {
      const res = await q.query<{ unit: string }>(
        `SELECT DISTINCT s.school_code || '/' || coalesce(s.data ->> 'schoolYear', '') AS unit
           FROM truc.sync_run_seen x CROSS JOIN LATERAL unnest(x.keys) AS k(key)
           JOIN truc.students s ON s.student_code = k.key AND s.source_system = $2
          WHERE x.sync_run_id = $1 AND ($3::uuid IS NULL OR x.batch_id = $3::uuid)`,
        [id, system, batchId ?? null],
      );
      return new Set(res.rows.map((r) => r.unit));
    },
  };
}
