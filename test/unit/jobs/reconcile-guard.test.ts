/**
 * The mass-change guard on reconciliation's deletes and on vendor batches (issue 7 item 3), through the jobs'
 * registry shape on a real in-memory database: a run deleting 40% of a school is held until approved (or
 * rejected: nothing deleted), the rollover window relaxes grade and class changes only, and a vendor batch is
 * weighed against its own live copies first. Reconciliation itself: reconcile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import {
  batchEntries,
  diffsOf,
  evaluate,
  inRollover,
  weighsWithCopies,
  withinCopies,
} from '../../../src/jobs/guard.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1, S2 } from '../../helpers/api.js';
import {
  requestFullStudentsSync,
  byQueue,
  guardAudit,
  hcmStudent,
  nextRow,
  runRow,
  useStudentsSource,
} from './fixtures.js';

const wire = (code: string, school = S1) => hcmStudent(code, { school });

describe('the mass-change guard', () => {
  const { ctx, source } = useStudentsSource();
  /** Runs the oldest open job of `queue`; its result. */
  const run = async (queue: string) => runRow(ctx, (await nextRow(ctx.db, byQueue(queue)))!);

  /** A full run of `scope` that sees `seen` of the school's records (G00..G49 in S1, K00..K49 in S2). */
  async function fullRunSeeing(seen: number, scope = S1): Promise<number> {
    const runId = await requestFullStudentsSync(ctx, scope);
    const prefix = scope === S1 ? 'G' : 'K';
    const items = Array.from({ length: seen }, (_, i) =>
      wire(`${prefix}${String(i).padStart(2, '0')}`, scope),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w' });
    await run('pull'); // the page, ingested by the pull job; its reconciliation is the next pull job
    return runId;
  }
  const liveCount = async (scope = S1) => createRecordsRepo(ctx.db).count('students', scope);

  it('holds a run that deletes 40% of a school; an approved one goes through, audited', async () => {
    // The school's 50 records, as the source serves them (a page that rewrote most of them would be
    // held itself: ./run-guard.test.ts).
    await fullRunSeeing(50);
    expect(await run('pull')).toEqual({ deleted: 0, skipped: null });
    // 30 of 50 seen: 20 (40%) would go — over the 30% threshold.
    const runId = await fullRunSeeing(30);
    const held = (await run('pull')) as { skipped: string; holdId: number };
    expect(held).toMatchObject({ deleted: 0, skipped: 'held' });
    expect(await liveCount()).toBe(50);
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBe('held');
    const hold = (await createGuardHoldsRepo(ctx.db).get(held.holdId))!;
    expect(hold).toMatchObject({ kind: 'reconcile', syncRunId: runId, status: 'held' });
    expect(hold.reasons).toEqual([
      { school: S1, kind: 'deleted', count: 20, live: 50, ratio: 0.4, threshold: 0.3 },
    ]);
    expect(hold.diff[0]).toMatchObject({ school: S1, live: 50, deleted: 20 });
    expect(hold.diff[0]!.keys.deleted).toHaveLength(20);

    await ctx.db.tx((q) =>
      decideHold(q, { holdId: held.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect((await createSyncRunsRepo(ctx.db).get(runId))!.reconcile).toBe('queued');
    expect(await run('pull')).toEqual({ deleted: 20, skipped: null });
    expect(await liveCount()).toBe(30);
    // Decided once: a second decision is refused.
    await expect(
      ctx.db.tx((q) =>
        decideHold(q, { holdId: held.holdId, decision: 'rejected', by: 'city-admin-1', at: ctx.now() }),
      ),
    ).rejects.toMatchObject({ code: 'ERR_GUARD_NOT_HELD' });
    await expect(
      ctx.db.tx((q) => decideHold(q, { holdId: 999_999, decision: 'approved', by: 'x', at: ctx.now() })),
    ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(await guardAudit(ctx.db, held.holdId)).toEqual([
      ['guard.held', 'system:guard'],
      ['guard.approved', 'city-admin-1'],
    ]);
  });

  it('a rejected hold deletes nothing; a run within the threshold is not held', async () => {
    // Its own school (S2) and its 30 records, as the source serves them.
    await fullRunSeeing(30, S2);
    expect(await run('pull')).toEqual({ deleted: 0, skipped: null });
    // 20 of 30 seen: 10 (33%) would go.
    const runId = await fullRunSeeing(20, S2);
    const held = (await run('pull')) as { skipped: string; holdId: number };
    expect(held).toMatchObject({ deleted: 0, skipped: 'held' });
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: held.holdId, decision: 'rejected', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({
      reconcile: 'done',
      reconciled: 0,
      reconcileNote: 'guard-rejected',
    });
    expect(await liveCount(S2)).toBe(30);
    // 25 of 30 seen: 5 (17%) go without a hold.
    await fullRunSeeing(25, S2);
    expect(await run('pull')).toEqual({ deleted: 5, skipped: null });
    expect(await liveCount(S2)).toBe(25);
  });

  it('rollover relaxes the changed-records threshold for grade and class changes only (issue 7 item 3)', () => {
    const settings = ctx.config.guard;
    const keys = { deleted: [], moved: [], changed: [] };
    const S3 = '79000003';
    const diff = [
      // 80 changed, 75 of them grade and class alone: 5 other changes.
      { school: S1, live: 100, deleted: 0, moved: 0, changed: 80, regraded: 75, keys },
      { school: S2, live: 100, deleted: 35, moved: 0, changed: 0, keys },
      // 80 changed, 20 of them grade and class alone: 60 other changes, over 50% on any day.
      { school: S3, live: 100, deleted: 0, moved: 0, changed: 80, regraded: 20, keys },
    ];
    expect(evaluate(diff, settings, '2026-01-15').map((r) => [r.school, r.kind, r.count])).toEqual([
      [S1, 'changed', 80],
      [S2, 'deleted', 35],
      [S3, 'changed', 80],
    ]);
    expect(evaluate(diff, settings, '2026-09-01')).toEqual([
      { school: S2, kind: 'deleted', count: 35, live: 100, ratio: 0.35, threshold: 0.3 },
      { school: S3, kind: 'changed', count: 60, live: 100, ratio: 0.6, threshold: 0.5 },
    ]);
    // A window threshold under 1 weighs every change, the regrades with them.
    const tight = { ...settings, rollover: { ...settings.rollover, changeRatio: 0.7 } };
    expect(evaluate(diff, tight, '2026-09-01').map((r) => [r.school, r.kind, r.count, r.threshold])).toEqual([
      [S1, 'changed', 80, 0.7],
      [S2, 'deleted', 35, 0.3],
      [S3, 'changed', 60, 0.5],
    ]);
    expect(inRollover('2026-12-31', { from: '12-20', to: '01-10' })).toBe(true);
    expect(inRollover('2026-02-01', { from: '12-20', to: '01-10' })).toBe(false);
  });

  it("weighs a vendor batch against its own live copies first: within their thresholds, within the school's (issue 7)", () => {
    const settings = ctx.config.guard;
    const copies = new Map([
      ['A', { scope: S1, deleted: false }],
      ['B', { scope: S1, deleted: false }],
      ['C', { scope: S1, deleted: true }],
      ['D', { scope: S1, deleted: false }],
    ]);
    const changed = (...keys: string[]) => keys.map((key) => ({ school: S1, kind: 'changed' as const, key }));
    const regraded = (...keys: string[]) => changed(...keys).map((e) => ({ ...e, regraded: true as const }));
    // minRecords is left out (the school may hold more than the copies): 1 of 3 live copies is within 0.5.
    expect(withinCopies(changed('A'), copies, settings, '2026-01-15')).toBe(true);
    // 2 of 3 (the tombstone is no live copy) may go over: the school must be counted.
    expect(withinCopies(changed('A', 'B'), copies, settings, '2026-01-15')).toBe(false);
    // In the rollover window grade and class changes are within 1; other changes and moves are still weighed.
    expect(withinCopies(regraded('A', 'B', 'D'), copies, settings, '2026-09-01')).toBe(true);
    expect(withinCopies(changed('A', 'B', 'D'), copies, settings, '2026-09-01')).toBe(false);
    expect(withinCopies([...regraded('A', 'B'), ...changed('D')], copies, settings, '2026-09-01')).toBe(true);
    const moved = [{ school: S1, kind: 'moved' as const, key: 'A' }];
    expect(withinCopies(moved, copies, settings, '2026-09-01')).toBe(false);
    expect(weighsWithCopies(settings, '2026-01-15', 'students')).toBe(true);
    // In the window a students' batch is counted only when it could be held; the other entities relax nothing.
    expect(weighsWithCopies(settings, '2026-09-01', 'students')).toBe(false);
    expect(weighsWithCopies(settings, '2026-09-01', 'staff')).toBe(true);
  });

  it("a vendor batch's writes count as changes of their school, or moves away from the school they leave", () => {
    const existing = new Map([
      ['A', { scope: S1, deleted: false }],
      ['B', { scope: S2, deleted: false }],
      ['C', { scope: S1, deleted: true }],
      ['E', { scope: S2, deleted: true }],
    ]);
    const toWrite = [
      { key: 'A', scope: S1 }, // changed in S1
      { key: 'B', scope: S1 }, // moved from S2 to S1: counts against S2
      { key: 'C', scope: S1 }, // restored to its school: a change of S1 (restoreguard)
      { key: 'D', scope: S1 }, // new
      { key: 'E', scope: S1 }, // deleted at S2, brought back at S1: nobody's
    ];
    expect(batchEntries(toWrite, existing)).toEqual([
      { school: S1, kind: 'changed', key: 'A' },
      { school: S2, kind: 'moved', key: 'B' },
      { school: S1, kind: 'restored', key: 'C' },
    ]);
  });

  it('restoreguard: restores count with the changes, against the school with them', () => {
    const settings = { ...ctx.config.guard, minRecords: 20, changeRatio: 0.5 };
    const restoring = (n: number, live: number) =>
      evaluate(
        diffsOf(
          Array.from({ length: n }, (_, i) => ({ school: S1, kind: 'restored' as const, key: `R${i}` })),
          new Map([[S1, live]]),
        ),
        settings,
        '2026-03-01',
      );
    // 39 brought back to a school an approved snapshot left with 1: 39 of 40, held (under minRecords alone).
    // Its reason says how many of its changes are restores (guard2 item 2: all of them here).
    expect(restoring(39, 1)).toEqual([
      { school: S1, kind: 'changed', count: 39, restored: 39, live: 40, ratio: 0.975, threshold: 0.5 },
    ]);
    // 2 of 40: through.
    expect(restoring(2, 38)).toEqual([]);
    expect(diffsOf([{ school: S1, kind: 'restored', key: 'R' }], new Map([[S1, 38]]))).toEqual([
      {
        school: S1,
        live: 38,
        deleted: 0,
        moved: 0,
        changed: 0,
        restored: 1,
        keys: { deleted: [], moved: [], changed: [], restored: ['R'] },
      },
    ]);
  });
});
