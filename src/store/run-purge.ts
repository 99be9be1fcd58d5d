/**
 * polish6: what a sync run keeps while it runs, dropped by the nightly purge (../jobs/change-purge.ts) once the run
 * finished for good ({@link FINISHED}): its counts per school (truc.sync_run_guard, ./run-guard.ts), what its
 * tombstones deleted (truc.sync_run_deleted, migration 1437), what its held pages' weighing saw (truc.weigh_seen,
 * ./weigh-seen.ts: dropped when the weighing ends, left when that drop failed) and the keys its pages saw
 * (truc.sync_run_seen: dropped by its reconciliation, or by a newer full run's of its system; fix7: a failed full run
 * of a system never fully synced again kept them for good). Codes and counts only. The run's row
 * and what an approval left out per school (truc.sync_run_not_applied) stay: they are its report.
 */
import { lettersOfRuns, OPEN } from './dead-letters.js';
import type { Queryable } from './db.js';

/**
 * A run (`r`) that reads none of those rows again: done with no reconciliation still to weigh (queued, or held for a
 * decision: ../jobs/run-guard.ts `guardReconcile` weighs it with the run's counts), or failed, an hour ago or more;
 * neither a batch of its pages still in progress (a full run's reconciliation is claimed once its last batch is done:
 * ./sync-runs.ts `claimReconcile`) nor an open dead letter of the run, by the rule its page and ?syncRunId= count and
 * list them (./dead-letters.ts `lettersOfRuns`: dash13, a letter of its pull or of a batch of its pages, which a replay
 * reopens, and a letter of its push sets).
 */
const FINISHED = `((r.status = 'failed'
    OR (r.status = 'done' AND r.reconcile IS DISTINCT FROM 'queued' AND r.reconcile IS DISTINCT FROM 'held'))
  AND coalesce(r.finished_at, r.created_at) < now() - interval '1 hour'
  AND NOT EXISTS (SELECT 1 FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status IN ('queued', 'processing', 'held'))
  AND NOT EXISTS (SELECT 1 FROM (${lettersOfRuns(OPEN)}) lr WHERE lr.run = r.id::text))`;

/** Each table's rows of a run (`$1`: the runs' ids), by their primary key. */
const TABLES = {
  deleted: {
    table: 'truc.sync_run_deleted',
    key: 'sync_run_id, record_key',
    of: 'sync_run_id = ANY($1::bigint[])',
  },
  counts: {
    table: 'truc.sync_run_guard',
    key: 'sync_run_id, school_code, school_year',
    of: 'sync_run_id = ANY($1::bigint[])',
  },
  seen: { table: 'truc.sync_run_seen', key: 'sync_run_id, batch_id', of: 'sync_run_id = ANY($1::bigint[])' },
  weighed: {
    table: 'truc.weigh_seen',
    key: 'hold_id, page_no',
    of: 'hold_id IN (SELECT h.id FROM truc.guard_holds h WHERE h.sync_run_id = ANY($1::bigint[]))',
  },
} as const;

export type RunPurgeTable = keyof typeof TABLES;
export const RUN_PURGE_TABLES = Object.keys(TABLES) as RunPurgeTable[];

/** A run (`r`) that still has a row in one of {@link TABLES}. */
const HAS_ROWS = `(EXISTS (SELECT 1 FROM truc.sync_run_deleted x WHERE x.sync_run_id = r.id)
  OR EXISTS (SELECT 1 FROM truc.sync_run_guard x WHERE x.sync_run_id = r.id)
  OR EXISTS (SELECT 1 FROM truc.sync_run_seen x WHERE x.sync_run_id = r.id)
  OR EXISTS (SELECT 1 FROM truc.guard_holds h JOIN truc.weigh_seen x ON x.hold_id = h.id WHERE h.sync_run_id = r.id))`;

export function createRunPurgeRepo(q: Queryable) {
  return {
    /**
     * The runs finished for good that still keep a row of {@link TABLES}: read once a purge (review6 R6-4: each
     * chunk's DELETE judged every row's run again).
     */
    async finishedRuns(): Promise<number[]> {
      const res = await q.query<{ id: string }>(
        `SELECT r.id::text AS id FROM truc.sync_runs r WHERE ${FINISHED} AND ${HAS_ROWS} ORDER BY r.id`,
      );
      return res.rows.map((r) => Number(r.id));
    },
    /** Drops up to `limit` rows of `table` of the runs `runs`; how many went. */
    async purgeOf(table: RunPurgeTable, runs: readonly number[], limit: number): Promise<number> {
      if (runs.length === 0) return 0;
      const t = TABLES[table];
      const res = await q.query(
        `DELETE FROM ${t.table} WHERE (${t.key}) IN (SELECT ${t.key} FROM ${t.table} WHERE ${t.of} LIMIT $2)`,
        [[...runs], limit],
      );
      return res.rowCount ?? 0;
    },
  };
}
