/**
 * review (stop 58's restoreguard, 5649a481): a restore is a change, in a vendor batch's window too. The batch that
 * brings deleted records back to its school adds to the school's changes (src/jobs/guard.ts `evaluate`), so with its
 * window (src/jobs/vendor-window.ts `windowOver`) it is held when it takes the changes over `changeRatio`, and not held
 * for a deletion threshold the window alone went over (it adds no deletion). The window counts the restores of the
 * school's earlier vendor batches with their changes (src/store/vendor-window.ts: the feed's `create` of a record
 * stored before the batch arrived), so restores sent a few at a time are weighed together, as changes are.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { drain, useTestContext, vendorBatch, type TestContext } from './fixtures.js';

const codes = Array.from({ length: 40 }, (_, i) => `RW${String(i).padStart(2, '0')}`);
const students = (cs: readonly string[], fullName?: string) =>
  cs.map((c) => student(c, fullName ? { fullName } : {}));
const liveCount = async (ctx: TestContext) =>
  (await ctx.db.rows('truc.students', `school_code = '${S1}' AND deleted_at IS NULL`)).length;
const holdOf = async (ctx: TestContext, batchId: string) => {
  const [row] = await ctx.db.rows<{ id: string }>('truc.guard_holds', `batch_id = '${batchId}'`);
  return row && (await createGuardHoldsRepo(ctx.db).get(Number(row.id)));
};
/** 40 students, then 10 of them omitted by a snapshot (25%, under deleteRatio: done): 30 live, 10 deleted. */
const tenOmitted = async (ctx: TestContext) => {
  await vendorBatch(ctx, students(codes));
  const snap = await vendorBatch(ctx, students(codes.slice(10)), 'snapshot');
  expect(snap).toMatchObject({ status: 'done', deleted: 10 });
};
/** The school's vendor batches so far arrived before the window (`vendorWindowHours`, 24). */
const outOfWindow = async (ctx: TestContext) => {
  const before = new Date(ctx.now().getTime() - 25 * 3_600_000).toISOString();
  await ctx.db.query(`UPDATE truc.batches SET created_at = $1`, [before]);
};

describe('a batch of restores with its school window (review of restoreguard)', () => {
  const ctx = useTestContext();

  it('is held when its restores take the window’s changes over changeRatio', async () => {
    await tenOmitted(ctx);
    await outOfWindow(ctx);
    // 15 of the 30 renamed (50%: not over).
    expect((await vendorBatch(ctx, students(codes.slice(10, 25), 'Lê Văn Tám'))).status).toBe('done');
    // 3 brought back: 3 of 33 alone; with the window's 15, 18 of 33 (55%) changed.
    const restore = await vendorBatch(ctx, students(codes.slice(0, 3)));
    // Was 'done': its restores were taken for deletions, and only a deletion reason could hold it.
    expect(restore.status).toBe('held');
    expect(await liveCount(ctx)).toBe(30);
    const hold = await holdOf(ctx, restore.id);
    expect(hold?.reasons).toEqual([
      { school: S1, kind: 'changed', count: 18, restored: 3, live: 33, ratio: 0.5455, threshold: 0.5 },
    ]);
    expect(hold!.diff[0]).toMatchObject({ restored: 3, keys: { restored: codes.slice(0, 3) } });
  });
});

describe('a batch of restores beside a window over deleteRatio alone (review of restoreguard)', () => {
  const ctx = useTestContext();

  it('is not held: it adds no deletion', async () => {
    // In the window.
    await tenOmitted(ctx);
    // 8 more deleted by another (not a vendor batch of the school): the window's 10 of 32 (31%) is over alone.
    await ctx.db.query(`UPDATE truc.students SET deleted_at = now() WHERE student_code = ANY($1::text[])`, [
      codes.slice(32),
    ]);
    expect(await liveCount(ctx)).toBe(22);
    // One of those 8 brought back: 1 change of 23; its school's deletions are none of its doing.
    const restore = await vendorBatch(ctx, students(codes.slice(39)));
    // Was 'held' with the window's deletions as its reason.
    expect(restore.status).toBe('done');
    expect(await holdOf(ctx, restore.id)).toBeUndefined();
    expect(await liveCount(ctx)).toBe(23);
  });
});

describe('restores sent a few at a time (review of restoreguard)', () => {
  const ctx = useTestContext();

  it('are weighed with the window’s restores: the batch that takes them over changeRatio is held', async () => {
    await vendorBatch(ctx, students(codes));
    // The walk's snapshot: 1 of 40 kept, held, approved (the window starts again after the approved hold).
    const snap = await vendorBatch(ctx, students(codes.slice(0, 1)), 'snapshot');
    const [held] = await ctx.db.rows<{ id: string }>('truc.guard_holds', `batch_id = '${snap.id}'`);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: Number(held!.id), decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    await drain(ctx, 'ingest');
    expect(await liveCount(ctx)).toBe(1);
    // 10 brought back: 11 records, under minRecords (20): not weighed.
    expect((await vendorBatch(ctx, students(codes.slice(1, 11)))).status).toBe('done');
    // 10 more: 10 of 21 alone (48%); with the window's 10 restores, 20 of 21.
    const second = await vendorBatch(ctx, students(codes.slice(11, 21)));
    // Was 'done' (and the next two too: all 39 back, never held).
    expect(second.status).toBe('held');
    expect(await liveCount(ctx)).toBe(11);
    const hold = await holdOf(ctx, second.id);
    expect(hold?.reasons).toEqual([
      { school: S1, kind: 'changed', count: 20, restored: 10, live: 21, ratio: 0.9524, threshold: 0.5 },
    ]);
    expect(hold!.diff[0]!.window).toMatchObject({ changed: 10, deleted: 0 });
  });
});

describe('records deleted then brought back within the window (guard2 item 3)', () => {
  const ctx = useTestContext();

  it('count once, as restores: not as deletions too, nor twice among the live records', async () => {
    // 40 students, out of the window.
    await vendorBatch(ctx, students(codes));
    await outOfWindow(ctx);
    // In the window: 10 of 40 omitted by a snapshot (25%, under deleteRatio), then the 10 brought back (10 of 40).
    expect(await vendorBatch(ctx, students(codes.slice(10)), 'snapshot')).toMatchObject({
      status: 'done',
      deleted: 10,
    });
    expect((await vendorBatch(ctx, students(codes.slice(0, 10)))).status).toBe('done');
    expect(await liveCount(ctx)).toBe(40);
    // 12 renamed: 12 of 40 alone; with the window's 10 restores, 22 of 40 (55%) changed.
    const renamed = await vendorBatch(ctx, students(codes.slice(20, 32), 'Lê Văn Tám'));
    // Was 'done': the 10 counted as deleted and as changed, and 10 more live (22 of 50, 44%).
    expect(renamed.status).toBe('held');
    const hold = await holdOf(ctx, renamed.id);
    expect(hold?.reasons).toEqual([
      { school: S1, kind: 'changed', count: 22, live: 40, ratio: 0.55, threshold: 0.5 },
    ]);
    expect(hold!.diff[0]).toMatchObject({ live: 40, changed: 22, deleted: 0 });
    expect(hold!.diff[0]!.window).toMatchObject({ changed: 10, deleted: 0 });
  });
});
