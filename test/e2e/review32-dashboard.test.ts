/**
 * review32 F6 (/work/briefs/review32-findings.md): the overview's circuit badge shows why a system's calls are
 * paused as the API's key, in either language: "Nửa mở (đang thử) — Tạm ngưng đến 01:42 06/12/2026 (probe)",
 * "Open (calls paused) — Paused until … (circuit-open)" (dashboard/src/overview.ts `circuitBadge` prints
 * `pauseReason` as sent; the sync page has words for the same three reasons). In a real browser (Debian's
 * Chromium, test/helpers/dashboard-browser.ts); the gate's row is written as the gate leaves it when its circuit
 * opens. An `it.fails` until the reason is in words.
 *
 * review32 F7: the Dead letters page neither shows the mapping version a letter's work ran with nor lets the admin
 * replay it pinned to that version (issue 7 item 6; the API's `mapping: pinned|current` and `truc dead-letters
 * replay --mapping`, which say per letter which version the work will run with): its replay is always "current"
 * and says only "replayed: N". An `it.fails` until the page shows the version (and, with it, the choice).
 *
 * review32 F8: the sync runs page shows the newest 50 runs, with no pager and no entity or date filter (issue 7 item
 * 6: "listed and filtered (system, entity, status, date)"; GET /v1/syncs has them): with seven schedules a night the
 * page holds a week. An `it.fails` until an older run can be reached and runs filtered by entity.
 */
import { describe, expect, it } from 'vitest';
import { requestSync } from '../../src/jobs/contracts.js';
import { recordDeadLetter } from '../../src/jobs/dead-letters.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('review32: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'review32' });

  it('review32 F6: a paused circuit says why in words, not as the API’s key (vi and en)', async () => {
    await ui.env.deps.db.query(
      `INSERT INTO truc.delivery_gates (system, next_send_at, paused_until, pause_reason, circuit, failures, openings,
                                        last_error_code, opened_at, updated_at, last_error_at)
       VALUES ('hcm-csdl', now(), now() + interval '10 minutes', 'circuit-open', 'open', 5, 1,
               'ERR_ADAPTER_UNAVAILABLE', now(), now(), now())`,
    );
    await ui.asAdmin();
    const badge = ui.page.getByTestId('systems').locator('[data-circuit="open"]').first();
    await badge.waitFor();
    await ui.shot('f6-circuit-vi');
    const vi = (await badge.textContent()) ?? '';
    await ui.page.getByTestId('lang').click();
    await expect.poll(async () => (await badge.textContent()) ?? '', { timeout: 30_000 }).not.toBe(vi);
    const en = (await badge.textContent()) ?? '';
    await ui.page.getByTestId('lang').click();
    expect(vi).toMatch(/Tạm ngưng đến .*\(cầu dao mở\)/);
    expect(en).toMatch(/Paused until .*\(circuit open\)/);
    expect([vi, en].filter((text) => /\((circuit-open|probe|retry-after)\)/.test(text))).toEqual([]);
    // The sync page: a queued run waiting on that gate reads its status once ("Đang chờ chờ hcm-csdl" was shown).
    await createSyncRunsRepo(ui.env.deps.db).create({
      system: 'hcm-csdl',
      entity: 'classes',
      scope: '',
      since: null,
      requestedBy: 'x',
    });
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    const waiting = ui.page.getByTestId('sync-runs').getByTestId('run-waiting').first();
    await waiting.waitFor();
    await ui.shot('f6-sync-waiting-vi');
    const status = (await waiting.locator('xpath=..').textContent()) ?? '';
    expect(status).toMatch(/^Đang chờ — hcm-csdl: cầu dao mở từ /);
    expect(status).not.toMatch(/chờ chờ/i);
  });

  it('review32 F7: a dead letter shows the mapping version its work ran with', async () => {
    await createDeadLettersRepo(ui.env.deps.db).insert({
      outboxId: undefined,
      queue: 'pull',
      jobName: 'pull-page',
      errorCode: 'ERR_ADAPTER_REJECTED',
      errorMessage: 'ERR_ADAPTER_REJECTED: hcm-csdl GET /v1/students failed: HTTP 400',
      attempts: 1,
      mappingVersion: 'hcm-csdl/students@1',
    });
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters`);
    const table = ui.page.getByTestId('dead-letters');
    await table.locator('tbody tr').first().waitFor();
    await ui.shot('f7-dead-letters');
    expect(await table.textContent()).toContain('hcm-csdl/students@1');
  });

  it('review32 F7: a replay can pin the mapping and says which each letter used; a closed letter says so', async () => {
    const db = ui.env.deps.db;
    // A failed pull of hcm-csdl students whose work first ran with mapping @1 (an earlier truc).
    const runId = await db.tx((q) =>
      requestSync(q, { system: 'hcm-csdl', entity: 'students', requestedBy: 'admin', at: new Date() }),
    );
    const row = (
      await db.query<{ id: number; queue: string; job_name: string; payload: Record<string, unknown> }>(
        `SELECT id, queue, job_name, payload FROM truc.outbox WHERE payload->>'syncRunId' = $1`,
        [String(runId)],
      )
    ).rows[0]!;
    await recordDeadLetter(db, {
      outboxId: row.id,
      queue: row.queue,
      name: row.job_name,
      jobId: `job-${row.id}`,
      payload: row.payload,
      code: 'ERR_ADAPTER_REJECTED',
      message: 'HTTP 400',
      attempts: 1,
      at: new Date(),
    });
    const letter = (
      await db.query<{ id: number }>(
        `UPDATE truc.dead_letters SET mapping_version = 'hcm-csdl/students@1'
          WHERE outbox_id = $1 RETURNING id`,
        [row.id],
      )
    ).rows[0]!.id;
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters`);
    const page = ui.page.getByTestId('page-dead-letters');
    await page.getByTestId(`replay-${letter}`).waitFor();
    expect(await page.getByTestId('replay-mapping').inputValue()).toBe('current');
    await page.getByTestId('replay-mapping').selectOption('pinned');
    await page.getByTestId(`replay-${letter}`).click();
    await expect
      .poll(async () => (await ui.page.getByTestId('replay-result').textContent()) ?? '', { timeout: 30_000 })
      .toContain('Đã chạy lại: 1, với phiên bản việc đã chạy lần đầu (ghim)');
    await ui.shot('f7-replayed-pinned');
    expect(await ui.text('replay-result')).toContain(
      `Việc lỗi #${letter}: ánh xạ hcm-csdl/students@1, phiên bản ghim (phiên bản lần chạy đầu)`,
    );
    expect(await createSyncRunsRepo(db).mappingOf(runId)).toMatchObject({ pin: 'hcm-csdl/students@1' });
    // The scheduler's letter of the test above (no outbox row): closed, not "Đã chạy lại: 0 (#)".
    const closed = (
      await db.query<{ id: number }>(
        `SELECT id FROM truc.dead_letters WHERE outbox_id IS NULL AND replayed_at IS NULL AND abandoned_at IS NULL`,
      )
    ).rows[0]!.id;
    await page.getByTestId(`replay-${closed}`).click();
    await expect
      .poll(async () => (await ui.page.getByTestId('replay-result').textContent()) ?? '', { timeout: 30_000 })
      .toContain('Không việc lỗi nào được chạy lại');
    const said = await ui.text('replay-result');
    expect(said).toContain(`Đã đóng, không chạy lại: #${closed} (việc do bộ lập lịch xếp`);
    expect(said).not.toMatch(/\(#\)/);
  });

  it('review32 F8: the sync runs page reaches runs older than its newest 50 and filters by entity', async () => {
    const runs = createSyncRunsRepo(ui.env.deps.db);
    const first = await runs.create({
      system: 'hcm-csdl',
      entity: 'staff',
      scope: '',
      since: null,
      requestedBy: 'x',
    });
    for (let i = 0; i < 55; i++)
      await runs.create({
        system: 'hcm-csdl',
        entity: 'students',
        scope: '',
        since: 'w',
        requestedBy: 'x',
      });
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    const table = ui.page.getByTestId('sync-runs');
    await table.locator('tbody tr').first().waitFor();
    await ui.shot('f8-sync-runs');
    const ids = await table.locator('tbody tr td:first-child').allTextContents();
    const pagers = await ui.page.locator('main .pager').count();
    // The oldest run is on the page, or a pager leads to it; and the runs can be narrowed to an entity.
    expect(ids.includes(String(first)) || pagers > 0, `runs listed: ${ids.length}, pagers: ${pagers}`).toBe(
      true,
    );
    expect(await ui.page.locator('main select[name="entity"]').count()).toBeGreaterThan(0);
    // The pager leads to the oldest run; the entity filter leaves only the staff run; a date range after every
    // run leaves none.
    expect(ids).toHaveLength(50);
    await ui.page.locator('main .pager button').last().click();
    await expect
      .poll(async () => await table.locator('tbody tr td:first-child').allTextContents(), { timeout: 30_000 })
      .toContain(String(first));
    await ui.page.locator('main select[name="entity"]').selectOption('staff');
    await ui.page.locator('main form button[type="submit"]').click();
    await expect
      .poll(async () => await table.locator('tbody tr td:first-child').allTextContents(), { timeout: 30_000 })
      .toEqual([String(first)]);
    await ui.shot('f8-sync-runs-staff');
    await ui.page.locator('main select[name="entity"]').selectOption('');
    await ui.page.locator('main input[name="from"]').fill('2099-01-01T00:00');
    await ui.page.locator('main form button[type="submit"]').click();
    await expect.poll(async () => ui.text('sync-runs-total'), { timeout: 30_000 }).toMatch(/: 0$/);
    expect(ui.page.url()).toContain(`from=${encodeURIComponent('2098-12-31T17:00:00.000Z')}`);
  });
});
