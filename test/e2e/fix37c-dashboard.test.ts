/**
 * fix37c item 2: the dashboard's quality page shows the latest quality run's state, in the page's language: running
 * with its schools scored so far, done with when and who asked, failed with when, its attempts and its error code
 * with its words; nothing clipped at 1280–1920 px. In Chromium
 * (test/helpers/dashboard-browser.ts); the run's row is written through the database as its job writes it. Screenshots
 * go to test-results/fix37c/.
 */
import { describe, expect, it } from 'vitest';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';

/** The texts of the page's main, its cards and the run's line that are wider than their box (none: nothing clipped). */
const clippedOf = (ui: DashboardBrowser) =>
  ui.page
    .locator('main, main .card, [data-testid="quality-latest-run"]')
    .evaluateAll((els: Array<{ scrollWidth: number; clientWidth: number; textContent: string | null }>) =>
      els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => (e.textContent ?? '').slice(0, 40)),
    );

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
      expect({ width, clipped: await clippedOf(ui) }).toEqual({ width, clipped: [] });
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

  it('failed: when, its attempts and its error code with its words, in either language; unclipped at 1280–1920 px', async () => {
    const db = ui.env.deps.db;
    // a run dead-lettered as the worker leaves it: its job's outbox row dead, the letter's code and attempts
    const outbox = await db.query<{ id: string }>(
      `INSERT INTO truc.outbox (queue, job_name, payload, enqueued_at, dead_at)
       VALUES ('quality', 'quality-scorecards', '{"requestedBy":"schedule:quality-nightly"}', now(), now()) RETURNING id`,
    );
    await db.query(
      `INSERT INTO truc.dead_letters (outbox_id, queue, job_name, error_code, error_message, attempts, failed_at)
       VALUES ($1, 'quality', 'quality-scorecards', 'ERR_DEPENDENCY_UNAVAILABLE', 'database unreachable', 8,
               '2026-12-06T20:15:00Z')`,
      [outbox.rows[0]!.id],
    );
    const res = await db.query<{ id: string }>(
      `INSERT INTO truc.quality_runs (requested_by, outbox_id, started_at, schools, schools_total, as_of, school_year,
                                      catalogue_version)
       VALUES ('schedule:quality-nightly', $1, now(), 700, 2000, '2026-12-07', '2026-2027', 'test') RETURNING id`,
      [outbox.rows[0]!.id],
    );
    const id = res.rows[0]!.id;
    const state = ui.page.getByTestId('quality-latest-run');
    for (const width of [1280, 1366, 1920]) {
      await ui.page.setViewportSize({ width, height: 900 });
      await ui.page.goto(`${ui.base}/dashboard#/quality`);
      await ui.page.reload(); // the page is on #/quality already: read the runs again
      await state.waitFor();
      expect(await state.getAttribute('data-status')).toBe('failed');
      const text = (await state.textContent()) ?? '';
      expect(text).toContain(`lần tính thẻ điểm ${id}`);
      expect(text).toMatch(/Lỗi lúc \d{2}:\d{2} \d{2}\/12\/2026, sau 8 lần thử: /);
      expect(text).toContain('ERR_DEPENDENCY_UNAVAILABLE');
      expect(text).toContain('700/2.000 trường đã chấm');
      // the code's words follow it on its line, whole (not a block of their own under it, nor cut to a box)
      const words = state.locator('.err-words');
      expect(await words.textContent()).toBe('Hệ thống tạm thời không sẵn sàng.');
      const code = (await state.locator('.err code').boundingBox())!;
      const said = (await words.boundingBox())!;
      // on the code's line: they start above its bottom (a block under it starts below)
      expect({ width, onCodeLine: said.y < code.y + code.height }).toEqual({ width, onCodeLine: true });
      expect({ width, clipped: await clippedOf(ui) }).toEqual({ width, clipped: [] });
    }
    await ui.shot('03-failed');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => (await state.textContent()) ?? '', { timeout: 30_000 })
      .toContain(`quality run ${id}`);
    const en = (await state.textContent()) ?? '';
    expect(en).toMatch(/Failed at \d{2}\/12\/2026, \d{2}:\d{2}, after 8 attempts: /);
    expect(en).toContain('A dependency is temporarily unavailable.');
    expect(en).toContain('700/2,000 schools scored');
    expect({ clipped: await clippedOf(ui) }).toEqual({ clipped: [] });
    await ui.shot('04-failed-en');
    await ui.page.getByTestId('lang').click();
  });
});
