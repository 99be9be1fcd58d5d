/**
 * fix33b (issue 7 item 3), the dashboard's guard page as a city admin uses it on a city-wide run, in a real browser
 * (Debian's Chromium, test/helpers/dashboard-browser.ts), the holds made through the store:
 * - a held run still weighing its next pages (`weighingUntil`, the API refuses a decision until then with 409
 *   ERR_GUARD_WEIGHING) says so, with until when, and its approve and reject are disabled;
 * - a held run's hold approved except one school ticked in its by-school table: the approval leaves that school out
 *   (`exceptSchools`), and the decided hold lists it with what the run did not apply of it.
 */
import { describe, expect, it } from 'vitest';
import { createGuardHoldsRepo, type SchoolDiff } from '../../src/store/guard-holds.js';
import { heldRunPage } from '../helpers/held-run.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const A = '79000001';
const B = '79000002';
const diffOf = (school: string, deleted: number): SchoolDiff => ({
  school,
  live: 100,
  deleted,
  moved: 0,
  changed: 0,
  keys: { deleted: Array.from({ length: deleted }, (_, i) => `HS${school}-${i}`), moved: [], changed: [] },
});
const reasonOf = (school: string, count: number) => ({
  school,
  kind: 'deleted' as const,
  count,
  live: 100,
  ratio: count / 100,
  threshold: 0.3,
});

describe.runIf(hasChromium())('fix33b: the guard page in Chromium', () => {
  const ui = useDashboard({ shots: 'fix33b' });

  /** A held run's hold of two schools, A and B, over the deletion threshold. */
  const held = async () => {
    const { run, holdId } = await heldRunPage(ui.env.deps.db, {
      reasons: [reasonOf(A, 40), reasonOf(B, 50)],
    });
    await ui.env.deps.db.query(`UPDATE truc.guard_holds SET diff = $2 WHERE id = $1`, [
      holdId,
      JSON.stringify([diffOf(A, 40), diffOf(B, 50)]),
    ]);
    return { run, holdId };
  };

  it('a run still weighing its next pages: says until when, approve and reject disabled', async () => {
    const { holdId } = await held();
    await createGuardHoldsRepo(ui.env.deps.db).widen(
      holdId,
      [diffOf(A, 40), diffOf(B, 50)],
      [reasonOf(A, 40), reasonOf(B, 50)],
      600,
    );
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
    await ui.page.getByTestId('guard-title').waitFor();
    const notice = ui.page.getByTestId('guard-weighing');
    await notice.waitFor();
    await ui.shot('weighing-vi');
    expect(await notice.textContent()).toMatch(/đang cân nhắc các trang tiếp theo đến \d/);
    expect(await ui.page.getByTestId('guard-approve').isDisabled()).toBe(true);
    expect(await ui.page.getByTestId('guard-reject').isDisabled()).toBe(true);
    expect(await ui.page.getByTestId('guard-approve').getAttribute('title')).toContain('đang cân nhắc');
    // Weighed whole: decidable.
    await createGuardHoldsRepo(ui.env.deps.db).widen(
      holdId,
      [diffOf(A, 40), diffOf(B, 50)],
      [reasonOf(A, 40), reasonOf(B, 50)],
      0,
    );
    await ui.page.reload();
    await ui.page.getByTestId('guard-title').waitFor();
    expect(await ui.page.getByTestId('guard-weighing').count()).toBe(0);
    expect(await ui.page.getByTestId('guard-approve').isDisabled()).toBe(false);
  });

  it('approves a run except a school ticked: that school left out, listed on the decided hold', async () => {
    const { run, holdId } = await held();
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
    await ui.page.getByTestId('guard-title').waitFor();
    await ui.page.getByTestId(`guard-except-${B}`).check();
    await ui.shot('except-ticked');
    await ui.page.getByTestId('guard-approve').click();
    const left = ui.page.getByTestId('guard-except');
    await left.waitFor();
    await ui.shot('except-approved');
    expect(await left.textContent()).toContain(B);
    expect(await left.textContent()).not.toContain(A);
    const state = await ui.env.deps.db.query<{ status: string; except: string[]; rejected: string[] }>(
      `SELECT g.status, g.except_schools AS except, r.rejected_schools AS rejected
         FROM truc.guard_holds g JOIN truc.sync_runs r ON r.id = g.sync_run_id WHERE g.id = $1`,
      [holdId],
    );
    expect(state.rows).toEqual([{ status: 'approved', except: [B], rejected: [B] }]);
    expect(run).toBeGreaterThan(0);
  });
});
