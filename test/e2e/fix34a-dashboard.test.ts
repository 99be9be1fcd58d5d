/**
 * fix34a (review33c N1, HIGH; item 2), the guard's page of a held city-wide run in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts), the hold made through the store at the city's size (2,500 schools, up to 50
 * codes a school and kind, test/helpers/city-hold.ts):
 * - the page loaded and drew every school's diff at once (2.6 MB, the page froze): now it shows the totals over every
 *   school, the 50 most affected schools, more on demand, and finds a school by its code or the schools over a
 *   threshold; a school ticked to be left out stays ticked across pages;
 * - a school whose codes the weighed hold did not all keep (`keysTruncated`) says how many are not listed, in
 *   Vietnamese and in English (as `truc holds show` does).
 */
import { describe, expect, it } from 'vitest';
import { CITY_SCHOOLS, cityHold, mostAffectedFirst } from '../helpers/city-hold.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('fix34a: a held city-wide run on the guard page in Chromium', () => {
  const ui = useDashboard({ shots: 'fix34a' });

  it('shows 50 schools of 2,500 most affected first, more on demand, a school found; codes not kept counted', async () => {
    const { holdId, diff, reasons } = await cityHold(ui.env.deps.db);
    const sorted = [...diff].sort(mostAffectedFirst);
    const top = sorted[0]!;
    expect(top.keysTruncated).toBe(true);
    await ui.asAdmin();
    const loaded: number[] = [];
    ui.page.on('response', (r) => {
      if (r.url().includes(`/v1/guard/holds/${holdId}`))
        void r.body().then(
          (b) => loaded.push(b.length),
          () => undefined,
        );
    });
    await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
    await ui.page.getByTestId('guard-title').waitFor();
    const rows = ui.page.getByTestId('guard-diff').locator('tbody tr');
    await ui.page.getByTestId('guard-diff-shown').waitFor();
    await ui.shot('city-hold-vi');
    expect(await ui.text('guard-diff-shown')).toBe(
      'Đang hiện 50 trên 2.500 trường, trường bị ảnh hưởng nhiều nhất trước',
    );
    expect(await ui.text('guard-hold-schools')).toContain('2.500');
    // the reasons: the highest ratios, the rest counted
    const over = new Set(reasons.map((r) => r.school)).size;
    expect(await ui.page.getByTestId('guard-reasons').locator('tbody tr').count()).toBe(50);
    expect(await ui.text('guard-reasons-more')).toContain(
      `${new Intl.NumberFormat('vi-VN').format(over - 50)} lý do khác`,
    );
    expect(await rows.count()).toBe(50);
    const first = await rows.first().locator('td').allTextContents();
    expect(first[1]).toBe(top.school);
    // the codes the hold did not keep, counted in words (item 2)
    const notListed = top.changed - top.keys.changed.length;
    expect(await rows.first().getByTestId('codes-not-listed').last().textContent()).toBe(
      ` còn ${notListed} mã không được liệt kê`,
    );
    // ticked to be left out, then more: still ticked, 100 schools shown
    await ui.page.getByTestId(`guard-except-${top.school}`).check();
    await ui.page.getByTestId('guard-diff-more').click();
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(100);
    expect(await ui.page.getByTestId(`guard-except-${top.school}`).isChecked()).toBe(true);
    expect((await rows.nth(99).locator('td').allTextContents())[1]).toBe(sorted[99]!.school);
    // a school by its code
    await ui.page.getByTestId('guard-school-search').fill('79001234');
    await ui.page.getByTestId('guard-diff-search').click();
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(1);
    expect((await rows.first().locator('td').allTextContents())[1]).toBe('79001234');
    expect(await ui.text('guard-diff-shown')).toContain('1 trên 1 trường');
    // only the schools over a threshold
    await ui.page.getByTestId('guard-school-search').fill('');
    await ui.page.getByTestId('guard-over').check();
    await ui.page.getByTestId('guard-diff-search').click();
    await expect
      .poll(() => ui.text('guard-diff-shown'), { timeout: 30_000 })
      .toContain(`50 trên ${new Intl.NumberFormat('vi-VN').format(over)} trường`);
    await ui.shot('city-hold-over');
    // no response of the page's carried the whole diff (2.6 MB before)
    expect(loaded.length).toBeGreaterThan(0);
    expect(Math.max(...loaded)).toBeLessThan(600_000);
    expect(CITY_SCHOOLS).toBe(2500);

    // in English
    await ui.page.getByTestId('lang').click();
    await ui.page.getByTestId('guard-diff-shown').waitFor();
    await expect
      .poll(() => ui.text('guard-diff-shown'), { timeout: 30_000 })
      .toBe('Showing 50 of 2,500 schools, most affected first');
    expect(await rows.first().getByTestId('codes-not-listed').last().textContent()).toBe(
      ` ${notListed} more codes not listed`,
    );
    await ui.shot('city-hold-en');
    await ui.page.getByTestId('lang').click();
  });
});
