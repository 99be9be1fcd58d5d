/**
 * dash9 item 3: a batch's page on the dashboard, in a real browser (test/helpers/dashboard-browser.ts; the state made
 * through the store). "Từ chối N" on the sync runs page led nowhere and no page showed a batch's findings: the page
 * shows its counts, status, deliveries per target and its findings (record number and key, field, rule code and title,
 * severity; never a value), 50 a page over 10,000 findings, filtered by severity, in Vietnamese and English; reached
 * from a school's batches and from a run's "Từ chối N" (a run with one such batch straight to it, else its batches).
 */
import { describe, expect, it } from 'vitest';
import { ruleByCode } from '../../src/quality/index.js';
import type { FindingRow } from '../../src/store/batch-findings.js';
import type { Db } from '../../src/store/db.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { schoolRecord, seedBatch, storeSchool } from '../helpers/dashboard-seed.js';
import { findingsRows, hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const SCHOOL = schoolRecord('79000951', 'Trường Tiểu học Chín Mươi Lăm');
/** A value no page may show (a finding's value is kept only where it is no personal data; the page shows none). */
const VALUE = 'VALUE-NEVER-SHOWN';

const finding = (i: number): FindingRow => ({
  ...{ recordIndex: i, recordKey: `HS${String(i).padStart(5, '0')}`, criterion: 'dung' },
  ...(i % 1000 === 7
    ? { rule: 'MAP_UNKNOWN_CODE', criterion: 'mapping', severity: 'warning' as const, pointer: '/MaDanToc' }
    : { rule: 'DUNG_DATE_INVALID', severity: 'error' as const, pointer: '/NgaySinh' }),
  ...{ messageVi: 'Sai', messageEn: 'Wrong', value: VALUE },
});

/** School SCHOOL, and its students batch (10,000 records, each with a finding) done and delivered to smas. */
async function seedSchoolBatch(db: Db): Promise<string> {
  await storeSchool(db, SCHOOL);
  return seedBatch(db, {
    ...{ schoolCode: SCHOOL.schoolCode, format: 'smas', deliveredTo: 'smas' },
    findings: Array.from({ length: 10_000 }, (_, i) => finding(i)),
    counts: { accepted: 10, rejected: 9_990, unchanged: 0 },
  });
}

/** A pulled page of run `run` that rejected `rejected` records, each with an error finding. */
const pulledPage = (db: Db, run: number, rejected: number): Promise<string> =>
  seedBatch(db, {
    ...{ clientId: 'system:pull', schoolCode: '*', entity: 'staff', format: 'hcm-csdl', syncRunId: run },
    findings: Array.from({ length: rejected }, (_, i) => finding(i * 2)),
    counts: { accepted: 1, rejected, unchanged: 0 },
  });

describe.runIf(hasChromium())('dash9 item 3: a batch’s page in Chromium', () => {
  const ui = useDashboard({ shots: 'dash9' });

  const rows = () => findingsRows(ui.page);

  it('from a school’s batch: counts, deliveries, findings paged over 10,000 and filtered, in vi and en', async () => {
    const id = await seedSchoolBatch(ui.env.deps.db);
    const title = ruleByCode('DUNG_DATE_INVALID')!.title;
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/schools/${SCHOOL.schoolCode}`);
    await ui.page.getByTestId('school-batch-link').click();
    await ui.page.getByTestId('batch-title').waitFor();
    expect(ui.page.url()).toContain(`#/batches/${id}`);
    expect(await ui.text('batch-title')).toBe(`Lô ${id}`);
    expect(await ui.text('batch-rejected')).toBe('9.990Từ chối');
    expect(await ui.text('batch-status')).toContain('Hoàn tất');
    const delivery = ui.page.getByTestId('batch-deliveries').locator('tbody tr');
    expect(await delivery.locator('td').nth(0).innerText()).toBe('smas');
    expect(await delivery.locator('td').nth(1).innerText()).toContain('Đã chuyển');
    expect(await delivery.locator('td').nth(2).innerText()).toBe('gửi 1, chờ 0, lỗi 0');

    await ui.page.getByTestId('batch-findings').waitFor();
    const first = await rows();
    expect(first).toHaveLength(50);
    expect(first[0]).toEqual(['1', 'HS00000', '/NgaySinh', `DUNG_DATE_INVALID — ${title.vi}`, 'Lỗi']);
    expect(first[7]).toEqual(['8', 'HS00007', '/MaDanToc', 'MAP_UNKNOWN_CODE', 'Cảnh báo']);
    expect(await ui.page.locator('main').innerText()).not.toContain(VALUE);
    // dash10: how many findings in all and by severity (it showed 50 and never the total), and the range of them
    expect(await ui.text('batch-findings-total')).toBe('10.000Phát hiện');
    expect(await ui.text('batch-findings-error')).toBe('9.990Lỗi');
    expect(await ui.text('batch-findings-warning')).toBe('10Cảnh báo');
    expect(await ui.text('batch-findings-info')).toBe('0Thông tin');
    expect(await ui.page.locator('.pager span').innerText()).toBe('1–50 trong 10.000');
    await ui.shot('03-batch-vi');

    // the next page, by the keyboard: the pager's button reached and pressed
    await ui.page.locator('.pager button').last().focus();
    await ui.page.keyboard.press('Enter');
    await expect.poll(async () => (await rows())[0]?.[0], { timeout: 30_000 }).toBe('51');
    expect(ui.page.url()).toContain('offset=50');
    // the last page: findings 9,951 to 10,000, no next
    await ui.page.goto(`${ui.base}/dashboard#/batches/${id}?offset=9950`);
    await expect.poll(async () => (await rows())[0]?.[0], { timeout: 30_000 }).toBe('9.951');
    expect((await rows()).at(-1)?.[0]).toBe('10.000');
    expect(await ui.page.locator('.pager button').last().isDisabled()).toBe(true);

    // the warnings alone (one in a thousand), then in English
    await ui.page.getByTestId('batch-severity').selectOption('warning');
    await ui.page.getByTestId('batch-severity').press('Enter');
    await expect.poll(async () => (await rows()).length, { timeout: 30_000 }).toBe(10);
    expect(await ui.page.locator('.pager span').innerText()).toBe('1–10 trong 10');
    expect(await ui.text('batch-findings-total')).toBe('10.000Phát hiện');
    expect(ui.page.url()).toContain('severity=warning');
    expect(ui.page.url()).not.toContain('offset=');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => (await rows())[0], { timeout: 30_000 })
      .toEqual(['8', 'HS00007', '/MaDanToc', 'MAP_UNKNOWN_CODE', 'Warning']);
    expect(await ui.page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await ui.text('batch-title')).toBe(`Batch ${id}`);
    expect(await ui.text('batch-findings-error')).toBe('9,990Error');
    expect(await ui.page.locator('.pager span').innerText()).toBe('1–10 of 10');
    await ui.page.getByTestId('batch-severity').selectOption('error');
    await ui.page.getByTestId('batch-severity').press('Enter');
    await expect
      .poll(async () => (await rows())[0], { timeout: 30_000 })
      .toEqual(['1', 'HS00000', '/NgaySinh', `DUNG_DATE_INVALID — ${title.en}`, 'Error']);
    await ui.shot('04-batch-errors-en');
    await ui.page.getByTestId('lang').click();
  });

  it('from the sync runs page: "Từ chối N" leads to the run’s batch, or to its batches with rejections', async () => {
    const db = ui.env.deps.db;
    const runs = createSyncRunsRepo(db);
    const create = () =>
      runs.create({ system: 'hcm-csdl', entity: 'staff', scope: '', since: null, requestedBy: 'x' });
    const two = await create();
    const bigger = await pulledPage(db, two, 2);
    await pulledPage(db, two, 1);
    const one = await create();
    const only = await pulledPage(db, one, 3);

    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/sync?entity=staff`);
    // the run's row: its first cell its id
    const rejectedOf = (run: number) =>
      ui.page
        .getByTestId('sync-runs')
        .locator(`xpath=.//tbody/tr[td[1][normalize-space()="${run}"]]`)
        .getByTestId('run-rejected');
    await rejectedOf(one).waitFor();
    expect(await rejectedOf(one).innerText()).toBe('Từ chối 3');
    expect(await rejectedOf(two).innerText()).toBe('Từ chối 3');

    // one batch with rejections: straight to it, its errors
    await rejectedOf(one).click();
    await ui.page.getByTestId('batch-title').waitFor();
    expect(ui.page.url()).toContain(`#/batches/${only}?severity=error`);
    await expect
      .poll(async () => (await rows()).map((r) => r[1]), { timeout: 30_000 })
      .toEqual(['HS00000', 'HS00002', 'HS00004']);

    // two: the run's batches, the most rejections first, each a link (reached by Tab)
    await ui.page.goto(`${ui.base}/dashboard#/sync?entity=staff`);
    await rejectedOf(two).click();
    const list = ui.page.getByTestId('run-rejected-batches');
    await list.waitFor();
    expect(await list.locator('tbody tr td:first-child').allInnerTexts()).toHaveLength(2);
    expect(await list.locator('tbody tr').first().locator('td').first().innerText()).toBe(bigger);
    await ui.shot('05-run-rejected-batches-vi');
    await list.locator('tbody tr a').first().focus();
    await ui.page.keyboard.press('Enter');
    await ui.page.getByTestId('batch-title').waitFor();
    expect(ui.page.url()).toContain(`#/batches/${bigger}`);
  });
});
