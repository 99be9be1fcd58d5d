/**
 * Schedules (issue 7): configured in `sync.schedules`, each a BullMQ job scheduler on the `schedules`
 * queue (upserted by every scheduler replica at start and every minute after when Redis does not hold it as
 * configured, so a flushed Redis gets them back and a fire waiting for a worker is kept; BullMQ makes one job per
 * fire however many replicas upsert; a fire due while Redis had lost its job scheduler is made up once,
 * ./schedule-catch-up.ts). A fire requests the
 * schedule's sync run (a quality schedule's: the quality scorecard run, ./quality-schedule.ts) — unless a city admin paused the schedule, truc is not configured for its system, its scope
 * names a school truc does not hold,
 * or an earlier run of its pull is unfinished (./schedule-control.ts) — and is recorded once per fire time
 * in PostgreSQL, so a fire delivered twice (BullMQ is at-least-once) requests one run. node-cron is not
 * used: it fires in every replica.
 */
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import { systemConfigured, type Config } from '../config.js';
import { both } from '../errors.js';
import type { Db } from '../store/db.js';
import { createScheduleKeepingRepo } from '../store/schedules.js';
import {
  changesPurge,
  configuredSchedule,
  fireSchedule,
  recordScheduleFire,
  websiteProbe,
} from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { queuePool, QueueTimeout, type QueueFactory, type QueuePool } from './queues.js';
import { everyStartAfterLoss, makeUpLostFire, type CatchUpDeps } from './schedule-catch-up.js';

/** The fire time of a scheduler's job (its id is `repeat:<scheduler>:<millis>`), else now to the second. */
function fireTimeOf(jobId: string | undefined, now: Date): Date {
  const m = /^repeat:.+:(\d{10,})$/.exec(jobId ?? '');
  if (m) return new Date(Number(m[1]));
  return new Date(Math.floor(now.getTime() / 1000) * 1000);
}

async function onFire(
  ctx: Pick<WorkerContext, 'db' | 'config' | 'logger' | 'now'>,
  payload: { scheduleId: string },
  job: JobRun,
) {
  const schedule = configuredSchedule(ctx.config, payload.scheduleId);
  if (!schedule) return { skipped: 'not configured' }; // removed from config; its scheduler goes at next sync
  const now = ctx.now();
  const fireAt = fireTimeOf(job.id, now);
  const out = await ctx.db.tx((q) =>
    recordScheduleFire(
      q,
      payload.scheduleId,
      schedule,
      fireAt,
      'requested',
      `schedule:${payload.scheduleId}`,
      now,
      { configured: schedule.kind === 'quality' || systemConfigured(ctx.config, schedule.system) },
    ),
  );
  const fired = { schedule: payload.scheduleId, fireAt: fireAt.toISOString(), ...out };
  if (out.outcome === 'refused')
    // A schedule of a system truc is not configured for (the default profile's smas/vnedu nightly pulls), or whose
    // scope names a school truc does not hold (yet): config, so not refused at start; `errorCode` says which.
    ctx.logger.warn(fired, 'schedule fired: nothing requested (errorCode says why)');
  else ctx.logger.info(fired, 'schedule fired');
  return out;
}

export const scheduleFireJob = defineJob({ ...fireSchedule, concurrency: 1, process: onFire });

type Repeat = { pattern: string; tz: string } | { every: number; startDate?: number };

/**
 * Upserts a job scheduler unless Redis already holds it as defined. BullMQ's upsert of a cron scheduler removes its
 * current job, even one waiting for a worker (its fire time passed: workers down), and adds the next occurrence
 * after now: re-upserting an unchanged scheduler every minute lost the fire that waited (review27c F5). One Redis
 * does not hold at all (lost with it) first has `onLost` called, before the upsert (review27c F4); an interval's
 * first fire is at the time it answers, if any (else at once: rel29, ./schedule-catch-up.ts `everyStartAfterLoss`).
 */
async function keepScheduler(
  queue: Queue,
  id: string,
  repeat: Repeat,
  template: { name: string; data: Record<string, unknown> },
  onLost?: () => Promise<number | undefined>,
): Promise<void> {
  const held = await queue.getJobScheduler(id);
  const startDate = held === undefined && onLost ? await onLost() : undefined;
  const [pattern, tz, every] =
    'pattern' in repeat ? [repeat.pattern, repeat.tz, undefined] : [undefined, undefined, repeat.every];
  const same =
    held !== undefined &&
    held.name === template.name &&
    held.pattern === pattern &&
    held.tz === tz &&
    held.every === every &&
    JSON.stringify(held.template?.data ?? null) === JSON.stringify(template.data);
  if (!same)
    await queue.upsertJobScheduler(
      id,
      startDate !== undefined && 'every' in repeat ? { ...repeat, startDate } : repeat,
      template,
    );
}

/**
 * Upserts a job scheduler per configured schedule and removes those no longer configured; a schedule whose job
 * scheduler Redis lost has its fire due meanwhile made up first (./schedule-catch-up.ts). Each schedule on
 * its own: one the queue refuses (a cron pattern out of range, e.g. "0 25 * * *") keeps no other from being
 * kept; it is added to `refused` (the caller names it in the error it throws after, warns and tries again
 * at its next tick).
 */
async function keepSchedules(queues: QueuePool, deps: CatchUpDeps, refused: Refusals): Promise<void> {
  const schedules = deps.config.sync.schedules;
  for (const [id, s] of Object.entries(schedules)) {
    await queues
      .on(fireSchedule.queue, (queue) =>
        keepScheduler(
          queue,
          id,
          s.cron !== undefined ? { pattern: s.cron, tz: s.tz } : { every: s.everyMs! },
          { name: fireSchedule.name, data: { scheduleId: id } },
          async () => {
            if (s.cron !== undefined) await makeUpLostFire(deps, id, s, new Date());
            return everyStartAfterLoss(deps, id, s, new Date());
          },
        ),
      )
      .catch((err: unknown) => refused.add(id, err));
  }
  await queues.on(fireSchedule.queue, async (queue) => {
    for (const existing of await queue.getJobSchedulers(0, 999)) {
      const key = existing.key;
      if (!(key in schedules)) await queue.removeJobScheduler(key);
    }
  });
}

/**
 * The schedules the queue refused in one sync, each with why, and the last cause. Its message is the warn line's reason,
 * in both languages, each schedule named once (walk8 W8-7: "schedules not kept: website-probe: website-probe: no answer
 * from the queue within 5000 ms", English only): a queue named only when it is not the schedule's own name.
 */
class Refusals {
  private readonly vi: string[] = [];
  private readonly en: string[] = [];
  cause: unknown;
  add(name: string, err: unknown): void {
    if (err instanceof QueueTimeout) {
      const queue = err.queue === name ? '' : ` ${err.queue}`;
      this.vi.push(`${name} (hàng đợi${queue} không trả lời trong ${err.ms} ms)`);
      this.en.push(`${name} (no answer from the queue${queue} within ${err.ms} ms)`);
    } else {
      const why = err instanceof Error ? err.message : String(err);
      this.vi.push(`${name} (hàng đợi từ chối: ${why})`);
      this.en.push(`${name} (refused by the queue: ${why})`);
    }
    this.cause = err;
  }
  throwAny(): void {
    if (this.vi.length > 0)
      throw new SchedulesRefused(
        both(`chưa ghi được lịch ${this.vi.join(', ')}`, `schedules not kept: ${this.en.join(', ')}`),
        { cause: this.cause },
      );
  }
}

/** Schedules the queue refused (their cron pattern or time zone, or no answer in time), its message their reasons. */
class SchedulesRefused extends Error {}

/**
 * A failed sync of the schedules, as an operator reads it (walk5 W5-13: a queue answering late at start-up made a
 * stack trace the demo's first line): one warn line with what failed, the error and its stack at debug. Retried at
 * the next resync. A refusal's message says each schedule's reason already; another error's causes are chained.
 */
function logSyncFailure(logger: Logger, err: unknown): void {
  const causes: string[] = [];
  for (let e: unknown = err; e instanceof Error && causes.length < 3; e = e.cause) {
    causes.push(e.message);
    if (e instanceof SchedulesRefused) break;
  }
  logger.warn(
    { reason: causes.length > 0 ? causes.join(': ') : String(err) },
    'chưa ghi được lịch vào hàng đợi, sẽ thử lại / could not keep the schedules in the queue yet; will retry',
  );
  logger.debug({ err }, 'schedules sync failure');
}

/**
 * One job of truc's own on a cron pattern ('' = none), on its queue under its name. One the queue refuses (its
 * cron) is added to `refused` and keeps no other schedule from being kept.
 */
async function syncOwnJob(
  queues: QueuePool,
  job: { queue: string; name: string },
  when: { cron: string; tz: string },
  refused: Refusals,
): Promise<void> {
  await queues
    .on(job.queue, async (q) => {
      if (when.cron === '') await q.removeJobScheduler(job.name);
      else
        await keepScheduler(
          q,
          job.name,
          { pattern: when.cron, tz: when.tz },
          { name: job.name, data: { requestedBy: 'schedule' } },
        );
    })
    .catch((err: unknown) => refused.add(job.name, err));
}

/**
 * The scheduler role: upserts a job scheduler per configured schedule (and removes those no longer
 * configured), the schools' website probe's (`quality.websiteProbe.cron`) and the change feed's purge's
 * (`api.changeFeed.purgeCron`; '' removes either) at start and every `resyncMs`, so schedules come back
 * after a Redis flush.
 */
export function startScheduler(
  deps: { db: Db; config: Config; queues: QueueFactory; logger: Logger },
  opts: { resyncMs?: number } = {},
): { stop(): Promise<void>; sync(): Promise<void> } {
  // Every call bounded; a queue whose call failed or timed out (one made while its backend was down may keep
  // its failed start-up for good) is built anew at its next use (./queues.ts `queuePool`).
  const queues = queuePool(deps.queues);
  const schedules = deps.config.sync.schedules;
  async function sync(): Promise<void> {
    const refused = new Refusals();
    await syncOwnJob(queues, websiteProbe, deps.config.quality.websiteProbe, refused);
    const feed = deps.config.api.changeFeed;
    await syncOwnJob(queues, changesPurge, { cron: feed.purgeCron, tz: feed.tz }, refused);
    await createScheduleKeepingRepo(deps.db).keep(
      Object.entries(schedules).map(([id, s]) => ({ id, as: JSON.stringify(s) })),
    );
    await keepSchedules(queues, deps, refused);
    refused.throwAny();
  }
  const tick = (): void => {
    sync().catch((err: unknown) => logSyncFailure(deps.logger, err));
  };
  tick();
  const timer = setInterval(tick, opts.resyncMs ?? 60_000);
  timer.unref();
  return {
    sync,
    async stop() {
      clearInterval(timer);
      await queues.closeAll();
    },
  };
}
