/**
 * dash13, the city's IT staff walking the dashboard (/work/briefs/dash13.md item 4) at 1280 and 390 px, in a real
 * browser (test/helpers/dashboard-browser.ts; the state made through the store):
 * - the overview's card of push targets removed from the configuration with work left said what to do (`truc targets
 *   forget <system>`) in a table cell that never wrapped, in half the page at 1280 px: the sentence was cut at the
 *   card's edge, the command out of sight unless the card was scrolled sideways. The card is the page's width now,
 *   the sentence wrapped in it (at 390 px the card scrolls its table sideways, as the other cards do, the page not);
 * - at 390 px the header squeezed its pages' names into a column beside who is signed in, a word a line ("Thay đổi
 *   hàng loạt chờ duyệt" five lines, the header 380 px tall): each name on one line now, the names in rows.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

/** How far (px) the element with `testid` reaches past the right edge of its card's content (0: none). */
const pastCard = (page: Page, testid: string): Promise<number> =>
  page.evaluate<number>(
    `(() => { const el = document.querySelector('[data-testid="${testid}"]');
       const card = el.closest('.card');
       const edge = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
       return Math.max(0, Math.round(el.getBoundingClientRect().right - edge)); })()`,
  );

describe.runIf(hasChromium())('dash13: the dashboard walked by the city’s IT staff, in Chromium', () => {
  const ui = useDashboard({ shots: 'dash13' });

  it('a removed target’s what to do is shown whole at 1280 px, wrapped at 390 px', async () => {
    const db = ui.env.deps.db;
    // smas is no target of the test profile: a letter of a push to it is a removed target's work left
    const set = await createPushSetsRepo(db).create({ system: 'smas', entity: 'staff', keys: ['CB1'] });
    await createPushSetsRepo(db).fail(set, 'ERR_ADAPTER_UNAVAILABLE');
    await createDeadLettersRepo(db).insert({
      ...{
        outboxId: undefined,
        queue: 'push.smas',
        jobName: 'push-set',
        errorCode: 'ERR_ADAPTER_UNAVAILABLE',
      },
      ...{ errorMessage: 'ERR_ADAPTER_UNAVAILABLE: smas', attempts: 5, refs: null },
    });
    await ui.asAdmin();
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    await ui.open('#/overview');
    await ui.page.getByTestId('removed-target-hint').waitFor();
    expect(await ui.text('removed-target-hint')).toContain('truc targets forget smas');
    // without the fix: 400-odd px past the card's edge, in half the page
    expect(await pastCard(ui.page, 'removed-target-hint')).toBe(0);
    await ui.shot('removed-targets-1280');
    // 390 px: the sentence wrapped in its cell, the page not wider than the screen (the card scrolls its table)
    await ui.page.setViewportSize({ width: 390, height: 900 });
    await ui.open('#/schools');
    await ui.open('#/overview');
    await ui.page.getByTestId('removed-target-hint').waitFor();
    expect(await ui.page.evaluate<number>('document.documentElement.scrollWidth')).toBe(390);
    // an inline element has a box a line
    const lines = await ui.page.evaluate<number>(
      `document.querySelector('[data-testid="removed-target-hint"]').getClientRects().length`,
    );
    expect(lines).toBeGreaterThan(1);
    await ui.shot('removed-targets-390');
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });

  it('at 390 px each page’s name in the header is on one line, none past the screen', async () => {
    await ui.asAdmin();
    await ui.page.setViewportSize({ width: 390, height: 900 });
    await ui.open('#/sync');
    await ui.page.getByTestId('sync-runs').waitFor();
    const links = await ui.page.evaluate<Array<{ height: number; right: number }>>(
      `[...document.querySelectorAll('header nav a')].map((a) => {
         const r = a.getBoundingClientRect();
         return { height: Math.round(r.height), right: Math.round(r.right) };
       })`,
    );
    expect(links.length).toBeGreaterThan(3);
    // without the fix: heights from 2 lines ("Việc lỗi") to 5 ("Thay đổi hàng loạt chờ duyệt")
    expect(new Set(links.map((l) => l.height)).size).toBe(1);
    expect(links.every((l) => l.right <= 390)).toBe(true);
    expect(await ui.page.evaluate<number>('document.documentElement.scrollWidth')).toBe(390);
    await ui.shot('header-390');
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
