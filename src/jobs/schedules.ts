/**
 * Schedules (issue 7): configured in `sync.schedules`, each a BullMQ job scheduler on the `schedules`
 * queue (upserted by every scheduler replica at start and every minute after, so a flushed Redis gets
 * them back; BullMQ makes one job per fire however many replicas upsert). A fire requests the
 * schedule's sync run — unless a city admin paused the schedule — and is recorded once per fire time
 * in PostgreSQL, so a fire delivered twice (BullMQ is at-least-once) requests one run. node-cron is not
 * used: it fires in every replica.
 */
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import type { Db } from '../store/db.js';
import { createSchedulesRepo } from '../store/schedules.js';
import {
  changesPurge,
  configuredSchedule,
  fireSchedule,
  recordScheduleFire,
  websiteProbe,
} from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import type { QueueFactory } from './queues.js';

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
    ),
  );
  ctx.logger.info({ schedule: payload.scheduleId, fireAt: fireAt.toISOString(), ...out }, 'schedule fired');
  return out;
}

export const scheduleFireJob = defineJob({ ...fireSchedule, concurrency: 1, process: onFire });

/**
 * Upserts a job scheduler per configured schedule and removes those no longer configured. Each schedule on
 * its own: one the queue refuses (a cron pattern out of range, e.g. "0 25 * * *") keeps no other from being
 * kept, and is named in the error thrown after (the caller warns and tries again at its next tick).
 */
async function keepSchedules(queue: Queue, schedules: Config['sync']['schedules']): Promise<void> {
  const refused: string[] = [];
  let cause: unknown;
  for (const [id, s] of Object.entries(schedules)) {
    await queue
      .upsertJobScheduler(id, s.cron !== undefined ? { pattern: s.cron, tz: s.tz } : { every: s.everyMs! }, {
        name: fireSchedule.name,
        data: { scheduleId: id },
      })
      .catch((err: unknown) => {
        refused.push(id);
        cause = err;
      });
  }
  for (const existing of await queue.getJobSchedulers(0, 999)) {
    const key = existing.key;
    if (!(key in schedules)) await queue.removeJobScheduler(key);
  }
  if (refused.length > 0) throw new SchedulesRefused(`schedules not kept: ${refused.join(', ')}`, { cause });
}

/** Schedules the queue refused (their cron pattern or time zone): the queue itself is fine. */
class SchedulesRefused extends Error {}

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
  let queue: Queue | undefined;
  const own = new Map<string, Queue>();
  const schedules = deps.config.sync.schedules;
  /** One job of truc's own on a cron pattern ('' = none), on its queue under its name. */
  async function syncOwnJob(job: { queue: string; name: string }, cron: string, tz: string): Promise<void> {
    let q = own.get(job.queue);
    if (!q) own.set(job.queue, (q = deps.queues.queue(job.queue)));
    if (cron === '') await q.removeJobScheduler(job.name);
    else
      await q.upsertJobScheduler(
        job.name,
        { pattern: cron, tz },
        { name: job.name, data: { requestedBy: 'schedule' } },
      );
  }
  async function sync(): Promise<void> {
    const probe = deps.config.quality.websiteProbe;
    await syncOwnJob(websiteProbe, probe.cron, probe.tz);
    const feed = deps.config.api.changeFeed;
    await syncOwnJob(changesPurge, feed.purgeCron, feed.tz);
    queue ??= deps.queues.queue(fireSchedule.queue);
    await createSchedulesRepo(deps.db).ensure(Object.keys(schedules));
    await keepSchedules(queue, schedules);
  }
  const tick = (): void => {
    sync().catch((err: unknown) => {
      // A queue that failed its start-up is rebuilt on the next tick (not for schedules it refused).
      if (!(err instanceof SchedulesRefused)) {
        for (const q of [queue, ...own.values()]) void q?.close().catch(() => undefined);
        queue = undefined;
        own.clear();
      }
      deps.logger.warn({ err }, 'could not sync the schedules; will retry');
    });
  };
  tick();
  const timer = setInterval(tick, opts.resyncMs ?? 60_000);
  timer.unref();
  return {
    sync,
    async stop() {
      clearInterval(timer);
      for (const q of [queue, ...own.values()]) await q?.close().catch(() => undefined);
    },
  };
}
