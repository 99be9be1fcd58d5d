/**
 * dash10: a batch's page in a real browser (test/helpers/dashboard-browser.ts; the state made through the store). A
 * finding of the whole batch (recordIndex -1: DUNG_SCHOOL_UNLISTED, the batch's school not in truc's list) showed as
 * record "0" of field "(cả bản ghi)": it is the whole batch's, no record's. A sync run's "Từ chối N" listed only
 * the 20 batches with the most rejections, whatever their number: now paged, "1–20 trong 23".
 */
import { describe, expect, it } from 'vitest';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { seedBatch } from '../helpers/dashboard-seed.js';
import { findingsRows, hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('dash10: a batch’s page in Chromium', () => {
  const ui = useDashboard({ shots: 'dash10' });

  const rows = () => findingsRows(ui.page);

  it('a finding of the whole batch says so, not record 0 of "the whole record", in vi and en', async () => {
    const base = { criterion: 'dung', messageVi: 'Sai', messageEn: 'Wrong' };
    const id = await seedBatch(ui.env.deps.db, {
      ...{ schoolCode: '79000952', format: 'smas' },
      findings: [
        {
          ...base,
          recordIndex: -1,
          recordKey: null,
          rule: 'DUNG_SCHOOL_UNLISTED',
          severity: 'warning',
          pointer: '',
        },
        {
          ...base,
          recordIndex: 0,
          recordKey: 'HS00001',
          rule: 'DUNG_DATE_INVALID',
          severity: 'error',
          pointer: '',
        },
      ],
      counts: { accepted: 0, rejected: 1, unchanged: 0 },
    });
    await ui.asAdmin();
    await ui.open(`#/batches/${id}`);
    await ui.page.getByTestId('batch-findings').waitFor({ timeout: 60_000 });
    const vi = await rows();
    expect(vi.map((r) => r.slice(0, 3))).toEqual([
      ['(cả lô)', '—', '—'],
      ['1', 'HS00001', '(cả bản ghi)'],
    ]);
    await ui.shot('01-batch-finding-vi');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => (await rows())[0]?.slice(0, 3), { timeout: 30_000 })
      .toEqual(['(whole batch)', '—', '—']);
    await ui.page.getByTestId('lang').click();
  });

  it('a run with 23 batches with rejections: 20 a page, "1–20 trong 23", the next page the other 3', async () => {
    const db = ui.env.deps.db;
    const run = await createSyncRunsRepo(db).create({
      ...{ system: 'hcm-csdl', entity: 'staff', scope: '', since: null, requestedBy: 'x' },
    });
    for (let i = 0; i < 23; i++)
      await seedBatch(db, {
        ...{ clientId: 'system:pull', schoolCode: '*', entity: 'staff', format: 'hcm-csdl', syncRunId: run },
        counts: { accepted: 1, rejected: i + 1, unchanged: 0 },
      });
    await ui.asAdmin();
    await ui.open(`#/batches?syncRunId=${run}`);
    const list = ui.page.getByTestId('run-rejected-batches');
    await list.waitFor({ timeout: 60_000 });
    const rejectedCells = () => list.locator('tbody tr td:nth-child(2)').allInnerTexts();
    expect(await rejectedCells()).toHaveLength(20);
    expect((await rejectedCells())[0]).toBe('23');
    expect(await ui.page.locator('.pager span').innerText()).toBe('1–20 trong 23');
    await ui.shot('02-run-batches-vi');
    await ui.page.locator('.pager button').last().click();
    await expect.poll(rejectedCells, { timeout: 30_000 }).toEqual(['3', '2', '1']);
    expect(await ui.page.locator('.pager span').innerText()).toBe('21–23 trong 23');
    expect(await ui.page.locator('.pager button').last().isDisabled()).toBe(true);
  });
});
