/**
 * restoreguard: a hold of records brought back (a restore is a change) on the guard page in a real browser (Debian's
 * Chromium, test/helpers/dashboard-browser.ts): the hold's restores and each school's restored codes are shown as their
 * own kind, in Vietnamese and in English; a hold without restores shows no such column. The hold is made through the
 * store (test/helpers/held-run.ts), as a pull bringing back 39 of a school's 40 students would hold it.
 */
import { describe, expect, it } from 'vitest';
import type { SchoolDiff } from '../../src/store/guard-holds.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { heldRunPage } from '../helpers/held-run.js';

describe.runIf(hasChromium())('restoreguard: a hold of restores on the guard page in Chromium', () => {
  const ui = useDashboard({ shots: 'restoreguard' });

  it('shows the restores and their codes as their own kind', async () => {
    const school = '79663066';
    const restored = Array.from({ length: 39 }, (_, i) => `HS${String(i).padStart(3, '0')}`);
    const reasons = [
      { school, kind: 'changed' as const, count: 39, restored: 39, live: 40, ratio: 0.975, threshold: 0.5 },
    ];
    const { holdId } = await heldRunPage(ui.env.deps.db, { reasons });
    const diff: SchoolDiff[] = [
      {
        school,
        live: 1,
        deleted: 0,
        moved: 0,
        changed: 0,
        restored: 39,
        keys: { deleted: [], moved: [], changed: [], restored },
      },
    ];
    await ui.env.deps.db.query(`UPDATE truc.guard_holds SET diff = $2 WHERE id = $1`, [
      holdId,
      JSON.stringify(diff),
    ]);
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
    await ui.page.getByTestId('guard-title').waitFor();
    await ui.page.getByTestId('guard-diff-shown').waitFor();
    expect(await ui.text('guard-hold-restored')).toContain('39');
    const table = ui.page.getByTestId('guard-diff');
    const heads = await table.locator('thead th').allTextContents();
    expect(heads).toContain('Được khôi phục');
    expect(heads).toContain('Mã được khôi phục');
    const cells = await table.locator('tbody tr').first().locator('td').allTextContents();
    expect(cells[heads.indexOf('Được khôi phục')]).toBe('39');
    expect(cells[heads.indexOf('Mã được khôi phục')]).toContain(restored[0]);
    // guard2 item 2: held for restores alone, its reason says restored, not changed.
    const why = ui.page.getByTestId('guard-reasons');
    const whyHeads = await why.locator('thead th').allTextContents();
    const kindCell = () => why.locator('tbody tr').first().locator('td').nth(whyHeads.indexOf('Loại'));
    expect(await kindCell().textContent()).toBe('Được khôi phục');
    // guard3 item 3: the reason's 40 is what its ratio is of (1 live, 39 restored), not the school's live records
    // (its column read 'Đang có / Live' 40 beside the hold's 'Live' 1); deleted and moved are said together.
    expect(whyHeads).not.toContain('Đang có');
    const outOf = whyHeads.indexOf('Trên tổng');
    expect(outOf, 'the reasons’ out-of column').toBeGreaterThan(-1);
    expect(await why.locator('tbody tr').first().locator('td').nth(outOf).textContent()).toBe('40');
    expect(await ui.text('guard-hold-deleted')).toContain('Xoá hoặc chuyển đi');
    await ui.shot('restores-vi');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => table.locator('thead th').allTextContents(), { timeout: 30_000 })
      .toContain('Codes restored');
    expect(await ui.text('guard-hold-restored')).toContain('Restored');
    expect(await kindCell().textContent()).toBe('Restored');
    expect(await why.locator('thead th').allTextContents()).toContain('Out of');
    await ui.page.getByTestId('lang').click();

    // guard2 item 1: the holds list has the restores as their own column, and the reason says restored.
    await ui.page.goto(`${ui.base}/dashboard#/guard`);
    const list = ui.page.getByTestId('guard-holds');
    await list.locator('tbody tr').first().waitFor();
    const listHeads = await list.locator('thead th').allTextContents();
    expect(listHeads).toContain('Được khôi phục');
    const rows = await list.locator('tbody tr').all();
    const allCells = await Promise.all(rows.map((r) => r.locator('td').allTextContents()));
    const rowCells = allCells.find((c) => c[0]?.trim() === String(holdId));
    expect(rowCells, 'the hold in the list').toBeDefined();
    expect(rowCells![listHeads.indexOf('Được khôi phục')]).toBe('39');
    expect(rowCells![listHeads.indexOf('Ngưỡng bị vượt')]).toContain(`${school}: Được khôi phục`);
    await ui.shot('holds-list-restores-vi');
  });
});
