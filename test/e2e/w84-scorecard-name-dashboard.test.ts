/**
 * walk8 W8-4 on the dashboard: the Chất lượng page names a commune or a province by its name and code ('Xã Củ Chi
 * (27553)', as the overview's deadlines card does), not by its code alone ('27553 — Chung 97,56 %'); a code the
 * administrative units do not list keeps its code alone. In a real browser (test/helpers/dashboard-browser.ts); the
 * scorecards are saved through the store.
 */
import { describe, expect, it } from 'vitest';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { communeCard, saveScorecards, storedRatio } from '../helpers/dashboard-seed.js';

describe.runIf(hasChromium())('W8-4: a scorecard’s unit named on the quality page in Chromium', () => {
  const ui = useDashboard({ shots: 'w84' });

  /** The heading of the scorecard of `code` up to its overall figure ('Xã Củ Chi (27553)'). */
  const unitHeading = async (code: string): Promise<string> => {
    const text = await ui.page.getByTestId(`scorecard-${code}`).locator('h2').innerText();
    return text.split(' — ')[0] ?? '';
  };

  it('names a commune and the province by name and code, and a code not on the list by its code', async () => {
    const r = storedRatio(4000, 4100, 'green');
    const criteria = { dung: r, du: r, sach: r, song: r };
    await saveScorecards(ui.env.deps.db, [
      communeCard('27553', 4100, criteria, r),
      // a commune code of the right shape that the administrative units do not list
      communeCard('99999', 4100, criteria, r),
      { ...communeCard('79', 8200, criteria, r), level: 'province', parentCode: '' },
    ]);
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/quality?level=commune&sort=code`);
    await ui.page.getByTestId('scorecard-27553').waitFor();
    expect(await unitHeading('27553')).toBe('Xã Củ Chi (27553)');
    expect(await unitHeading('99999')).toBe('99999');
    // the card's link (reached by Tab) reads the name too
    expect(await ui.page.getByTestId('scorecard-27553').locator('h2 a').innerText()).toBe(
      'Xã Củ Chi (27553)',
    );
    await ui.shot('communes-vi');

    // the commune's own page
    await ui.page.getByTestId('scorecard-27553').locator('h2 a').click();
    // its heading is no link there (the list's card is one): the page drawn is the commune's
    await ui.page.waitForURL(/code=27553/);
    await expect
      .poll(async () => ui.page.getByTestId('scorecard-27553').locator('h2 a').count(), { timeout: 30_000 })
      .toBe(0);
    expect(await unitHeading('27553')).toBe('Xã Củ Chi (27553)');

    // the province level
    await ui.page.goto(`${ui.base}/dashboard#/quality?level=province`);
    await ui.page.getByTestId('scorecard-79').waitFor();
    expect(await unitHeading('79')).toBe('Thành phố Hồ Chí Minh (79)');
    await ui.shot('province-vi');
  });
});
