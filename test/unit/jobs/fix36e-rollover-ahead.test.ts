/**
 * fix36e item 3: a school system's (smas) full students run held at the school-year rollover, its reconciliation
 * weighed ahead (src/jobs/reconcile-ahead.ts). Such a run deletes only within the school years it lists at each
 * school (pullyear25, src/jobs/reconcile-unseen.ts `ofListedYears`), and the years it lists were read from the stored
 * copies of the students it saw: the weighed pages are rolled back, so at a rollover those copies still said last
 * year while the pages said this year. The weighing-ahead then weighed within last year where the run's end weighs
 * within this year:
 * - the school's graduates (last year's, no longer listed) counted as deletions the end does not make (more: safe);
 * - this year's students truc already held and the run no longer lists (an intake that did not come) left out,
 *   deletions the end makes (fewer: unsafe — one approval "covering" the run, then a second hold at its end).
 * Now each weighed page notes the years its students were listed in as the page wrote them (src/store/weigh-seen.ts,
 * migration 1440), and the weighing-ahead weighs within those and the stored copies' years: never fewer deletions
 * than the run's end, never a lower share (the first case stays: more, shown; the second is fixed). On the memory
 * database, the clock at 5 September 2026 (school year 2026-2027, in the rollover window).
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../../src/jobs/contracts.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { smasStudent } from '../../factories/wire.js';
import { drain, fakeSource, smasStudentsRun, useTestContext } from './fixtures.js';

const ROLLOVER = new Date('2026-09-05T03:00:00.000Z');
const [LAST, THIS] = ['2025-2026', '2026-2027'];

/** Before the rollover's first day of the school year: 20 August 2026 (school year 2025-2026, in the window). */
const AUGUST = new Date('2026-08-20T03:00:00.000Z');

/** A memory database of its own, a fake smas source, the clock in August: the world of one case. */
function useRollover() {
  const smas = fakeSource('smas', ['students']);
  const ctx = useTestContext({ sources: { smas } });
  const student = (code: string, school: string, year: string, grade: string, name?: string) =>
    smasStudent(code, { MaTruong: school, NamHoc: year, KhoiHoc: grade, ...(name ? { HoVaTen: name } : {}) });
  const codes = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i + 10}`);
  const live = async (school: string) =>
    (await ctx.db.rows('truc.students', `deleted_at IS NULL AND school_code = '${school}'`)).length;
  const reasonsAt = (
    h: { reasons: Array<{ school: string; kind: string; count: number }> },
    school: string,
  ) => h.reasons.filter((r) => r.school === school).map((r) => [r.kind, r.count]);

  /**
   * A full run at the rollover whose one page renames every student of `renamed` (held: changed) and lists `page`
   * besides; the hold, then the run approved and ended: the holds of the run.
   */
  const heldThenEnded = async (renamed: string, page: unknown[]) => {
    Object.assign(ctx, { now: () => ROLLOVER });
    const renames = codes('RN', 20).map((c) => student(c, renamed, THIS, '7', 'Lê Văn Tâm'));
    const id = await smasStudentsRun(ctx, smas, [...renames, ...page], true);
    const runs = createSyncRunsRepo(ctx.db);
    expect((await runs.get(id))?.status).toBe('held');
    const holds = createGuardHoldsRepo(ctx.db);
    const hold = (await holds.heldOfRun(id))!;
    const ahead = (await holds.get(hold.id))!;
    await ctx.db.tx((q) =>
      decideHold(q, { holdId: hold.id, decision: 'approved', by: 'city-admin-1', at: ctx.now() }),
    );
    // The approved run reads its page again.
    smas.pages.push({
      items: [...renames, ...page],
      deletedKeys: [],
      nextCursor: undefined,
      watermark: 'w2',
    });
    await drain(ctx, 'pull');
    const all = await ctx.db.rows<{ id: number; kind: string; status: string }>(
      'truc.guard_holds',
      `sync_run_id = ${id} ORDER BY id`,
    );
    return { id, ahead, holds: all.map((h) => [h.kind, h.status]) };
  };
  /** What smas listed in August (an incremental run). */
  const august = async (items: unknown[]) => {
    Object.assign(ctx, { now: () => AUGUST });
    await smasStudentsRun(ctx, smas, items, false);
  };
  return { ctx, student, codes, live, reasonsAt, heldThenEnded, august };
}

describe("a school system's full run held at the rollover: last year's graduates", () => {
  const { ctx, student, codes, live, reasonsAt, heldThenEnded, august } = useRollover();

  it('counts the graduates the run’s end keeps (more than the end deletes: the safe side, shown as it is)', async () => {
    const [school, renamed] = ['79000061', '79000062'];
    // Last year: 20 who stay (grade 6 to 8), 10 in grade 9 who graduate; 20 at the other school.
    const stay = codes('ST', 20);
    await august([
      ...stay.map((c) => student(c, school, LAST, '7')),
      ...codes('GR', 10).map((c) => student(c, school, LAST, '9')),
      ...codes('RN', 20).map((c) => student(c, renamed, LAST, '6')),
    ]);
    const { id, ahead, holds } = await heldThenEnded(
      renamed,
      stay.map((c) => student(c, school, THIS, '8')),
    );
    // Weighed within last year too (the held page's stored copies): the 10 graduates are shown as deletions.
    expect(reasonsAt(ahead, school)).toEqual([['deleted', 10]]);
    // The run's end weighs within this year only: last year's graduates kept, no second hold.
    expect(holds).toEqual([['run', 'approved']]);
    expect((await createSyncRunsRepo(ctx.db).get(id))?.reconcile).toBe('done');
    expect(await live(school)).toBe(30);
  });
});

describe("a school system's full run held at the rollover: this year's intake no longer listed", () => {
  const { ctx, student, codes, live, reasonsAt, heldThenEnded, august } = useRollover();

  it('counts this year’s students the run no longer lists, as its end deletes them: one hold, one approval', async () => {
    const [school, renamed] = ['79000063', '79000064'];
    // Last year's 20 who go on, and this year's intake of 10 already written in August; 20 at the other school.
    const stay = codes('SU', 20);
    await august([
      ...stay.map((c) => student(c, school, LAST, '7')),
      ...codes('IN', 10).map((c) => student(c, school, THIS, '6')),
      ...codes('RN', 20).map((c) => student(c, renamed, LAST, '6')),
    ]);
    // The intake did not come: the run lists the 20 in this year, none of the 10.
    const { id, ahead, holds } = await heldThenEnded(
      renamed,
      stay.map((c) => student(c, school, THIS, '8')),
    );
    expect(reasonsAt(ahead, school)).toEqual([['deleted', 10]]);
    expect(holds).toEqual([['run', 'approved']]);
    expect((await createSyncRunsRepo(ctx.db).get(id))?.reconcile).toBe('done');
    expect(await live(school)).toBe(20);
  });
});
