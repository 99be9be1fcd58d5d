/**
 * dash12, the city's IT staff walking the dashboard (/work/briefs/dash12.md), in a real browser
 * (test/helpers/dashboard-browser.ts; the state made through the store):
 * - a pulled batch's page could not lead to its sync run: GET /v1/batches/{id} had no `syncRunId`; the page names the
 *   run, a link to its page, and leads back there (a page of every school), in Vietnamese and English;
 */
import { describe, expect, it } from 'vitest';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { seedBatch } from '../helpers/dashboard-seed.js';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';

/** A done hcm-csdl staff run and one page of it, of every school, that rejected 2 records. */
async function pulledRun(ui: DashboardBrowser): Promise<{ run: number; batch: string }> {
  const db = ui.env.deps.db;
  const run = await createSyncRunsRepo(db).create({
    ...{ system: 'hcm-csdl', entity: 'staff', scope: '', since: null, requestedBy: 'x' },
  });
  const batch = await seedBatch(db, {
    ...{ clientId: 'system:pull', schoolCode: '*', entity: 'staff', format: 'hcm-csdl', syncRunId: run },
    counts: { accepted: 3, rejected: 2, unchanged: 0 },
  });
  return { run, batch };
}

describe.runIf(hasChromium())('dash12: the dashboard walked by the city’s IT staff, in Chromium', () => {
  const ui = useDashboard({ shots: 'dash12' });

  it('a pulled batch’s page names its sync run, a link to the run’s page, and leads back there (vi, en)', async () => {
    const { run, batch } = await pulledRun(ui);
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    await ui.asAdmin();
    await ui.open(`#/batches/${batch}`);
    await ui.page.getByTestId('batch-run').waitFor();
    expect(await ui.text('batch-run')).toBe(`#${run}Lần đồng bộ`);
    await ui.shot('batch-run-1280-vi');
    await ui.page.getByTestId('batch-run').getByRole('link').click();
    await expect.poll(() => ui.text('run-title'), { timeout: 30_000 }).toBe(`Lần đồng bộ #${run} — hcm-csdl`);
    expect(ui.page.url()).toContain(`#/sync/${run}`);

    await ui.open(`#/batches/${batch}`);
    await ui.page.getByTestId('lang').click();
    await expect.poll(() => ui.text('batch-run'), { timeout: 30_000 }).toBe(`#${run}Sync run`);
    await ui.page.setViewportSize({ width: 390, height: 800 });
    await ui.shot('batch-run-390-en');
    // a page of every school leads back to its run, not to the runs list
    await ui.page.getByRole('link', { name: '← Back' }).click();
    await expect.poll(() => ui.text('run-title'), { timeout: 30_000 }).toBe(`Sync run #${run} — hcm-csdl`);
    await ui.page.getByTestId('lang').click();
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
