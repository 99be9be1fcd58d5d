/**
 * walk11 (the city's IT staff deciding a held mass change at 1280 px), in Chromium (test/helpers/dashboard-browser.ts;
 * the hold made through the store, as a snapshot of one record of a 41-student school makes it):
 * - W11-1: the holds list's "thresholds crossed" was one line of every threshold (the school's and each grade's), the
 *   table 3,427 px wide: the hold's status, who decided and why were out of sight. Three thresholds, one a line
 *   (the rest counted), its batch id and column heads wrapping.
 * - W11-2: a hold's page, "By school": the codes deleted or moved were one line of 40 codes, the table 4,183 px wide,
 *   its "codes changed" out of sight. The codes wrap in their cell.
 * Screenshots: test-results/walk11/.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const SCHOOL = '79663066';
/** Forty students' codes, as the demo's (ten digits). */
const CODES = Array.from({ length: 40 }, (_, i) => String(7947663066 + i * 48271));

/** A vendor's snapshot of one record held: 40 of the school's 41 students deleted, the school and five grades over. */
async function seedHold(ui: DashboardBrowser): Promise<number> {
  const db = ui.env.deps.db;
  const batchId = randomUUID();
  await createBatchesRepo(db).insert({
    ...{ id: batchId, clientId: 'cl_vendor', schoolCode: SCHOOL, entity: 'students', format: 'canonical' },
    ...{ records: [], mode: 'snapshot' },
  });
  const over = { school: SCHOOL, kind: 'deleted' as const, threshold: 0.3 };
  const reasons = [
    { ...over, count: 40, live: 41, ratio: 40 / 41 },
    ...['1', '2', '3', '4', '5'].map((grade) => ({ ...over, grade, count: 8, live: 8, ratio: 1 })),
  ];
  const diff = [
    {
      ...{ school: SCHOOL, live: 41, deleted: 40, moved: 0, changed: 0 },
      keys: { deleted: CODES, moved: [], changed: [] },
    },
  ];
  return createGuardHoldsRepo(db).create({ kind: 'batch', batchId, entity: 'students', diff, reasons });
}

/** How far past the right edge of its card the element with this test id reaches, in px (0: inside it). */
const pastCard = (ui: DashboardBrowser, testid: string): Promise<number> =>
  ui.page.evaluate<number>(
    `(() => { const el = document.querySelector('[data-testid="${testid}"]');
       const card = el.closest('.card') ?? document.documentElement;
       return Math.max(0, Math.round(el.getBoundingClientRect().right - card.getBoundingClientRect().right)); })()`,
  );

describe.runIf(hasChromium())("walk11: a held mass change's tables fit at 1280 px, in Chromium", () => {
  const ui = useDashboard({ shots: 'walk11' });

  it("the holds list shows each hold's status; a hold's codes by school wrap (vi, en)", async () => {
    const holdId = await seedHold(ui);
    await ui.page.setViewportSize({ width: 1280, height: 800 });
    await ui.asAdmin();
    for (const lang of ['vi', 'en']) {
      await ui.open('#/guard');
      await ui.page.getByTestId('guard-holds').waitFor();
      await ui.shot(`holds-${lang}`);
      expect(await pastCard(ui, 'guard-holds')).toBe(0);
      // the status is on the screen, not 2,000 px to the right of it
      const status = await ui.page.getByTestId('guard-holds').locator('tbody .badge').boundingBox();
      expect(status!.x + status!.width).toBeLessThanOrEqual(1280);
      // three thresholds a line each, the other three counted (all six on the hold's page)
      expect(await ui.page.getByTestId('hold-reasons').locator('span').count()).toBe(4);
      expect(await ui.text('hold-reasons')).toContain('+3');

      await ui.open(`#/guard/${holdId}`);
      await ui.page.getByTestId('guard-diff').waitFor();
      await ui.shot(`hold-${lang}`);
      expect(await ui.page.getByTestId('guard-diff').textContent()).toContain(CODES[39]);
      expect(await pastCard(ui, 'guard-diff')).toBe(0);
      if (lang === 'vi') await ui.page.getByTestId('lang').click();
    }
  });
});
