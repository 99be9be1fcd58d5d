/**
 * review23 (was it.fails; fixed by grade23, src/jobs/grade-guard.ts): issue 7 names the damage the guard is for: "a source that suddenly
 * returns half its students, or a VENDOR SNAPSHOT THAT OMITS A WHOLE GRADE, would be applied in full". truc weighs
 * a snapshot's deletions against the whole school only (src/jobs/guard.ts `guardChange`, `deleteRatio` 30%), so
 * at a primary school (five grades, about 20% each) or a lower secondary school (four grades, 25%) a snapshot that
 * leaves out a whole grade stays under the threshold and deletes the grade, unguarded, and the deletions travel
 * to the city database. Only where one grade is more than 30% of the school (three grades) is it held.
 * Expected: a snapshot that deletes a whole grade (more than `deleteRatio` of the live students of a grade the
 * school has) is held with its diff, as one deleting 30% of the school is.
 */
import { describe, expect, it } from 'vitest';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { noRolloverRelief } from '../../helpers/guard-rollover.js';
import { dryRunBatch } from '../../../src/jobs/dry-run.js';
import { gradeReasons } from '../../../src/jobs/grade-guard.js';
import { useTestContext, vendorBatch } from './fixtures.js';

describe('a vendor snapshot that omits a whole grade (review23)', () => {
  const ctx = useTestContext();
  const grades = ['1', '2', '3', '4', '5'] as const;
  // A primary school: 8 students in each of its five grades.
  const school = grades.flatMap((grade) =>
    Array.from({ length: 8 }, (_, i) => student(`G${grade}${String(i).padStart(2, '0')}`, { grade })),
  );
  const live = async () =>
    (await ctx.db.rows('truc.students', `school_code = '${S1}' AND deleted_at IS NULL`)).length;

  it('is held: grade 5 (8 of 40 students, 20% of the school) is not deleted', async () => {
    expect(await vendorBatch(ctx, school)).toMatchObject({ status: 'done' });
    expect(await live()).toBe(40);
    const snapshot = await vendorBatch(
      ctx,
      school.filter((s) => s.grade !== '5'),
      'snapshot',
    );
    // Was: { status: 'done', deleted: 8 } — the whole of grade 5 deleted, no hold.
    expect(snapshot).toMatchObject({ deleted: 0 });
    expect(await ctx.db.rows('truc.guard_holds', `batch_id = '${snapshot.id}'`)).toHaveLength(1);
    expect(await live()).toBe(40);
  });

  it('a dry run of the snapshot says its deletions would be held, as its ingest holds them', async () => {
    await vendorBatch(ctx, school);
    const dry = await ctx.db.tx((q) =>
      // Asked now (the records were written at the database's clock, after the context's NOW), no rollover relief.
      dryRunBatch(
        q,
        { ...ctx, now: () => new Date(), config: noRolloverRelief(ctx.config) },
        {
          clientId: 'vendor-1',
          schoolCode: S1,
          entity: 'students',
          format: 'canonical',
          records: school.filter((s) => s.grade !== '5'),
          mode: 'snapshot',
        },
      ),
    );
    expect(dry.snapshot).toMatchObject({ wouldDelete: 8, guardWouldHold: true });
  });

  it("names the grade in the hold's reasons", async () => {
    await vendorBatch(ctx, school);
    const snapshot = await vendorBatch(
      ctx,
      school.filter((s) => s.grade !== '3'),
      'snapshot',
    );
    const [hold] = await ctx.db.rows<{ reasons: unknown[] }>(
      'truc.guard_holds',
      `batch_id = '${snapshot.id}'`,
    );
    expect(hold!.reasons).toEqual([
      { school: S1, grade: '3', kind: 'deleted', count: 8, live: 8, ratio: 1, threshold: 0.3 },
    ]);
  });

  it('applies a snapshot that leaves a grade under the threshold (2 of 8 students of grade 5 leave)', async () => {
    await vendorBatch(ctx, school);
    const gone = new Set(['G500', 'G501']);
    const snapshot = await vendorBatch(
      ctx,
      school.filter((s) => !gone.has(s.studentCode)),
      'snapshot',
    );
    expect(snapshot).toMatchObject({ status: 'done', deleted: 2 });
    expect(await live()).toBe(38);
  });
});

describe('gradeReasons', () => {
  const settings = { deleteRatio: 0.3, minRecords: 20, minGradeStudents: 7 };
  it('weighs a grade when its school is guarded, over deleteRatio of the grade', () => {
    const grades = [
      { grade: '4', live: 10, deleted: 3 },
      { grade: '5', live: 10, deleted: 4 },
    ];
    expect(gradeReasons({ code: 'S', live: 50 }, grades, settings)).toEqual([
      { school: 'S', grade: '5', kind: 'deleted', count: 4, live: 10, ratio: 0.4, threshold: 0.3 },
    ]);
    expect(gradeReasons({ code: 'S', live: 19 }, grades, settings)).toEqual([]);
  });
});
