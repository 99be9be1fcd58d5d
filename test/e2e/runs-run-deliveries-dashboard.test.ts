/**
 * runs item 1 on the dashboard: the sync runs page says where each run's changes stand at each target (a school's own
 * system: smas, vnedu), one line a target, the dead letter's code when some failed, in Vietnamese then English, and
 * the page stays within 1280 px; a full run's reconciliation deletes (a set of the run with no batch) counted there
 * too (runs2). In a real browser (test/helpers/dashboard-browser.ts); the run and its push sets are written through
 * the store.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('runs item 1: a run’s deliveries on the sync runs page in Chromium', () => {
  const ui = useDashboard({ shots: 'runs' });

  it('shows each target’s delivered, pending and failed records (vi and en), unclipped at 1280 px', async () => {
    const db = ui.env.deps.db;
    const id = await createSyncRunsRepo(db).create({
      ...{ system: 'hcm-csdl', entity: 'students', scope: '', since: null, requestedBy: 'x' },
    });
    const batchId = randomUUID();
    await createBatchesRepo(db).insert({
      ...{ id: batchId, clientId: 'system:pull', schoolCode: '*', entity: 'students', format: 'hcm-csdl' },
      ...{ records: [], syncRunId: id },
    });
    const sets = createPushSetsRepo(db);
    await sets.markDelivered(
      await sets.create({ system: 'smas', entity: 'students', keys: ['A1'], batchId }),
      {
        ...{ accepted: 1, rejected: 0, receiptId: 'r1' },
      },
    );
    const failed = await sets.create({ system: 'smas', entity: 'students', keys: ['B1', 'B2'], batchId });
    await sets.fail(failed, 'ERR_ADAPTER_UNAVAILABLE');
    await sets.create({ system: 'vnedu', entity: 'students', keys: ['C1', 'C2'], batchId });
    // its reconciliation's delete set: no batch, the run's own (runs2 item 1)
    await sets.create({
      system: 'vnedu',
      entity: 'students',
      keys: ['D1'],
      syncRunId: id,
      operation: 'delete',
    });
    await ui.asAdmin();
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    const table = ui.page.getByTestId('sync-runs');
    await table.locator('tbody tr').first().waitFor();
    const cells = table.locator('tbody tr').first().getByTestId('run-delivery');
    expect(await cells.allInnerTexts()).toEqual([
      '→ smas: gửi 1, chờ 0, lỗi 2\nERR_ADAPTER_UNAVAILABLE',
      '→ vnedu: gửi 0, chờ 3, lỗi 0',
    ]);
    const clipped = await ui.page
      .locator('main .card')
      .evaluateAll((cards: Array<{ scrollWidth: number; clientWidth: number }>) =>
        cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.scrollWidth - c.clientWidth),
      );
    expect(clipped).toEqual([]);
    await ui.shot('run-deliveries-vi');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => await cells.allInnerTexts(), { timeout: 30_000 })
      .toEqual([
        '→ smas: 1 sent, 0 pending, 2 failed\nERR_ADAPTER_UNAVAILABLE',
        '→ vnedu: 0 sent, 3 pending, 0 failed',
      ]);
    await ui.page.getByTestId('lang').click();
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
