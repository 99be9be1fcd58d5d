/**
 * review21 (fixed by roll23): issue 7 item 3 — "during the configurable rollover window around
 * 1 September the thresholds for GRADE AND CLASS changes relax; deletions stay guarded". truc relaxed the
 * changed-records threshold for every change in the window (`rollover.changeRatio`, 1 by default, whatever
 * changed), so from 15 August to 30 September a run or a vendor batch that rewrote the names (or birth dates,
 * personal IDs) of every student of a school was applied unguarded: the one time of year when mass grade and
 * class changes are normal hid any other mass change.
 * Now in the window a change counts against the relaxed threshold only when it changes no more than the
 * student's school year, grade and class (a regrade: src/jobs/guard-rollover.ts); any other change is weighed
 * against `changeRatio` (50%) as on any other day. A sync run's page here; run-guard.test.ts has the whole school
 * moving up a grade and class in the window (applied), rollover-vendor-batch.test.ts the vendor batches.
 */
import { describe, expect, it } from 'vitest';
import { createRecordsRepo } from '../../../src/store/records.js';
import { S2 } from '../../helpers/api.js';
import {
  hcmStudent,
  requestStudentsSync,
  runNextPull,
  type TestContext,
  useStudentsSource,
} from './fixtures.js';

const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const wire = (code: string, school: string, name?: string) => hcmStudent(code, { school, name });

describe('a run renaming more than half of a school in the rollover window (review21)', () => {
  const { ctx, source } = useStudentsSource();
  /** 1 September, in the default window (08-15 … 09-30). */
  const rollover = (): TestContext => ({ ...ctx, now: () => new Date('2026-09-01T03:00:00.000Z') });

  async function incremental(scope: string, items: unknown[]) {
    await requestStudentsSync(ctx, scope);
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
  }
  const renamedCount = async () =>
    (await ctx.db.rows<{ data: { fullName: string } }>('truc.students', `school_code = '${S2}'`)).filter(
      (r) => r.data.fullName === 'Trần Văn Nam',
    ).length;

  it('is held: only grade and class changes are relaxed in the window', async () => {
    const keys = codes('R', 30);
    await incremental(
      S2,
      keys.map((k) => wire(k, S2)),
    );
    expect(await runNextPull(ctx)).toEqual({ records: 30, last: true });
    expect(await createRecordsRepo(ctx.db).count('students', S2)).toBe(30);
    // 16 of 30 (53%) renamed, nothing else changed: not a grade or class change.
    await incremental(
      S2,
      keys.slice(0, 16).map((k) => wire(k, S2, 'Trần Văn Nam')),
    );
    // Was { records: 16, last: true }: the renames were applied.
    expect(await runNextPull(ctx, rollover())).toMatchObject({ held: true });
    expect(await renamedCount()).toBe(0);
  });
});
