/**
 * What producers (the API, the schedule-fire job) do with a schedule (issue 7): record a fire and
 * request its sync run, run one now, pause or resume one, list them with their last and next run.
 * Producers import them through `./contracts.ts`.
 */
import type { Queue } from 'bullmq';
import { appendAudit } from '../audit/chain.js';
import type { Config, PullScheduleConfig, ScheduleConfig } from '../config.js';
import { AppError, both, errorMessage, type ErrorCode } from '../errors.js';
import type { Db, Queryable } from '../store/db.js';
import { createSchedulesRepo, type FireOutcome } from '../store/schedules.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { SyncRunStatus } from '../store/sync-run-reads.js';
import { checkScopeHeld, checkSystemConfigured, scopeHeld } from './request-checks.js';
import { fireSchedule } from './contract-table.js';
import { recordQualityFire, runQualityNow } from './quality-schedule.js';
import { queuePool, type QueueFactory, type QueuePool } from './queues.js';
import { requestSync } from './requests.js';

/**
 * Requests the schedule's sync run and records the fire, in the caller's transaction. `fireAt`: the
 * slot it fires for; `at`: now, by the caller's clock (the sync request's audit entry). Requests none, and
 * records why, when the schedule is paused (`paused`); when its run cannot be requested (`refused`, with the code of
 * its reason): truc is not configured for its system (ERR_SYSTEM_NOT_CONFIGURED, `configured` false: src/config.ts
 * `systemConfigured`; the default profile's smas and vnedu nightly schedules in a city without them, review26a F1:
 * each night a failed run and a dead letter no replay could fix), or its scope names a school truc does not hold
 * (ERR_SCOPE_UNKNOWN: a schedule is config and may come before the school); an admin's "run now" is refused with
 * that error instead ({@link runScheduleNow}); or when an earlier run of its pull is unfinished (`busy`).
 */
export async function recordScheduleFire(
  q: Queryable,
  id: string,
  schedule: ScheduleConfig,
  fireAt: Date,
  outcome: FireOutcome,
  actor: string,
  at: Date,
  system: { configured: boolean },
): Promise<{ syncRunId: number | null; duplicate: boolean; outcome: FireOutcome; errorCode?: ErrorCode }> {
  // A quality schedule's fire requests the quality run instead (fix35d, ./quality-schedule.ts).
  if (schedule.kind === 'quality') return recordQualityFire(q, id, fireAt, outcome, actor);
  return recordPullFire(q, id, schedule, fireAt, outcome, actor, at, system);
}

async function recordPullFire(
  q: Queryable,
  id: string,
  schedule: PullScheduleConfig,
  fireAt: Date,
  outcome: FireOutcome,
  actor: string,
  at: Date,
  system: { configured: boolean },
): Promise<{ syncRunId: number | null; duplicate: boolean; outcome: FireOutcome; errorCode?: ErrorCode }> {
  const repo = createSchedulesRepo(q);
  await repo.ensure([id]);
  const own = outcome !== 'manual';
  const paused = own && (await repo.get(id))?.paused === true;
  // Why its run cannot be requested: a system truc is not configured for (its pull would fail for good), or a school
  // the scope names that truc does not hold (yet: its run would end done with nothing, read as synced).
  const refusal: ErrorCode | undefined =
    !own || paused
      ? undefined
      : !system.configured
        ? 'ERR_SYSTEM_NOT_CONFIGURED'
        : !(await scopeHeld(q, schedule))
          ? 'ERR_SCOPE_UNKNOWN'
          : undefined;
  // review25 N7: a fire beside an unfinished run of the same pull (running long, waiting on a down system, held
  // for an admin's decision) would pull the same changes again and, held, ask for the same decision twice.
  if (own && !paused && !refusal) await repo.lockPull(schedule.system, schedule.entity, schedule.scope ?? '');
  const busy =
    !own || paused || refusal
      ? undefined
      : await createSyncRunsRepo(q).unfinished(schedule.system, schedule.entity, schedule.scope ?? '');
  const actual: FireOutcome = paused ? 'paused' : refusal ? 'refused' : busy !== undefined ? 'busy' : outcome;
  const fire = await repo.recordFire(id, fireAt, actual, refusal ?? null);
  if (!fire.first) {
    const requested = fire.outcome === 'requested' || fire.outcome === 'manual';
    return { syncRunId: requested ? fire.syncRunId : null, duplicate: true, outcome: fire.outcome };
  }
  if (paused) return { syncRunId: null, duplicate: false, outcome: actual };
  if (refusal) return { syncRunId: null, duplicate: false, outcome: actual, errorCode: refusal };
  if (busy !== undefined) {
    await repo.attachRun(id, fireAt, busy); // the run it waited on, shown with the fire
    return { syncRunId: null, duplicate: false, outcome: actual };
  }
  const syncRunId = await requestSync(q, {
    system: schedule.system,
    entity: schedule.entity,
    full: schedule.full,
    requestedBy: actor,
    at,
    ...(schedule.scope ? { scope: schedule.scope } : {}),
  });
  await repo.attachRun(id, fireAt, syncRunId);
  return { syncRunId, duplicate: false, outcome: actual };
}

/** The configured schedule of that id, or undefined: only the record's own keys count, never an inherited
 * property such as `constructor` (an id the route's pattern admits). */
export const configuredSchedule = (config: Config, id: string): ScheduleConfig | undefined =>
  Object.hasOwn(config.sync.schedules, id) ? config.sync.schedules[id] : undefined;

const scheduleOf = (config: Config, id: string): ScheduleConfig => {
  const s = configuredSchedule(config, id);
  if (!s) throw new AppError('ERR_NOT_FOUND', both(`không có lịch ${id}`, `no schedule ${id}`));
  return s;
};

/** A run's status as an admin reads it, in both languages. */
const STATUS_WORDS: Record<string, [string, string]> = {
  queued: ['đang chờ', 'queued'],
  running: ['đang chạy', 'running'],
  held: ['bị giữ chờ duyệt', 'held for a decision'],
};

/**
 * Refuses a "run now" beside an unfinished run of the schedule's pull (fix34e, review33a: an admin's "run now" while
 * the nightly run was under way started a second copy, pulling the same pages twice, and, held, asking the same
 * decision twice): 409 ERR_SYNC_RUN_UNFINISHED naming that run and its status. The pull's lock (../store/schedules.ts
 * `lockPull`, taken by a schedule's own fire too) makes two requests at once one after the other: the second sees
 * the first's run.
 */
async function refuseBeside(q: Queryable, id: string, schedule: PullScheduleConfig, at: Date): Promise<void> {
  const runs = createSyncRunsRepo(q);
  const schedules = createSchedulesRepo(q);
  await schedules.lockPull(schedule.system, schedule.entity, schedule.scope ?? '');
  const busy = await runs.unfinished(schedule.system, schedule.entity, schedule.scope ?? '');
  // A fire of that millisecond recorded already answers as before: the same "run now" again is that fire (the run
  // it requested), the schedule's own fire while paused is ERR_SCHEDULE_FIRE_TAKEN.
  if (busy === undefined || (await schedules.runOfFire(id, at)) !== undefined) return;
  const shown = (await runs.get(busy))?.shownStatus ?? 'running';
  const [vi, en] = STATUS_WORDS[shown] ?? [shown, shown];
  throw new AppError(
    'ERR_SYNC_RUN_UNFINISHED',
    both(
      `lịch ${id}: lần đồng bộ ${busy} ${vi}, không chạy thêm (truc sync show ${busy})`,
      `schedule ${id}: sync run ${busy} is ${en}, none started (truc sync show ${busy})`,
    ),
  );
}

/**
 * A city admin runs a schedule now (paused or not): its sync run is requested at once, audited. A second
 * call in the same millisecond is the same fire: it answers the run the first requested. When the fire of
 * that millisecond requested none (the schedule's own fire while paused), ERR_SCHEDULE_FIRE_TAKEN (409,
 * try again). A scope naming a school truc does not hold is refused as an admin's pull is (ERR_SCOPE_UNKNOWN,
 * 400, nothing recorded); so is a run beside an unfinished run of its pull (ERR_SYNC_RUN_UNFINISHED, 409,
 * {@link refuseBeside}).
 */
export async function runScheduleNow(
  db: Db,
  config: Config,
  id: string,
  actor: string,
  at: Date,
): Promise<{ syncRunId: number | null; qualityRunId?: number }> {
  const schedule = scheduleOf(config, id);
  if (schedule.kind === 'quality') {
    // fix35d: its quality run, refused beside an unfinished one; fix36d: named, to be followed
    const { runId } = await runQualityNow(db, id, actor, at);
    return { syncRunId: null, qualityRunId: runId };
  }
  await checkSystemConfigured(db, config, schedule.system); // as an admin's pull is (review26a F1): nothing recorded
  return db.tx(async (q) => {
    await checkScopeHeld(q, schedule);
    await refuseBeside(q, id, schedule, at);
    const out = await recordScheduleFire(q, id, schedule, at, 'manual', actor, at, { configured: true });
    if (out.syncRunId === null)
      throw new AppError(
        'ERR_SCHEDULE_FIRE_TAKEN',
        both(`lịch ${id} đã chạy lúc ${at.toISOString()}`, `schedule ${id} fired at ${at.toISOString()}`),
      );
    await appendAudit(
      q,
      [{ actor, action: 'schedule.run', subject: `schedule:${id}`, details: { syncRunId: out.syncRunId } }],
      at,
    );
    return { syncRunId: out.syncRunId };
  });
}

/** A city admin pauses or resumes a schedule (its fires are recorded as `paused`), audited. */
export async function setSchedulePaused(
  db: Db,
  config: Config,
  id: string,
  paused: boolean,
  actor: string,
  at: Date,
): Promise<void> {
  scheduleOf(config, id);
  await db.tx(async (q) => {
    await createSchedulesRepo(q).setPaused(id, paused, actor);
    await appendAudit(
      q,
      [
        {
          actor,
          action: paused ? 'schedule.paused' : 'schedule.resumed',
          subject: `schedule:${id}`,
          details: {},
        },
      ],
      at,
    );
  });
}

/** A refused fire's reason: an error code and its message in Vietnamese and English (src/errors.ts). */
export interface FireError {
  code: string;
  message: { vi: string; en: string };
}

/** The reason a fire recorded with `code` requested nothing, in both languages (the error table's words). */
function fireError(code: string | null): FireError | null {
  return code === null ? null : { code, message: errorMessage(code) };
}

export interface ScheduleView {
  id: string;
  /** What it does at each fire: a pull (its sync run) or the quality run (fix35d); a quality one has no system. */
  kind: 'pull' | 'quality';
  system: string | null;
  entity: string | null;
  scope: string | null;
  full: boolean;
  cron: string | null;
  everyMs: number | null;
  tz: string;
  paused: boolean;
  /** Who paused it, by name (store/actor-names.ts, fix35a); `pausedById` the actor id. */
  pausedBy: string | null;
  pausedById: string | null;
  lastRun: {
    fireAt: string;
    outcome: FireOutcome;
    syncRunId: number | null;
    /** A quality schedule's fire: the quality run it requested (busy: found unfinished), once computed; else null. */
    qualityRunId: number | null;
    /** Its sync run's status as a city admin means it (`held`: waiting for a guard decision); null: no run. */
    runStatus: SyncRunStatus | null;
    /** Why a refused fire requested nothing: its code and the error table's words; null for any other. */
    error: FireError | null;
  } | null;
  /** From the job scheduler; null while paused or when the queue backend does not answer. */
  nextRunAt: string | null;
}

/** What {@link listSchedules} asks of the schedule queue: a queue, or one of a {@link QueuePool} (./queues.ts). */
export type ScheduleQueue = Pick<Queue, 'getJobScheduler'>;

/** The schedule queue of `pool`: each call bounded, the queue rebuilt after one failed (a long-lived reader's). */
export function scheduleQueueOf(pool: QueuePool): ScheduleQueue {
  return { getJobScheduler: (id) => pool.on(fireSchedule.queue, (q) => q.getJobScheduler(id)) };
}

/** A schedule queue of its own for a long-lived reader (the API), with {@link scheduleQueueOf}'s guard. */
export function scheduleQueueReader(factory: QueueFactory): ScheduleQueue & { close(): Promise<void> } {
  const pool = queuePool(factory);
  return { ...scheduleQueueOf(pool), close: () => pool.closeAll() };
}

/** Every configured schedule with its state, last fire and next run. */
export async function listSchedules(
  db: Db,
  config: Config,
  queue: ScheduleQueue | undefined,
): Promise<ScheduleView[]> {
  const repo = createSchedulesRepo(db);
  const rows = new Map((await repo.list()).map((r) => [r.id, r]));
  const last = new Map((await repo.lastFires()).map((f) => [f.scheduleId, f]));
  const out: ScheduleView[] = [];
  for (const [id, s] of Object.entries(config.sync.schedules)) {
    const row = rows.get(id);
    const fired = last.get(id);
    let next: number | undefined;
    try {
      next = (await queue?.getJobScheduler(id))?.next;
    } catch {
      next = undefined;
    }
    const pull = s.kind === 'quality' ? undefined : s;
    out.push({
      id,
      kind: pull ? 'pull' : 'quality',
      system: pull?.system ?? null,
      entity: pull?.entity ?? null,
      scope: pull?.scope ?? null,
      full: pull?.full ?? false,
      cron: s.cron ?? null,
      everyMs: s.everyMs ?? null,
      tz: s.tz,
      paused: row?.paused ?? false,
      pausedBy: row?.pausedBy ?? null,
      pausedById: row?.pausedById ?? null,
      lastRun: fired
        ? {
            fireAt: new Date(fired.fireAt).toISOString(),
            outcome: fired.outcome,
            syncRunId: fired.syncRunId,
            qualityRunId: fired.qualityRunId,
            runStatus: fired.runStatus,
            error: fireError(fired.errorCode),
          }
        : null,
      nextRunAt: row?.paused || next === undefined ? null : new Date(next).toISOString(),
    });
  }
  return out;
}
