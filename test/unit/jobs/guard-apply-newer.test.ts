/**
 * review16 BUG 10: a held vendor snapshot approved after a newer snapshot of the same school. The newer
 * snapshot carried every student (unchanged, so their rows are not rewritten: `updated_at` stays older than
 * the held snapshot), and it deleted nothing. Approving the older hold then deletes the students the
 * vendor's latest word says the school has (guard-apply keeps only the records *written* since the held
 * snapshot), and sends those deletions on to the targets.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { student, S1 } from '../../helpers/api.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import {
  byQueue,
  drain,
  fakeTarget,
  hcmStudent,
  holdOf,
  liveStudents,
  nextRow,
  requestFullStudentsSync,
  runRow,
  useStudentsSource,
  useTestContext,
  vendorBatch,
} from './fixtures.js';

describe('guard-apply after a newer snapshot (review16 BUG 10)', () => {
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const ctx = useTestContext({ targets: { vnedu: school } });

  const live = () => liveStudents(ctx);
  const codes = Array.from({ length: 30 }, (_, i) => `GN${String(i).padStart(2, '0')}`);

  it('approving an older held snapshot does not delete students a newer snapshot carried', async () => {
    await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
    );
    // The vendor's first snapshot omits half the school (a bug on its side): held.
    const older = await vendorBatch(
      ctx,
      codes.slice(0, 15).map((c) => student(c)),
      'snapshot',
    );
    const hold = await holdOf(ctx, older.id);
    expect(hold).toBeDefined();
    // Its fixed snapshot, later: every student, unchanged. Nothing to delete, nothing held.
    const newer = await vendorBatch(
      ctx,
      codes.map((c) => student(c)),
      'snapshot',
    );
    expect(newer).toMatchObject({ status: 'done', deleted: 0 });
    expect(await live()).toEqual(codes);

    // A city admin approves the older hold (the list shows it still held).
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold!.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    await drain(ctx, 'ingest');
    // The school's students the newest snapshot listed are all still there …
    expect(await live()).toEqual(codes);
    // … and no deletion went to the school's system.
    await drain(ctx, 'push.vnedu');
    expect(school.removals).toEqual([]);
  });
});

describe('a held reconciliation approved after a newer full run (review16 BUG 10, runs)', () => {
  const { ctx, source } = useStudentsSource();
  const run = async (queue: string) => runRow(ctx, (await nextRow(ctx.db, byQueue(queue)))!);
  async function fullRunSeeing(seen: number): Promise<number> {
    const runId = await requestFullStudentsSync(ctx, S1);
    const items = Array.from({ length: seen }, (_, i) =>
      hcmStudent(`G${String(i).padStart(2, '0')}`, { school: S1 }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w' });
    await run('pull');
    return runId;
  }
  const liveCount = () => createRecordsRepo(ctx.db).count('students', S1);

  it('approving the older run’s hold does not delete what the newer run saw', async () => {
    await fullRunSeeing(50);
    expect(await run('pull')).toEqual({ deleted: 0, skipped: null });
    // The source lists 30 of 50 one night (a glitch on its side): held.
    await fullRunSeeing(30);
    const held = (await run('pull')) as { skipped: string; holdId: number };
    expect(held).toMatchObject({ skipped: 'held' });
    // The next night it lists all 50 again, unchanged: nothing to delete.
    await fullRunSeeing(50);
    expect(await run('pull')).toEqual({ deleted: 0, skipped: null });
    expect(await liveCount()).toBe(50);
    // Approving the older hold (still listed as held) deleted 20 students the newer run saw. It is closed
    // as superseded now (hunt17, 7754749: the route answers 409): nothing is queued, nothing deleted.
    const decided = await ctx.db.tx((q) =>
      decideHold(q, { holdId: held.holdId, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    expect(decided).toMatchObject({ status: 'superseded' });
    expect(await nextRow(ctx.db, byQueue('pull'))).toBeUndefined();
    expect(await liveCount()).toBe(50);
  });
});
