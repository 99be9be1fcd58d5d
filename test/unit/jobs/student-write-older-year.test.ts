/**
 * review23 (was it.fails: README Known limits): after the rollover (kết chuyển, 1 September) the city database holds
 * this school year's record of a student (grade 2); the school's own system, not rolled over yet, still holds last
 * year's (grade 1) and its vendor pushes it (a nightly push, a correction to some other field). A student is one
 * record per code, whatever its school year, and a vendor batch that arrived later is the newer word (README
 * "Arrival order"): truc wrote last year's record over this year's (only a `SONG_NOT_CURRENT_YEAR` warning) and
 * sent it on to the city database, which went back a school year and a grade. Classes are kept from this since
 * review21 (a write of a class whose school holds the same code in a later school year is superseded:
 * class-write-older-year.test.ts); students were not.
 * Fixed by year24: a record of an earlier school year than the stored row's (live or deleted) is not written, from
 * any source (a vendor's delta or snapshot, a pull of a school's own system or of the city database), compared in
 * the write statement itself (src/store/record-writes.ts `upsert`, src/store/year-order.ts); the batch counts it
 * rejected with the finding `TENANCY_LATER_YEAR_HELD` (src/jobs/newer-words.ts) and sends nothing of it anywhere.
 * A record of the same school year, or of a later one, is written as before. The store's statements on both
 * databases: test/integration/record-writes-year.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PULL_CLIENT, requestSync } from '../../../src/jobs/contracts.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';
import type { Student } from '../../../src/canonical/student.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createSyncRunsRepo } from '../../../src/store/sync-runs.js';
import { student } from '../../factories/records.js';
import { smasStudent } from '../../factories/wire.js';
import { S1 } from '../../helpers/api.js';
import { drain, fakeSource, fakeTarget, NOW, useTestContext, vendorBatch } from './fixtures.js';

describe("a record of last year of a student truc holds this year's of (review23, year24)", () => {
  const cityDb = fakeSource('hcm-csdl', ['students']);
  const smas = fakeSource('smas', ['students']);
  const city = fakeTarget('hcm-csdl', ['students'], ['students']);
  const ctx = useTestContext({ sources: { 'hcm-csdl': cityDb, smas }, targets: { 'hcm-csdl': city } });
  /** NOW (2026-01-15) is in school year 2025-2026. */
  const thisYear = (code: string, grade: Student['grade'] = '2') =>
    student(code, { schoolYear: '2025-2026', grade });
  const lastYear = (code: string, grade: Student['grade'] = '1') =>
    student(code, { schoolYear: '2024-2025', grade });

  const stored = async (code: string) =>
    (
      await ctx.db.rows<{ data: { schoolYear: string; grade: string }; deleted_at: Date | null }>(
        'truc.students',
        `student_code = '${code}' AND school_code = '${S1}'`,
      )
    ).map((r) => `${r.data.schoolYear} grade ${r.data.grade}${r.deleted_at ? ' deleted' : ''}`);

  /** The school years of the records of `code` sent to the city database so far. */
  const sentYears = (code: string) =>
    city.calls.flatMap((c) =>
      (
        c.records as Array<{
          maDinhDanh?: string;
          studentCode?: string;
          schoolYear?: string;
          namHoc?: string;
        }>
      )
        .filter((r) => (r.studentCode ?? r.maDinhDanh) === code)
        .map((r) => r.schoolYear ?? r.namHoc),
    );

  /** A run of the city database listing `records` (canonical students, as it serves them). */
  async function cityPull(records: Student[]): Promise<void> {
    await ctx.db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'admin', at: ctx.now() }),
    );
    const items = records.map((r) => ({
      ...HCM_CSDL_MAPPINGS.students.fromCanonical!(r, { now: () => NOW }),
      updatedAt: '2025-10-01T02:00:00.000Z',
    }));
    cityDb.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.hcm-csdl');
  }

  /** An incremental run of SMAS listing `items`; the id of its page's batch. */
  async function smasPull(items: unknown[]): Promise<string> {
    await createSyncRunsRepo(ctx.db).saveWatermark('smas', 'students', '', 'w0');
    await ctx.db.tx((q) =>
      requestSync(q, {
        system: 'smas',
        entity: 'students',
        full: false,
        requestedBy: 'admin',
        at: ctx.now(),
      }),
    );
    smas.pages.push({ items, deletedKeys: [], nextCursor: undefined, watermark: 'w1' });
    await drain(ctx, 'pull');
    await drain(ctx, 'push.hcm-csdl');
    const pages = await ctx.db.rows<{ id: string }>(
      'truc.batches',
      `client_id = '${PULL_CLIENT}' AND format = 'smas' ORDER BY created_at DESC, id`,
    );
    return pages[0]!.id;
  }

  /** The batch's findings of the rule as [record key, pointer, value, severity]. */
  const laterYearHeld = async (batchId: string) =>
    (await createBatchesRepo(ctx.db).findings(batchId, 100, 0, { rule: 'TENANCY_LATER_YEAR_HELD' })).map(
      (f) => [f.recordKey, f.pointer, f.value, f.severity],
    );

  it("a vendor's delta keeps this year's record and sends the city nothing of last year's", async () => {
    await cityPull([thisYear('SY01')]);
    expect(await stored('SY01')).toEqual(['2025-2026 grade 2']);

    const batch = await vendorBatch(ctx, [lastYear('SY01')]);
    await drain(ctx, 'push.hcm-csdl');
    // Was ['2024-2025 grade 1']: last year's record over this year's …
    expect(await stored('SY01')).toEqual(['2025-2026 grade 2']);
    // … and sent on to the city database.
    expect(sentYears('SY01')).not.toContain('2024-2025');
    // Counted and explained in the batch's status (the school year is no personal data).
    expect(batch).toMatchObject({ status: 'done', accepted: 0, rejected: 1, unchanged: 0 });
    expect(await laterYearHeld(batch.id)).toEqual([['SY01', '/schoolYear', '2024-2025', 'error']]);
  });

  it("a pull of the school's own system (SMAS) carrying last year's record leaves this year's", async () => {
    await cityPull([thisYear('SY02')]);
    const sent = city.calls.length;
    const page = await smasPull([smasStudent('SY02', { MaTruong: S1, NamHoc: '2024-2025', KhoiHoc: '1' })]);
    expect(await stored('SY02')).toEqual(['2025-2026 grade 2']);
    expect(city.calls.length, 'nothing sent to the city').toBe(sent);
    const batch = await createBatchesRepo(ctx.db).get(page);
    expect(batch).toMatchObject({ accepted: 0, rejected: 1, unchanged: 0 });
    expect(await laterYearHeld(page)).toEqual([['SY02', '/schoolYear', '2024-2025', 'error']]);
    // SMAS's next listing of that same copy is its older copy: no change, no finding again (README: prec16).
    const again = await smasPull([smasStudent('SY02', { MaTruong: S1, NamHoc: '2024-2025', KhoiHoc: '1' })]);
    expect(await createBatchesRepo(ctx.db).get(again)).toMatchObject({
      accepted: 0,
      rejected: 0,
      unchanged: 1,
    });
    expect(await stored('SY02')).toEqual(['2025-2026 grade 2']);
    expect(city.calls.length).toBe(sent);
  });

  it("a vendor's snapshot carrying last year's record neither overwrites nor deletes this year's", async () => {
    // (Before any record of the school a vendor wrote: the snapshot deletes nothing else.)
    await cityPull([thisYear('SY04'), thisYear('SY05')]);
    // The vendor's system holds SY04 of last year and SY05 of this year (changed: grade 3).
    const batch = await vendorBatch(ctx, [lastYear('SY04'), thisYear('SY05', '3')], 'snapshot');
    await drain(ctx, 'push.hcm-csdl');
    expect(await stored('SY04')).toEqual(['2025-2026 grade 2']);
    expect(await stored('SY05')).toEqual(['2025-2026 grade 3']);
    expect(batch).toMatchObject({ status: 'done', accepted: 1, rejected: 1, deleted: 0 });
    expect(await laterYearHeld(batch.id)).toEqual([['SY04', '/schoolYear', '2024-2025', 'error']]);
    expect(sentYears('SY04')).not.toContain('2024-2025');
    expect(sentYears('SY05')).toContain('2025-2026');
  });

  it("the city database's pull carrying last year's record leaves this year's a vendor wrote", async () => {
    await vendorBatch(ctx, [thisYear('SY03')]);
    await drain(ctx, 'push.hcm-csdl');
    const sent = city.calls.length;
    await cityPull([lastYear('SY03')]);
    expect(await stored('SY03')).toEqual(['2025-2026 grade 2']);
    expect(city.calls.length).toBe(sent);
  });

  it('a record of the same school year overwrites as before, and one of a later school year does', async () => {
    await cityPull([thisYear('SY06'), lastYear('SY07')]);
    const same = await vendorBatch(ctx, [thisYear('SY06', '3'), thisYear('SY07', '2')]);
    await drain(ctx, 'push.hcm-csdl');
    expect(same).toMatchObject({ status: 'done', accepted: 2, rejected: 0 });
    expect(await stored('SY06')).toEqual(['2025-2026 grade 3']);
    expect(await stored('SY07')).toEqual(['2025-2026 grade 2']);
    expect(await laterYearHeld(same.id)).toEqual([]);
    expect(sentYears('SY07')).toContain('2025-2026');
  });
});
