/**
 * TrucSyncStale reads a schedule's own success (fix31c): `truc_sync_last_success_timestamp_seconds{system,entity}`
 * is the pair's last successful run of any scope, and the alert read it, so one school's pull succeeding (by hand,
 * or its own schedule) kept the city's schedule of the same pair quiet while it failed every night, and the
 * city's success a school's failing schedule. Now each schedule exports the last success of a run of its own
 * system, entity and scope (`truc_schedule_last_success_timestamp_seconds{schedule,…}`), and the alert counts from
 * it. Seen as IT sees it: runs in the database, the series truc exports, and promtool evaluating alerts.yml 25 h
 * after the last of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { makeDeps, type TestEnv } from '../helpers/env.js';
import { hasPromtool } from '../helpers/promtool.js';
import { exportedSeries, staleAlertsAt } from '../helpers/stale-alert.js';

const SCHOOL = '79000001';
const nightly = (entity: 'students' | 'staff' | 'classes', scope?: string) => ({
  cron: '0 1 * * *',
  tz: 'Asia/Ho_Chi_Minh',
  system: 'hcm-csdl' as const,
  entity,
  ...(scope ? { scope } : {}),
  full: false,
});

describe('TrucSyncStale: a schedule is stale by the runs of its own scope', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await makeDeps(
      { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
      {
        env: { HCM_CSDL_BASE_URL: 'http://127.0.0.1:9' },
        configure: (c) => ({
          ...c,
          sync: {
            ...c.sync,
            schedules: {
              'city-students': nightly('students'),
              'school-staff': nightly('staff', SCHOOL),
              'city-classes': nightly('classes'),
            },
          },
        }),
      },
    );
  }, 120_000);

  afterAll(async () => {
    await env?.cleanup();
  });

  async function run(entity: string, scope: string, outcome: 'done' | 'failed'): Promise<void> {
    const runs = createSyncRunsRepo(env.deps.db);
    const id = await runs.create({
      system: 'hcm-csdl',
      entity: entity as 'students',
      scope,
      since: null,
      requestedBy: 'city-admin',
    });
    if (outcome === 'failed') await runs.fail(id, 'ERR_ADAPTER_UNAVAILABLE');
    else
      await env.deps.db.query(
        `UPDATE truc.sync_runs SET status = 'done', finished_at = now() WHERE id = $1`,
        [id],
      );
  }

  it.runIf(hasPromtool())(
    "one school's success does not keep the city's failing schedule quiet, nor the city's a school's",
    async () => {
      await exportedSeries(env.deps); // the schedules' rows, set up now
      await env.deps.db.query(
        `UPDATE truc.schedules SET kept_since = now() - interval '3 days', updated_at = now() - interval '3 days'`,
      );
      await run('students', '', 'failed');
      await run('students', SCHOOL, 'done'); // by hand, for one school
      await run('staff', SCHOOL, 'failed');
      await run('staff', '', 'done'); // the whole city, by hand
      await run('classes', '', 'done'); // the schedule's own scope: fresh
      const series = await exportedSeries(env.deps);
      expect(series.join('\n')).toContain(
        'truc_schedule_last_success_timestamp_seconds{job="truc-worker",schedule="city-classes"',
      );
      // Expecting no alert: promtool fails and shows the alerts it got, one per stale schedule.
      const tested = staleAlertsAt(series, '27h');
      expect(tested.ok, tested.output).toBe(false);
      const fired = [...tested.output.matchAll(/schedule="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(fired), tested.output).toEqual(new Set(['city-students', 'school-staff']));
    },
  );
});
