/**
 * fix37c item 2: the dashboard's quality page shows the latest quality run's state, in the page's language: running
 * with its schools scored so far, done with when and who asked; nothing clipped at 1280–1920 px. In Chromium
 * (test/helpers/dashboard-browser.ts); the run's row is written through the database as its job writes it. Screenshots
 * go to test-results/fix37c/.
 */
import { describe, expect, it } from 'vitest';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('fix37c: the quality page shows the latest run', () => {
  const ui = useDashboard({ shots: 'fix37c' });

  it('running with its schools scored, then done with when and who asked; unclipped at 1280–1920 px', async () => {
    const db = ui.env.deps.db;
    const res = await db.query<{ id: string }>(
      `INSERT INTO truc.quality_runs (requested_by, started_at, schools, schools_total, as_of, school_year, catalogue_version)
       VALUES ('schedule:quality-nightly', now(), 120, 2000, '2026-12-06', '2026-2027', 'test') RETURNING id`,
    );
    const id = res.rows[0]!.id;
    await ui.asAdmin();
    const state = ui.page.getByTestId('quality-latest-run');
    for (const width of [1280, 1366, 1920]) {
      await ui.page.setViewportSize({ width, height: 900 });
      await ui.page.goto(`${ui.base}/dashboard#/quality`);
      await state.waitFor();
      expect(await state.getAttribute('data-status')).toBe('running');
      const text = (await state.textContent()) ?? '';
      expect(text).toContain(`lần tính thẻ điểm ${id}`);
      expect(text).toContain('120/2.000 trường đã chấm');
      const clipped = await ui.page
        .locator('main, main .card, [data-testid="quality-latest-run"]')
        .evaluateAll((els: Array<{ scrollWidth: number; clientWidth: number; textContent: string | null }>) =>
          els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => (e.textContent ?? '').slice(0, 40)),
        );
      expect({ width, clipped }).toEqual({ width, clipped: [] });
    }
    await ui.shot('01-running');
    await db.query(
      `UPDATE truc.quality_runs SET computed_at = '2026-12-06T20:30:00Z', schools = 2000 WHERE id = $1`,
      [id],
    );
    await ui.page.reload();
    await state.waitFor();
    expect(await state.getAttribute('data-status')).toBe('done');
    const done = (await state.textContent()) ?? '';
    expect(done).toContain('Tính lúc');
    expect(done).toContain('theo lịch quality-nightly');
    expect(done).toContain('2.000/2.000 trường đã chấm');
    await ui.shot('02-done');
  });
});
