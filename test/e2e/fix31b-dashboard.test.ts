/**
 * fix31b: gaps the city staff met on the dashboard, in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts). No worker: the state each test reads is made through the store. Screenshots
 * (1366 px) go to test-results/fix31b/.
 */
import { describe, expect, it } from 'vitest';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('fix31b: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'fix31b' });

  // Item 1: moet-pcgd's survey persons were `persons` on the sync runs (and the overview's schedules), every other
  // entity in words.
  it("1: a pull of PCGD-XMC's survey persons reads in words on the sync runs, in Vietnamese and English", async () => {
    const runs = createSyncRunsRepo(ui.env.deps.db);
    const run = await runs.create({
      system: 'moet-pcgd',
      entity: 'persons',
      scope: '26740',
      since: null,
      requestedBy: 'x',
    });
    await runs.fail(run, 'ERR_ADAPTER_UNAVAILABLE');
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    await ui.page.getByTestId('sync-runs').waitFor();
    const entity = ui.page.getByTestId('sync-runs').locator('tbody tr').first().locator('td').nth(2);
    await expect.poll(() => entity.textContent(), { timeout: 30_000 }).toBe('Người trong điều tra PCGD');
    await ui.shot('01-sync-runs-persons');
    await ui.page.getByTestId('lang').click();
    await expect.poll(() => entity.textContent(), { timeout: 30_000 }).toBe('Survey persons');
    await ui.page.getByTestId('lang').click();
  });
});
