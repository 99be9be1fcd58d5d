/**
 * review21: a school's own system keys a class by its code within the school (vnEdu `class_id`, SMAS `MaLop`;
 * the simulators' overlay in src/simulators/school-system/data.ts upserts by classCode), so it holds one class
 * per code: the one truc wrote there last. The delete side knew it (a delete of last year's class is superseded
 * while this year's class of its code is live: src/jobs/push.ts `keysToDelete`, class-delete-newer-year.test.ts);
 * the write side did not: when the city database changed last year's class X (a correction to history, or the
 * closing of last year's classes after the rollover opened this year's), the write set sent last year's X to the
 * school's system, which wrote it over this year's X under the code X, for good (its next listing of X is a copy
 * truc sent: no change). Now a write of a class whose school holds a live class of the same code in a later
 * school year is superseded there, as its delete is (src/jobs/push.ts `recordsToWrite`).
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, NOW, useTestContext } from './fixtures.js';

/** A class as hcm-csdl serves it. */
const wire = (year: string, code: string, name = `6 ${code}`, updatedAt = '2025-10-01T02:00:00.000Z') => ({
  ...HCM_CSDL_MAPPINGS.classes.fromCanonical!(
    { classCode: code, schoolCode: S1, schoolYear: year, grade: '6', name },
    { now: () => NOW },
  ),
  updatedAt,
});

describe("a change to last year's class while this year's class of the same code is live (review21)", () => {
  const source = fakeSource('hcm-csdl', ['classes']);
  const school = fakeTarget('vnedu', ['classes'], ['classes']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source }, targets: { vnedu: school } });

  async function run(full: boolean, items: unknown[]) {
    await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'classes', full, requestedBy: 'admin', at: ctx.now() }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.vnedu');
  }

  /** What the school's system holds under each class code: the class written there last (its school year). */
  const heldByCode = () => {
    const held = new Map<string, string>();
    for (const call of school.calls)
      for (const r of call.records as Array<{ classCode: string; schoolYear: string }>)
        held.set(r.classCode, r.schoolYear);
    return held;
  };

  it("leaves this year's class at the school's system", async () => {
    await run(true, [wire('2024-2025', 'X'), wire('2025-2026', 'X'), wire('2025-2026', 'Y')]);
    // Keyed by code, the system holds the one written last under X: this year's.
    expect(heldByCode()).toEqual(
      new Map([
        ['X', '2025-2026'],
        ['Y', '2025-2026'],
      ]),
    );
    // The city corrects last year's X (an incremental run: only that class changed); this year's X is untouched.
    await run(false, [wire('2024-2025', 'X', '6 X (2024)', '2025-11-01T02:00:00.000Z')]);
    const live = await ctx.db.rows<{ class_key: string }>(
      'truc.classes',
      "deleted_at IS NULL AND data ->> 'classCode' = 'X'",
    );
    expect(live.map((r) => r.class_key).sort()).toEqual([`${S1}/2024-2025/X`, `${S1}/2025-2026/X`]);
    // Last year's X is superseded there (before the fix it was written over this year's: '2024-2025').
    expect(heldByCode().get('X')).toBe('2025-2026');
  });
});
