/**
 * polish6 item 2: an approved snapshot hold once applied (guard6, walk5 W5-12) on the hold page in a real browser
 * (Debian's Chromium, test/helpers/dashboard-browser.ts): "Applied: N of M held deletions" and the Kept card, a row per
 * held record a newer word kept, with why (written, carried unchanged, deleted, moved after the snapshot), by which
 * batch or sync run (or system), and when, in Vietnamese and in English; codes and ids only: the snapshot's records'
 * names and birth dates are nowhere on the page. The hold is made and applied through the store, as the guard's
 * application (src/jobs/guard-apply.ts) notes it.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createGuardHoldsRepo, type KeptRecord } from '../../src/store/guard-holds.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const SCHOOL = '79663068';
const held = Array.from({ length: 10 }, (_, i) => `HSK${String(i).padStart(2, '0')}`);
/** What the snapshot's records hold of a person: never on the hold page. */
const PERSONAL = { fullName: 'Nguyễn Thị Hồng Nhung', dateOfBirth: '2015-03-09' };

describe.runIf(hasChromium())('guard6: an applied snapshot hold’s Kept card in Chromium (polish6)', () => {
  const ui = useDashboard({ shots: 'guard-kept' });

  /** An approved snapshot hold of 10 held deletions, applied: 6 deleted, 4 kept (one of each why). */
  async function appliedSnapshotHold(): Promise<{ holdId: number; run: number; later: string }> {
    const db = ui.env.deps.db;
    const snapshot = randomUUID();
    const later = randomUUID();
    const records = [{ studentCode: 'HSK99', schoolCode: SCHOOL, ...PERSONAL }];
    await createBatchesRepo(db).insert({
      id: snapshot,
      clientId: 'vendor-kept',
      schoolCode: SCHOOL,
      entity: 'students',
      format: 'canonical',
      records,
      mode: 'snapshot',
    });
    const run = await createSyncRunsRepo(db).create({
      system: 'smas',
      entity: 'students',
      scope: SCHOOL,
      since: 'w0',
      requestedBy: 'x',
    });
    const holds = createGuardHoldsRepo(db);
    const holdId = await holds.create({
      kind: 'batch',
      batchId: snapshot,
      entity: 'students',
      diff: [
        {
          school: SCHOOL,
          live: 12,
          deleted: 10,
          moved: 0,
          changed: 0,
          keys: { deleted: held, moved: [], changed: [] },
        },
      ],
      reasons: [{ school: SCHOOL, kind: 'deleted', count: 10, live: 12, ratio: 0.833, threshold: 0.3 }],
    });
    expect(await holds.decide(holdId, 'approved', ui.admin.clientId)).toBeDefined();
    const at = '2026-12-06T03:04:05.000Z';
    const kept: KeptRecord[] = [
      { key: held[0]!, why: 'written', at, batchId: later },
      { key: held[1]!, why: 'carried', at, batchId: later, syncRunId: run },
      { key: held[2]!, why: 'deleted', at, system: 'hcm-csdl' },
      { key: held[3]!, why: 'moved', at: null },
    ];
    expect(await holds.markApplied(holdId, { applied: 6, of: 10, kept })).toBe(true);
    return { holdId, run, later };
  }

  it('says applied 6 of 10 and the 4 records kept, why, by what and when, in both languages, no personal data', async () => {
    const { holdId, run, later } = await appliedSnapshotHold();
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
    await ui.page.getByTestId('guard-title').waitFor();
    const table = ui.page.getByTestId('guard-kept');
    await table.waitFor();
    expect(await ui.text('guard-hold-applied')).toMatch(/^6 trên 10 bản ghi bị giữ — \d/);
    const card = ui.page.locator('section.card').filter({ has: table });
    expect(await card.textContent()).toContain('Để nguyên khi áp dụng');
    expect(await card.textContent()).toContain('Các bản ghi bị giữ mà việc áp dụng để nguyên');
    expect(await table.locator('thead th').allTextContents()).toEqual(['Mã', 'Vì', 'Bởi', 'Lúc']);
    const rows = async () =>
      Promise.all((await table.locator('tbody tr').all()).map((r) => r.locator('td').allTextContents()));
    const vi = await rows();
    expect(vi.map((r) => r.slice(0, 3))).toEqual([
      [held[0], 'Được ghi lại sau snapshot', `lô ${later}`],
      [held[1], 'Được gửi lại không đổi sau snapshot', `lượt đồng bộ #${run} (lô ${later})`],
      [held[2], 'Đã bị xoá sau snapshot', 'hcm-csdl'],
      [held[3], 'Đã chuyển sang trường khác sau snapshot', '—'],
    ]);
    expect(vi[0]![3]).toMatch(/\d/);
    // The school's held deletions, listed with the 10 codes, say 4 of them were kept (polish6's note).
    expect((await ui.text('codes-kept')).trim()).toBe(
      '4 mã trong đó được để nguyên (xem "Để nguyên khi áp dụng")',
    );
    expect(vi[3]![3]).toBe('—');
    await ui.shot('kept-vi');

    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => table.locator('thead th').allTextContents(), { timeout: 30_000 })
      .toEqual(['Code', 'Why', 'By', 'At']);
    expect(await ui.text('guard-hold-applied')).toMatch(/^6 of 10 held deletions — \d/);
    expect(await card.textContent()).toContain('Kept when applied');
    expect((await rows()).map((r) => r.slice(1, 3))).toEqual([
      ['Written after the snapshot', `batch ${later}`],
      ['Carried unchanged after the snapshot', `sync run #${run} (batch ${later})`],
      ['Deleted after the snapshot', 'hcm-csdl'],
      ['Moved to another school after the snapshot', '—'],
    ]);
    expect((await ui.text('codes-kept')).trim()).toBe('4 of them kept (see "Kept when applied")');
    await ui.shot('kept-en');

    const page = await ui.page.innerText('body');
    for (const value of Object.values(PERSONAL)) expect(page).not.toContain(value);
    expect(page).not.toContain('09/03/2015');
    await ui.page.getByTestId('lang').click();
  });
});
