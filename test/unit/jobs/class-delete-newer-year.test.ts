/**
 * review20b: a school's own system keys a class by its code within the school (vnEdu `class_id`, SMAS
 * `MaLop`), so it holds one class per code, the one truc wrote there last: the newest school year's once truc
 * has sent it. A delete set drops a class as superseded when its school still has a live class of the same
 * code (src/jobs/push.ts `keysToDelete`, src/store/class-keys.ts `codeLiveInLaterYear`: "the system holds that
 * one under the same code") — only when that live class is of a LATER school year than the one deleted. Before
 * the fix any other year counted: a full classes run that still lists last year's X and this year's Y, but no
 * longer this year's X, deleted this year's X in truc and dropped its delete to the school's system, which kept
 * X, a class truc deleted, for good. The opposite case stays: last year's class deleted while this year's of
 * the same code is live is superseded at the system (also in class-deletes.test.ts).
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

/** A fake hcm-csdl serving classes, a vnEdu that deletes classes, and a full classes run through both. */
function useClassRuns() {
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
  const live = async () =>
    (await ctx.db.rows<{ class_key: string }>('truc.classes', 'deleted_at IS NULL'))
      .map((r) => r.class_key)
      .sort();
  const deleteSets = () =>
    ctx.db.rows<{ keys: string[]; receipt: Record<string, unknown> }>(
      'truc.push_sets',
      `operation = 'delete' AND system = 'vnedu' ORDER BY id`,
    );
  return { school, ctx, fullRun, live, deleteSets };
}

describe("a delete of this year's class while last year's class of the same code is kept (review20b)", () => {
  const { school, fullRun, live, deleteSets } = useClassRuns();

  it("reaches the school's system, which holds this year's class under that code", async () => {
    await fullRun([wire('2024-2025', 'X'), wire('2025-2026', 'X'), wire('2025-2026', 'Y')]);
    // Keyed by code, the school's system holds this year's X: last year's is not written over it there
    // (class-write-older-year.test.ts).
    const written = school.calls.flatMap((c) =>
      c.records.map((r) => (r as { schoolYear: string }).schoolYear),
    );
    expect(written).toEqual(['2025-2026', '2025-2026']);
    // The city drops this year's X (its run lists this year's Y); last year's X stays (history).
    await fullRun([wire('2024-2025', 'X'), wire('2025-2026', 'Y')]);
    expect(await live()).toEqual([`${S1}/2024-2025/X`, `${S1}/2025-2026/Y`]);
    expect(school.removals.map((r) => r.keys)).toEqual([[`${S1}/2025-2026/X`]]);
    expect((await deleteSets()).map((s) => [s.keys, s.receipt['superseded']])).toEqual([
      [[`${S1}/2025-2026/X`], 0],
    ]);
  });
});

describe("a delete of last year's class while this year's class of the same code is live", () => {
  const { school, fullRun, live, deleteSets } = useClassRuns();

  it("is superseded: the school's system holds this year's class under that code", async () => {
    await fullRun([wire('2024-2025', 'X'), wire('2025-2026', 'X'), wire('2025-2026', 'Y')]);
    // The city drops last year's X (its run lists last year's W, so it reconciles that year); this year's X stays.
    await fullRun([wire('2024-2025', 'W'), wire('2025-2026', 'X'), wire('2025-2026', 'Y')]);
    expect(await live()).toEqual([`${S1}/2024-2025/W`, `${S1}/2025-2026/X`, `${S1}/2025-2026/Y`]);
    // The delete set is made, and sends nothing: the key is superseded by this year's X.
    expect(school.removals).toEqual([]);
    expect((await deleteSets()).map((s) => [s.keys, s.receipt['superseded']])).toEqual([
      [[`${S1}/2024-2025/X`], 1],
    ]);
  });
});
