/**
 * The operations dashboard in a real browser (test/helpers/dashboard-browser.ts; the rest of its tour:
 * dashboard.test.ts): the hold a full classes run's reconciliation makes shows the school year of each reason
 * and school, in Vietnamese and in English. No worker: the hold is made through the store. Screenshots go to
 * test-results/dashboard/.
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { S2 } from '../helpers/api.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('dashboard in Chromium: a classes run’s hold', () => {
  const d = useDashboard({ shots: 'dashboard' });

  it("a classes run's hold shows the school year of each reason and school, in both languages", async () => {
    // A hold as a full classes run's reconciliation makes it (b719f60): counts per school and school year.
    const keys = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const id = await createGuardHoldsRepo(d.env.deps.db).create({
      kind: 'reconcile',
      entity: 'classes',
      diff: [
        {
          school: S2,
          schoolYear: '2025-2026',
          live: 24,
          deleted: 12,
          moved: 0,
          changed: 0,
          keys: { deleted: keys(12, 'L25-'), moved: [], changed: [] },
        },
        {
          school: S2,
          schoolYear: '2024-2025',
          live: 24,
          deleted: 0,
          moved: 0,
          changed: 0,
          keys: { deleted: [], moved: [], changed: [] },
        },
      ],
      reasons: [
        {
          school: S2,
          schoolYear: '2025-2026',
          kind: 'deleted',
          count: 12,
          live: 24,
          ratio: 0.5,
          threshold: 0.3,
        },
      ],
    });
    await d.asAdmin();
    await d.page.goto(`${d.base}/dashboard#/guard?status=all`);
    const row = d.page.getByTestId('guard-holds').locator('tbody tr').first(); // newest first: this hold, its id in the first cell
    await row.waitFor();
    expect(await row.locator('td').first().textContent()).toBe(String(id));
    expect(await row.textContent()).toContain(`${S2} (2025-2026): Xoá hoặc chuyển đi 50`);
    await d.page.goto(`${d.base}/dashboard#/guard/${id}`);
    const reasons = d.page.getByTestId('guard-reasons');
    await reasons.waitFor();
    expect(await reasons.locator('thead').textContent()).toContain('Năm học');
    expect(await reasons.locator('tbody').textContent()).toContain('2025-2026');
    const diff = await d.page.getByTestId('guard-diff').locator('tbody tr').allTextContents();
    expect(diff).toHaveLength(2);
    expect(diff[0]).toContain('2025-2026');
    expect(diff[1]).toContain('2024-2025');
    await d.shot('14-guard-hold-classes');
    await d.page.getByTestId('lang').click();
    await expect
      .poll(() => d.page.getByTestId('guard-diff').locator('thead').textContent(), { timeout: 30_000 })
      .toContain('School year');
    expect(await d.page.getByTestId('guard-reasons').locator('tbody').textContent()).toContain(
      'Deleted or moved',
    );
    await d.page.getByTestId('lang').click();
  });
});
