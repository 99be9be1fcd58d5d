/**
 * walk6's dashboard findings, in a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts; no worker: the
 * state each test reads is made through the store). Screenshots go to test-results/walk6/.
 * W6-2: the morning after a held night the overview said nothing of the change waiting for a decision; now a tile
 * counts the held changes (since when the oldest waits) and links to them, and the schedule whose run is held says so.
 * W6-1: a run's row on the sync runs page had no tombstone count (a night's deletions read "Chấp nhận 0 · Từ chối 0");
 * now its deletions are under its outcomes. W6-5: a run's open dead letters are a link to the dead letters page
 * filtered by the run (`?syncRunId=`), which it now takes; a bad one is said, in the page's language, not every letter.
 */
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createSchedulesRepo } from '../../src/store/schedules.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { hcmStudentsRun, runDeleteLetter, websiteProbeLetter } from '../helpers/dead-letter.js';
import { heldRunPage } from '../helpers/held-run.js';

const ID = 'smas-students-nightly';

describe.runIf(hasChromium())('walk6: the dashboard in Chromium', () => {
  const ui = useDashboard({
    shots: 'walk6',
    configure: (config) => ({
      ...config,
      sync: {
        ...config.sync,
        schedules: {
          [ID]: {
            ...{ kind: 'pull', cron: '0 1 * * *', tz: 'Asia/Ho_Chi_Minh' },
            ...{ system: 'smas', entity: 'students', full: false },
          },
        },
      },
    }),
  });

  it('W6-2: the overview counts the held changes, links to them, and says the schedule’s run is held', async () => {
    const db = ui.env.deps.db;
    const { run } = await heldRunPage(db);
    const fireAt = new Date(Date.now() - 60_000);
    await createSchedulesRepo(db).recordFire(ID, fireAt, 'requested');
    await createSchedulesRepo(db).attachRun(ID, fireAt, run);
    await ui.asAdmin();
    const tile = ui.page.getByTestId('stat-held-changes');
    expect(await tile.locator('.value').innerText()).toBe('1');
    expect(await tile.locator('.label').innerText()).toMatch(/^Thay đổi hàng loạt chờ duyệt — chờ từ \d/);
    const held = ui.page.getByTestId('schedules').getByTestId('schedule-run-held');
    expect(await held.innerText()).toBe('bị giữ, chờ duyệt');
    expect(await held.getAttribute('href')).toBe('#/guard');
    await ui.shot('01-overview-held-vi');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(() => tile.locator('.label').innerText(), { timeout: 30_000 })
      .toMatch(/^Held mass changes — waiting since \d/);
    expect(await held.innerText()).toBe('held, waiting for a decision');
    await ui.page.getByTestId('lang').click();
    await ui.page.getByTestId('held-changes-link').click();
    await ui.page.getByTestId('page-guard').waitFor();
  });

  it('W6-1, W6-5: a run’s deletions under its outcomes; its open letters a link to them, the page filtered', async () => {
    const db = ui.env.deps.db;
    const probe = await websiteProbeLetter(db); // a letter of no run: not listed with the run's
    const id = await hcmStudentsRun(db, 'w6');
    await createSyncRunsRepo(db).recordPage(id, {
      ...{ last: true, cursor: null, records: 0, tombstones: 3, watermark: 'w7' },
    });
    const pushSetId = await runDeleteLetter(db, id);
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    const row = ui.page.getByTestId('sync-runs').locator('tbody tr').first();
    await row.waitFor();
    expect(await row.getByTestId('run-outcomes').innerText()).toBe(
      'Chấp nhận 0\nTừ chối 0\nKhông đổi 0\nXoá ở nguồn 3',
    );
    const letters = row.getByTestId('run-letters');
    expect(await letters.innerText()).toBe('Việc lỗi: 1');
    await ui.shot('02-run-deletions-vi');
    await letters.click();
    const table = ui.page.getByTestId('page-dead-letters').getByTestId('dead-letters');
    await table.locator('tbody tr').first().waitFor();
    expect(ui.page.url()).toContain(`#/dead-letters?syncRunId=${id}`);
    const refs = await table.locator('tbody tr').allInnerTexts();
    expect(refs).toHaveLength(1);
    expect(refs[0]).toContain(`pushSetId=${pushSetId}`);
    expect(await ui.page.locator('input[name=syncRunId]').inputValue()).toBe(String(id));
    await ui.shot('03-run-letters-vi');
    // fix7: a replay by filter keeps to the run (POST /v1/dead-letters/replay {syncRunId}): the run's letter only
    await ui.page.getByTestId('replay-filter').click();
    await expect
      .poll(() => ui.page.getByTestId('replay-result').textContent(), { timeout: 30_000 })
      .not.toBe('');
    const repo = createDeadLettersRepo(db);
    expect(await repo.count({ syncRunId: id })).toEqual({ total: 0, open: 0 }); // replayed: listed no longer
    expect(await repo.count({ ids: [probe] })).toEqual({ total: 1, open: 1 });

    await ui.page.goto(`${ui.base}/dashboard#/dead-letters?syncRunId=abc`);
    const refusal = ui.page.getByTestId('filter-error');
    // the field by its label, the API's words (both languages in its message), and no letter listed
    await expect
      .poll(() => refusal.innerText(), { timeout: 30_000 })
      .toContain('Lần đồng bộ: Đầu vào không hợp lệ');
    expect(await refusal.innerText()).toContain('send syncRunId as a number');
    expect(await ui.page.getByTestId('dead-letters').count()).toBe(0);
    await ui.page.getByTestId('lang').click();
    await expect.poll(() => refusal.innerText(), { timeout: 30_000 }).toContain('Sync run: ');
    await ui.shot('04-bad-run-en');
    await ui.page.getByTestId('lang').click();
  });
});
