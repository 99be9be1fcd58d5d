/**
 * dash12, the city's IT staff walking the dashboard (/work/briefs/dash12.md), in a real browser
 * (test/helpers/dashboard-browser.ts; the state made through the store):
 * - a pulled batch's page could not lead to its sync run: GET /v1/batches/{id} had no `syncRunId`; the page names the
 *   run, a link to its page, and leads back there (a page of every school), in Vietnamese and English;
 * - a run's page said 0 open dead letters for a run whose letter carries it in its refs (a letter with no outbox
 *   row), which the dead letters filtered by the run listed; and that filter missed a letter written before refs
 *   (migration 1455) whose job's push set is the run's, which the run counted. One rule now
 *   (src/store/dead-letters.ts `letterOfRun`): the run's page counts what its link lists;
 * - the overview's systems (a failure, an error rate) led nowhere, nor its open dead letters: each system a link to
 *   its sync runs (`#/sync?system=`), the count a link to the dead letters page.
 */
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
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

/**
 * Two open letters of the run's push sets to smas: one with the run in its refs and no outbox row (as a letter whose
 * job was queued without one), one written before refs whose outbox row carries the run's push set only.
 */
async function runLetters(ui: DashboardBrowser, run: number, batch: string): Promise<void> {
  const db = ui.env.deps.db;
  const sets = createPushSetsRepo(db);
  const letters = createDeadLettersRepo(db);
  const one = await sets.create({ system: 'smas', entity: 'staff', keys: ['CB1'], batchId: batch });
  await sets.fail(one, 'ERR_ADAPTER_UNAVAILABLE');
  await letters.insert({
    ...{ outboxId: undefined, queue: 'push.smas', jobName: 'push-set', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
    ...{ errorMessage: 'ERR_ADAPTER_UNAVAILABLE: smas', attempts: 5, refs: { syncRunId: run } },
  });
  const two = await sets.create({ system: 'smas', entity: 'staff', keys: ['CB2'], syncRunId: run });
  await sets.fail(two, 'ERR_ADAPTER_UNAVAILABLE');
  const outboxId = await createOutboxRepo(db).add(
    'push.smas',
    'push-set',
    { pushSetId: two },
    { notify: false },
  );
  await letters.insert({
    ...{ outboxId, queue: 'push.smas', jobName: 'push-set', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
    ...{ errorMessage: 'ERR_ADAPTER_UNAVAILABLE: smas', attempts: 5, refs: null },
  });
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

  it('the overview’s systems lead to their sync runs, its dead letters to theirs (keyboard)', async () => {
    const { run } = await pulledRun(ui);
    await ui.asAdmin();
    const system = ui.page.getByTestId('systems').getByTestId('system-runs').filter({ hasText: 'hcm-csdl' });
    await system.focus();
    await ui.page.keyboard.press('Enter');
    await ui.page.getByTestId('sync-runs').waitFor();
    expect(ui.page.url()).toContain('#/sync?system=hcm-csdl');
    await expect
      .poll(() => ui.page.getByTestId('run-link').allInnerTexts(), { timeout: 30_000 })
      .toContain(String(run));
    await ui.open('#/overview');
    await ui.page.getByTestId('stat-dead-letters').getByRole('link').click();
    await ui.page.getByTestId('dead-letters-apply').waitFor();
    expect(ui.page.url()).toContain('#/dead-letters');
  });

  it('a run’s page counts the open dead letters its link lists: refs only, push set only', async () => {
    const { run, batch } = await pulledRun(ui);
    await runLetters(ui, run, batch);
    await ui.asAdmin();
    await ui.open(`#/sync/${run}`);
    await ui.page.getByTestId('run-page-letters').waitFor();
    expect(await ui.text('run-page-letters')).toBe('2');
    await ui.page.getByTestId('run-page-letters').click();
    const rows = ui.page.getByTestId('dead-letters').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    expect(ui.page.url()).toContain(`#/dead-letters?syncRunId=${run}`);
  });
});
