/**
 * guard25 (issue 7 item 3): the grade rule has a minimum grade size (`guard.minGradeStudents`, 7). A snapshot that
 * omits a whole grade is held (./snapshot-grade-guard.test.ts), but a small school's (or a continuing-education
 * centre's) grade of a few students went over `deleteRatio` with one or two leavers: 1 of 3 is 33%, and the
 * snapshot was held for a city admin. A grade with fewer live students than the minimum is not weighed by the
 * grade rule; its deletions are still weighed against the whole school (the per-school thresholds).
 */
import { describe, expect, it } from 'vitest';
import { gradeReasons } from '../../../src/jobs/grade-guard.js';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { useTestContext, vendorBatch } from './fixtures.js';

describe('the grade rule leaves small grades to the per-school thresholds (guard25)', () => {
  const ctx = useTestContext();
  // A school of 40: grades 6-8 of 12 students, grade 9 of 4.
  const school = [
    ...(['6', '7', '8'] as const).flatMap((grade) =>
      Array.from({ length: 12 }, (_, i) => student(`G${grade}${String(i).padStart(2, '0')}`, { grade })),
    ),
    ...Array.from({ length: 4 }, (_, i) => student(`G90${i}`, { grade: '9' })),
  ];
  const holds = (id: string) => ctx.db.rows('truc.guard_holds', `batch_id = '${id}'`);

  it('a snapshot leaving out 2 of a grade of 4 (50%) is applied: 2 of the school (5%)', async () => {
    expect(await vendorBatch(ctx, school)).toMatchObject({ status: 'done', accepted: 40 });
    const gone = new Set(['G900', 'G901']);
    const snapshot = await vendorBatch(
      ctx,
      school.filter((s) => !gone.has(s.studentCode)),
      'snapshot',
    );
    // Was: held (grade 9: 2 of 4, over deleteRatio 30%), nothing deleted.
    expect(snapshot).toMatchObject({ status: 'done', deleted: 2 });
    expect(await holds(snapshot.id)).toHaveLength(0);
  });

  it('a grade at the minimum is still weighed: 4 of a grade of 12 is held', async () => {
    await vendorBatch(ctx, school);
    const gone = new Set(['G600', 'G601', 'G602', 'G603']);
    const snapshot = await vendorBatch(
      ctx,
      school.filter((s) => !gone.has(s.studentCode)),
      'snapshot',
    );
    expect(snapshot).toMatchObject({ deleted: 0 });
    expect(await holds(snapshot.id)).toHaveLength(1);
  });

  it('gradeReasons: under minGradeStudents no reason, at it one', () => {
    const settings = { deleteRatio: 0.3, minRecords: 20, minGradeStudents: 7 };
    const school = { code: S1, live: 40 };
    expect(gradeReasons(school, [{ grade: '9', live: 6, deleted: 6 }], settings)).toEqual([]);
    expect(gradeReasons(school, [{ grade: '9', live: 7, deleted: 3 }], settings)).toMatchObject([
      { grade: '9', count: 3, live: 7 },
    ]);
    expect(
      gradeReasons(school, [{ grade: '9', live: 3, deleted: 1 }], { ...settings, minGradeStudents: 0 }),
    ).toHaveLength(1);
  });
});
