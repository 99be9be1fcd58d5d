/**
 * review17 B1: the mass-change guard over a sync run's pages weighed a page's deletions against the
 * school's live records counted after the page's writes, with only the page's own deletions and moves
 * counted back (src/jobs/run-guard.ts `withRun`, `applied`). The page's new records (and records moved in)
 * stayed in that count: a page that brings new students to a school and tombstones many of the ones it had
 * was weighed against a school bigger than it was, and escaped the hold. Now the school is weighed as it
 * was before the run (the records the run brought there, `arrived`, counted back). Here 20 of a school's 50 students
 * (40%, over the 30% threshold) are tombstoned on a page that also brings 50 new ones: weighed against
 * 100, it is 20%, and the 20 were deleted without a hold. (The vendor snapshot's case of the same kind,
 * hunt17's item 4: test/integration/guard-snapshot-before.test.ts.) A full run's reconciliation was weighed
 * the same way: a school its pages touched only with new records was counted when the reconciliation came,
 * the run's new records included (2nd case).
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { S1 } from '../../helpers/api.js';
import {
  fakeTarget,
  hcmStudent,
  requestFullStudentsSync,
  requestStudentsSync,
  runNextPull,
  runNextReconcile,
  useStudentsSource,
} from './fixtures.js';

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe("the run guard weighs a page's deletions against the school as it was before the page", () => {
  const school = fakeTarget('vnedu', ['students'], ['students']);
  const { ctx, source } = useStudentsSource({ vnedu: school });

  async function incremental(items: unknown[], deletedKeys: string[] = []) {
    const runId = await requestStudentsSync(ctx, S1);
    source.pages.push({ items, deletedKeys, nextCursor: undefined, watermark: 'w1' });
    return runId;
  }
  const liveCount = () => createRecordsRepo(ctx.db).count('students', S1);

  it('holds a page that tombstones 40% of a school though it brings new students too', async () => {
    const keys = codes('K', 50);
    await incremental(keys.map((k) => hcmStudent(k, { school: S1 })));
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    expect(await liveCount()).toBe(50);

    // 50 new students arrive on the page that says 20 of the school's 50 (40%) are gone.
    const gone = keys.slice(0, 20);
    const arrivals = codes('N', 50).map((k) => hcmStudent(k, { school: S1 }));
    const runId = await incremental(arrivals, gone);
    const out = (await runNextPull(ctx)) as { held?: boolean; holdId?: number };
    // Without the fix: { records: 50, last: true }, and the 20 deleted (live 80).
    expect(out).toMatchObject({ held: true, holdId: expect.any(Number) });
    expect(await liveCount()).toBe(50);
    expect(await createSyncRunsRepo(ctx.db).get(runId)).toMatchObject({ status: 'held', pages: 0 });
    const hold = (await createGuardHoldsRepo(ctx.db).get(out.holdId!))!;
    expect(hold.reasons).toEqual([
      { school: S1, kind: 'deleted', count: 20, live: 50, ratio: 0.4, threshold: 0.3 },
    ]);
  });

  it("holds a full run's reconciliation that deletes 40% of a school though the run brought new students", async () => {
    const S3 = '79000003';
    const keys = codes('R', 50);
    await requestStudentsSync(ctx, S3);
    source.pages.push({
      items: keys.map((k) => hcmStudent(k, { school: S3 })),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w1',
    });
    expect(await runNextPull(ctx)).toEqual({ records: 50, last: true });
    // A full run lists 30 of the 50 (20 vanished: 40%) and 50 new students.
    const runId = await requestFullStudentsSync(ctx, S3);
    source.pages.push({
      items: [...keys.slice(20), ...codes('M', 50)].map((k) => hcmStudent(k, { school: S3 })),
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w2',
    });
    expect(await runNextPull(ctx)).toEqual({ records: 80, last: true });
    const out = (await runNextReconcile(ctx)) as { skipped: string | null; holdId?: number };
    // Without the fix: { deleted: 20, skipped: null } (weighed 20 of 100).
    expect(out).toMatchObject({ skipped: 'held', holdId: expect.any(Number) });
    expect(await createRecordsRepo(ctx.db).count('students', S3)).toBe(100);
    const hold = (await createGuardHoldsRepo(ctx.db).get(out.holdId!))!;
    expect(hold).toMatchObject({ kind: 'reconcile', syncRunId: runId });
    expect(hold.reasons).toEqual([
      { school: S3, kind: 'deleted', count: 20, live: 50, ratio: 0.4, threshold: 0.3 },
    ]);
  });
});
