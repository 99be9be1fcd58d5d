/**
 * The mass-change guard over the pages of a sync run (issue 7): a page whose source tombstones or
 * changes take a school over its thresholds is not applied — the run is held (status 'held', a hold of
 * kind 'run' with counts and keys), nothing of the page is written; approved, the run goes on from its
 * cursor and the deletions travel to the targets; rejected, the run ends and nothing changes. In the
 * rollover window grade and class changes pass, other changes and deletions stay guarded. A full run's reconciliation adds to the same
 * counts: pages that pass and a reconciliation that takes the run over a threshold hold the run once
 * (kind 'reconcile'); an approval of the run covers its reconciliation. Through the jobs' registry shape on a real
 * in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo, type GuardHold } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createRunGuardRepo } from '../../../src/store/run-guard.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import {
  fakeTarget,
  guardAudit,
  hcmStudent,
  nextRow,
  requestFullStudentsSync,
  requestStudentsSync,
  runNextPull,
  runNextReconcile,
  runRow,
  useStudentsSource,
} from './fixtures.js';

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const wire = (code: string, school: string, name?: string) => hcmStudent(code, { school, name });

/** A hold of 20 of a school's 50 records deleted (40%, over the 30% threshold), with the keys shown. */
function expectFortyPercentDeleted(
  hold: GuardHold,
  school: string,
  keys: string[],
  /** A held reconciliation's own deletions among the 20 (fix33b). */
  reconciled?: number,
) {
  expect(hold.reasons).toEqual([
    { school, kind: 'deleted', count: 20, live: 50, ratio: 0.4, threshold: 0.3 },
  ]);
  expect(hold.diff).toEqual([
    {
      school,
      live: 50,
      deleted: 20,
      moved: 0,
      changed: 0,
      ...(reconciled === undefined ? {} : { reconciled }),
      keys: { deleted: keys, moved: [], changed: [] },
    },
  ]);
}

describe('the mass-change guard over the pages of a sync run', () => {
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const { ctx, source } = useStudentsSource({ vnedu: school });

  /** An incremental run of one school, one page (items and tombstones) served. */
  async function incremental(scope: string, items: unknown[], deletedKeys: string[] = []) {
    const runId = await requestStudentsSync(ctx, scope);
    source.pages.push({ items, deletedKeys, nextCursor: undefined, watermark: 'w1' });
    return runId;
  }
  const liveCount = (scope: string) => createRecordsRepo(ctx.db).count('students', scope);
  const deleteSets = () =>
    ctx.db.rows<{ id: number; system: string; keys: string[] }>(
      'truc.push_sets',
      `operation = 'delete' ORDER BY id`,
    );
  const held = () => createRunGuardRepo(ctx.db).heldRuns();

  it('holds a run whose tombstones delete 40% of a school; approved, it goes on and the deletions travel', async () => {
    // The other tests' held runs and delete sets may be there already: the ones this test adds.
    const heldBefore = await held();
    const setsBefore = (await deleteSets()).length;
    const keys = codes('G', 50);
    await incremental(
      S1,
      keys.map((k) => wire(k, S1)),
    );
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    expect(await liveCount(S1)).toBe(50);

    // The source suddenly says 20 of the school's 50 students (40%) are gone.
    const gone = keys.slice(0, 20);
    const runId = await incremental(S1, [], gone);
    const first = (await runNextPull(ctx)) as { held: boolean; holdId: number };
    expect(first).toMatchObject({ held: true, holdId: expect.any(Number) });
    expect(await liveCount(S1)).toBe(50);
    expect(await deleteSets()).toHaveLength(setsBefore);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'held', pages: 0 });
    const hold = (await createGuardHoldsRepo(ctx.db).get(first.holdId))!;
    expect(hold).toMatchObject({ kind: 'run', syncRunId: runId, status: 'held' });
    expectFortyPercentDeleted(hold, S1, gone);
    expect(await held()).toBe(heldBefore + 1);
    // Nothing more runs while it is held.
    expect(await runNextPull(ctx)).toBeUndefined();

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: first.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.status).toBe('running');
    source.pages.push({ items: [], deletedKeys: gone, nextCursor: undefined, watermark: 'w2' });
    expect(await runNextPull(ctx)).toEqual({ records: 0, last: true });
    expect(await liveCount(S1)).toBe(30);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'done', tombstones: 20 });
    // The tombstones travel to the school's system.
    const sets = (await deleteSets()).slice(setsBefore);
    expect(sets.map((s) => [s.system, s.keys])).toEqual([['vnedu', gone]]);
    const row = await nextRow(
      ctx.db,
      (r) => r.queue === 'push.vnedu' && r.payload['pushSetId'] === sets[0]!.id,
    );
    await runRow(ctx, row!);
    expect(school.removals.map((r) => r.keys)).toEqual([gone]);
    expect(await guardAudit(ctx.db, first.holdId)).toEqual([
      ['guard.held', 'system:guard'],
      ['guard.approved', 'city-admin-1'],
    ]);
  });

  it('holds a run that changes more than half a school; rejected, the run ends and nothing changes', async () => {
    const heldBefore = await held();
    const keys = codes('C', 30);
    await incremental(
      S2,
      keys.map((k) => wire(k, S2)),
    );
    expect(await runNextPull(ctx)).toEqual({ records: 30, last: true });
    // 16 of 30 (53%) renamed: over the 50% changed threshold.
    const renamed = keys.slice(0, 16).map((k) => wire(k, S2, 'Trần Văn Nam'));
    const runId = await incremental(S2, renamed);
    const first = (await runNextPull(ctx)) as { holdId: number };
    const hold = (await createGuardHoldsRepo(ctx.db).get(first.holdId))!;
    expect(hold.reasons).toEqual([
      { school: S2, kind: 'changed', count: 16, live: 30, ratio: 0.5333, threshold: 0.5 },
    ]);
    expect(hold.diff[0]!.keys.changed).toEqual(keys.slice(0, 16));
    const names = async () =>
      (await ctx.db.rows<{ data: { fullName: string } }>('truc.students', `school_code = '${S2}'`)).filter(
        (r) => r.data.fullName === 'Trần Văn Nam',
      ).length;
    expect(await names()).toBe(0);

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: first.holdId, decision: 'rejected', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      status: 'failed',
      errorCode: 'ERR_GUARD_REJECTED',
    });
    expect(await runNextPull(ctx)).toBeUndefined();
    expect(await names()).toBe(0);
    expect(await held()).toBe(heldBefore);

    // In the rollover window (kết chuyển) only grade and class changes relax (issue 7 item 3): the same renames
    // are held (rollover-other-changes.test.ts), the whole school moving up a grade and class applies; deletions
    // stay guarded.
    const rollover = { ...ctx, now: () => new Date('2026-09-01T03:00:00.000Z') };
    await incremental(S2, renamed);
    const again = (await runNextPull(ctx, rollover)) as { held: boolean; holdId: number };
    expect(again).toMatchObject({ held: true });
    expect(await names()).toBe(0);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: again.holdId, decision: 'rejected', by: 'city-admin-1', at: ctx.now() }),
    );
    const movedUp = keys.map((k) => ({ ...wire(k, S2), namHoc: '2026-2027', khoiLop: '2', maLop: '2A1' }));
    await incremental(S2, movedUp);
    expect(await runNextPull(ctx, rollover)).toEqual({ records: 30, last: true });
    const grades = await ctx.db.rows<{ data: { grade: string; schoolYear: string; classCode?: string } }>(
      'truc.students',
      `school_code = '${S2}'`,
    );
    expect(grades.map((r) => [r.data.schoolYear, r.data.grade, r.data.classCode])).toEqual(
      keys.map(() => ['2026-2027', '2', '2A1']),
    );
    await incremental(S2, [], keys.slice(0, 10));
    expect(await runNextPull(ctx, rollover)).toMatchObject({ held: true });
    expect(await liveCount(S2)).toBe(30);
  });
  /** A full run of one school, one page (items and tombstones) served. */
  async function full(scope: string, items: unknown[], deletedKeys: string[] = []) {
    const runId = await requestFullStudentsSync(ctx, scope);
    source.pages.push({ items, deletedKeys, nextCursor: undefined, watermark: 'w1' });
    return runId;
  }

  it("holds a run whose pages pass but whose reconciliation takes it over a school's threshold", async () => {
    const S3 = '79000003';
    const keys = codes('R', 50);
    await incremental(
      S3,
      keys.map((k) => wire(k, S3)),
    );
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    // The source tombstones 10 (20%) and no longer serves 10 more (20%): each under 30%, the run 40%.
    const tombstoned = keys.slice(0, 10);
    const vanished = keys.slice(10, 20);
    const runId = await full(
      S3,
      keys.slice(20).map((k) => wire(k, S3)),
      tombstoned,
    );
    expect(await runNextPull(ctx)).toEqual({ records: 30, last: true });
    expect(await liveCount(S3)).toBe(40);
    const held = (await runNextReconcile(ctx)) as { skipped: string; holdId: number };
    expect(held).toMatchObject({ deleted: 0, skipped: 'held' });
    expect(await liveCount(S3)).toBe(40);
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBe('held');
    const hold = (await createGuardHoldsRepo(ctx.db).get(held.holdId))!;
    expect(hold).toMatchObject({ kind: 'reconcile', syncRunId: runId, status: 'held' });
    // The run's counts (its page's tombstones and the reconciliation), the reconciliation's keys and own count (fix33b).
    expectFortyPercentDeleted(hold, S3, vanished, 10);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: held.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await runNextReconcile(ctx)).toEqual({ deleted: 10, skipped: null });
    expect(await liveCount(S3)).toBe(30);
    expect(await createRunGuardRepo(ctx.db).counts(runId, [S3])).toEqual([
      {
        school: S3,
        schoolYear: '',
        live: 50,
        deleted: 20,
        moved: 0,
        changed: 0,
        regraded: 0,
        restored: 0,
        arrived: 0,
      },
    ]);
  });

  it("an approval covers what its diff showed: the run's reconciliation deleting more is held again (review23)", async () => {
    const S4 = '79000004';
    const keys = codes('A', 50);
    await incremental(
      S4,
      keys.map((k) => wire(k, S4)),
    );
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    // Its page tombstones 20 (40%): held, its reconciliation's 10 more weighed ahead into the hold (30 of 50, fix35b);
    // approved, it applies. By the run's end the source lists 5 fewer: its reconciliation deletes 15 (35 of 50), more
    // than the admin was shown, so it is held again with its own diff; approved, it deletes them.
    const runId = await full(
      S4,
      keys.slice(30).map((k) => wire(k, S4)),
      keys.slice(0, 20),
    );
    const first = (await runNextPull(ctx)) as { holdId: number };
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: first.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    const [shown] = await ctx.db.rows<{ reasons: unknown[] }>('truc.guard_holds', `id = ${first.holdId}`);
    expect(shown!.reasons).toMatchObject([{ school: S4, kind: 'deleted', count: 30 }]);
    source.pages.push({
      items: keys.slice(35).map((k) => wire(k, S4)),
      deletedKeys: keys.slice(0, 20),
      nextCursor: undefined,
      watermark: 'w2',
    });
    expect(await runNextPull(ctx)).toEqual({ records: 15, last: true });
    const again = (await runNextReconcile(ctx)) as { deleted: number; skipped: string; holdId: number };
    expect(again).toMatchObject({ deleted: 0, skipped: 'held' });
    const [hold] = await ctx.db.rows<{
      kind: string;
      reasons: Array<{ school: string; kind: string; count: number }>;
    }>('truc.guard_holds', `id = ${again.holdId}`);
    expect(hold).toMatchObject({ kind: 'reconcile', reasons: [{ school: S4, kind: 'deleted', count: 35 }] });
    expect(await liveCount(S4)).toBe(30);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: again.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await runNextReconcile(ctx)).toEqual({ deleted: 15, skipped: null });
    expect(await liveCount(S4)).toBe(15);
    expect(await ctx.db.rows('truc.guard_holds', `sync_run_id = ${runId}`)).toHaveLength(2);
  });
});
