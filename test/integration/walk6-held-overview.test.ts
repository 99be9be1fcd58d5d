/**
 * walk6 W6-2: the morning after a held night, nothing on the operations overview said a mass change waited for a
 * decision (only /metrics' truc_guard_holds_waiting did), and the schedule whose run was held read "requested" with
 * no hint. Now GET /v1/ops/overview's `guardHolds` counts the holds waiting (and since when the oldest waits), and a
 * schedule's `lastRun.runStatus` says its run is held. Real PostgreSQL, the API in process, no worker (the overview is
 * read with none running); the hold and the fire written through the store.
 */
import { describe, expect, it } from 'vitest';
import { createSchedulesRepo } from '../../src/store/schedules.js';
import { useApiHarness } from '../helpers/api.js';
import { heldRunPage } from '../helpers/held-run.js';

const ID = 'smas-students-nightly';

describe('walk6 W6-2: held changes on the overview and a schedule whose run is held (postgres)', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    {
      configure: (c) => ({
        ...c,
        sync: {
          ...c.sync,
          schedules: {
            [ID]: {
              kind: 'pull',
              cron: '0 1 * * *',
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

  const overviewHolds = async () => {
    const res = await h.get('/v1/ops/overview', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ guardHolds: { waiting: number; oldestAt: string | null } }>().guardHolds;
  };
  const lastRun = async () => {
    const res = await h.get('/v1/schedules', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json<{ items: Array<{ id: string; lastRun: Record<string, unknown> | null }> }>().items;
    return items.find((x) => x.id === ID)?.lastRun;
  };

  it('counts the holds waiting and says the schedule’s run is held; decided, neither', async () => {
    expect(await overviewHolds()).toEqual({ waiting: 0, oldestAt: null });
    const db = h.env.deps.db;
    const { run, holdId } = await heldRunPage(db);
    const fireAt = new Date(Date.now() - 60_000);
    const schedules = createSchedulesRepo(db);
    await schedules.recordFire(ID, fireAt, 'requested');
    await schedules.attachRun(ID, fireAt, run);
    const held = await overviewHolds();
    expect(held).toEqual({ waiting: 1, oldestAt: expect.any(String) });
    expect(Date.now() - Date.parse(held.oldestAt!)).toBeLessThan(10 * 60_000);
    expect(await lastRun()).toMatchObject({ outcome: 'requested', syncRunId: run, runStatus: 'held' });

    const rejected = await h.send('POST', `/v1/guard/holds/${holdId}/reject`, h.tokens.admin, {
      reason: 'walk6',
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(await overviewHolds()).toEqual({ waiting: 0, oldestAt: null });
    expect(await lastRun()).toMatchObject({ syncRunId: run, runStatus: 'failed' });
  });
});
