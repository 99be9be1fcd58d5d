/**
 * Which school-management system serves each school (one per school; the latest evidence wins):
 * learned from pulls of a system and from vendor batches in its format, or set by a city admin (an
 * admin's answer is kept until an admin changes it), read when the city's changes are routed to the
 * schools' own systems.
 */
import { actorNameSql, namedActorColumns } from './actor-names.js';
import type { Queryable } from './db.js';

export type SchoolSystemSource = 'pull' | 'batch' | 'admin';

export interface SchoolSystemRow {
  schoolCode: string;
  system: string;
  learnedFrom: SchoolSystemSource;
  /**
   * The admin who set it (learnedFrom 'admin'), by name as it was when they set it (./actor-names.ts: the client's
   * display name, the CLI operator's name; fix37a, migration 1426), the id when truc knew none; else null.
   */
  setBy: string | null;
  /** The admin who set it, by id (an API client's id, `operator:cli:<name>`), else null. */
  setById: string | null;
  updatedAt: Date;
}

const COLUMNS = `school_code AS "schoolCode", system, learned_from AS "learnedFrom",
                 ${namedActorColumns('set_by', 'set_by_name', 'setBy')}, updated_at AS "updatedAt"`;

/** Which system serves a school, as learned from pulls and batches. */
function learnedSystems(q: Queryable) {
  return {
    /**
     * Records that `system` serves the schools; rows that already say so, and rows an admin set, are
     * left untouched.
     */
    async learn(system: string, schoolCodes: readonly string[], from: 'pull' | 'batch'): Promise<void> {
      // Sorted, so concurrent pages lock the same rows in the same order.
      const codes = [...new Set(schoolCodes.filter((c) => c !== ''))].sort();
      if (codes.length === 0) return;
      await q.query(
        `INSERT INTO truc.school_systems (school_code, system, learned_from)
           SELECT unnest($1::text[]), $2, $3
         ON CONFLICT (school_code) DO UPDATE
           SET system = EXCLUDED.system, learned_from = EXCLUDED.learned_from, updated_at = now()
         WHERE truc.school_systems.system <> EXCLUDED.system
           AND truc.school_systems.learned_from <> 'admin'`,
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
    async get(schoolCode: string): Promise<SchoolSystemRow | undefined> {
      const res = await q.query<SchoolSystemRow>(
        `SELECT ${COLUMNS} FROM truc.school_systems WHERE school_code = $1`,
        [schoolCode],
      );
      return res.rows[0];
    },
  };
}

/** Schools and their systems as an admin lists, sets and clears them. */
function adminSystems(q: Queryable) {
  return {
    /** Schools and their systems by school code, filtered by system and source when given. */
    async list(
      filter: {
        system?: string | undefined;
        learnedFrom?: SchoolSystemSource | undefined;
        limit?: number;
        offset?: number;
      } = {},
    ): Promise<{ total: number; items: SchoolSystemRow[] }> {
      const where = `($1::text IS NULL OR system = $1) AND ($2::text IS NULL OR learned_from = $2)`;
      const params = [filter.system ?? null, filter.learnedFrom ?? null];
      const total = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM truc.school_systems WHERE ${where}`,
        params,
      );
      const res = await q.query<SchoolSystemRow>(
        `SELECT ${COLUMNS} FROM truc.school_systems WHERE ${where}
          ORDER BY school_code LIMIT $3 OFFSET $4`,
        [...params, filter.limit ?? 10_000, filter.offset ?? 0],
      );
      return { total: total.rows[0]!.n, items: res.rows };
    },
    /**
     * An admin says `system` serves the school (kept until an admin changes it), kept with the admin's name as it is
     * now (fix37a). Returns the prior row.
     */
    async set(schoolCode: string, system: string, by: string): Promise<SchoolSystemRow | undefined> {
      // One admin's set at a time per school: with no row yet FOR UPDATE locks nothing, and two sets at once both
      // read none, so the audit said the second replaced nothing (review33b F7).
      await q.query(
        `SELECT pg_advisory_xact_lock(${SCHOOL_SYSTEM_LOCK_SPACE}, hashtext($1::text))::text IS NOT NULL AS locked`,
        [schoolCode],
      );
      const before = await q.query<SchoolSystemRow>(
        `SELECT ${COLUMNS} FROM truc.school_systems WHERE school_code = $1 FOR UPDATE`,
        [schoolCode],
      );
      await q.query(
        `INSERT INTO truc.school_systems (school_code, system, learned_from, set_by, set_by_name)
           VALUES ($1, $2, 'admin', $3, ${actorNameSql('$3::text')})
         ON CONFLICT (school_code) DO UPDATE
           SET system = EXCLUDED.system, learned_from = 'admin', set_by = EXCLUDED.set_by,
               set_by_name = EXCLUDED.set_by_name, updated_at = now()`,
        [schoolCode, system, by],
      );
      return before.rows[0];
    },
    /** Forgets which system serves the school (learning may fill it again). Returns the removed row. */
    async clear(schoolCode: string): Promise<SchoolSystemRow | undefined> {
      const res = await q.query<SchoolSystemRow>(
        `DELETE FROM truc.school_systems WHERE school_code = $1 RETURNING ${COLUMNS}`,
        [schoolCode],
      );
      return res.rows[0];
    },
  };
}

/** The first int of the advisory key of an admin's set of a school's system (./pcgd.ts uses 1130). */
export const SCHOOL_SYSTEM_LOCK_SPACE = 1140;

export function createSchoolSystemsRepo(q: Queryable) {
  return { ...learnedSystems(q), ...adminSystems(q) };
}
