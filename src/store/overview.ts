/**
 * Read-only queries for operations (issue 11): the stored state that metrics and the operations
 * dashboard show. Nothing here writes; nothing returns personal data (codes, counts and times only).
 */
import type { Queryable } from './db.js';

/** PCGD-XMC deadlines of a report year (DOMAIN.md): communes by 3 October, the province by 10 October. */
export const PCGD_DEADLINES = { commune: '10-03', province: '10-10' } as const;

export function createOverviewRepo(q: Queryable) {
  return {
    /** The last successful finish of each (system, entity) that ever finished a sync run. */
    async lastSyncSuccess(): Promise<Array<{ system: string; entity: string; finishedAt: Date }>> {
      const res = await q.query<{ system: string; entity: string; finished_at: Date }>(
        `SELECT system, entity, max(finished_at) AS finished_at FROM truc.sync_runs
          WHERE status = 'done' AND finished_at IS NOT NULL GROUP BY system, entity`,
      );
      return res.rows.map((r) => ({ system: r.system, entity: r.entity, finishedAt: r.finished_at }));
    },
    /** Current (not superseded) PCGD reports of a year, counted by unit level and status. */
    async pcgdUnitsByStatus(year: number): Promise<Array<{ level: string; status: string; units: number }>> {
      const res = await q.query<{ level: string; status: string; units: number }>(
        `SELECT unit_level AS level, status, count(*)::int AS units FROM truc.pcgd_reports
          WHERE year = $1 AND superseded_at IS NULL GROUP BY unit_level, status`,
        [year],
      );
      return res.rows;
    },
  };
}
export type OverviewRepo = ReturnType<typeof createOverviewRepo>;
