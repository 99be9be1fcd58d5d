/**
 * A schedule's fire lost with the queue (review27c F4; issue 7: "Redis flushed, and Redis killed and restarted
 * empty, mid-run: ... nothing lost", "each scheduled run fires once"): a job scheduler's next fire is a delayed job in
 * Redis; when Redis loses it, the scheduler role upserts the job scheduler again within a minute, and BullMQ computes
 * its next fire from now, so the one due meanwhile never happens. When the scheduler finds a schedule's job scheduler
 * missing, it makes up that schedule's latest due fire (./schedule-due.ts) once, recorded at its due time, as the
 * fire itself would have been (./schedule-control.ts `recordScheduleFire`): two replicas making it up together
 * record it once (one row per schedule and fire time), and a fire of that time that does arrive (its job was not lost
 * after all) counts as a duplicate. Nothing is made up for a schedule that is paused, or due before it was kept as
 * configured now (a new schedule, a changed pattern), before it was last paused or resumed, at or before its last
 * recorded fire (an admin's "run now" included), or longer ago than `sync.catchUpWindowMs`.
 * An `everyMs` schedule's lost fire is made up by BullMQ itself: a job scheduler of an interval put back with no
 * state fires at once. That made it fire early too where none was due (Redis lost just after a fire: two runs a period
 * apart by less than the period), so it is put back to fire at its last recorded fire plus its period while that is
 * still ahead ({@link everyStartAfterLoss}), at once only when a fire fell due while it was missing (rel29).
 */
import type { Logger } from 'pino';
import { systemConfigured, type Config, type ScheduleConfig } from '../config.js';
import type { Db } from '../store/db.js';
import { createScheduleKeepingRepo } from '../store/schedules.js';
import { recordScheduleFire } from './schedule-control.js';
import { latestDue } from './schedule-due.js';

export interface CatchUpDeps {
  db: Db;
  config: Config;
  logger: Logger;
}

/** The due time of schedule `id`'s fire to make up now, or undefined (see the module's comment). */
async function missedFire(
  deps: CatchUpDeps,
  id: string,
  schedule: ScheduleConfig,
  now: Date,
): Promise<Date | undefined> {
  const windowMs = deps.config.sync.catchUpWindowMs;
  if (schedule.cron === undefined || windowMs === 0) return undefined;
  const state = await createScheduleKeepingRepo(deps.db).catchUpState(id);
  if (!state || state.paused) return undefined;
  const after = Math.max(
    now.getTime() - windowMs - 1,
    new Date(state.since).getTime(),
    state.lastFireAt === null ? -Infinity : new Date(state.lastFireAt).getTime(),
  );
  const due = latestDue(schedule.cron, schedule.tz, after, now.getTime());
  return due === undefined ? undefined : new Date(due);
}

/**
 * Makes up schedule `id`'s latest fire due while its job scheduler was missing from the queue (called before the
 * scheduler upserts it again, so a failure here leaves it missing and the next tick tries again).
 */
export async function makeUpLostFire(
  deps: CatchUpDeps,
  id: string,
  schedule: ScheduleConfig,
  now: Date,
): Promise<void> {
  const fireAt = await missedFire(deps, id, schedule, now);
  if (fireAt === undefined) return;
  const configured = schedule.kind === 'quality' || systemConfigured(deps.config, schedule.system);
  const out = await deps.db.tx((q) =>
    recordScheduleFire(q, id, schedule, fireAt, 'requested', `schedule:${id}`, now, { configured }),
  );
  if (out.duplicate) return; // another replica made it up (or its own job arrived after all)
  deps.logger.warn(
    { schedule: id, fireAt: fireAt.toISOString(), ...out },
    'schedule fire made up: its job scheduler was missing from the queue (Redis flushed or restarted empty)',
  );
}

/**
 * When schedule `id`'s `everyMs` job scheduler, lost from the queue, is to fire next (epoch ms, as BullMQ's
 * `startDate`): its last recorded fire plus its period, when that is after `now`. Undefined (at once, BullMQ's own
 * start): a fire fell due while it was missing, made up now, once (recorded at this time; its next fires follow
 * every period from it); or none was ever recorded; or the schedule is a cron one (see {@link makeUpLostFire}).
 */
export async function everyStartAfterLoss(
  deps: CatchUpDeps,
  id: string,
  schedule: ScheduleConfig,
  now: Date,
): Promise<number | undefined> {
  if (schedule.everyMs === undefined) return undefined;
  const state = await createScheduleKeepingRepo(deps.db).catchUpState(id);
  if (!state || state.lastFireAt === null) return undefined;
  const next = new Date(state.lastFireAt).getTime() + schedule.everyMs;
  return next > now.getTime() ? next : undefined;
}
