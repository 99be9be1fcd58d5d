/**
 * pullyear25 (issue 7 item 2): a school system's (smas, vnedu) full students run reconciles only within the school
 * years it lists at each school, as a vendor's student snapshot does (snap24, ./snapshot-school-years.test.ts): a
 * school system keeps one record per student and school year and lists the year it is in (its wire: "one student in
 * one school year"), so last year's students it does not list (its graduates, its summer leavers) are last year's
 * records, history PCGD-XMC counts, not students gone from the school. Before, the run deleted them. The city
 * database (hcm-csdl) keeps one record per student, graduates included (status `Tốt nghiệp`), and its full list is
 * every student it holds, whatever the year: a student it no longer lists is gone from the city, and deleted.
 * On a real in-memory database.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import type { SystemName } from '../../../src/config.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { student } from '../../factories/records.js';
import { smasStudent } from '../../factories/wire.js';
import { S1, S2 } from '../../helpers/api.js';
import { drain, fakeSource, NOW, useTestContext } from './fixtures.js';

/** NOW (2026-01-15) is in school year 2025-2026. */
const THIS = '2025-2026';
const LAST = '2024-2025';

describe("a full students run of a school system and of the city database, and last year's students", () => {
  const smas = fakeSource('smas', ['students']);
  const cityDb = fakeSource('hcm-csdl', ['students']);
  const ctx = useTestContext({ sources: { smas, 'hcm-csdl': cityDb } });

  async function run(system: SystemName, items: unknown[], full: boolean): Promise<void> {
    if (!full) await createSyncRunsRepo(ctx.db).saveWatermark(system, 'students', '', 'w0');
    await ctx.db.tx((q) =>
      requestSync(q, { system, entity: 'students', full, requestedBy: 'admin', at: ctx.now() }),
    );
    const source = system === 'smas' ? smas : cityDb;
    source.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
  }
  const live = async (school: string) =>
    (
      await ctx.db.rows<{ student_code: string; data: { schoolYear: string } }>(
        'truc.students',
        `deleted_at IS NULL AND school_code = '${school}' ORDER BY student_code`,
      )
    ).map((r) => `${r.student_code} ${r.data.schoolYear}`);
  const smasOf = (school: string, prefix: string, year: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      smasStudent(`${prefix}${i + 10}`, {
        MaTruong: school,
        NamHoc: year,
        KhoiHoc: year === THIS ? '2' : '5',
      }),
    );

  it("smas: deletes this year's students it no longer lists, keeps last year's it does not list", async () => {
    // What SMAS gave truc last school year (its grade 5, graduated since) and this year.
    await run('smas', [...smasOf(S1, 'SL', LAST, 2), ...smasOf(S1, 'ST', THIS, 10)], false);
    expect(await live(S1)).toHaveLength(12);
    // Its full list now: this year's students but ST19 (left the school).
    await run('smas', smasOf(S1, 'ST', THIS, 9), true);
    // Was: SL10 and SL11 (last year's, history PCGD-XMC counts) deleted with ST19.
    expect(await live(S1)).toEqual([
      `SL10 ${LAST}`,
      `SL11 ${LAST}`,
      ...Array.from({ length: 9 }, (_, i) => `ST${i + 10} ${THIS}`),
    ]);
    const runs = await ctx.db.rows<{ reconcile: string; reconciled: number }>(
      'truc.sync_runs',
      `system = 'smas' AND since IS NULL`,
    );
    expect(runs.map((r) => [r.reconcile, r.reconciled])).toEqual([['done', 1]]);
  });

  it('smas: a full list carrying last year too reconciles last year at that school', async () => {
    await run('smas', [...smasOf(S2, 'WL', LAST, 2), ...smasOf(S2, 'WT', THIS, 10)], false);
    // Lists this year's, and one of last year's: last year's other one is gone from SMAS's last year.
    await run('smas', [...smasOf(S2, 'WL', LAST, 1), ...smasOf(S2, 'WT', THIS, 10)], true);
    expect(await live(S2)).toEqual([
      `WL10 ${LAST}`,
      ...Array.from({ length: 10 }, (_, i) => `WT${i + 10} ${THIS}`),
    ]);
  });

  it('hcm-csdl: its full list is every student it holds, so a student of last year it no longer lists goes', async () => {
    const city = (code: string, year: string) => ({
      ...HCM_CSDL_MAPPINGS.students.fromCanonical!(
        student(code, { schoolCode: S1, schoolYear: year, grade: year === THIS ? '2' : '5' }),
        { now: () => NOW },
      ),
      updatedAt: '2025-10-01T02:00:00.000Z',
    });
    const cityStudents = [
      ...['CL10', 'CL11'].map((c) => city(c, LAST)),
      ...Array.from({ length: 10 }, (_, i) => city(`CT${i + 10}`, THIS)),
    ];
    await run('hcm-csdl', cityStudents, false);
    // The city no longer lists CL11 (its record removed), whatever its year.
    await run('hcm-csdl', cityStudents.slice(0, 1).concat(cityStudents.slice(2)), true);
    const left = (await live(S1)).filter((s) => s.startsWith('C'));
    expect(left).toContain(`CL10 ${LAST}`);
    expect(left).not.toContain(`CL11 ${LAST}`);
    expect(left).toHaveLength(11);
  });
});
