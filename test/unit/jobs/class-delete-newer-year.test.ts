/**
 * review20b (it.fails: README Known limits): a school's own system keys a class by its code within the school
 * (vnEdu `class_id`, SMAS `MaLop`), so it holds one class per code, the one truc wrote there last: this year's
 * once truc has sent it. A delete set drops a class whose school still has a live class of the same code in
 * another school year (src/jobs/push.ts `keysToDelete`, src/store/class-keys.ts `codeLiveElsewhere`: "the
 * system holds that one under the same code"). That is right when the class deleted is last year's (this year's
 * is what the system holds: class-deletes.test.ts), but not when it is this year's and last year's is kept as
 * history: a full classes run that still lists last year's X and this year's Y, but no longer this year's X,
 * deletes this year's X in truc, and the delete to the school's system is dropped as superseded, so the system keeps X, a class truc
 * deleted, for good (its next listing of X is an older copy truc sent: no change). The rule should drop a delete
 * only when the live class of that code is of a later school year than the one deleted.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, NOW, useTestContext } from './fixtures.js';

/** A class as hcm-csdl serves it. */
const wire = (year: string, code: string) => ({
  ...HCM_CSDL_MAPPINGS.classes.fromCanonical!(
    { classCode: code, schoolCode: S1, schoolYear: year, grade: '6', name: `6 ${code}` },
    { now: () => NOW },
  ),
  updatedAt: '2025-10-01T02:00:00.000Z',
});

describe("a delete of this year's class while last year's class of the same code is kept (review20b)", () => {
  const source = fakeSource('hcm-csdl', ['classes']);
  const school = fakeTarget('vnedu', ['classes'], ['classes']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': source }, targets: { vnedu: school } });

  async function fullRun(items: unknown[]) {
    await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'classes',
        full: true,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.vnedu');
  }

  it.fails("reaches the school's system, which holds this year's class under that code", async () => {
    await fullRun([wire('2024-2025', 'X'), wire('2025-2026', 'X'), wire('2025-2026', 'Y')]);
    // The school's system was sent both; keyed by code, it holds the one written last: this year's.
    const written = school.calls.flatMap((c) =>
      c.records.map((r) => (r as { schoolYear: string }).schoolYear),
    );
    expect(written).toEqual(['2024-2025', '2025-2026', '2025-2026']);
    // The city drops this year's X (its run lists this year's Y); last year's X stays (history).
    await fullRun([wire('2024-2025', 'X'), wire('2025-2026', 'Y')]);
    const live = await ctx.db.rows<{ class_key: string }>('truc.classes', 'deleted_at IS NULL');
    expect(live.map((r) => r.class_key).sort()).toEqual([`${S1}/2024-2025/X`, `${S1}/2025-2026/Y`]);
    expect(school.removals.map((r) => r.keys)).toEqual([[`${S1}/2025-2026/X`]]);
  });
});
