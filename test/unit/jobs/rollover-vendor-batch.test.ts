/**
 * roll23 (issue 7 item 3): "during the configurable rollover window around 1 September the thresholds for grade
 * and class changes relax; deletions stay guarded" — for a vendor's batches. In the window (08-15 … 09-30 by
 * default) a batch moving every student of a school up a grade and class (the new school year, grade and class:
 * a regrade) applies; a batch renaming more than half of them is held as on any other day, and so is one that
 * moves them all up and renames more than half besides (its other changes alone go over `changeRatio`). Out of the
 * window the same move up is held (the relief is the window's). The vendor path's counterpart of
 * rollover-other-changes.test.ts (a sync run's pages).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Student } from '../../../src/canonical/student.js';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import type { HoldReason, SchoolDiff } from '../../../src/store/guard-holds.js';
import { student } from '../../factories/records.js';
import { drain, useTestContext, type TestContext } from './fixtures.js';

const ROLLOVER = new Date('2026-09-01T03:00:00.000Z');
const codes = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('a vendor batch in the rollover window (roll23)', () => {
  const ctx = useTestContext();
  const at = (now: Date): TestContext => ({ ...ctx, now: () => now });

  async function batch(school: string, records: Student[], now: Date) {
    const id = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id,
        clientId: 'vendor-1',
        schoolCode: school,
        entity: 'students',
        format: 'canonical',
        records,
        mode: 'delta',
      }),
    );
    await drain(at(now), 'ingest');
    return (await createBatchesRepo(ctx.db).get(id))!;
  }
  /** 30 students of `school` in grade 1 of 2025-2026, stored. */
  async function school30(school: string, prefix: string) {
    const kids = codes(prefix, 30).map((k) =>
      student(k, { schoolCode: school, classCode: '1A1', fullName: 'Nguyễn Thị Mai' }),
    );
    expect(await batch(school, kids, ROLLOVER)).toMatchObject({ status: 'done', accepted: 30 });
    return kids;
  }
  const movedUp = (s: Student): Student => ({ ...s, schoolYear: '2026-2027', grade: '2', classCode: '2A1' });
  const renamed = (s: Student): Student => ({ ...s, fullName: 'Trần Văn Nam' });
  const holdOf = async (batchId: string) =>
    (
      await ctx.db.rows<{ reasons: HoldReason[]; diff: SchoolDiff[] }>(
        'truc.guard_holds',
        `batch_id = '${batchId}'`,
      )
    )[0];
  const stored = async (school: string, where: string) =>
    (await ctx.db.rows('truc.students', `school_code = '${school}' AND ${where}`)).length;

  it('applies a batch moving every student up a grade and class', async () => {
    const S = '79000011';
    const kids = await school30(S, 'U');
    expect(await batch(S, kids.map(movedUp), ROLLOVER)).toMatchObject({ status: 'done', accepted: 30 });
    expect(await stored(S, `data->>'grade' = '2' AND data->>'classCode' = '2A1'`)).toBe(30);
  });

  it('holds a batch renaming more than half of a school, as on any day', async () => {
    const S = '79000012';
    const kids = await school30(S, 'N');
    const held = await batch(S, kids.slice(0, 16).map(renamed), ROLLOVER);
    expect(held.status).toBe('held');
    expect((await holdOf(held.id))?.reasons).toEqual([
      { school: S, kind: 'changed', count: 16, live: 30, ratio: 0.5333, threshold: 0.5 },
    ]);
    expect(await stored(S, `data->>'fullName' = 'Trần Văn Nam'`)).toBe(0);
  });

  it('holds a batch moving everyone up that renames more than half besides: its other changes weigh alone', async () => {
    const S = '79000013';
    const kids = await school30(S, 'M');
    const both = kids.map((k, i) => (i < 16 ? renamed(movedUp(k)) : movedUp(k)));
    const held = await batch(S, both, ROLLOVER);
    expect(held.status).toBe('held');
    const hold = (await holdOf(held.id))!;
    expect(hold.reasons).toEqual([
      { school: S, kind: 'changed', count: 16, live: 30, ratio: 0.5333, threshold: 0.5 },
    ]);
    expect(hold.diff).toMatchObject([{ school: S, live: 30, changed: 30, regraded: 14 }]);
    expect(await stored(S, `data->>'grade' = '2'`)).toBe(0);
  });

  it('holds the same move up out of the window', async () => {
    const S = '79000014';
    const kids = await school30(S, 'O');
    const held = await batch(S, kids.map(movedUp), new Date('2026-01-15T03:00:00.000Z'));
    expect(held.status).toBe('held');
    expect(await stored(S, `data->>'grade' = '2'`)).toBe(0);
  });
});
