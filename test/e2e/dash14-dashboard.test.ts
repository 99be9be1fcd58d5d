/**
 * dash14, the city's IT staff on duty at night (/work/briefs/dash14.md), in a real browser
 * (test/helpers/dashboard-browser.ts; the state made through the store):
 * - item 1: the runs' and the audit log's from / to were the browser's datetime-local fields, in the browser's
 *   language's format: an English browser asked mm/dd/yyyy, so '05/12/2026' was 12 May to one night's staff and
 *   5 December to the next. Now typed and shown day first on Vietnam's clock (as every time the page shows), the format
 *   said under the field, a day alone in `to` the whole day, what is not a day refused beside the field.
 * - item 2: at 390 px the lists read on duty (runs, dead letters, held runs, schedules) were tables scrolled sideways
 *   in their cards, a run's status or a letter's replay button out of sight. Now a row is a block, a cell a line under
 *   its column's name; at 1280 px they are the tables they were.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

/** A day `YYYY-MM-DD` as the staff type it, dd/mm/yyyy. */
const typed = (day: string): string => day.split('-').reverse().join('/');

/**
 * How far (px) the card of the table `testid` scrolls sideways (0: its content fits it), the table's display, and how
 * many of its cells are shorter than their column's name beside them (a name on two lines ran into the next cell's).
 */
const sideways = (
  page: Page,
  testid: string,
): Promise<{ scroll: number; display: string; overlap: number }> =>
  page.evaluate(
    `(() => { const el = document.querySelector('[data-testid="${testid}"]');
       const card = el.closest('.card');
       const overlap = [...el.querySelectorAll('td')].filter((td) => {
         const name = parseFloat(getComputedStyle(td, '::before').height);
         return name > td.getBoundingClientRect().height + 1;
       }).length;
       return { scroll: card.scrollWidth - card.clientWidth, display: getComputedStyle(el).display, overlap }; })()`,
  );

/** The night's state: a failed nightly pull with a dead letter of it, a held run to decide. */
async function night(ui: DashboardBrowser): Promise<void> {
  const db = ui.env.deps.db;
  const runs = createSyncRunsRepo(db);
  const failed = await runs.create({
    ...{ system: 'hcm-csdl', entity: 'students', scope: '', since: '2026-12-06T17:00:00Z', requestedBy: 'x' },
  });
  await runs.fail(failed, 'ERR_ADAPTER_UNAVAILABLE');
  await createDeadLettersRepo(db).insert({
    ...{ outboxId: undefined, queue: 'pull', jobName: 'pull-page', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
    ...{ errorMessage: 'ERR_ADAPTER_UNAVAILABLE: hcm-csdl', attempts: 5, refs: { syncRunId: failed } },
  });
  const held = await runs.create({
    ...{ system: 'hcm-csdl', entity: 'staff', scope: '', since: null, requestedBy: 'x' },
  });
  await createGuardHoldsRepo(db).create({
    ...{ kind: 'run', syncRunId: held, entity: 'staff' },
    diff: [
      {
        ...{ school: '79663066', live: 41, deleted: 20, moved: 0, changed: 0 },
        keys: { deleted: ['CB7947663066'], moved: [], changed: [] },
      },
    ],
    reasons: [{ school: '79663066', kind: 'deleted', threshold: 0.3, count: 20, live: 41, ratio: 20 / 41 }],
  });
}

/** The pages of the lists read on duty, each with its list's test id. */
const LISTS = [
  ['#/sync', 'sync-runs'],
  ['#/dead-letters', 'dead-letters'],
  ['#/guard', 'guard-holds'],
  ['#/overview', 'schedules'],
  ['#/overview', 'systems'],
  ['#/overview', 'dead-letters-by-code'],
] as const;

describe.runIf(hasChromium())('dash14: the dashboard at night, in an English Chromium', () => {
  // an English browser in New York: its own date format and its own clock are both not Vietnam's
  const ui = useDashboard({
    ...{ shots: 'dash14', locale: 'en-US', timezoneId: 'America/New_York' },
    // a nightly pull's schedule, for the overview's schedules card
    configure: (config) => ({
      ...config,
      sync: {
        ...config.sync,
        schedules: {
          'nightly-students': {
            ...{ kind: 'pull', cron: '10 1 * * *', tz: 'Asia/Ho_Chi_Minh' },
            ...{ system: 'hcm-csdl', entity: 'students', full: false },
          },
        },
      },
    }),
  });

  it('1: the runs’ from / to are typed day first, the format said, a day alone in `to` the whole day', async () => {
    const day = vietnamDay();
    await createSyncRunsRepo(ui.env.deps.db).create({
      ...{ system: 'hcm-csdl', entity: 'students', scope: '', since: null, requestedBy: 'dash14' },
    });
    await ui.asAdmin();
    await ui.open('#/sync');
    const main = ui.page.getByTestId('page-sync');
    await ui.page.getByTestId('sync-runs').waitFor();
    expect(await ui.text('date-from-hint')).toBe('ngày/tháng/năm, có thể thêm giờ:phút');
    expect(await main.locator('input[name=from]').getAttribute('placeholder')).toBe('dd/mm/yyyy hh:mm');
    // today from and to: today's run (without the fix: playwright refuses '08/12/2026' in a datetime field)
    await main.locator('input[name=from]').fill(typed(day));
    await main.locator('input[name=to]').fill(typed(day));
    await ui.page.getByTestId('sync-apply').click();
    await expect.poll(() => ui.page.url()).toContain('to=');
    const from = new Date(`${day}T00:00:00+07:00`);
    const url = new URL(ui.page.url().replace('#/sync', 'sync'));
    expect(url.searchParams.get('from')).toBe(from.toISOString());
    expect(url.searchParams.get('to')).toBe(new Date(from.getTime() + 86_400_000).toISOString());
    await expect.poll(() => ui.text('sync-runs-total')).toBe('Tổng: 1');
    // shown back as typed, the day of `to` the same day
    expect(await main.locator('input[name=from]').inputValue()).toBe(typed(day));
    expect(await main.locator('input[name=to]').inputValue()).toBe(typed(day));
    await ui.shot('1-runs-dates');

    // mm/dd/yyyy is refused beside the field, in words, nothing asked of the API; the field focused
    const before = ui.page.url();
    await main.locator('input[name=to]').fill('12/31/2026');
    await ui.page.getByTestId('sync-apply').click();
    await expect.poll(() => ui.text('date-to-error')).toContain('ngày/tháng/năm');
    expect(ui.page.url()).toBe(before);
    expect(await main.locator('input[name=to]').getAttribute('aria-invalid')).toBe('true');
    expect(await ui.page.evaluate<string>('document.activeElement.name')).toBe('to');
    await ui.shot('1-runs-date-refused');
  });

  it('1: the audit log’s from / to likewise, a time typed as the page shows times', async () => {
    // the audit log is the auditor's (a city admin's scopes do not open it)
    await ui.signIn(await addClient(ui.env.deps.db, { name: 'Thanh tra Sở', role: 'auditor' }));
    const main = ui.page.getByTestId('page-audit');
    await ui.page.getByTestId('audit-rows').waitFor();
    await main.locator('input[name=from]').fill('22:30 05/12/2026');
    await ui.page.getByRole('button', { name: 'Tìm' }).click();
    await expect.poll(() => ui.page.url()).toContain('from=');
    expect(decodeURIComponent(ui.page.url())).toContain('from=2026-12-05T15:30:00.000Z');
    await expect.poll(() => main.locator('input[name=from]').inputValue()).toBe('22:30 05/12/2026');
    expect(await ui.text('date-to-hint')).toBe('ngày/tháng/năm (hết ngày đó), có thể thêm giờ:phút');
  });

  it('2: at 390 px the runs, dead letters, held runs and schedules are read without scrolling sideways', async () => {
    await night(ui);
    await ui.asAdmin();
    for (const width of [390, 1280]) {
      await ui.page.setViewportSize({ width, height: 900 });
      for (const [hash, testid] of LISTS) {
        await ui.open('#/schools');
        await ui.open(hash);
        await ui.page.locator(`table[data-testid="${testid}"]`).waitFor();
        const seen = await sideways(ui.page, testid);
        // without the fix at 390 px: the runs' card scrolled its table 650 px sideways
        expect(seen, `${testid} at ${width} px`).toEqual({
          scroll: 0,
          display: width === 390 ? 'block' : 'table',
          overlap: 0,
        });
        expect(await ui.page.evaluate<number>('document.documentElement.scrollWidth')).toBe(width);
        await ui.shot(`2-${testid}-${width}`);
      }
    }
    // a stacked row says each cell's column: the failed run's status under "Trạng thái"
    await ui.page.setViewportSize({ width: 390, height: 900 });
    await ui.open('#/sync');
    const statuses = ui.page.getByTestId('sync-runs').locator('td[data-label="Trạng thái"]');
    await expect.poll(() => statuses.allInnerTexts()).toContain('Thất bại');
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
