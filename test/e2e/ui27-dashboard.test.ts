/**
 * ui27: the city staff's dashboard, its finished edges (review26a's notes), in a real browser (Debian's Chromium, as
 * test/e2e/dashboard.test.ts): a refused filter keeps its form, the dead letters' queue is a choice, Vietnamese
 * words for statuses and codes, the overview's cards at 1280–1920 px, the scorecard's date, the guard page's reason
 * and pages. No worker: the state each test reads is made through the store.
 */
import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../../src/jobs/contract-table.js';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { communeCard, failedPull, saveScorecards, storedRatio } from '../helpers/dashboard-seed.js';

describe.runIf(hasChromium())('ui27: the dashboard in Chromium', () => {
  const ui = useDashboard();
  // Item 1: a refused filter (400) replaced the page by the bare problem title, the form gone.
  it('1: a refused filter keeps the form with what was typed and says why beside it; the queue is a choice', async () => {
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters`);
    const main = ui.page.getByTestId('page-dead-letters');
    await main.getByTestId('dead-letters').waitFor();
    // the queue: a choice of the API's closed set (all, then QUEUE_NAMES)
    const options = await main
      .locator('select[name=queue] option')
      .evaluateAll((os: Array<{ getAttribute(name: string): string | null }>) =>
        os.map((o) => o.getAttribute('value') ?? ''),
      );
    expect(options).toEqual(['', ...QUEUE_NAMES]);
    // an error code mistyped: GET /v1/dead-letters answers 400
    await main.locator('select[name=queue]').selectOption('push.hcm-csdl');
    await main.locator('input[name=errorCode]').fill('ERR_ADAPTER_UNAVAILABEL');
    await main.getByRole('button', { name: 'Tìm' }).click();
    await expect.poll(() => ui.page.url(), { timeout: 30_000 }).toContain('ERR_ADAPTER_UNAVAILABEL');
    const error = ui.page.getByTestId('filter-error');
    await expect.poll(async () => (await error.textContent()) ?? '', { timeout: 30_000 }).not.toBe('');
    const said = (await error.textContent()) ?? '';
    expect(said).toContain('Dữ liệu gửi lên không hợp lệ');
    expect(said).toContain('Mã lỗi'); // the field, by its label
    // the form is there, with the user's values, the refused field marked
    expect(await main.locator('input[name=errorCode]').inputValue()).toBe('ERR_ADAPTER_UNAVAILABEL');
    expect(await main.locator('input[name=errorCode]').getAttribute('aria-invalid')).toBe('true');
    expect(await main.locator('select[name=queue]').inputValue()).toBe('push.hcm-csdl');
    expect(await main.getByTestId('dead-letters').count()).toBe(0);
    // corrected, the list comes back
    await main.locator('input[name=errorCode]').fill('ERR_ADAPTER_UNAVAILABLE');
    await main.getByRole('button', { name: 'Tìm' }).click();
    await main.getByTestId('dead-letters').waitFor();
    expect(await ui.page.getByTestId('filter-error').textContent()).toBe('');
    // a value typed in the address: the sync runs page keeps its form too
    await ui.page.goto(`${ui.base}/dashboard#/sync?status=finished`);
    await expect
      .poll(async () => (await ui.page.getByTestId('filter-error').textContent()) ?? '', { timeout: 30_000 })
      .toContain(': ');
    expect(await ui.page.getByTestId('page-sync').locator('select[name=status]').count()).toBe(1);
  });

  // Item 4: a scorecard's asOf, a date (Vietnam's day it was computed), was shown as a moment: '07:00 04/12/2026'.
  it("4: the scorecard says the date it is as of, as a date in the page's language", async () => {
    const ratio = (passed: number, total: number) =>
      storedRatio(passed, total, passed / total >= 0.9 ? 'green' : 'red');
    await saveScorecards(ui.env.deps.db, [
      communeCard(
        '26734',
        10,
        { dung: ratio(9, 10), du: ratio(10, 10), sach: ratio(10, 10), song: ratio(9, 10) },
        ratio(9, 10),
      ),
    ]);
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/quality`);
    const card = ui.page.getByTestId('scorecard-26734');
    await card.waitFor();
    // The date it is as of (fix35d: the moment its run computed it is a line of its own, scorecard-computed-at).
    const asOf = card.getByTestId('scorecard-as-of');
    const vi = (await asOf.textContent()) ?? '';
    expect(vi).toContain('04/12/2026');
    expect(vi).not.toMatch(/\d{1,2}:\d{2}/); // no time of day
    expect((await card.getByTestId('scorecard-computed-at').textContent()) ?? '').toMatch(
      /^Tính lúc \d{2}:\d{2} \d{2}\/\d{2}\/\d{4}.*\(lần tính thẻ điểm \d+, /,
    );
    await ui.page.getByTestId('lang').click();
    await expect.poll(async () => (await card.textContent()) ?? '', { timeout: 30_000 }).toContain('As of');
    const en = (await asOf.textContent()) ?? '';
    expect(en).toContain('04/12/2026');
    expect(en).not.toMatch(/\d{1,2}:\d{2}/);
    expect((await card.getByTestId('scorecard-computed-at').textContent()) ?? '').toMatch(
      /^Computed at .*\(quality run \d+, /,
    );
    await ui.page.getByTestId('lang').click();
  });

  // Item 5: the guard page listed the newest 50 holds and no more, and never said why a hold was decided.
  it('5: the guard page pages through every hold', async () => {
    const holds = createGuardHoldsRepo(ui.env.deps.db);
    const reason = {
      school: '79000001',
      kind: 'deleted' as const,
      count: 40,
      live: 100,
      ratio: 0.4,
      threshold: 0.3,
    };
    const ids: number[] = [];
    for (let i = 0; i < 60; i++)
      ids.push(
        await holds.create({
          kind: 'reconcile',
          entity: 'students',
          diff: [],
          reasons: [reason],
        }),
      );
    const total = (await holds.list({ status: 'held', limit: 1, offset: 0 })).total;
    expect(total).toBeGreaterThan(50);
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard`);
    const main = ui.page.getByTestId('page-guard');
    await main.getByTestId('guard-holds').waitFor();
    expect(await main.textContent()).toContain(`Tổng: ${total}`);
    const firstIds = await main
      .getByTestId('guard-holds')
      .locator('tbody tr td:first-child')
      .allTextContents();
    expect(firstIds).toHaveLength(50);
    await main.getByRole('button', { name: 'Sau' }).click();
    await expect.poll(() => ui.page.url(), { timeout: 30_000 }).toContain('offset=50');
    await expect
      .poll(
        async () => main.getByTestId('guard-holds').locator('tbody tr td:first-child').allTextContents(),
        {
          timeout: 30_000,
        },
      )
      .toHaveLength(total - 50);
    const rest = await main.getByTestId('guard-holds').locator('tbody tr td:first-child').allTextContents();
    // every hold once, newest first
    expect([...firstIds, ...rest].map(Number)).toEqual([...new Set([...firstIds, ...rest].map(Number))]);
    expect(rest.map(Number)).toContain(ids[0]);
  });

  it("5: a hold's decision says why, on its page and in the list, as the admin typed it on the page", async () => {
    const id = await createGuardHoldsRepo(ui.env.deps.db).create({
      kind: 'reconcile',
      entity: 'students',
      diff: [],
      reasons: [{ school: '79000002', kind: 'deleted', count: 40, live: 100, ratio: 0.4, threshold: 0.3 }],
    });
    const why = 'Trường đã xác nhận chuyển 40 học sinh sang cơ sở mới';
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard/${id}`);
    await ui.page.getByTestId('guard-title').waitFor();
    await ui.page.getByTestId('guard-reason').fill(why);
    await ui.page.getByTestId('guard-reject').click();
    await ui.page.getByTestId('decision-reason').waitFor({ timeout: 30_000 });
    expect(await ui.page.getByTestId('decision-reason').textContent()).toBe(why);
    expect(await ui.page.getByTestId('guard-decision').textContent()).toContain('Lý do quyết định');
    // kept with the decision (the API's hold) and in its audit entry
    const hold = await createGuardHoldsRepo(ui.env.deps.db).get(id);
    expect(hold).toMatchObject({ status: 'rejected', decisionReason: why });
    const audit = await ui.env.deps.db.query<{ reason: string }>(
      `SELECT details->>'reason' AS reason FROM truc.audit_log WHERE subject = $1`,
      [`guard-hold:${id}`],
    );
    expect(audit.rows.map((r) => r.reason)).toEqual([why]);
    // the list says it too
    await ui.page.goto(`${ui.base}/dashboard#/guard?status=rejected`);
    const row = ui.page.getByTestId('guard-holds').locator('tbody tr').first();
    await row.waitFor();
    expect(await row.locator('td').first().textContent()).toBe(String(id));
    expect(await row.getByTestId('decision-reason').getAttribute('title')).toBe(why);
  });

  // Item 3: at 1366–1400 px the overview's systems card was a third of the page and clipped its circuit column.
  it('3: the overview cards show every column at 1280, 1366, 1400 and 1920 px', async () => {
    const db = ui.env.deps.db;
    await failedPull(db);
    await createDeliveryGatesRepo(db).update('hcm-csdl', (_s, now) => ({
      change: {
        circuit: 'open',
        openedAt: now,
        pausedUntil: new Date(now.getTime() + 3_600_000),
        pauseReason: 'circuit-open',
        // fix37b item 3: the endpoints' own circuits and Retry-Afters, a line each under the badge
        // gates2 (walk2 F1): staff:delete's own pause passed 13 minutes ago, the system's holds its writes
        endpointCircuits: Object.fromEntries(
          ['students:upsert', 'staff:delete'].map((e) => [
            e,
            {
              circuit: 'open' as const,
              pausedUntil: new Date(
                now.getTime() + (e === 'staff:delete' ? -780_000 : 3_600_000),
              ).toISOString(),
              openings: 3,
              openedAt: now.toISOString(),
            },
          ]),
        ),
        endpointRetryAfter: { 'staff:upsert': new Date(now.getTime() + 3_600_000).toISOString() },
      },
      result: undefined,
    }));
    await ui.asAdmin();
    for (const width of [1280, 1366, 1400, 1920]) {
      await ui.page.setViewportSize({ width, height: 900 });
      await ui.page.goto(`${ui.base}/dashboard#/overview`);
      await ui.page.getByTestId('page-overview').getByTestId('systems').waitFor();
      expect(
        await ui.page.getByTestId('systems').locator('[data-circuit]').first().getAttribute('data-circuit'),
      ).toBe('open');
      // every open endpoint circuit and endpoint wait has its line, inside the card (fix37b item 3)
      expect(await ui.page.getByTestId('systems').locator('[data-endpoint-circuit]').count()).toBe(2);
      expect(await ui.page.getByTestId('systems').locator('[data-endpoint-wait]').count()).toBe(1);
      // gates2: an endpoint's pause that has passed is not shown as one: the system's pause holds it, said so
      const passed = ui.page.getByTestId('systems').locator('[data-endpoint-circuit="staff:delete"]');
      expect(await passed.getAttribute('data-held-by')).toBe('system');
      expect(await passed.textContent()).toContain('(Hệ thống: cầu dao mở)');
      // the pulls held as the writes are: said once, by the badge (fix36c's second line widened the card)
      expect(await ui.page.getByTestId('reads-held').count()).toBe(0);
      // no card hides part of its table (a scrolled card clips what is past its edge)
      const clipped = await ui.page
        .locator('main .card')
        .evaluateAll(
          (cards: Array<{ scrollWidth: number; clientWidth: number; textContent: string | null }>) =>
            cards
              .filter((c) => c.scrollWidth > c.clientWidth + 1)
              .map((c) => (c.textContent ?? '').slice(0, 40)),
        );
      expect({ width, clipped }).toEqual({ width, clipped: [] });
    }
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
