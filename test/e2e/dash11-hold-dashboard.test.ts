/**
 * walk11 on a hold's page (/work/briefs/walk11-findings.md), in Chromium (test/helpers/dashboard-browser.ts; a sync
 * run's page held, made through the store, with no record restored):
 * - W11-6: its tiles were Status, Entity, Schools, Live, Deleted or moved, Changed; Restored, a column of the holds
 *   list, only when some were restored. Now always, 0 too.
 * - W11-7: the reason's input was 160 px wide, its placeholder cut ("Optional; kept with the d…"); "Only schools over a
 *   threshold" sat under its checkbox. Now the placeholder shows whole (1280 and 390 px) and the box is beside it.
 * - W11-8: a sync run's hold links the run's page.
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const SCHOOL = '79663066';

async function seedHold(ui: DashboardBrowser): Promise<{ hold: number; run: number }> {
  const db = ui.env.deps.db;
  const run = await createSyncRunsRepo(db).create({
    ...{ system: 'hcm-csdl', entity: 'students', scope: '', since: '2026-12-01T00:00:00Z', requestedBy: 'x' },
  });
  const hold = await createGuardHoldsRepo(db).create({
    ...{ kind: 'run', syncRunId: run, entity: 'students' },
    diff: [
      {
        ...{ school: SCHOOL, live: 41, deleted: 20, moved: 0, changed: 0 },
        keys: { deleted: ['7947663066'], moved: [], changed: [] },
      },
    ],
    reasons: [{ school: SCHOOL, kind: 'deleted', threshold: 0.3, count: 20, live: 41, ratio: 20 / 41 }],
  });
  return { hold, run };
}

/** How much of the reason's placeholder its input cuts, in px (0: it shows whole). */
const placeholderCut = (ui: DashboardBrowser): Promise<number> =>
  ui.page.evaluate<number>(
    `(() => { const input = document.querySelector('[data-testid="guard-reason"]');
       const style = getComputedStyle(input);
       const ctx = document.createElement('canvas').getContext('2d');
       ctx.font = style.font;
       const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
       return Math.max(0, Math.ceil(ctx.measureText(input.placeholder).width - room)); })()`,
  );

/** Where the "only over a threshold" box is against its words: beside (the words right of it, on its line) or not. */
const boxBesideWords = (ui: DashboardBrowser): Promise<boolean> =>
  ui.page.evaluate<boolean>(
    `(() => { const box = document.querySelector('[data-testid="guard-over"]');
       const words = document.createRange();
       words.selectNodeContents(box.parentElement);
       words.setStartAfter(box);
       const b = box.getBoundingClientRect(), w = words.getBoundingClientRect();
       return w.left >= b.right && w.top < b.bottom && w.bottom > b.top; })()`,
  );

describe.runIf(hasChromium())("walk11 W11-6, W11-7: a hold's page, in Chromium", () => {
  const ui = useDashboard({ shots: 'dash11' });

  it('shows Restored (0), the reason whole, the box beside its words, a link to its run (vi, en; 1280, 390 px)', async () => {
    const { hold, run } = await seedHold(ui);
    await ui.asAdmin();
    for (const [lang, width] of [
      ['vi', 1280],
      ['en', 1280],
      ['en', 390],
    ] as const) {
      await ui.page.setViewportSize({ width, height: 900 });
      await ui.open(`#/guard/${hold}`);
      await ui.page.getByTestId('guard-reason').waitFor();
      if (lang === 'en' && width === 1280) {
        await ui.page.getByTestId('lang').click();
        await expect.poll(() => ui.text('guard-hold-restored'), { timeout: 30_000 }).toContain('Restored');
      }
      await ui.shot(`hold-${lang}-${width}`);
      expect(await ui.text('guard-hold-restored')).toContain('0');
      expect(await ui.text('guard-hold-restored')).toContain(lang === 'vi' ? 'Được khôi phục' : 'Restored');
      expect(await placeholderCut(ui)).toBe(0);
      expect(await boxBesideWords(ui)).toBe(true);
      const page = await ui.page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(page).toBe(0);
    }
    await ui.page.getByTestId('guard-run').click();
    await expect.poll(() => ui.text('run-title'), { timeout: 30_000 }).toBe(`Sync run #${run} — hcm-csdl`);
    await ui.page.getByTestId('lang').click();
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
