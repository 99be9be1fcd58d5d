/**
 * Which school-management system serves each school (one per school; the latest evidence wins):
 * learned from pulls of a system and from vendor batches in its format, read when the city's changes
 * are routed to the schools' own systems.
 */
import type { Queryable } from './db.js';

export interface SchoolSystemRow {
  schoolCode: string;
  system: string;
  learnedFrom: 'pull' | 'batch';
  updatedAt: Date;
}

export function createSchoolSystemsRepo(q: Queryable) {
  return {
    /** Records that `system` serves the schools; rows that already say so are left untouched. */
    async learn(system: string, schoolCodes: readonly string[], from: 'pull' | 'batch'): Promise<void> {
      // Sorted, so concurrent pages lock the same rows in the same order.
      const codes = [...new Set(schoolCodes.filter((c) => c !== ''))].sort();
      if (codes.length === 0) return;
      await q.query(
        `INSERT INTO truc.school_systems (school_code, system, learned_from)
           SELECT unnest($1::text[]), $2, $3
         ON CONFLICT (school_code) DO UPDATE
           SET system = EXCLUDED.system, learned_from = EXCLUDED.learned_from, updated_at = now()
         WHERE truc.school_systems.system <> EXCLUDED.system`,
        [codes, system, from],
      );
    },
    /** Of `schoolCodes`, the ones `system` serves. */
    async servedBy(system: string, schoolCodes: readonly string[]): Promise<Set<string>> {
      const codes = [...new Set(schoolCodes)];
      if (codes.length === 0) return new Set();
      const res = await q.query<{ school_code: string }>(
        `SELECT school_code FROM truc.school_systems WHERE system = $1 AND school_code = ANY($2::text[])`,
        [system, codes],
      );
      return new Set(res.rows.map((r) => r.school_code));
    },
    async list(): Promise<SchoolSystemRow[]> {
      const res = await q.query<SchoolSystemRow>(
        `SELECT school_code AS "schoolCode", system, learned_from AS "learnedFrom", updated_at AS "updatedAt"
           FROM truc.school_systems ORDER BY school_code`,
      );
      return res.rows;
    },
  };
}
