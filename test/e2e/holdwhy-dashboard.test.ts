/**
 * holdwhy (walk2 F3): the decision form of a held vendor batch tells the city admin, in Vietnamese and in English, that
 * the batch's vendor reads the reason (GET /v1/batches/{id}, batch.finished: guard.decisionReason) and sees who decided
 * only as a city admin; a sync run's hold, which no vendor reads, says nothing of it. In a real browser (Debian's
 * Chromium, test/helpers/dashboard-browser.ts); the holds are made through the store.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { heldRunPage } from '../helpers/held-run.js';

describe.runIf(hasChromium())(
  'holdwhy: the decision form says the vendor reads the reason, in Chromium',
  () => {
    const ui = useDashboard({ shots: 'holdwhy' });

    it("a held batch's form says so (vi, en); a run's hold does not", async () => {
      const db = ui.env.deps.db;
      const school = '79663066';
      const batchId = randomUUID();
      await createBatchesRepo(db).insert({
        ...{
          id: batchId,
          clientId: 'cl_vendor',
          schoolCode: school,
          entity: 'students',
          format: 'canonical',
        },
        ...{ records: [], mode: 'snapshot' },
      });
      const reasons = [
        { school, kind: 'deleted' as const, count: 39, live: 40, ratio: 0.975, threshold: 0.3 },
      ];
      const holdId = await createGuardHoldsRepo(db).create({
        ...{ kind: 'batch', batchId, entity: 'students', diff: [], reasons },
      });
      const run = await heldRunPage(db);
      await ui.asAdmin();
      await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
      await ui.page.getByTestId('guard-reason').waitFor();
      expect(await ui.text('guard-reason-vendor')).toContain('Nhà cung cấp gửi lô này đọc được lý do');
      expect(await ui.text('guard-reason-vendor')).toContain('quản trị thành phố');
      await ui.shot('batch-form-vi');
      await ui.page.getByTestId('lang').click();
      await ui.page.getByTestId('guard-reason').waitFor();
      expect(await ui.text('guard-reason-vendor')).toContain(
        'The vendor that sent this batch reads the reason',
      );
      await ui.page.getByTestId('lang').click();

      // another hold's page: its own reason, not the one this page showed (ui.open waits for the new page)
      await ui.open(`#/guard/${run.holdId}`);
      await ui.page.getByTestId('guard-reason').waitFor();
      expect(await ui.page.getByTestId('guard-reason-vendor').count()).toBe(0);
    });
  },
);
