/**
 * Where the last incremental pull of a system, entity and scope stopped (split from ./sync-runs.ts, which offers
 * these with a run's other reads and writes), and the latest run of a scope not finished yet.
 */
import type { EntityName, SystemName } from '../config.js';
import type { Queryable } from './db.js';

/** Where the last incremental pull of a system, entity and scope stopped. */
export function watermarks(q: Queryable) {
  return {
    async watermark(system: SystemName, entity: EntityName, scope: string): Promise<string | undefined> {
      const res = await q.query<{ watermark: string }>(
        'SELECT watermark FROM truc.sync_watermarks WHERE system = $1 AND entity = $2 AND scope = $3',
        [system, entity, scope],
      );
      return res.rows[0]?.watermark;
    },
    /**
     * Keeps the scope's watermark. Saved by a run (`runId`), it is kept only when no run requested after it
     * saved one already (migration 641: runs may finish out of the order they were requested in, and
     * watermarks are opaque, so the newer is told by the run, not by the string).
     */
    /**
     * The latest run of a system, entity and scope not finished yet: queued, running or held, or done with its
     * reconciliation queued or held (a schedule's fire requests none beside it: ../jobs/schedule-control.ts).
     */
    async unfinished(system: SystemName, entity: EntityName, scope: string): Promise<number | undefined> {
      const res = await q.query<{ id: string }>(
        `SELECT id FROM truc.sync_runs
          WHERE system = $1 AND entity = $2 AND scope = $3
            AND (status IN ('queued', 'running', 'held') OR reconcile IN ('queued', 'held'))
          ORDER BY id DESC LIMIT 1`,
        [system, entity, scope],
      );
      return res.rows[0] === undefined ? undefined : Number(res.rows[0].id);
    },
    async saveWatermark(
      system: SystemName,
      entity: EntityName,
      scope: string,
      watermark: string,
      runId?: number,
    ): Promise<void> {
      await q.query(
        `INSERT INTO truc.sync_watermarks AS w (system, entity, scope, watermark, sync_run_id)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (system, entity, scope) DO UPDATE
           SET watermark = EXCLUDED.watermark, sync_run_id = EXCLUDED.sync_run_id, updated_at = now()
         WHERE w.sync_run_id IS NULL OR EXCLUDED.sync_run_id IS NULL OR w.sync_run_id < EXCLUDED.sync_run_id`,
        [system, entity, scope, watermark, runId ?? null],
      );
    },
    /**
     * Drops the scope's watermark, as a full run `runId` that left schools out does (../jobs/pull-store.ts: the next
     * run is full), unless a run requested after it saved it.
     */
    async dropWatermark(system: SystemName, entity: EntityName, scope: string, runId: number): Promise<void> {
      await q.query(
        `DELETE FROM truc.sync_watermarks
          WHERE system = $1 AND entity = $2 AND scope = $3 AND (sync_run_id IS NULL OR sync_run_id < $4)`,
        [system, entity, scope, runId],
      );
    },
  };
}
