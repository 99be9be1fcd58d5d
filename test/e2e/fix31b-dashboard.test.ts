/**
 * fix31b: gaps the city staff met on the dashboard, in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts). No worker: the state each test reads is made through the store. Screenshots
 * (1366 px) go to test-results/fix31b/.
 */
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { appendAudit } from '../../src/audit/chain.js';
import { AUDIT_ACTIONS, type AuditAction } from '../../src/store/audit-log.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('fix31b: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'fix31b' });

  // Item 1: moet-pcgd's survey persons were `persons` on the sync runs (and the overview's schedules), every other
  // entity in words.
  it("1: a pull of PCGD-XMC's survey persons reads in words on the sync runs, in Vietnamese and English", async () => {
    const runs = createSyncRunsRepo(ui.env.deps.db);
    const run = await runs.create({
      system: 'moet-pcgd',
      entity: 'persons',
      scope: '26740',
      since: null,
      requestedBy: 'x',
    });
    await runs.fail(run, 'ERR_ADAPTER_UNAVAILABLE');
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    await ui.page.getByTestId('sync-runs').waitFor();
    const entity = ui.page.getByTestId('sync-runs').locator('tbody tr').first().locator('td').nth(2);
    await expect.poll(() => entity.textContent(), { timeout: 30_000 }).toBe('Người trong điều tra PCGD');
    await ui.shot('01-sync-runs-persons');
    await ui.page.getByTestId('lang').click();
    await expect.poll(() => entity.textContent(), { timeout: 30_000 }).toBe('Survey persons');
    await ui.page.getByTestId('lang').click();
  });

  // Item 3: the schools search wanted the accents typed ("Nguyen Trai" found nothing).
  it("3: typing a school's name without accents finds it", async () => {
    const school = {
      schoolCode: '79031001',
      name: 'Trường THCS Nguyễn Trãi',
      level: 'lower_secondary',
      provinceCode: '79',
      communeCode: '26740',
      status: 'active',
    };
    await ui.env.deps.db.tx((q) =>
      createRecordsRepo(q).upsert(
        'schools',
        [
          {
            key: school.schoolCode,
            scope: school.schoolCode,
            data: school,
            fingerprint: fingerprint(school),
          },
        ],
        { system: 'hcm-csdl', mappingVersion: 'test' },
      ),
    );
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/schools`);
    await ui.page.getByTestId('school-search').fill('nguyen trai');
    await ui.page.getByTestId('school-search').press('Enter');
    await expect.poll(() => ui.page.url(), { timeout: 30_000 }).toContain('q=nguyen+trai');
    const rows = ui.page.getByTestId('schools').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(1);
    expect(await rows.first().textContent()).toContain('Trường THCS Nguyễn Trãi');
    await ui.shot('03-schools-search');
  });

  // Item 4: a mistyped action answered an empty list (nothing happened?); the API refuses it, and the page says so.
  it('4: the audit search offers the actions it takes; a mistyped one is refused beside the form, in words', async () => {
    // fix32b: an older action the log holds (searchable: the API takes it) is offered too
    const old = 'pcgd.signed' as AuditAction;
    await ui.env.deps.db.tx((q) =>
      appendAudit(q, [{ actor: 'cli', action: old, subject: '26740' }], new Date('2025-10-01T03:00:00Z')),
    );
    const auditor = await addClient(ui.env.deps.db, { name: 'Kiểm toán', role: 'auditor' });
    await ui.signIn(auditor);
    await ui.page.getByTestId('audit-rows').waitFor();
    const main = ui.page.getByTestId('page-audit');
    await main.locator('input[name=action]').fill('client.create');
    await main.getByRole('button', { name: 'Tìm' }).click();
    const refusal = ui.page.getByTestId('filter-error');
    await expect
      .poll(() => refusal.textContent(), { timeout: 30_000 })
      .toContain('not an action of the audit log');
    const said = (await refusal.textContent()) ?? '';
    expect(said).toContain('không phải hành động nào của nhật ký kiểm toán');
    expect(said).toContain('client.created');
    expect(await ui.page.locator('input[name=action]').getAttribute('aria-invalid')).toBe('true');
    expect(await ui.page.locator('input[name=action]').inputValue()).toBe('client.create');
    // the actions offered as one types: every one truc writes and the older one the log holds (the API's set, as its
    // refusal names them), by its code, its words beside it
    const options = ui.page.locator('datalist#audit-actions option');
    const offered: Array<string | null> = [];
    for (let i = 0; i < (await options.count()); i++)
      offered.push(await options.nth(i).getAttribute('value'));
    expect(offered).toEqual([...AUDIT_ACTIONS, old].sort());
    expect(await ui.page.locator('datalist#audit-actions option[value="guard.approved"]').textContent()).toBe(
      'Duyệt thay đổi bị giữ',
    );
    await ui.shot('04-audit-mistyped-action');
  });
});
