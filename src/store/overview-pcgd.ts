/**
 * Read-only queries for operations (issue 11), the PCGD-XMC part: each unit's current report of a year, as the
 * overview and the metrics read it. Nothing here writes. Composed into the one overview repo, ./overview.ts
 * `createOverviewRepo`.
 */
import type { UnitLevel } from '../config.js';
import type { Queryable } from './db.js';
import type { ReportStatus } from './pcgd.js';

/** A unit's current PCGD report of a year, as the overview and the metrics read it. */
export interface PcgdUnitRow {
  unitCode: string;
  level: UnitLevel;
  status: ReportStatus;
  version: number;
  submittedAt: Date | null;
  deliveryError: string | null;
  deliveryNotBefore: Date | null;
  /** The year's first submission of the unit the Ministry receipted, of any version (fix35e: lateness is judged by it). */
  firstSubmittedAt: Date | null;
}

/** PCGD reports of a year: each unit's current one. */
export function pcgdOverview(q: Queryable) {
  return {
    /** Current PCGD reports of a year, one per unit. */
    async pcgdUnits(year: number): Promise<PcgdUnitRow[]> {
      const res = await q.query<PcgdUnitRow>(
        `SELECT unit_code AS "unitCode", unit_level AS level, status, version, submitted_at AS "submittedAt",
                delivery_error AS "deliveryError", delivery_not_before AS "deliveryNotBefore",
                (SELECT min(f.submitted_at) FROM truc.pcgd_reports f
                  WHERE f.unit_code = r.unit_code AND f.year = r.year AND f.receipted_at IS NOT NULL) AS "firstSubmittedAt"
           FROM truc.pcgd_reports r WHERE year = $1 AND superseded_at IS NULL ORDER BY unit_level DESC, unit_code`,
        [year],
      );
      return res.rows;
    },
  };
}
