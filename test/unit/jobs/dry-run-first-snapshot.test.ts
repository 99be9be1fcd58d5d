/**
 * guard25 (issue 7 item 3): the dry run and the real guard weigh a student snapshot's deletions within each grade
 * by one rule (src/jobs/grade-guard.ts): each grade's live students as they are once the snapshot's records are
 * written. The dry run writes nothing, so it counted the grades as stored before the snapshot: at the school
 * year's first snapshot, the new year's grades hold only the pupils enrolled ahead of it, not the students the
 * snapshot moves up or the pupils it brings, and a few omitted pre-enrolled pupils looked like a third of a grade.
 * The dry run said "held" where the ingest applied it.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import type { Student } from '../../../src/canonical/student.js';
import { dryRunBatch } from '../../../src/jobs/dry-run.js';
import { student } from '../../factories/records.js';
import { S1 } from '../../helpers/api.js';
import { useTestContext, vendorBatch, type TestContext } from './fixtures.js';

/** In the rollover window (08-15 … 09-30), the new school year 2026-2027 open. */
const AUGUST = new Date('2026-08-20T03:00:00.000Z');
const SEPTEMBER = new Date('2026-09-10T03:00:00.000Z');
const NEW_YEAR = '2026-2027';

const rolloverAllYear = (config: Config): Config => ({
  ...config,
  guard: { ...config.guard, rollover: { ...config.guard.rollover, from: '01-01', to: '12-31' } },
});

describe("the school year's first student snapshot: its dry run's verdict is its ingest's (guard25)", () => {
  const ctx = useTestContext();
  const at = (now: Date): TestContext => ({ ...ctx, now: () => now });
  const grades = ['1', '2', '3', '4', '5'] as const;
  // A primary school of 2025-2026: 8 students in each of its five grades.
  const lastYear = grades.flatMap((grade) =>
    Array.from({ length: 8 }, (_, i) => student(`G${grade}${String(i).padStart(2, '0')}`, { grade })),
  );
  const pupil = (i: number) =>
    student(`N1${String(i).padStart(2, '0')}`, { schoolYear: NEW_YEAR, grade: '1' });
  // August: 7 pupils enrolled in the new year's grade 1 ahead of it.
  const enrolled = Array.from({ length: 7 }, (_, i) => pupil(i));
  // September's first snapshot: grades 1-4 moved up, grade 5 graduated (last year's, kept); of the 7 enrolled,
  // 3 did not come (N104-N106); 4 more pupils came (N107-N110). Grade 1: 3 of its 11 (27%) deleted.
  const movedUp = lastYear
    .filter((s) => s.grade !== '5')
    .map((s) => ({ ...s, schoolYear: NEW_YEAR, grade: String(Number(s.grade) + 1) as Student['grade'] }));
  const first: Student[] = [
    ...enrolled.slice(0, 4),
    ...Array.from({ length: 4 }, (_, i) => pupil(7 + i)),
    ...movedUp,
  ];

  it('neither holds it: the 3 pupils who did not come are deleted, and the dry run said so', async () => {
    expect(await vendorBatch(ctx, lastYear, 'delta', at(AUGUST))).toMatchObject({ status: 'done' });
    expect(await vendorBatch(ctx, enrolled, 'delta', at(AUGUST))).toMatchObject({ status: 'done' });
    const dry = await ctx.db.tx((q) =>
      // Asked on the real clock (the batches arrived at the database's), the rollover window all year: the
      // students moving up are weighed as in September, whatever today is.
      dryRunBatch(
        q,
        { ...at(SEPTEMBER), now: () => new Date(), config: rolloverAllYear(ctx.config) },
        {
          clientId: 'vendor-1',
          schoolCode: S1,
          entity: 'students',
          format: 'canonical',
          records: first,
          mode: 'snapshot',
        },
      ),
    );
    const snapshot = await vendorBatch(ctx, first, 'snapshot', at(SEPTEMBER));
    const held = (await ctx.db.rows('truc.guard_holds', `batch_id = '${snapshot.id}'`)).length > 0;
    // The ingest: weighed once written, grade 1 holds 11 (3 deleted, 27%): applied.
    expect(snapshot).toMatchObject({ status: 'done', deleted: 3 });
    expect(held).toBe(false);
    // Was: { wouldDelete: 3, guardWouldHold: true } (grade 1 weighed as stored before: 3 of 7, 43%).
    expect(dry.guard).toBeNull();
    expect(dry.snapshot).toEqual({ wouldDelete: 3, skipped: null, guardWouldHold: held });
  });
});
