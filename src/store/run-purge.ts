/**
 * polish6: what a sync run keeps while it runs, dropped by the nightly purge (../jobs/change-purge.ts) once the run
 * finished for good ({@link FINISHED}): its counts per school (truc.sync_run_guard, ./run-guard.ts), what its
 * tombstones deleted (truc.sync_run_deleted, migration 1437) and what its held pages' weighing saw (truc.weigh_seen,
 * ./weigh-seen.ts: dropped when the weighing ends, left when that drop failed). Codes and counts only. The run's row
 * and what an approval left out per school (truc.sync_run_not_applied) stay: they are its report.
 */
import { OPEN } from './dead-letters.js';
import type { Queryable } from './db.js';

/**
 * A run (`r`) that reads none of those rows again: done with no reconciliation still to weigh (queued, or held for a
 * decision: ../jobs/run-guard.ts `guardReconcile` weighs it with the run's counts), or failed, an hour ago or more;
 * neither a batch of its pages still in progress (a full run's reconciliation is claimed once its last batch is done:
 * ./sync-runs.ts `claimReconcile`) nor an open dead letter that would reopen the run or one of its batches
 * (../jobs/dead-letters.ts).
 */
const FINISHED = `((r.status = 'failed'
    OR (r.status = 'done' AND r.reconcile IS DISTINCT FROM 'queued' AND r.reconcile IS DISTINCT FROM 'held'))
  AND coalesce(r.finished_at, r.created_at) < now() - interval '1 hour'
  AND NOT EXISTS (SELECT 1 FROM truc.batches b WHERE b.sync_run_id = r.id AND b.status IN ('queued', 'processing', 'held'))
  AND NOT EXISTS (
    SELECT 1 FROM truc.dead_letters d JOIN truc.outbox o ON o.id = d.outbox_id
     WHERE ${OPEN} AND (o.payload->>'syncRunId' = r.id::text
        OR o.payload->>'batchId' IN (SELECT b.id::text FROM truc.batches b WHERE b.sync_run_id = r.id))))`;

/** Each table's rows of a run, by their primary key. */
const TABLES = {
  deleted: { table: 'truc.sync_run_deleted', key: 'x.sync_run_id, x.record_key', run: 'x.sync_run_id' },
  counts: {
    table: 'truc.sync_run_guard',
    key: 'x.sync_run_id, x.school_code, x.school_year',
    run: 'x.sync_run_id',
  },
  weighed: {
    table: 'truc.weigh_seen',
    key: 'x.hold_id, x.page_no',
    run: '(SELECT h.sync_run_id FROM truc.guard_holds h WHERE h.id = x.hold_id)',
  },
} as const;

export type RunPurgeTable = keyof typeof TABLES;
export const RUN_PURGE_TABLES = Object.keys(TABLES) as RunPurgeTable[];

export function createRunPurgeRepo(q: Queryable) {
  return {
    /** Drops up to `limit` rows of `table` of runs finished for good; how many went. */
    async purgeFinished(table: RunPurgeTable, limit: number): Promise<number> {
      const t = TABLES[table];
      const res = await q.query(
        `DELETE FROM ${t.table} d
          WHERE (${t.key.replaceAll('x.', 'd.')}) IN (
            SELECT ${t.key} FROM ${t.table} x JOIN truc.sync_runs r ON r.id = ${t.run}
             WHERE ${FINISHED} LIMIT $1)`,
        [limit],
      );
      return res.rowCount ?? 0;
    },
  };
}
