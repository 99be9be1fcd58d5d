/**
 * walk (issue 7 item 6 walked through the dashboard): the sync runs page dropped everything GET /v1/syncs adds to a
 * run (its counts per outcome, duration, the mapping version used and its open dead letters) and showed only the
 * columns it shares with a school's page, so a city admin read a run's mapping version and outcomes only through the
 * API or `truc sync show`. In a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts); the run is
 * written through the store as a finished run leaves it.
 */
import { describe, expect, it } from 'vitest';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('walk: the sync runs page in Chromium', () => {
  const ui = useDashboard({ shots: 'walk' });

  it('shows each run’s counts per outcome, duration and mapping version (vi and en)', async () => {
    const id = await createSyncRunsRepo(ui.env.deps.db).create({
      system: 'hcm-csdl',
      entity: 'students',
      scope: '',
      since: null,
      requestedBy: 'x',
    });
    await ui.env.deps.db.query(
      `UPDATE truc.sync_runs SET status = 'done', mapping_version = 'hcm-csdl/students@2',
              created_at = now() - interval '83 seconds', finished_at = now() WHERE id = $1`,
      [id],
    );
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    const table = ui.page.getByTestId('sync-runs');
    await table.locator('tbody tr').first().waitFor();
    await ui.shot('sync-runs-vi');
    const heads = await table.locator('thead th').allTextContents();
    expect(heads).toContain('Kết quả');
    const row = table.locator('tbody tr').first();
    expect(await row.getByTestId('run-mapping').textContent()).toBe('Ánh xạ hcm-csdl/students@2');
    expect(await row.getByTestId('run-outcomes').innerText()).toBe('Chấp nhận 0\nTừ chối 0\nKhông đổi 0');
    expect(await row.getByTestId('run-when').innerText()).toMatch(/\n8[23] s$/);
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => await table.locator('thead th').allTextContents(), { timeout: 30_000 })
      .toContain('Outcomes');
    await ui.shot('sync-runs-en');
    await ui.page.getByTestId('lang').click();
    // the longest words a run shows (a survey persons pull, a named requester) fit without clipping at 1280 px
    const persons = await createSyncRunsRepo(ui.env.deps.db).create({
      system: 'moet-pcgd',
      entity: 'persons',
      scope: '27658',
      since: null,
      requestedBy: 'cl_YSdgY22Qb7gB',
    });
    await ui.env.deps.db.query(
      `UPDATE truc.sync_runs SET requested_by_name = 'Sở GDĐT IT (demo)', mapping_version = 'moet-pcgd/persons@1'
        WHERE id = $1`,
      [persons],
    );
    // its pull's open dead letter: counted under its error code
    const outboxId = await createOutboxRepo(ui.env.deps.db).add(
      'pull',
      'pull-page',
      { syncRunId: persons, page: 2 },
      { leaseSeconds: 3600 },
    );
    await createDeadLettersRepo(ui.env.deps.db).insert({
      ...{ outboxId, queue: 'pull', jobName: 'pull-page', errorCode: 'ERR_ADAPTER_UNAVAILABLE' },
      ...{ errorMessage: 'HTTP 503', attempts: 8 },
    });
    await createSyncRunsRepo(ui.env.deps.db).fail(persons, 'ERR_ADAPTER_UNAVAILABLE');
    for (const width of [1280, 1920]) {
      await ui.page.setViewportSize({ width, height: 900 });
      await ui.page.goto(`${ui.base}/dashboard#/sync?offset=0`);
      await table.locator('tbody tr').nth(1).waitFor();
      const clipped = await ui.page
        .locator('main .card')
        .evaluateAll((cards: Array<{ scrollWidth: number; clientWidth: number }>) =>
          cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.scrollWidth - c.clientWidth),
        );
      expect({ width, clipped }).toEqual({ width, clipped: [] });
      expect(await table.locator('tbody tr').first().innerText()).toContain('Việc lỗi: 1');
    }
    await ui.shot('sync-runs-1920');
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});

/**
 * walk (issue 7 item 1 walked through the dashboard): the overview's schedules card showed a cron pattern without its
 * time zone ('0 1 * * *': whose 01:00?) and a paused schedule as "paused" alone, though GET /v1/schedules says who
 * paused it (`pausedBy`, `pausedById`) as `truc schedules list` does.
 */
describe.runIf(hasChromium())('walk: the overview’s schedules card in Chromium', () => {
  const ui = useDashboard({
    shots: 'walk',
    configure: (config) => ({
      ...config,
      sync: {
        ...config.sync,
        schedules: {
          'hcm-csdl-students-nightly': {
            kind: 'pull',
            cron: '10 1 * * *',
            tz: 'Asia/Ho_Chi_Minh',
            system: 'hcm-csdl',
            entity: 'students',
            full: false,
          },
          'smas-students-utc': {
            kind: 'pull',
            cron: '0 19 * * *',
            tz: 'UTC',
            system: 'smas',
            entity: 'students',
            full: false,
          },
        },
      },
    }),
  });

  it('says each pattern’s time zone and who paused a paused schedule', async () => {
    const token = await ui.adminToken();
    const paused = await fetch(`${ui.base}/v1/schedules/smas-students-utc/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(paused.status).toBe(204);
    await ui.asAdmin();
    const card = ui.page.getByTestId('schedules');
    await card.locator('tbody tr').nth(1).waitFor();
    await ui.shot('schedules-vi');
    expect(await card.getByTestId('schedule-tz').allTextContents()).toEqual(['Asia/Ho_Chi_Minh', 'UTC']);
    const pausedBy = card.getByTestId('paused-by');
    expect(await pausedBy.allTextContents()).toEqual([`bởi ${ui.admin.name}`]);
    expect(await pausedBy.getAttribute('title')).toBe(ui.admin.clientId);
  });
});
