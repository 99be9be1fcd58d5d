/**
 * guard6 (issue 7 item 3): a record a sync run deleted and brought back to the same school within the run was counted
 * twice by the guard, a deletion against `deleteRatio` (30%) and a restore against `changeRatio` (50%), so a run was
 * held for deletions that did not happen. The run keeps what its tombstones deleted (migration 1437) and a restore of
 * one of those weighs as one change, the deletion taken back (src/jobs/run-restores.ts). Here: a page tombstoning 40%
 * of a school and bringing the same 40% back (tombstones apply first) is not held; across pages (20% deleted, then
 * 20% more deleted and the first 20% brought back) neither; a page deleting 40% is. What a run deleted is purged once
 * it finished.
 */
import { describe, expect, it } from 'vitest';
import { purgeFinishedRuns } from '../../../src/jobs/change-purge.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import { hcmStudent, requestStudentsSync, runNextPull, useStudentsSource } from './fixtures.js';

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('a sync run that deletes and brings back records of a school (guard6)', () => {
  const { ctx, source } = useStudentsSource();
  const liveCount = (school: string) => createRecordsRepo(ctx.db).count('students', school);

  /** 40 students of `school`, stored by a first run. */
  async function seeded(school: string, prefix: string) {
    const keys = codes(prefix, 40);
    await requestStudentsSync(ctx, school);
    source.pages.push({
      items: keys.map((k) => hcmStudent(k, { school })),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    expect(await runNextPull(ctx)).toEqual({ records: 40, last: true });
    return keys;
  }

  it('does not hold a page deleting 40% of a school and bringing the same 40% back', async () => {
    const keys = await seeded(S1, 'DR');
    const back = keys.slice(0, 16);
    const runId = await requestStudentsSync(ctx, S1);
    source.pages.push({
      items: back.map((k) => hcmStudent(k, { school: S1, name: 'Nguyễn Thị Lan' })),
      deletedKeys: back,
      nextCursor: undefined,
      watermark: 'w2',
    });
    // Without the fix: { held: true } (16 deleted of 40, 40% > 30%).
    expect(await runNextPull(ctx)).toEqual({ records: 16, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'done' });
    expect(await liveCount(S1)).toBe(40);
  });

  it('does not hold a run whose later page brings back what an earlier page deleted', async () => {
    const keys = await seeded(S2, 'DP');
    const runId = await requestStudentsSync(ctx, S2);
    const first = keys.slice(0, 8);
    const second = keys.slice(8, 16);
    source.pages.push(
      { items: [], deletedKeys: first, nextCursor: 'c1', watermark: 'w2' },
      {
        items: first.map((k) => hcmStudent(k, { school: S2, name: 'Nguyễn Thị Lan' })),
        deletedKeys: second,
        nextCursor: undefined,
        watermark: 'w2',
      },
    );
    expect(await runNextPull(ctx)).toMatchObject({ records: 0, last: false });
    // Without the fix: { held: true } (8 + 8 deleted of 40, 40%, and 8 restored).
    expect(await runNextPull(ctx)).toEqual({ records: 8, last: true });
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'done' });
    expect(await liveCount(S2)).toBe(32);
  });

  it('holds a page deleting 40% of a school', async () => {
    const S3 = '79000003';
    const keys = await seeded(S3, 'DD');
    await requestStudentsSync(ctx, S3);
    source.pages.push({ items: [], deletedKeys: keys.slice(0, 16), nextCursor: undefined, watermark: 'w2' });
    const out = (await runNextPull(ctx)) as { held?: boolean; holdId?: number };
    expect(out).toMatchObject({ held: true, holdId: expect.any(Number) });
    const hold = (await createGuardHoldsRepo(ctx.db).get(out.holdId!))!;
    expect(hold.reasons).toEqual([
      { school: S3, kind: 'deleted', count: 16, live: 40, ratio: 0.4, threshold: 0.3 },
    ]);
    expect(await liveCount(S3)).toBe(40);
  });

  it('keeps what the runs deleted until they finished: the nightly purge drops those of finished runs', async () => {
    const kept = () => ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM truc.sync_run_deleted');
    // The two runs above that deleted are done (16 + 16 rows); the held one's page was rolled back (none).
    expect((await kept()).rows[0]?.n).toBe(32);
    // kept an hour after a run finished (polish6: ../../../src/store/run-purge.ts), so aged by two
    expect(await purgeFinishedRuns(ctx)).toMatchObject({ deleted: 0 });
    await ctx.db.query(`UPDATE truc.sync_runs SET finished_at = finished_at - interval '2 hours'`);
    expect(await purgeFinishedRuns(ctx)).toMatchObject({ deleted: 32 });
    expect((await kept()).rows[0]?.n).toBe(0);
  });
});
