/**
 * Read-only queries for operations (issue 11): the stored state that metrics and the operations
 * dashboard show. Nothing here writes; nothing returns personal data (codes, counts and times only).
 */
import type { UnitLevel } from '../config.js';
import { namedActorColumns } from './actor-names.js';
import { auditReads } from './audit-reads.js';
import type { Batch } from './batches.js';
import type { Queryable } from './db.js';
import type { HoldStatus } from './guard-holds.js';
import { OPEN } from './dead-letters.js';
import type { ReportStatus } from './pcgd.js';
import {
  requestedBy,
  runDeliveries,
  SHOWN_STATUS,
  statusIs,
  WAITING_COLUMNS,
  WAITING_JOIN,
  type RunDelivery,
  type RunWaiting,
} from './sync-run-reads.js';
import { lastSeen } from './record-seen.js';
import type { SchoolSystemSource } from './school-systems.js';
import { failsRecord } from './failing.js';

/** One external system's sync health over the last 24 hours. */
export interface SystemHealth {
  system: string;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastErrorCode: string | null;
  runs24h: number;
  failed24h: number;
  running: number;
}

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

export interface SyncRunRow extends RunWaiting {
  id: number;
  system: string;
  entity: string;
  scope: string;
  status: string;
  pages: number;
  records: number;
  tombstones: number;
  errorCode: string | null;
  /** Who asked, by name as it was then, and their id (./sync-run-reads.ts `requestedBy`, `requestedById`). */
  requestedBy: string;
  requestedById: string;
  createdAt: Date;
  finishedAt: Date | null;
  /** Where its changes stand at each target (./sync-run-reads.ts `runDeliveries`). */
  deliveries: RunDelivery[];
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
  | 'errorCode'
  | 'createdAt'
  | 'finishedAt'
> & {
  /** Its newest guard hold's status and times (none: undefined): whether it is held and when it finished as told. */
  hold:
    { status: Exclude<HoldStatus, 'superseded'>; decidedAt: Date | null; appliedAt: Date | null } | undefined;
};

/** A run as the dashboard lists it: its status as a city admin means it, and what it waits on (./sync-run-reads.ts). */
/** The codes a run ends `failed` with by the guard's decision, not by its system's failure (review32 F4). */
const GUARD_DECIDED = `'ERR_GUARD_REJECTED', 'ERR_GUARD_SUPERSEDED'`;

const SYNC_RUN_COLUMNS = `r.id, r.system, r.entity, r.scope, ${SHOWN_STATUS} AS status, r.pages, r.records, r.tombstones,
  r.error_code AS "errorCode", ${requestedBy('r.')}, r.created_at AS "createdAt",
  r.finished_at AS "finishedAt", ${WAITING_COLUMNS}`;

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

/** Operations: each system's health, open dead letters, sync runs and their last successes. */
function operationsOverview(q: Queryable) {
  return {
    /**
     * Per system: last success and failure, runs and failures in the last 24 hours, runs in flight. A run the guard's
     * decision ended (an admin rejected its hold, or a newer run superseded it: {@link GUARD_DECIDED}) is not the
     * system's failure: the system answered, the data was judged (review32 F4); it stays on the run and its hold.
     */
    async systemHealth(): Promise<SystemHealth[]> {
      const failed = `status = 'failed' AND (error_code IS NULL OR error_code NOT IN (${GUARD_DECIDED}))`;
      const res = await q.query<SystemHealth>(
        `SELECT system,
                max(finished_at) FILTER (WHERE ${SHOWN_STATUS} = 'done') AS "lastSuccessAt",
                max(finished_at) FILTER (WHERE ${failed}) AS "lastFailureAt",
                (array_agg(error_code ORDER BY finished_at DESC NULLS LAST) FILTER (WHERE ${failed}))[1] AS "lastErrorCode",
                count(*) FILTER (WHERE created_at > now() - interval '24 hours')::int AS "runs24h",
                count(*) FILTER (WHERE ${failed} AND created_at > now() - interval '24 hours')::int AS "failed24h",
                count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS running
           FROM truc.sync_runs r GROUP BY system ORDER BY system`,
      );
      return res.rows;
    },
    /** Open dead letters by queue and error code. */
    async deadLettersByCode(): Promise<Array<{ queue: string; errorCode: string; open: number }>> {
      const res = await q.query<{ queue: string; errorCode: string; open: number }>(
        `SELECT queue, error_code AS "errorCode", count(*)::int AS open FROM truc.dead_letters d
          WHERE ${OPEN} GROUP BY queue, error_code ORDER BY open DESC, queue, error_code`,
      );
      return res.rows;
    },
    /** Sync runs, newest first, by system, status and scope when given. */
    async syncRuns(
      f: { system?: string | undefined; status?: string | undefined; scope?: string | undefined },
      limit: number,
      offset: number,
    ): Promise<SyncRunRow[]> {
      const res = await q.query<Omit<SyncRunRow, 'deliveries'>>(
        `SELECT ${SYNC_RUN_COLUMNS} FROM truc.sync_runs r ${WAITING_JOIN}
          WHERE ($1::text IS NULL OR r.system = $1) AND ($2::text IS NULL OR ${statusIs('$2')}) AND ($3::text IS NULL OR r.scope = $3)
          ORDER BY r.id DESC LIMIT $4 OFFSET $5`,
        [f.system ?? null, f.status ?? null, f.scope ?? null, limit, offset],
      );
      const deliveries = await runDeliveries(
        q,
        res.rows.map((r) => r.id),
      );
      return res.rows.map((r) => ({ ...r, deliveries: deliveries.get(Number(r.id)) ?? [] }));
    },
    /**
     * The last successful finish of each (system, entity) that ever finished a sync run: as a city admin means it
     * ({@link SHOWN_STATUS}), so a full run whose reconciliation the guard holds is no success yet (review26a N11: a
     * weekly full run held for days kept the "no successful sync" alert quiet while every view showed it held).
     */
    async lastSyncSuccess(): Promise<Array<{ system: string; entity: string; finishedAt: Date }>> {
      const res = await q.query<{ system: string; entity: string; finished_at: Date }>(
        `SELECT system, entity, max(finished_at) AS finished_at FROM truc.sync_runs r
          WHERE ${SHOWN_STATUS} = 'done' AND finished_at IS NOT NULL GROUP BY system, entity`,
      );
      return res.rows.map((r) => ({ system: r.system, entity: r.entity, finishedAt: r.finished_at }));
    },
  };
}

/** Schools as listed, with their counts and recent failures. */
function schoolList(q: Queryable) {
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
    ): Promise<{ total: number; items: SchoolRow[] }> {
      // the words folded once (an InitPlan), then looked for in each school's key
      const where = `WHERE s.deleted_at IS NULL AND NOT EXISTS (
                       SELECT 1 FROM unnest((SELECT array_agg(w) FROM regexp_split_to_table(truc.search_fold($1), '\\s+') w
                                              WHERE w <> '')) x(w)
                        WHERE position(x.w IN s.search_key) = 0)`;
      const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM truc.schools s ${where}`, [
        search,
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
           FROM (SELECT * FROM truc.schools s ${where} ORDER BY s.school_code LIMIT $2 OFFSET $3) s
           LEFT JOIN truc.school_systems ss ON ss.school_code = s.school_code
          ORDER BY s.school_code`,
        [search, limit, offset],
      );
      return {
        total: total.rows[0]?.n ?? 0,
        items: res.rows.map(fromSchoolColumns),
      };
    },
  };
}

/** One school's recent batches and findings. */
function schoolActivity(q: Queryable) {
  return {
    /** The latest batches of a school (no records), each with its newest guard hold's status and times. */
    async schoolBatches(schoolCode: string, limit: number): Promise<SchoolBatchRow[]> {
      const res = await q.query<
        Omit<SchoolBatchRow, 'hold'> & {
          holdStatus: Exclude<HoldStatus, 'superseded'> | null;
          decidedAt: Date | null;
          appliedAt: Date | null;
        }
      >(
        `SELECT b.id, b.entity, b.client_id AS "clientId", b.status, b.received, b.accepted, b.rejected, b.unchanged,
                b.error_code AS "errorCode", b.created_at AS "createdAt", b.finished_at AS "finishedAt",
                h.status AS "holdStatus", h.decided_at AS "decidedAt", h.applied_at AS "appliedAt"
           FROM truc.batches b
           LEFT JOIN LATERAL (SELECT g.status, g.decided_at, g.applied_at FROM truc.guard_holds g
                               WHERE g.batch_id = b.id ORDER BY g.id DESC LIMIT 1) h ON true
          WHERE b.school_code = $1 ORDER BY b.created_at DESC LIMIT $2`,
        [schoolCode, limit],
      );
      return res.rows.map(({ holdStatus, decidedAt, appliedAt, ...b }) => ({
        ...b,
        hold: holdStatus === null ? undefined : { status: holdStatus, decidedAt, appliedAt },
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
function pcgdOverview(q: Queryable) {
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

/** One push target's deliveries in the last 24 hours: push sets delivered, and push sets dead-lettered. */
export interface PushHealth {
  system: string;
  pushDelivered24h: number;
  pushFailed24h: number;
}

/** Deliveries refused for good, per push target (review27a F3: they never reach the delivery gate). */
function pushRefusals(q: Queryable) {
  return {
    /**
     * Per push target, over the last 24 hours (ops29): its push sets delivered (a set settled by another set's
     * delivery of its records, `deliveredBy`, is not one: that other set is) and its push-set jobs dead-lettered
     * (each letter once, also when replayed since: a replay delivered later is a delivery of its own). Read on
     * the indexes of migration 1010 (a range of the last day, not every set ever kept).
     */
    async pushDeliveries24h(): Promise<PushHealth[]> {
      const res = await q.query<PushHealth>(
        `SELECT system, sum(delivered)::int AS "pushDelivered24h", sum(failed)::int AS "pushFailed24h"
           FROM (SELECT system, count(*) AS delivered, 0 AS failed FROM truc.push_sets
                  WHERE delivered_at > now() - interval '24 hours' AND NOT coalesce(receipt ? 'deliveredBy', false)
                  GROUP BY system
                 UNION ALL
                 SELECT substr(queue, 6), 0, count(*) FROM truc.dead_letters
                  WHERE failed_at > now() - interval '24 hours' AND job_name = 'push-set' AND queue LIKE 'push.%'
                  GROUP BY queue) d
          GROUP BY system ORDER BY system`,
      );
      return res.rows;
    },
    /** Per push target: its last delivery refused for good (a dead letter of push.<system>), time and code. */
    async lastPushRefusals(): Promise<Array<{ system: string; at: Date; code: string }>> {
      const res = await q.query<{ system: string; at: Date; code: string }>(
        `SELECT substr(queue, 6) AS system, max(failed_at) AS at,
                (array_agg(error_code ORDER BY failed_at DESC, id DESC))[1] AS code
           FROM truc.dead_letters WHERE queue LIKE 'push.%' GROUP BY queue`,
      );
      return res.rows;
    },
  };
}

/** The operations reads, and the audit log's (./audit-reads.ts). */
export function createOverviewRepo(q: Queryable) {
  return {
    ...operationsOverview(q),
    ...auditReads(q),
    ...schoolList(q),
    ...schoolActivity(q),
    ...pcgdOverview(q),
    ...pushRefusals(q),
  };
}
export type OverviewRepo = ReturnType<typeof createOverviewRepo>;
