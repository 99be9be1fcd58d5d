/**
 * Read-only queries for operations (issue 11): the stored state that metrics and the operations
 * dashboard show. Nothing here writes; nothing returns personal data (codes, counts and times only).
 * Here: systems' sync health, sync runs, dead letters and push deliveries; the schools' reads in
 * ./overview-schools.ts, PCGD reports' in ./overview-pcgd.ts, the audit log's in ./audit-reads.ts.
 */
import { auditReads } from './audit-reads.js';
import type { Queryable } from './db.js';
import { OPEN } from './dead-letters.js';
import { pcgdOverview } from './overview-pcgd.js';
import { schoolActivity, schoolList } from './overview-schools.js';
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

/** The codes a run ends `failed` with by the guard's decision, not by its system's failure (review32 F4). */
const GUARD_DECIDED = `'ERR_GUARD_REJECTED', 'ERR_GUARD_SUPERSEDED'`;

/** A run as the dashboard lists it: its status as a city admin means it, and what it waits on (./sync-run-reads.ts). */
const SYNC_RUN_COLUMNS = `r.id, r.system, r.entity, r.scope, ${SHOWN_STATUS} AS status, r.pages, r.records, r.tombstones,
  r.error_code AS "errorCode", ${requestedBy('r.')}, r.created_at AS "createdAt",
  r.finished_at AS "finishedAt", ${WAITING_COLUMNS}`;

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
    /**
     * Sync runs, newest first, by system, status and scope when given; with `cityWideOf`, the city-wide runs (no
     * scope) of those systems beside the scope's own (a school's page: the pulls that covered it, dash9 item 2).
     */
    async syncRuns(
      f: {
        system?: string | undefined;
        status?: string | undefined;
        scope?: string | undefined;
        cityWideOf?: readonly string[] | undefined;
      },
      limit: number,
      offset: number,
    ): Promise<SyncRunRow[]> {
      const res = await q.query<Omit<SyncRunRow, 'deliveries'>>(
        `SELECT ${SYNC_RUN_COLUMNS} FROM truc.sync_runs r ${WAITING_JOIN}
          WHERE ($1::text IS NULL OR r.system = $1) AND ($2::text IS NULL OR ${statusIs('$2')})
            AND ($3::text IS NULL OR r.scope = $3 OR (r.scope = '' AND r.system = ANY($6::text[])))
          ORDER BY r.id DESC LIMIT $4 OFFSET $5`,
        [f.system ?? null, f.status ?? null, f.scope ?? null, limit, offset, [...(f.cityWideOf ?? [])]],
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
    /**
     * Per system, its last delivery the system took (walk5 W5-2: a recovered push target read as failing while no pull
     * ran, its last success being sync runs only): a push set delivered (not one settled by another set's delivery,
     * `deliveredBy`), and for moet-pcgd a PCGD report the Ministry receipted. On the index of migration 1456.
     */
    async lastDeliveries(systems: readonly string[]): Promise<Array<{ system: string; at: Date }>> {
      const res = await q.query<{ system: string; at: Date }>(
        `SELECT s.system, (SELECT p.delivered_at FROM truc.push_sets p
                             WHERE p.system = s.system AND p.delivered_at IS NOT NULL
                               AND NOT coalesce(p.receipt ? 'deliveredBy', false)
                             ORDER BY p.delivered_at DESC LIMIT 1) AS at
           FROM unnest($1::text[]) AS s(system)
         UNION ALL
         SELECT 'moet-pcgd', max(receipted_at) FROM truc.pcgd_reports`,
        [systems],
      );
      return res.rows.filter((r) => r.at !== null);
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
