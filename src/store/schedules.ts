/**
 * Schedules' shared state: paused or not (a city admin's choice), and every fire with its outcome and
 * the sync run it requested. A fire is recorded once per (schedule, fire time); a second delivery of
 * the same fire only counts a duplicate.
 */
import { actorNameSql } from './actor-names.js';
import type { Queryable } from './db.js';
import { SHOWN_STATUS, type SyncRunStatus } from './sync-run-reads.js';

/**
 * `busy`: the schedule's fire found an earlier run of its system, entity and scope unfinished and requested none;
 * `refused`: its run could not be requested, for the reason its `errorCode` names (ERR_SCOPE_UNKNOWN: its scope
 * names a school truc does not hold; migration 880).
 */
export type FireOutcome = 'requested' | 'paused' | 'manual' | 'busy' | 'refused';

export interface ScheduleRow {
  id: string;
  paused: boolean;
  /** Who paused it, by name as it was then (./actor-names.ts, fix35a); the actor id when truc knew none. */
  pausedBy: string | null;
  /** Who paused it: the API client's id or `operator:cli:<name>`. */
  pausedById: string | null;
  pausedAt: Date | null;
}

/** A schedule's pause as read: who paused it by name, and by id (review33c N6: the same name as a hold's decider). */
const PAUSED_BY = `id, paused, COALESCE(paused_by_name, paused_by) AS "pausedBy", paused_by AS "pausedById",
  paused_at AS "pausedAt"`;

export interface LastFire {
  scheduleId: string;
  fireAt: Date;
  outcome: FireOutcome;
  syncRunId: number | null;
  /** Why a refused fire requested nothing (an error code of src/errors.ts); null otherwise. */
  errorCode: string | null;
  /**
   * A quality schedule's fire (fix35d, migration 1450): the outbox row of the quality run it requested (busy: found
   * unfinished), and that run's id (named from its request on, fix36d); null for a pull's fire.
   */
  outboxId: number | null;
  qualityRunId: number | null;
  /**
   * Its sync run's status as a city admin means it (./sync-run-reads.ts `SHOWN_STATUS`: `held` while the guard holds
   * it, walk6 W6-2); null when it names no run.
   */
  runStatus: SyncRunStatus | null;
}

/** What decides whether a schedule's lost fire is made up (../jobs/schedule-catch-up.ts). */
export interface CatchUpState {
  paused: boolean;
  /** The later of: first kept as configured now (migration 980), last paused or resumed. */
  since: Date;
  /** Its latest recorded fire (any outcome, a "run now" too), or null. */
  lastFireAt: Date | null;
}

/**
 * The first int of the advisory key of a pull (system, entity, scope) a schedule requests (fix34e; ./school-systems.ts
 * uses 1140, ./pcgd.ts 1130).
 */
export const SCHEDULED_PULL_LOCK_SPACE = 1150;

/** A scheduled pull's lock, and the run a fire requested (fix34e: a "run now" beside an unfinished run). */
function scheduledPulls(q: Queryable) {
  return {
    /**
     * Takes, in `q`'s transaction, the lock of the pull `system`/`entity`/`scope` (waits for it): a schedule's fire
     * and an admin's "run now" of it look for its unfinished run and request one one after the other (fix34e).
     */
    async lockPull(system: string, entity: string, scope: string): Promise<void> {
      await q.query(`SELECT pg_advisory_xact_lock(${SCHEDULED_PULL_LOCK_SPACE}, hashtext($1::text))::text`, [
        `${system}|${entity}|${scope}`,
      ]);
    },
    /** The run the fire of `id` at `fireAt` requested (or waited on), when that fire is recorded. */
    async runOfFire(id: string, fireAt: Date): Promise<number | null | undefined> {
      const res = await q.query<{ syncRunId: string | null }>(
        'SELECT sync_run_id AS "syncRunId" FROM truc.schedule_fires WHERE schedule_id = $1 AND fire_at = $2',
        [id, fireAt],
      );
      const r = res.rows[0];
      return r === undefined ? undefined : r.syncRunId === null ? null : Number(r.syncRunId);
    },
  };
}

/** The schedules' rows and their fires. */
function scheduleRows(q: Queryable) {
  return {
    /** Makes sure every configured schedule has its row. */
    async ensure(ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await q.query('INSERT INTO truc.schedules (id) SELECT unnest($1::text[]) ON CONFLICT (id) DO NOTHING', [
        [...ids],
      ]);
    },
    async list(): Promise<ScheduleRow[]> {
      const res = await q.query<ScheduleRow>(`SELECT ${PAUSED_BY} FROM truc.schedules ORDER BY id`);
      return res.rows;
    },
    async get(id: string): Promise<ScheduleRow | undefined> {
      const res = await q.query<ScheduleRow>(`SELECT ${PAUSED_BY} FROM truc.schedules WHERE id = $1`, [id]);
      return res.rows[0];
    },
    async setPaused(id: string, paused: boolean, actor: string): Promise<void> {
      await q.query(
        `INSERT INTO truc.schedules (id, paused, paused_by, paused_by_name, paused_at)
         VALUES ($1, $2, $3, CASE WHEN $2 THEN ${actorNameSql('$3::text')} END, CASE WHEN $2 THEN now() END)
         ON CONFLICT (id) DO UPDATE SET paused = $2, paused_by = CASE WHEN $2 THEN $3 END,
           paused_by_name = EXCLUDED.paused_by_name, paused_at = CASE WHEN $2 THEN now() END, updated_at = now()`,
        [id, paused, actor],
      );
    },
    /**
     * Records a fire (a refused one with the code of its reason): `first` when this fire is new; else (recorded before: its duplicate count grows) the
     * first fire's outcome and the sync run it requested (or, busy, waited on; null when none). One statement: a second fire
     * waits for the first's transaction, then sees its run.
     */
    async recordFire(
      id: string,
      fireAt: Date,
      outcome: FireOutcome,
      errorCode: string | null = null,
    ): Promise<{ first: boolean; syncRunId: number | null; outcome: FireOutcome }> {
      const res = await q.query<{ first: boolean; syncRunId: number | null; outcome: FireOutcome }>(
        `INSERT INTO truc.schedule_fires AS f (schedule_id, fire_at, outcome, error_code) VALUES ($1, $2, $3, $4)
         ON CONFLICT (schedule_id, fire_at) DO UPDATE SET duplicates = f.duplicates + 1
         RETURNING f.duplicates = 0 AS first, f.sync_run_id AS "syncRunId", f.outcome`,
        [id, fireAt, outcome, errorCode],
      );
      const { first, syncRunId, outcome: recorded } = res.rows[0]!;
      return { first, syncRunId: syncRunId === null ? null : Number(syncRunId), outcome: recorded };
    },
    async attachRun(id: string, fireAt: Date, syncRunId: number): Promise<void> {
      await q.query(
        'UPDATE truc.schedule_fires SET sync_run_id = $3 WHERE schedule_id = $1 AND fire_at = $2',
        [id, fireAt, syncRunId],
      );
    },
  };
}

/** The schedules' last fires, as a city admin reads them. */
function scheduleFireReads(q: Queryable) {
  return {
    /** The latest fire of every schedule. */
    async lastFires(): Promise<LastFire[]> {
      const res = await q.query<LastFire>(
        `SELECT f.*, (SELECT min(r.id) FROM truc.quality_runs r WHERE r.outbox_id = f."outboxId") AS "qualityRunId",
                (SELECT ${SHOWN_STATUS} FROM truc.sync_runs r WHERE r.id = f."syncRunId") AS "runStatus"
           FROM (SELECT DISTINCT ON (schedule_id) schedule_id AS "scheduleId", fire_at AS "fireAt", outcome,
                        sync_run_id AS "syncRunId", error_code AS "errorCode", outbox_id AS "outboxId"
                   FROM truc.schedule_fires ORDER BY schedule_id, fire_at DESC) f`,
      );
      return res.rows.map((r) => ({
        ...r,
        syncRunId: r.syncRunId === null ? null : Number(r.syncRunId),
        outboxId: r.outboxId === null ? null : Number(r.outboxId),
        qualityRunId: r.qualityRunId === null ? null : Number(r.qualityRunId),
      }));
    },
  };
}

export function createSchedulesRepo(q: Queryable) {
  return { ...scheduledPulls(q), ...scheduleRows(q), ...scheduleFireReads(q) };
}
export type SchedulesRepo = ReturnType<typeof createSchedulesRepo>;

/** What the scheduler role notes of the schedules it keeps, and reads to make up a fire lost with Redis. */
export function createScheduleKeepingRepo(q: Queryable) {
  return {
    /**
     * Notes the configured schedules as kept (`as`: each one's configuration): a row made, or one whose configuration
     * changed, is kept since now; a schedule no longer configured is noted as not kept (its `kept_as` null), so it is
     * kept anew when configured again.
     */
    async keep(schedules: ReadonlyArray<{ id: string; as: string }>): Promise<void> {
      const ids = schedules.map((s) => s.id);
      if (ids.length > 0)
        await q.query(
          `INSERT INTO truc.schedules AS s (id, kept_as) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (id) DO UPDATE SET kept_as = EXCLUDED.kept_as, kept_since = now()
             WHERE s.kept_as IS DISTINCT FROM EXCLUDED.kept_as`,
          [ids, schedules.map((s) => s.as)],
        );
      await q.query(
        'UPDATE truc.schedules SET kept_as = NULL WHERE kept_as IS NOT NULL AND NOT (id = ANY($1::text[]))',
        [ids],
      );
    },
    /**
     * Since when each schedule of `ids` has pulled as it is configured now: the later of when it was first kept so
     * (migration 980) and when it was last paused or resumed (what {@link catchUpState} calls `since`). A schedule
     * without its row yet (configured, not yet kept by the scheduler role nor fired) is given one, kept since now:
     * TrucSyncStale's baseline for a pull that never succeeded (review30 F2), so a schedule just set up is not stale.
     * Writes only when a row is missing.
     */
    async pullingSince(ids: readonly string[]): Promise<Map<string, Date>> {
      const read = async () =>
        (
          await q.query<{ id: string; since: Date }>(
            `SELECT id, GREATEST(kept_since, updated_at) AS since FROM truc.schedules WHERE id = ANY($1::text[])`,
            [[...ids]],
          )
        ).rows;
      let rows = await read();
      if (rows.length < new Set(ids).size) {
        await createSchedulesRepo(q).ensure(ids);
        rows = await read();
      }
      return new Map(rows.map((r) => [r.id, r.since]));
    },
    /**
     * The last successful finish of a run of each pull's system, entity and scope ('' = everything), as a city
     * admin means it (./sync-run-reads.ts `SHOWN_STATUS`: a run whose reconciliation is held is no success yet),
     * whoever asked for it, keyed `system entity scope`: a schedule's own, so that a run of another scope (one
     * school's beside the city's schedule, or the city's beside one school's) never counts for it (fix31c).
     */
    async lastSuccessOf(
      pulls: ReadonlyArray<{ system: string; entity: string; scope: string }>,
    ): Promise<Map<string, Date>> {
      if (pulls.length === 0) return new Map();
      const res = await q.query<{ key: string; finished_at: Date | null }>(
        `SELECT p.system || ' ' || p.entity || ' ' || p.scope AS key,
                (SELECT max(r.finished_at) FROM truc.sync_runs r
                  WHERE r.system = p.system AND r.entity = p.entity AND r.scope = p.scope
                    AND ${SHOWN_STATUS} = 'done' AND r.finished_at IS NOT NULL) AS finished_at
           FROM unnest($1::text[], $2::text[], $3::text[]) AS p(system, entity, scope)`,
        [pulls.map((p) => p.system), pulls.map((p) => p.entity), pulls.map((p) => p.scope)],
      );
      return new Map(res.rows.flatMap((r) => (r.finished_at ? [[r.key, r.finished_at] as const] : [])));
    },
    async catchUpState(id: string): Promise<CatchUpState | undefined> {
      const res = await q.query<CatchUpState>(
        `SELECT s.paused, GREATEST(s.kept_since, s.updated_at) AS since,
                (SELECT max(f.fire_at) FROM truc.schedule_fires f WHERE f.schedule_id = s.id) AS "lastFireAt"
           FROM truc.schedules s WHERE s.id = $1`,
        [id],
      );
      return res.rows[0];
    },
  };
}
