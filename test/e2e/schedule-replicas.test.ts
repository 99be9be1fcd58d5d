/**
 * Schedules across processes (issue 7): two `truc scheduler` and two `truc worker` processes on the
 * same PostgreSQL and Redis, with a one-second schedule (standing in for the nightly cron ones; the
 * mechanism is the same BullMQ job scheduler): each fire time requests exactly one sync run, and no
 * fire is delivered twice. The profile is the test one plus the schedule, from a folder of its own
 * (TRUC_CONFIG_DIR).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, REDIS_TEST_URL, waitFor, type TestEnv } from '../helpers/env.js';
import { duplicatesNotFromStalls, type Fire } from '../helpers/schedule-fires.js';
import { spawnTruc, trucEnvOn } from '../helpers/faults.js';
import { freePort, killAll, type Spawned } from '../helpers/proc.js';
import { testProfileDir } from '../helpers/profile.js';

const ID = 'schools-every-second';

describe('schedules across processes: two schedulers and two workers', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let profile: ReturnType<typeof testProfileDir> | undefined;
  const procs: Spawned[] = [];

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 5 });
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    profile = testProfileDir((p) => {
      const sync = (p.sync ??= {}) as Record<string, unknown>;
      sync.schedules = { [ID]: { everyMs: 1000, system: 'hcm-csdl', entity: 'schools' } };
    });
  }, 120_000);

  afterAll(async () => {
    await killAll(procs);
    await env?.cleanup();
    await sim?.close();
    profile?.remove();
  });

  it('each fire time requests exactly one sync run', async () => {
    const common = {
      ...trucEnvOn(env),
      HCM_CSDL_BASE_URL: sim.url,
      TRUC_CONFIG_DIR: profile!.dir,
    };
    for (const role of ['worker', 'worker', 'scheduler', 'scheduler'] as const) {
      const port = String(await freePort());
      procs.push(
        spawnTruc(role, {
          ...common,
          ...(role === 'worker' ? { TRUC_WORKER_METRICS_PORT: port } : { TRUC_SCHEDULER_METRICS_PORT: port }),
        }),
      );
    }
    const fires = async (): Promise<Fire[]> =>
      (
        await env.deps.db.query<Fire>(
          'SELECT fire_at, outcome, sync_run_id, duplicates FROM truc.schedule_fires WHERE schedule_id = $1 ORDER BY fire_at',
          [ID],
        )
      ).rows;
    // Startup of four processes on a loaded machine takes a while; then five fires.
    await waitFor(async () => (await fires()).length >= 5, {
      timeoutMs: 150_000,
      intervalMs: 250,
      what: 'five fires',
    });
    expect(procs.every((p) => p.child.exitCode === null)).toBe(true);
    const seen = await fires();
    // A fire requests a run, or (busy, review25 N7) none beside its pull's run still unfinished, which it names.
    expect(seen.every((f) => ['requested', 'busy'].includes(f.outcome) && f.sync_run_id !== null)).toBe(true);
    const requested = seen.filter((f) => f.outcome === 'requested');
    expect(requested.length).toBeGreaterThan(0);
    // no fire delivered twice, but for a job BullMQ handed on after its worker stalled past its lock
    expect(
      await duplicatesNotFromStalls(seen, ID, { url: REDIS_TEST_URL, prefix: env.redisPrefix! }),
    ).toEqual([]);
    const times = seen.map((f) => new Date(f.fire_at).getTime());
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
    const runIds = requested.map((f) => String(f.sync_run_id));
    expect(new Set(runIds).size).toBe(requested.length);
    for (const busy of seen.filter((f) => f.outcome === 'busy'))
      expect(requested.some((f) => f.fire_at < busy.fire_at && f.sync_run_id === busy.sync_run_id)).toBe(
        true,
      );
    // Every run the schedule requested is the run of exactly one fire (fire and run are one transaction).
    const orphans = await env.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.sync_runs r WHERE r.requested_by = $1
          AND (SELECT count(*) FROM truc.schedule_fires f WHERE f.sync_run_id = r.id AND f.outcome = 'requested') <> 1`,
      [`schedule:${ID}`],
    );
    expect(orphans.rows[0]!.n).toBe(0);
  });
});
