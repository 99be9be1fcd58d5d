/**
 * snap24 (issue 7 items 2 and 3): a student snapshot is every student of the school years it carries, as a class
 * snapshot is every class of its years (review16 BUG 12). After the rollover (the new school year opens on
 * 1 September) a vendor's first snapshot of the new year leaves out the students who graduated (the top grade, 5
 * at a primary school) and those who left over the summer: they are last year's records, history PCGD-XMC counts,
 * not deleted students. Before, they were deleted, and the grade guard held nearly every school's first snapshot
 * (its graduates are a whole grade). A student of this year it leaves out is deleted as before, and a grade of this
 * year it leaves out is still held (the grade guard weighs this year's students of the grade).
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import type { Student } from '../../../src/canonical/student.js';
import { dryRunBatch } from '../../../src/jobs/dry-run.js';
import type { HoldReason } from '../../../src/store/guard-holds.js';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { useTestContext, vendorBatch, type TestContext } from './fixtures.js';

/** In the rollover window (08-15 … 09-30), the new school year 2026-2027 open. */
const SEPTEMBER = new Date('2026-09-10T03:00:00.000Z');
const NEW_YEAR = '2026-2027';

const rolloverAllYear = (config: Config): Config => ({
  ...config,
  guard: { ...config.guard, rollover: { ...config.guard.rollover, from: '01-01', to: '12-31' } },
});

describe("a vendor's student snapshot of the new school year (snap24)", () => {
  const ctx = useTestContext();
  const at = (): TestContext => ({ ...ctx, now: () => SEPTEMBER });
  const grades = ['1', '2', '3', '4', '5'] as const;
  // A primary school of 2025-2026: 8 students in each of its five grades.
  const lastYear = grades.flatMap((grade) =>
    Array.from({ length: 8 }, (_, i) => student(`G${grade}${String(i).padStart(2, '0')}`, { grade })),
  );
  // The new year: grades 1-4 move up (G200 left over the summer), grade 5 graduated, 8 new pupils in grade 1.
  const movedUp = lastYear
    .filter((s) => s.grade !== '5' && s.studentCode !== 'G200')
    .map((s) => ({ ...s, schoolYear: NEW_YEAR, grade: String(Number(s.grade) + 1) as Student['grade'] }));
  const newPupils = Array.from({ length: 8 }, (_, i) =>
    student(`N1${String(i).padStart(2, '0')}`, { schoolYear: NEW_YEAR, grade: '1' }),
  );
  const thisYear: Student[] = [...newPupils, ...movedUp];

  const batch = (records: Student[], mode: 'delta' | 'snapshot') => vendorBatch(ctx, records, mode, at());
  const dryRun = (records: Student[]) =>
    ctx.db.tx((q) =>
      // Asked on the real clock (the batches arrived at the database's), with the rollover window all year: the
      // snapshot's regrades (the students moving up) are weighed as in September, whatever today is.
      dryRunBatch(
        q,
        { ...at(), now: () => new Date(), config: rolloverAllYear(ctx.config) },
        {
          clientId: 'vendor-1',
          schoolCode: S1,
          entity: 'students',
          format: 'canonical',
          records,
          mode: 'snapshot',
        },
      ),
    );
  const holds = (batchId: string) =>
    ctx.db.rows<{ reasons: HoldReason[] }>('truc.guard_holds', `batch_id = '${batchId}'`);
  const live = async () =>
    (
      await ctx.db.rows<{ student_code: string; year: string }>(
        "(SELECT student_code, data ->> 'schoolYear' AS year, school_code, deleted_at FROM truc.students) s",
        `school_code = '${S1}' AND deleted_at IS NULL ORDER BY student_code`,
      )
    ).map((r) => `${r.student_code}@${r.year}`);

  it("deletes none of last year's students (graduates, summer leavers) and holds nothing; its dry run agrees", async () => {
    expect(await batch(lastYear, 'delta')).toMatchObject({ status: 'done', accepted: 40 });
    const dry = await dryRun(thisYear);
    expect(dry.snapshot).toEqual({ wouldDelete: 0, skipped: null, guardWouldHold: false });
    const snapshot = await batch(thisYear, 'snapshot');
    // Was: grade 5 (8 of its 8 students) and G200 deleted, or the whole of it held by the grade guard.
    expect(snapshot).toMatchObject({ status: 'done', accepted: 39, deleted: 0 });
    expect(await holds(snapshot.id)).toHaveLength(0);
    const now = await live();
    expect(now).toHaveLength(48);
    // Last year's records stay as last year's: the graduates and the leaver.
    expect(now.filter((s) => s.endsWith('@2025-2026'))).toEqual([
      'G200@2025-2026',
      ...Array.from({ length: 8 }, (_, i) => `G50${i}@2025-2026`),
    ]);
  });

  it('holds a later snapshot that leaves out a grade of this year (the grade guard stays); its dry run says so', async () => {
    // This year's grade 5 (last year's grade 4): 8 of this year's 39 students (21%), weighed against this year's
    // grade 5 alone (8), not with last year's graduates kept in grade 5 (16).
    const withoutGrade5 = thisYear.filter((s) => s.grade !== '5');
    expect((await dryRun(withoutGrade5)).snapshot).toMatchObject({ wouldDelete: 8, guardWouldHold: true });
    const snapshot = await batch(withoutGrade5, 'snapshot');
    expect(snapshot).toMatchObject({ status: 'done', deleted: 0 });
    const [hold] = await holds(snapshot.id);
    expect(hold!.reasons).toEqual([
      { school: S1, grade: '5', kind: 'deleted', count: 8, live: 8, ratio: 1, threshold: 0.3 },
    ]);
    expect(await live()).toHaveLength(48);
  });

  it('deletes exactly the students of this year it leaves out, under the thresholds', async () => {
    const gone = new Set(['G300', 'N100']);
    const snapshot = await batch(
      thisYear.filter((s) => !gone.has(s.studentCode)),
      'snapshot',
    );
    expect(snapshot).toMatchObject({ status: 'done', deleted: 2 });
    const now = await live();
    expect(now).toHaveLength(46);
    expect(now.some((s) => s.startsWith('G300@') || s.startsWith('N100@'))).toBe(false);
  });
});
