/**
 * walk11 W11-8 (/work/briefs/walk11-findings.md): the dashboard had no page of one sync run: #/sync listed runs, a run's
 * # led nowhere, its details (what it waits on, its deliveries, its batches with rejections) were the API's and the
 * CLI's only. `#/sync/<id>` shows what GET /v1/syncs/{id} gives, in Vietnamese and English, within 1280 and 390 px;
 * the runs list's # and a dead letter's syncRunId lead there; its batches with rejections are paged as the API pages
 * them (?rejectedOffset=). In a real browser (test/helpers/dashboard-browser.ts); the run, its batches, push sets, the
 * paused gate and the letter are written through the store.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';

/** A queued vnedu run waiting on its open circuit, 23 pages each with rejections (1 to 23), a delivery to smas. */
async function seedRun(ui: DashboardBrowser): Promise<number> {
  const db = ui.env.deps.db;
  await db.query(
    `INSERT INTO truc.delivery_gates (system, next_send_at, paused_until, pause_reason, circuit, failures, openings,
                                      last_error_code, opened_at, updated_at, last_error_at)
     VALUES ('vnedu', now(), now() + interval '10 minutes', 'circuit-open', 'open', 5, 1,
             'ERR_ADAPTER_UNAVAILABLE', now(), now(), now())
     ON CONFLICT DO NOTHING`,
  );
  const run = await createSyncRunsRepo(db).create({
    ...{ system: 'vnedu', entity: 'classes', scope: '', since: null, requestedBy: 'x' },
  });
  const batches = createBatchesRepo(db);
  let first = '';
  for (let i = 0; i < 23; i++) {
    const id = randomUUID();
    first ||= id;
    await batches.insert({
      ...{ id, clientId: 'system:pull', schoolCode: '*', entity: 'classes', format: 'vnedu' },
      ...{ records: [], syncRunId: run },
    });
    await batches.finish(id, { accepted: 1, rejected: i + 1, unchanged: 0 });
  }
  const sets = createPushSetsRepo(db);
  const failed = await sets.create({ system: 'smas', entity: 'classes', keys: ['B1', 'B2'], batchId: first });
  await sets.fail(failed, 'ERR_ADAPTER_UNAVAILABLE');
  await createDeadLettersRepo(db).insert({
    ...{ outboxId: undefined, queue: 'push.smas', jobName: 'push', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
    ...{ errorMessage: 'ERR_ADAPTER_UNAVAILABLE: smas', attempts: 5, refs: { syncRunId: run } },
  });
  return run;
}

/** How far the page, and each card, is wider than what shows it, in px ([0]: the page). */
const overflow = (ui: DashboardBrowser): Promise<number[]> =>
  ui.page.evaluate<number[]>(
    `[document.documentElement.scrollWidth - document.documentElement.clientWidth,
      ...[...document.querySelectorAll('main .card')].map((c) => c.scrollWidth - c.clientWidth)]`,
  );

describe.runIf(hasChromium())("walk11 W11-8: a sync run's page, in Chromium", () => {
  const ui = useDashboard({ shots: 'dash11' });

  it('the runs list leads to a run: its status, waiting, counts, deliveries, batches with rejections paged (vi, en)', async () => {
    const run = await seedRun(ui);
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    await ui.asAdmin();
    await ui.open('#/sync');
    const link = ui.page
      .getByTestId('sync-runs')
      .getByTestId('run-link')
      .filter({ hasText: String(run) });
    await link.click();
    await ui.page.getByTestId('run-title').waitFor();
    expect(ui.page.url()).toContain(`#/sync/${run}`);
    expect(await ui.text('run-title')).toBe(`Lần đồng bộ #${run} — vnedu`);
    expect(await ui.text('run-page-waiting')).toMatch(/^Đang chờ — vnedu: cầu dao mở từ /);
    expect(await ui.text('run-page-accepted')).toContain('23');
    expect(await ui.text('run-page-rejected')).toContain('276');
    const details = await ui.text('run-page-details');
    expect(details).toContain('Ánh xạ');
    expect(details).toContain('Toàn bộ, có đối soát');
    const deliveries = await ui.page.getByTestId('run-page-deliveries').locator('tbody tr').allInnerTexts();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatch(/^smas\tgửi 0, chờ 0, lỗi 2\t0\tERR_ADAPTER_UNAVAILABLE/);
    const list = ui.page.getByTestId('run-rejected-batches');
    const rejectedCells = () => list.locator('tbody tr td:nth-child(2)').allInnerTexts();
    expect(await rejectedCells()).toHaveLength(20);
    expect((await rejectedCells())[0]).toBe('23');
    expect(await ui.page.locator('.pager span').innerText()).toBe('1–20 trong 23');
    expect(await overflow(ui)).toEqual(Array((await overflow(ui)).length).fill(0));
    await ui.shot('run-1280-vi');

    await ui.page.locator('.pager button').last().click();
    await expect.poll(rejectedCells, { timeout: 30_000 }).toEqual(['3', '2', '1']);
    expect(ui.page.url()).toContain(`#/sync/${run}?rejectedOffset=20`);
    expect(await ui.page.locator('.pager span').innerText()).toBe('21–23 trong 23');

    await ui.page.getByTestId('lang').click();
    await expect.poll(() => ui.text('run-title'), { timeout: 30_000 }).toBe(`Sync run #${run} — vnedu`);
    expect(await ui.text('run-page-waiting')).toMatch(/^Queued waiting on vnedu: circuit open since /);
    expect(await ui.text('run-page-details')).toContain('Full, reconciled');
    await ui.page.setViewportSize({ width: 390, height: 800 });
    await ui.shot('run-390-en');
    // the page within 390 px (a table wider than its card scrolls in it); the details wrap within theirs
    expect((await overflow(ui))[0]).toBe(0);
    const detailsCard = await ui.page.evaluate<number>(
      `(() => { const c = document.querySelector('[data-testid="run-page-details"]').closest('.card');
         return c.scrollWidth - c.clientWidth; })()`,
    );
    expect(detailsCard).toBe(0);
    await ui.page.getByTestId('lang').click();
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });

  it("a dead letter's sync run leads to the run's page", async () => {
    const run = await seedRun(ui);
    await ui.asAdmin();
    await ui.open(`#/dead-letters?syncRunId=${run}`);
    const ref = ui.page.locator(`main a[href="#/sync/${run}"]`).first();
    await ref.click();
    await expect.poll(() => ui.text('run-title'), { timeout: 30_000 }).toBe(`Lần đồng bộ #${run} — vnedu`);
  });
});
