/**
 * fix33c item 1: a dead letter closed without a replay says why, in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts). A scheduler's letter (a schedule's fire: no outbox row) that a replay closed
 * was shown "Đã bỏ (hệ thống đích đã gỡ) / Abandoned (target removed)", the words of a letter whose target was
 * forgotten (`truc targets forget`), though no target was removed: it was closed by its replay and runs again at its
 * next fire. The page now says each from the API's `abandonedReason`. No worker: the state is made through the store.
 */
import { describe, expect, it } from 'vitest';
import { recordDeadLetter, replayDeadLetters } from '../../src/jobs/dead-letters.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('fix33c: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'fix33c' });

  it('1: a scheduler letter closed by its replay is not "target removed"; a forgotten target’s letter is', async () => {
    const db = ui.env.deps.db;
    const letters = createDeadLettersRepo(db);
    // A schedule's fire that failed for good (the scheduler queued it: no outbox row), closed by a replay.
    await letters.insert({
      outboxId: undefined,
      queue: 'schedules',
      jobName: 'schedule-fire',
      errorCode: 'ERR_ADAPTER_UNAVAILABLE',
      errorMessage: 'ERR_ADAPTER_UNAVAILABLE: hcm-csdl answered 503',
      attempts: 5,
    });
    const [fire] = await letters.list({ queue: 'schedules' }, 1, 0);
    expect(await replayDeadLetters(db, { ids: [fire!.id] }, { actor: 'test', at: new Date() })).toMatchObject(
      {
        replayed: [],
        closed: [fire!.id],
      },
    );
    // A push set's letter whose target was removed from the configuration and forgotten (as forgetTarget leaves it).
    const queue = 'push.hcm-csdl';
    const outboxId = await createOutboxRepo(db).add(queue, 'push-set', { pushSetId: 77 });
    await recordDeadLetter(db, {
      outboxId,
      queue,
      name: 'push-set',
      jobId: `ob-${outboxId}`,
      payload: {},
      code: 'ERR_ADAPTER_UNAVAILABLE',
      message: 'hcm-csdl answered 503',
      attempts: 5,
      at: new Date(),
    });
    await db.query(`UPDATE truc.dead_letters SET abandoned_at = now() WHERE outbox_id = $1`, [outboxId]);
    const forgotten = (await letters.list({ queue, includeReplayed: true }, 1, 0))[0]!.id;

    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters?includeReplayed=true`);
    const table = ui.page.getByTestId('dead-letters');
    const rowOf = (id: number) =>
      table.locator('tbody tr').filter({ has: ui.page.locator(`td:text-is("${id}")`) });
    await rowOf(fire!.id).waitFor();
    await ui.shot('01-dead-letters-closed-vi');
    const viFire = (await rowOf(fire!.id).textContent()) ?? '';
    const viForgotten = (await rowOf(forgotten).textContent()) ?? '';
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => (await rowOf(fire!.id).textContent()) ?? '', { timeout: 30_000 })
      .not.toBe(viFire);
    await ui.shot('02-dead-letters-closed-en');
    const enFire = (await rowOf(fire!.id).textContent()) ?? '';
    const enForgotten = (await rowOf(forgotten).textContent()) ?? '';
    await ui.page.getByTestId('lang').click();

    expect(viFire).toContain('Đã đóng khi chạy lại (việc theo lịch: chạy lại ở lần kích hoạt sau)');
    expect(enFire).toContain('Closed by its replay (a scheduled job: it runs again at its next fire)');
    expect([viFire, enFire].join(' ')).not.toMatch(/đích đã gỡ|target removed/);
    expect(viForgotten).toContain('Đã bỏ (hệ thống đích đã gỡ)');
    expect(enForgotten).toContain('Abandoned (target removed)');
  });
});
