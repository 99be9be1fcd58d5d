/**
 * dash14, the city's IT staff on duty at night (/work/briefs/dash14.md), in a real browser
 * (test/helpers/dashboard-browser.ts; the state made through the store):
 * - item 1: the runs' and the audit log's from / to were the browser's datetime-local fields, in the browser's
 *   language's format: an English browser asked mm/dd/yyyy, so '05/12/2026' was 12 May to one night's staff and
 *   5 December to the next. Now typed and shown day first on Vietnam's clock (as every time the page shows), the format
 *   said under the field, a day alone in `to` the whole day, what is not a day refused beside the field.
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { vietnamDay } from '../helpers/vietnam-day.js';

/** A day `YYYY-MM-DD` as the staff type it, dd/mm/yyyy. */
const typed = (day: string): string => day.split('-').reverse().join('/');

describe.runIf(hasChromium())('dash14: the dashboard at night, in an English Chromium', () => {
  // an English browser in New York: its own date format and its own clock are both not Vietnam's
  const ui = useDashboard({
    ...{ shots: 'dash14', locale: 'en-US', timezoneId: 'America/New_York' },
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
});
