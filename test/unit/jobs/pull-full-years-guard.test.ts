/**
 * fixes26b item 5: since pullyear25 a school system's (smas, vnedu) full students run deletes only within the school
 * years it listed at each school (./pull-full-school-years.test.ts), yet the mass-change guard weighed those
 * deletions against the whole school, last year's students it keeps included: a run deleting 35 % of this year's
 * students at a school that also keeps as many of last year's was 17.5 % of the school, under the 30 % threshold,
 * and applied. Now they are weighed against the school's live students of those years (src/jobs/run-guard.ts
 * `guardReconcile` with ./reconcile.ts `ofListedYears`' years). On a real in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { smasStudent } from '../../factories/wire.js';
import { fakeSource, smasStudentsRun, useTestContext } from './fixtures.js';

/** NOW (2026-01-15) is in school year 2025-2026. */
const THIS = '2025-2026';
const LAST = '2024-2025';

describe("the guard over a school system's full students run, within the school years it lists", () => {
  const smas = fakeSource('smas', ['students']);
  const ctx = useTestContext({ sources: { smas } });

  const run = (items: unknown[], full: boolean): Promise<number> => smasStudentsRun(ctx, smas, items, full);
  const smasOf = (school: string, prefix: string, year: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      smasStudent(`${prefix}${i + 10}`, {
        MaTruong: school,
        NamHoc: year,
        KhoiHoc: year === THIS ? '2' : '5',
      }),
    );
  const live = async (school: string) =>
    (await ctx.db.rows('truc.students', `deleted_at IS NULL AND school_code = '${school}'`)).length;
  const runRow = async (id: number) =>
    (await ctx.db.rows<{ reconcile: string; reconciled: number }>('truc.sync_runs', `id = ${id}`))[0]!;

  it("a run deleting 35 % of this year's students is held, though it is 17.5 % of the school", async () => {
    const school = '79000051';
    // Last year's 20 (graduated since: SMAS lists them no more, truc keeps them) and this year's 20.
    await run([...smasOf(school, 'GL', LAST, 20), ...smasOf(school, 'GT', THIS, 20)], false);
    expect(await live(school)).toBe(40);
    // Its full list now: 13 of this year's 20 (7 missing, 35 %).
    const id = await run(smasOf(school, 'GT', THIS, 13), true);
    // Was: done, 7 deleted (weighed 7 of 40).
    expect(await runRow(id)).toMatchObject({ reconcile: 'held', reconciled: 0 });
    expect(await live(school)).toBe(40);
    const hold = await createGuardHoldsRepo(ctx.db).heldOfRun(id);
    expect(hold?.reasons).toEqual([
      expect.objectContaining({ school, kind: 'deleted', count: 7, live: 20, threshold: 0.3 }),
    ]);
  });

  it("a run deleting within the threshold of this year's students is applied", async () => {
    const school = '79000052';
    await run([...smasOf(school, 'HL', LAST, 20), ...smasOf(school, 'HT', THIS, 20)], false);
    // 16 of this year's 20 (4 missing, 20 %): applied, last year's kept.
    const id = await run(smasOf(school, 'HT', THIS, 16), true);
    expect(await runRow(id)).toMatchObject({ reconcile: 'done', reconciled: 4 });
    expect(await live(school)).toBe(36);
  });
});
