/**
 * review27c (stop 47, issue 7's "a night alone" promises tried as a city would meet them), the scheduler's findings:
 * F4, a fire due while Redis was down made up once when the schedules come back; F5, a fire waiting for a worker
 * survives the scheduler's minute re-upsert. Real PostgreSQL, this file's own Redis, the worker role and the scheduler
 * in process. F1-F3: ./review27c.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/jobs/schedules.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { makeDeps, waitFor } from '../helpers/env.js';
import { startOwnRedis } from '../helpers/faults.js';

describe("review27c: Redis lost over a schedule's fire time", () => {
  /*
   * F4. What a city sees: Redis is restarted for maintenance (or killed and started again; truc's Redis keeps no
   * data: README) across 01:00, when the nightly pulls fire. The scheduler upserts its job schedulers again within
   * a minute (README Schedules: "they come back after a Redis flush"), but BullMQ computes the next fire from now:
   * the 01:00 fire, whose delayed job went with Redis, never happens, no fire is recorded for it
   * (truc.schedule_fires, `GET /v1/schedules` shows yesterday's as the last run), and the city's night passes with no
   * pull, silently, until 01:00 the next day. Issue 7: "each scheduled run fires once"; "Redis flushed, and Redis
   * killed and restarted empty: ... nothing lost". Here a schedule every ten seconds stands in for the nightly one:
   * Redis (this test's own) is down over one fire time, then started empty, and the schedules kept again (the
   * scheduler's minute tick, called). Expected: a fire whose time passed while its job was lost is made up once
   * (recorded at its fire time) when the schedules are kept again. Likely place: src/jobs/schedules.ts
   * `keepSchedules`/`startScheduler` (compare each schedule's last recorded fire, src/store/schedules.ts, with
   * its pattern's latest due time, and fire the missed one once).
   */
  it('F4: a fire due while Redis was down is made up once when the schedules come back', async () => {
    const ID = 'r27c-every-ten-seconds';
    const redis = await startOwnRedis();
    const env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        env: { REDIS_URL: redis.url },
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            // smas is not configured in the test profile: each fire is recorded (refused), no run is made.
            schedules: {
              [ID]: {
                cron: '*/10 * * * * *',
                tz: 'Asia/Ho_Chi_Minh',
                system: 'smas',
                entity: 'students',
                full: false,
              },
            },
          },
        }),
      },
    );
    const fires = async (): Promise<number[]> =>
      (
        await env.deps.db.query<{ at: Date }>(
          'SELECT fire_at AS at FROM truc.schedule_fires WHERE schedule_id = $1 ORDER BY fire_at',
          [ID],
        )
      ).rows.map((r) => new Date(r.at).getTime());
    const worker = startWorkerRole(env.deps);
    // The scheduler role's minute tick, called by the test (no tick of its own meanwhile).
    const scheduler = startScheduler(env.deps, { resyncMs: 3_600_000 });
    try {
      const first = await waitFor(async () => (await fires())[0], {
        timeoutMs: 25_000,
        intervalMs: 200,
        what: 'the first fire',
      });
      await redis.kill();
      // The first fire time after Redis went: its delayed job is gone with it.
      const lost = Math.ceil((Date.now() + 1) / 10_000) * 10_000;
      await new Promise((r) => setTimeout(r, lost + 2_000 - Date.now()));
      await redis.start();
      await waitFor(
        () =>
          scheduler.sync().then(
            () => true,
            () => false,
          ),
        { timeoutMs: 15_000, intervalMs: 500, what: 'the schedules kept again' },
      );
      // A fire after the lost one: the schedule runs again.
      await waitFor(async () => (await fires()).some((t) => t > lost), {
        timeoutMs: 25_000,
        intervalMs: 200,
        what: 'a fire after Redis came back',
      });
      const recorded = await fires();
      expect(recorded[0]).toBe(first);
      // Was: no fire at `lost` (nor any between `first` and the next fire after Redis came back). Made up once.
      expect(recorded.filter((t) => t === lost)).toHaveLength(1);
    } finally {
      await scheduler.stop();
      await worker.stop().catch(() => undefined);
      await env.cleanup();
      await redis.stop();
    }
  });
});

describe("review27c: the scheduler's minute tick while a fire waits for a worker", () => {
  /*
   * F5. What a city sees: the workers are down at 01:00 (killed, restarting after a deploy or a crash, a minute or
   * two under systemd's or Kubernetes' back-off), the scheduler role runs on. The 01:00 fire's job waits in the
   * `schedules` queue for a worker; at its next minute tick the scheduler upserts the job schedulers again
   * (src/jobs/schedules.ts `keepSchedules`), and for a cron pattern BullMQ's upsert removes the scheduler's current
   * job, the one waiting, and adds the next occurrence after now: the 01:00 fire is gone, nothing is recorded for it,
   * and the night's pull never runs (01:00 the next day is the next). Without that tick, the worker back up would
   * take the waiting fire and make it. Issue 7: "work resumes within about 30 s of a worker's kill -9"; "each
   * scheduled run fires once". Here a schedule every ten seconds stands in for the nightly one, the tick is called by
   * the test while the fire waits, and the worker starts after it. Expected: the waiting fire is made once the
   * worker is up (recorded at its fire time). Likely place: src/jobs/schedules.ts `keepSchedules` (upsert only a
   * scheduler whose settings changed, or never one whose current job is waiting: `getJobScheduler`'s next run is
   * in the past).
   */
  it("F5: a fire waiting for a worker survives the scheduler's minute re-upsert", async () => {
    const ID = 'r27c-waiting-fire';
    const env = await makeDeps(
      { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
      {
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: {
              [ID]: {
                cron: '*/10 * * * * *',
                tz: 'Asia/Ho_Chi_Minh',
                system: 'smas',
                entity: 'students',
                full: false,
              },
            },
          },
        }),
      },
    );
    const fires = async (): Promise<number[]> =>
      (
        await env.deps.db.query<{ at: Date }>(
          'SELECT fire_at AS at FROM truc.schedule_fires WHERE schedule_id = $1 ORDER BY fire_at',
          [ID],
        )
      ).rows.map((r) => new Date(r.at).getTime());
    // No worker yet: the scheduler alone keeps the schedule (its first upsert at start; no tick of its own after).
    const scheduler = startScheduler(env.deps, { resyncMs: 3_600_000 });
    let worker: Running | undefined;
    try {
      await waitFor(() => scheduler.sync().then(() => true), { timeoutMs: 15_000, intervalMs: 500 });
      // The fire time the first job was made for, and a moment past it: its job waits for a worker.
      const waiting = Math.ceil((Date.now() + 1) / 10_000) * 10_000;
      await new Promise((r) => setTimeout(r, waiting + 1_500 - Date.now()));
      // The scheduler's minute tick (every replica's) while the fire waits.
      await scheduler.sync();
      worker = startWorkerRole(env.deps);
      await waitFor(async () => (await fires()).length > 0, {
        timeoutMs: 25_000,
        intervalMs: 200,
        what: 'a fire once the worker is up',
      });
      // Was: the first fire recorded was the next one (`waiting` + 10 s); the one that waited was gone.
      expect((await fires())[0]).toBe(waiting);
    } finally {
      await scheduler.stop();
      await worker?.stop().catch(() => undefined);
      await env.cleanup();
    }
  });
});
