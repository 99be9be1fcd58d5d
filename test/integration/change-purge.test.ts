/**
 * The change feed's purge (issue 9) on PostgreSQL + Redis: the scheduler role fires it on
 * `api.changeFeed.purgeCron` (here every second; nightly by default) and a worker drops the changes
 * from before the school year the feed keeps, leaving that full school year and the current one.
 * Without the schedule nothing ever deletes from truc.record_changes and this test times out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { changeFeedCutoff } from '../../src/jobs/change-purge.js';
import { startScheduler } from '../../src/jobs/schedules.js';
import { startWorkerRole } from '../../src/roles.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

const MINUTE = 60_000;

describe('change feed purge on postgres+redis', () => {
  let env: TestEnv;
  let config: Config;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    config = {
      ...env.config,
      api: { ...env.config.api, changeFeed: { ...env.config.api.changeFeed, purgeCron: '* * * * * *' } },
    };
  }, 120_000);

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    await env?.cleanup();
  });

  it('drops the changes from before the last full school year, keeps that year and the current one', async () => {
    expect(config.api.changeFeed.keepSchoolYears).toBe(1);
    const cutoff = changeFeedCutoff(new Date(), 1).getTime();
    const at = {
      'two-years-before': cutoff - 730 * 24 * 60 * MINUTE,
      'just-before': cutoff - MINUTE,
      'just-after': cutoff + MINUTE,
      today: Date.now(),
    };
    for (const [key, t] of Object.entries(at)) {
      await env.deps.db.query(
        `INSERT INTO truc.record_changes (entity, record_keys, key_count, school_code, op, changed_at)
         VALUES ('students', ARRAY[$1], 1, 'PURGE-S1', 'update', $2)`,
        [key, new Date(t)],
      );
    }
    const keys = async (): Promise<string[]> =>
      (
        await env.deps.db.query<{ key: string }>(
          `SELECT record_keys[1] AS key FROM truc.record_changes WHERE school_code = 'PURGE-S1' ORDER BY changed_at`,
        )
      ).rows.map((r) => r.key);
    expect(await keys()).toEqual(['two-years-before', 'just-before', 'just-after', 'today']);

    const deps = { ...env.deps, config };
    running.push(startWorkerRole(deps), startScheduler(deps));
    await waitFor(async () => (await keys()).length === 2, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the purge of the changes before the cutoff',
    });
    expect(await keys()).toEqual(['just-after', 'today']);
  }, 60_000);
});
