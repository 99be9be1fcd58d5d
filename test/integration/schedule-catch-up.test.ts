/**
 * sched28 (review27c F4): a schedule's fire due while Redis had lost its job scheduler (restarted empty, flushed)
 * is made up once when the scheduler keeps its schedules again (src/jobs/schedule-catch-up.ts): by any number of
 * scheduler replicas keeping together, one fire recorded at its due time and one sync run; none for a paused
 * schedule, nor for one kept as it is only since after its due time. A nightly cron schedule (01:00
 * Asia/Ho_Chi_Minh, 18:00 UTC) is "kept since two days ago" by moving its row's times back; Redis loses the job
 * scheduler by this test's keys being deleted (its own prefix). No worker runs: the requested run stays queued.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/jobs/schedules.js';
import { createSchedulesRepo } from '../../src/store/schedules.js';
import { deleteRedisKeys } from '../helpers/redis.js';
import { makeDeps, REDIS_TEST_URL, type TestEnv } from '../helpers/env.js';

const ID = 'catch-up-nightly';

/** The latest 01:00 in Ho Chi Minh City (UTC+7, no summer time) at or before `now`. */
function lastNightly(now: number): number {
  const d = new Date(now);
  const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 18);
  return at <= now ? at : at - 86_400_000;
}

describe('a nightly fire lost with Redis is made up once (sched28, review27c F4)', () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        // hcm-csdl configured (no worker runs, so it is never called): a made-up fire requests a run.
        env: { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' },
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: {
              [ID]: {
                cron: '0 1 * * *',
                tz: 'Asia/Ho_Chi_Minh',
                system: 'hcm-csdl',
                entity: 'schools',
                full: false,
              },
            },
          },
        }),
      },
    );
  }, 60_000);
  afterEach(async () => {
    await env?.cleanup();
  });

  const fires = async () =>
    (
      await env.deps.db.query<{ at: Date; outcome: string; run: unknown }>(
        'SELECT fire_at AS at, outcome, sync_run_id AS run FROM truc.schedule_fires WHERE schedule_id = $1',
        [ID],
      )
    ).rows.map((r) => ({ at: new Date(r.at).getTime(), outcome: r.outcome, run: r.run }));
  const runs = async () =>
    (await env.deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.sync_runs')).rows[0]!.n;

  /** The schedule kept (its job scheduler in Redis) since two days ago, then lost with Redis. */
  async function keptThenLost(): Promise<void> {
    const first = startScheduler(env.deps, { resyncMs: 3_600_000 });
    try {
      await first.sync();
    } finally {
      await first.stop();
    }
    // Kept just now: nothing made up for a time before (a schedule added today does not fire for last night).
    expect(await fires()).toEqual([]);
    await env.deps.db.query(
      `UPDATE truc.schedules SET kept_since = now() - interval '2 days', updated_at = now() - interval '2 days'
        WHERE id = $1`,
      [ID],
    );
    expect(await deleteRedisKeys(REDIS_TEST_URL, env.redisPrefix!)).toBeGreaterThan(0);
  }

  it('two schedulers keeping together make up one fire, at its due time, and request one run', async () => {
    await keptThenLost();
    const due = lastNightly(Date.now());
    // Two replicas, each keeping at its start and once more, together.
    const [a, b] = [
      startScheduler(env.deps, { resyncMs: 3_600_000 }),
      startScheduler(env.deps, { resyncMs: 3_600_000 }),
    ];
    try {
      await Promise.all([a.sync(), b.sync()]);
      await Promise.all([a.sync(), b.sync()]);
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(await fires()).toEqual([{ at: due, outcome: 'requested', run: expect.anything() }]);
    expect(await runs()).toBe(1);
    // The job scheduler is back, and its next fire is the next night's.
    const queue = env.deps.queues.queue('schedules');
    try {
      expect((await queue.getJobScheduler(ID))?.next).toBe(due + 86_400_000);
    } finally {
      await queue.close();
    }
  });

  it('a paused schedule makes nothing up', async () => {
    await keptThenLost();
    await createSchedulesRepo(env.deps.db).setPaused(ID, true, 'test');
    // Paused before the fire was due (pausing now would, by itself, keep the fire before it from being made up).
    await env.deps.db.query(
      `UPDATE truc.schedules SET updated_at = now() - interval '2 days' WHERE id = $1`,
      [ID],
    );
    const s = startScheduler(env.deps, { resyncMs: 3_600_000 });
    try {
      await s.sync();
    } finally {
      await s.stop();
    }
    expect(await fires()).toEqual([]);
    expect(await runs()).toBe(0);
  });

  it('a fire recorded at the due time already (or an admin’s run since): nothing made up', async () => {
    await keptThenLost();
    const due = lastNightly(Date.now());
    await createSchedulesRepo(env.deps.db).recordFire(ID, new Date(due + 60_000), 'manual');
    const s = startScheduler(env.deps, { resyncMs: 3_600_000 });
    try {
      await s.sync();
    } finally {
      await s.stop();
    }
    expect((await fires()).map((f) => f.outcome)).toEqual(['manual']);
  });
});

const EVERY = 'catch-up-hourly';
const HOUR = 3_600_000;

describe('an everyMs fire lost with Redis (rel29 item 4)', () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        env: { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' },
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: {
              [EVERY]: {
                everyMs: HOUR,
                tz: 'Asia/Ho_Chi_Minh',
                system: 'hcm-csdl',
                entity: 'schools',
                full: false,
              },
            },
          },
        }),
      },
    );
  }, 60_000);
  afterEach(async () => {
    await env?.cleanup();
  });

  /** The schedule kept, its last fire recorded `ago` ms back, then its job scheduler lost with Redis: its next fire once kept again. */
  async function nextAfterLoss(
    ago: number,
  ): Promise<{ next: number | undefined; last: number; now: number }> {
    const first = startScheduler(env.deps, { resyncMs: HOUR });
    try {
      await first.sync();
    } finally {
      await first.stop();
    }
    const last = Date.now() - ago;
    await createSchedulesRepo(env.deps.db).recordFire(EVERY, new Date(last), 'requested');
    expect(await deleteRedisKeys(REDIS_TEST_URL, env.redisPrefix!)).toBeGreaterThan(0);
    const s = startScheduler(env.deps, { resyncMs: HOUR });
    try {
      await s.sync();
    } finally {
      await s.stop();
    }
    const now = Date.now();
    const queue = env.deps.queues.queue('schedules');
    try {
      const next = (await queue.getJobScheduler(EVERY))?.next;
      return { next: next === undefined || next === null ? undefined : Number(next), last, now };
    } finally {
      await queue.close();
    }
  }

  it('a fire due while it was missing is made up at once', async () => {
    // Last fired two hours ago: the fire of an hour ago was lost with Redis. BullMQ's new interval fires now.
    const { next, now } = await nextAfterLoss(2 * HOUR);
    expect(next).toBeDefined();
    expect(next!).toBeLessThanOrEqual(now);
  });

  it('none due: its next fire is its last one plus its period, not at once', async () => {
    // Last fired ten minutes ago. Without rel29: fires at once, fifty minutes early.
    const { next, last } = await nextAfterLoss(10 * 60_000);
    expect(next).toBe(last + HOUR);
  });
});
