/**
 * review18b R2: a school that leaves a school system (its vendor changed: SMAS no longer lists it) loses its
 * students. A full SMAS run of everything (scope '') reconciles every live record SMAS wrote last, at any
 * school, so the first full run after the school left deletes the school's students in truc, and that
 * deletion travels to the city database (a batchDelete of students who only changed vendor). A school under
 * `guard.minRecords` (20) is not even held. A school system's run knows only the schools it walked (its
 * reconciliation leaves the others alone: src/jobs/reconcile.ts `ofWalkedSchools`), those its pages' records
 * named (kept with each page, migration 640).
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { createRecordsRepo } from '../../../src/store/records.js';
import { smasStudent } from '../../factories/wire.js';
import { S1, S2 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, useTestContext } from './fixtures.js';

const smasStudentAt = (code: string, school: string) => smasStudent(code, { MaTruong: school });

describe('a school that leaves SMAS (review18b R2)', () => {
  const source = fakeSource('smas', ['students']);
  const ctx = useTestContext({
    sources: { smas: source },
    targets: { 'hcm-csdl': fakeTarget('hcm-csdl', ['students'], ['students']) },
  });

  async function fullSmasRun(items: unknown[]): Promise<void> {
    await ctx.db.tx((q) =>
      requestSync(q, { system: 'smas', entity: 'students', full: true, requestedBy: 'admin', at: ctx.now() }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: undefined });
    await drain(ctx, 'pull');
  }
  const live = (school: string) => createRecordsRepo(ctx.db).count('students', school);

  it('the first full SMAS run after a school left it does not delete the school’s students', async () => {
    const s1 = Array.from({ length: 10 }, (_, i) => smasStudentAt(`LA${i}`, S1));
    const s2 = Array.from({ length: 10 }, (_, i) => smasStudentAt(`LB${i}`, S2));
    await fullSmasRun([...s1, ...s2]);
    expect([await live(S1), await live(S2)]).toEqual([10, 10]);
    // S2 changed vendor: SMAS lists S1 only from now on (its students did not leave S2).
    await fullSmasRun(s1);
    expect({
      liveAtS2: await live(S2),
      deleteSetsForCity: (await ctx.db.rows('truc.push_sets', `system = 'hcm-csdl' AND operation = 'delete'`))
        .length,
    }).toEqual({ liveAtS2: 10, deleteSetsForCity: 0 });
  });

  it('a school SMAS still lists loses the student SMAS no longer holds', async () => {
    // (After the case above: SMAS lists S1 only.) S1's first student left SMAS's listing: deleted.
    const s1 = Array.from({ length: 10 }, (_, i) => smasStudentAt(`LA${i}`, S1));
    await fullSmasRun(s1.slice(1));
    expect([await live(S1), await live(S2)]).toEqual([9, 10]);
  });

  // review18's look at the S2 fix: when the schools a run walked were known by where the records its pages
  // carried live now, a copy SMAS still lists at S1 of a student truc holds at S2 (refused: owned elsewhere)
  // made S2 count as walked, and S2's other students were deleted. The run keeps the schools its pages'
  // records named instead.
  it('a copy SMAS lists at S1 of a student truc holds at S2 does not make S2 walked', async () => {
    const s1 = Array.from({ length: 10 }, (_, i) => smasStudentAt(`LA${i}`, S1));
    await fullSmasRun([...s1, smasStudentAt('LB0', S1)]);
    expect(await live(S2)).toBe(10);
  });
});
