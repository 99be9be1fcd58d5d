/**
 * review23 (issue 7 item 3) — "a run whose changes exceed configurable per-school thresholds (… more than half its
 * records changed) is held with its diff". A vendor batch that changes more than `changeRatio` (50%) of a school's
 * live records is held whole; each batch used to be weighed alone (src/jobs/guard.ts), against the school as it was
 * when that batch arrived, so the same mass change sent as two or three batches one after the other (a vendor's
 * nightly push split into pages, or a school of more than 2,000 students, which no one batch of at most 1,000
 * records can take over 50%) was applied in full, unguarded (seen on `npm run demo`: a school of 40 renamed by
 * batches of 16, 16 and 8 within ten seconds, every batch `done`, no hold).
 * Now (split23, src/jobs/vendor-window.ts): a vendor batch is weighed with the distinct records its school's
 * earlier vendor batches changed over `guard.vendorWindowHours` (24 h), since the school's last approved hold: the
 * batch that takes the school over a threshold is held, with the window's counts in its diff.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { S1 } from '../../helpers/api.js';
import { student } from '../../factories/records.js';
import { drain, useTestContext, vendorBatch, watchStatements, type TestContext } from './fixtures.js';

const codes = Array.from({ length: 30 }, (_, i) => `SP${String(i).padStart(2, '0')}`);
const renamed = (cs: readonly string[], fullName = 'Lê Văn Tám') => cs.map((c) => student(c, { fullName }));
const renamedCount = async (ctx: TestContext, fullName = 'Lê Văn Tám') =>
  (
    await ctx.db.rows<{ data: { fullName: string } }>(
      'truc.students',
      `school_code = '${S1}' AND deleted_at IS NULL`,
    )
  ).filter((r) => r.data.fullName === fullName).length;
const holdOf = async (ctx: TestContext, batchId: string) => {
  const [row] = await ctx.db.rows<{ id: string }>('truc.guard_holds', `batch_id = '${batchId}'`);
  return row && (await createGuardHoldsRepo(ctx.db).get(Number(row.id)));
};
/** The statements that read a school's vendor window (../../../src/store/vendor-window.ts). */
const isWindowRead = (sql: string) => sql.includes('truc.record_changes c ON c.tx = w.xact');

describe('a mass change split over several vendor batches (review23)', () => {
  const ctx = useTestContext();

  it('one batch renaming 24 of 30 students is held (today, as expected)', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    const one = await vendorBatch(ctx, renamed(codes.slice(0, 24)));
    expect(one.status).toBe('held');
    expect(await renamedCount(ctx)).toBe(0);
  });

  it('the same 24 renames sent as two batches of 12 (40% each): the second is held, with the window in its diff', async () => {
    const first = await vendorBatch(ctx, renamed(codes.slice(0, 12)));
    expect(first.status).toBe('done');
    const second = await vendorBatch(ctx, renamed(codes.slice(12, 24)));
    // Was 'done': 24 of the school's 30 students (80%) renamed, no hold, each batch under 50%.
    expect(second.status).toBe('held');
    expect(await renamedCount(ctx)).toBe(12);
    const hold = await holdOf(ctx, second.id);
    expect(hold?.reasons).toEqual([
      { school: S1, kind: 'changed', count: 24, live: 30, ratio: 0.8, threshold: 0.5 },
    ]);
    const [diff] = hold!.diff;
    // The school's counts are the window's and the batch's; the codes, the batch's own.
    expect(diff).toMatchObject({ school: S1, live: 30, changed: 24, deleted: 0 });
    expect(diff!.keys.changed).toEqual(codes.slice(12, 24));
    expect(diff!.window).toMatchObject({ changed: 12, deleted: 0 });
  });

  it('approved, the held batch applies and the window starts again after its hold', async () => {
    const [held] = await ctx.db.rows<{ id: string }>('truc.guard_holds', `status = 'held' ORDER BY id DESC`);
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: Number(held!.id), decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    await drain(ctx, 'ingest');
    expect(await renamedCount(ctx)).toBe(24);
    // 6 more (20%): counted with the decided 24 it would be 100%; the approval decided them.
    const next = await vendorBatch(ctx, renamed(codes.slice(24, 30)));
    expect(next.status).toBe('done');
    expect(await renamedCount(ctx)).toBe(30);
  });
});

describe('a split change under the threshold, and the window (split23)', () => {
  const ctx = useTestContext();

  it('applies: a record changed again counts once; the window reads once per changed batch, never for an unchanged one', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    const reads: string[] = [];
    watchStatements(ctx, (sql) => {
      if (isWindowRead(sql)) reads.push(sql);
    });
    expect((await vendorBatch(ctx, renamed(codes.slice(0, 6)))).status).toBe('done');
    expect((await vendorBatch(ctx, renamed(codes.slice(6, 12)))).status).toBe('done');
    expect(reads).toHaveLength(2);
    // The same 12 renamed again and 3 more: 15 distinct records of 30 (50%, not over), though 27 changes were sent.
    const again = await vendorBatch(ctx, renamed(codes.slice(0, 15), 'Lê Văn Chín'));
    expect(again.status).toBe('done');
    expect(await renamedCount(ctx, 'Lê Văn Chín')).toBe(15);
    expect(reads).toHaveLength(3);
    // An unchanged batch changes nothing: no window read.
    expect((await vendorBatch(ctx, renamed(codes.slice(0, 15), 'Lê Văn Chín'))).status).toBe('done');
    expect(reads).toHaveLength(3);
  });

  it('one more record is over (16 of 30); batches older than the window no longer count', async () => {
    const over = await vendorBatch(ctx, renamed(codes.slice(15, 16), 'Lê Văn Chín'));
    expect(over.status).toBe('held');
    // The earlier batches arrived more than `vendorWindowHours` (24) before now: the same record alone passes.
    const before = new Date(ctx.now().getTime() - 25 * 3_600_000).toISOString();
    await ctx.db.query(`UPDATE truc.batches SET created_at = $1 WHERE status = 'done'`, [before]);
    const alone = await vendorBatch(ctx, renamed(codes.slice(16, 17), 'Lê Văn Chín'));
    expect(alone.status).toBe('done');
  });
});

describe('a mass deletion split over several vendor snapshots (split23)', () => {
  const ctx = useTestContext();

  it('the snapshot whose deletions take the school over deleteRatio with the window is held', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    // 6 of 30 omitted (20%, under 30%): deleted.
    const first = await vendorBatch(
      ctx,
      codes.slice(6).map((c) => student(c)),
      'snapshot',
    );
    expect(first).toMatchObject({ status: 'done', deleted: 6 });
    // 6 more of the 24 left (25% alone); with the window's 6, 12 of the 30 the window began with (40%).
    const second = await vendorBatch(
      ctx,
      codes.slice(12).map((c) => student(c)),
      'snapshot',
    );
    expect(second).toMatchObject({ status: 'done', deleted: 0 });
    const hold = await holdOf(ctx, second.id);
    expect(hold?.reasons).toEqual([
      { school: S1, kind: 'deleted', count: 12, live: 30, ratio: 0.4, threshold: 0.3 },
    ]);
    expect(hold!.diff[0]!.keys.deleted).toEqual(codes.slice(6, 12));
    expect(hold!.diff[0]!.window).toMatchObject({ changed: 0, deleted: 6 });
    const live = await ctx.db.rows('truc.students', `school_code = '${S1}' AND deleted_at IS NULL`);
    expect(live).toHaveLength(24);
  });
});
