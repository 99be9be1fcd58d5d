/**
 * Read-only queries for operations (issue 11), the schools' part: the schools list with each school's counts and
 * recent failures, and one school's batches and findings. Nothing here writes; nothing returns personal data (codes,
 * counts and times only). Composed into the one overview repo, ./overview.ts `createOverviewRepo`.
 */
import { namedActorColumns } from './actor-names.js';
import type { Batch } from './batches.js';
import type { Queryable } from './db.js';
import { failsRecord } from './failing.js';
import type { HoldStatus } from './guard-holds.js';
import { lastSeen } from './record-seen.js';
import type { SchoolSystemSource } from './school-systems.js';

/** One school as the schools table shows it (codes, counts and times only). */
export interface SchoolRow {
  schoolCode: string;
  name: string;
  communeCode: string | null;
  /** The system the school's record came from (the city database for nearly every school). */
  sourceSystem: string;
  /** The school-management system serving the school (src/store/school-systems.ts), null when truc knows none. */
  schoolSystem: string | null;
  /** How truc knows it: a pull of that system, a vendor batch in its format, or a city admin's word. */
  schoolSystemFrom: SchoolSystemSource | null;
  /** The admin who set it, by name as it was then, and by id (./school-systems.ts `setBy`; null: learned or none). */
  schoolSystemSetBy: string | null;
  schoolSystemSetById: string | null;
  lastSeenAt: Date;
  lastBatchAt: Date | null;
  students: number;
  staff: number;
  classes: number;
  /** Records received and, per quality criterion, records failing it by the scorecards' rule (./failing.ts; last 30 days). */
  received: number;
  failing: Record<string, number>;
}

/** A batch as a school's page lists it (no records). */
export type SchoolBatchRow = Pick<
  Batch,
  | 'id'
  | 'entity'
  | 'clientId'
  | 'status'
  | 'received'
  | 'accepted'
  | 'rejected'
  | 'unchanged'
  | 'mode'
  | 'deleted'
  | 'errorCode'
  | 'createdAt'
  | 'finishedAt'
> & {
  /**
   * Its newest guard hold, its id, status and times (none: undefined): whether it is held, when it finished as told,
   * and which hold the school's page links to (walk5 W5-7).
   */
  hold:
    | {
        id: number;
        status: Exclude<HoldStatus, 'superseded'>;
        decidedAt: Date | null;
        appliedAt: Date | null;
      }
    | undefined;
};

/** A school as {@link SchoolRow} reads it. */
interface SchoolColumns {
  school_code: string;
  name: string | null;
  commune_code: string | null;
  source_system: string;
  school_system: string | null;
  school_system_from: SchoolSystemSource | null;
  schoolSystemSetBy: string | null;
  schoolSystemSetById: string | null;
  last_seen_at: Date;
  last_batch_at: Date | null;
  students: number;
  staff: number;
  classes: number;
  received: number;
  failing: Record<string, number> | null;
}

const fromSchoolColumns = (r: SchoolColumns): SchoolRow => ({
  schoolCode: r.school_code,
  name: r.name ?? '',
  communeCode: r.commune_code,
  sourceSystem: r.source_system,
  schoolSystem: r.school_system,
  schoolSystemFrom: r.school_system_from,
  schoolSystemSetBy: r.schoolSystemSetBy,
  schoolSystemSetById: r.schoolSystemSetById,
  lastSeenAt: r.last_seen_at,
  lastBatchAt: r.last_batch_at,
  students: r.students,
  staff: r.staff,
  classes: r.classes,
  received: r.received,
  failing: r.failing ?? {},
});

/** Schools as listed, with their counts and recent failures. */
export function schoolList(q: Queryable) {
  return {
    /**
     * Schools whose code, name or commune code holds every word of `search` (all when empty), by code: accents and
     * case aside (fix31b: "nguyen trai" finds "Trường THCS Nguyễn Trãi"), the words in any order. Both sides folded by
     * truc.search_fold, the schools' side kept folded in `search_key` (migration 1271).
     *
     * At the city's scale (fix34b, review33c N4: 2,500 schools, 1.7 M students) the page is chosen first and only its
     * schools counted: the counts were computed for every school the offset skipped (the 50th page of 50 took 29 s),
     * and a school's live students and staff are counted from an index alone (migration 1406; since 1431 `*_school_key`,
     * which carries each row's deleted_at): 680 students a school had been read from the table, one block each (first
     * page 0.43 s; now 0.09 s, see the README).
     */
    async schools(
      search: string,
      limit: number,
      offset: number,
      commune = '',
    ): Promise<{ total: number; items: SchoolRow[] }> {
      // the words folded once (an InitPlan), then looked for in each school's key; a commune ('' none) exactly
      const where = `WHERE s.deleted_at IS NULL AND NOT EXISTS (
                       SELECT 1 FROM unnest((SELECT array_agg(w) FROM regexp_split_to_table(truc.search_fold($1), '\\s+') w
                                              WHERE w <> '')) x(w)
                        WHERE position(x.w IN s.search_key) = 0)
                       AND ($2::text = '' OR s.data->>'communeCode' = $2::text)`;
      const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM truc.schools s ${where}`, [
        search,
        commune,
      ]);
      const res = await q.query<SchoolColumns>(
        `SELECT s.school_code, s.data->>'name' AS name, s.data->>'communeCode' AS commune_code, s.source_system,
                ss.system AS school_system, ss.learned_from AS school_system_from,
                ${namedActorColumns('ss.set_by', 'ss.set_by_name', 'schoolSystemSetBy')},
                ${lastSeen('schools', 's')} AS last_seen_at,
                (SELECT max(b.created_at) FROM truc.batches b WHERE b.school_code = s.school_code) AS last_batch_at,
                (SELECT count(*)::int FROM truc.students x WHERE x.school_code = s.school_code AND x.deleted_at IS NULL) AS students,
                (SELECT count(*)::int FROM truc.staff x WHERE x.school_code = s.school_code AND x.deleted_at IS NULL) AS staff,
                (SELECT count(*)::int FROM truc.classes x WHERE x.school_code = s.school_code AND x.deleted_at IS NULL) AS classes,
                coalesce((SELECT sum(b.received)::int FROM truc.batches b
                           WHERE b.school_code = s.school_code AND b.created_at > now() - interval '30 days'), 0) AS received,
                (SELECT jsonb_object_agg(f.criterion, f.n) FROM (
                   SELECT f.criterion, count(DISTINCT (b.id, f.record_index))::int AS n
                     FROM truc.batches b JOIN truc.findings f ON f.batch_id = coalesce(b.findings_of, b.id)
                    WHERE b.school_code = s.school_code AND b.created_at > now() - interval '30 days'
                      AND ${failsRecord('f.severity')}
                    GROUP BY f.criterion) f) AS failing
           FROM (SELECT * FROM truc.schools s ${where} ORDER BY s.school_code LIMIT $3 OFFSET $4) s
           LEFT JOIN truc.school_systems ss ON ss.school_code = s.school_code
          ORDER BY s.school_code`,
        [search, commune, limit, offset],
      );
      return {
        total: total.rows[0]?.n ?? 0,
        items: res.rows.map(fromSchoolColumns),
      };
    },
  };
}

/** One school's recent batches and findings. */
export function schoolActivity(q: Queryable) {
  return {
    /** The latest batches of a school (no records), each with its newest guard hold's status and times. */
    async schoolBatches(schoolCode: string, limit: number): Promise<SchoolBatchRow[]> {
      const res = await q.query<
        Omit<SchoolBatchRow, 'hold'> & {
          holdId: string | null;
          holdStatus: Exclude<HoldStatus, 'superseded'> | null;
          decidedAt: Date | null;
          appliedAt: Date | null;
        }
      >(
        `SELECT b.id, b.entity, b.client_id AS "clientId", b.status, b.received, b.accepted, b.rejected, b.unchanged,
                b.mode, b.deleted, b.error_code AS "errorCode", b.created_at AS "createdAt", b.finished_at AS "finishedAt",
                h.id AS "holdId", h.status AS "holdStatus", h.decided_at AS "decidedAt", h.applied_at AS "appliedAt"
           FROM truc.batches b
           LEFT JOIN LATERAL (SELECT g.id, g.status, g.decided_at, g.applied_at FROM truc.guard_holds g
                               WHERE g.batch_id = b.id ORDER BY g.id DESC LIMIT 1) h ON true
          WHERE b.school_code = $1 ORDER BY b.created_at DESC LIMIT $2`,
        [schoolCode, limit],
      );
      return res.rows.map(({ holdId, holdStatus, decidedAt, appliedAt, ...b }) => ({
        ...b,
        hold:
          holdId === null || holdStatus === null
            ? undefined
            : { id: Number(holdId), status: holdStatus, decidedAt, appliedAt },
      }));
    },
    /** Findings of a school's batches of the last 30 days, counted by rule. */
    async schoolFindingsByRule(schoolCode: string) {
      const res = await q.query<{
        rule: string;
        criterion: string;
        severity: string;
        findings: number;
        records: number;
      }>(
        `SELECT f.rule, f.criterion, f.severity, count(*)::int AS findings,
                count(DISTINCT (b.id, f.record_index))::int AS records
           FROM truc.batches b JOIN truc.findings f ON f.batch_id = coalesce(b.findings_of, b.id)
          WHERE b.school_code = $1 AND b.created_at > now() - interval '30 days'
          GROUP BY f.rule, f.criterion, f.severity ORDER BY findings DESC, f.rule LIMIT 200`,
        [schoolCode],
      );
      return res.rows;
    },
  };
}
