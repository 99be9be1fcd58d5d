/**
 * dash9 on a school's page of the dashboard, in a real browser (test/helpers/dashboard-browser.ts; the state made
 * through the store). Item 1: its findings by rule name each rule by its code and its title in the page's language
 * (the code alone was shown), a rule the catalogue does not title (a mapping's MAP_…) by its code. Item 2: its sync
 * runs list the city-wide pulls that covered it (of its record's source, hcm-csdl, and of the system serving it),
 * labelled city-wide, beside its own ("Không có" was shown after city-wide pulls); another system's or school's not.
 */
import { describe, expect, it } from 'vitest';
import { ruleByCode } from '../../src/quality/index.js';
import { createSchoolSystemsRepo } from '../../src/store/school-systems.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { schoolRecord, seedBatch, storeSchool } from '../helpers/dashboard-seed.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const SCHOOL = schoolRecord('79000941', 'Trường Tiểu học Chín Mươi Bốn');

describe.runIf(hasChromium())('dash9: a school’s page in Chromium', () => {
  const ui = useDashboard({ shots: 'dash9' });

  it('item 1: names each rule of its findings by code and title, in Vietnamese then English', async () => {
    const db = ui.env.deps.db;
    await storeSchool(db, SCHOOL);
    const finding = (recordIndex: number, rule: string, criterion: string, pointer: string) => ({
      ...{ recordIndex, recordKey: `HS${recordIndex}`, criterion, rule, severity: 'error' as const, pointer },
      ...{ messageVi: 'Sai', messageEn: 'Wrong' },
    });
    await seedBatch(db, {
      ...{ schoolCode: SCHOOL.schoolCode, format: 'smas', records: [{}, {}, {}] },
      findings: [
        finding(0, 'DUNG_DATE_INVALID', 'dung', '/NgaySinh'),
        finding(1, 'DUNG_DATE_INVALID', 'dung', '/NgaySinh'),
        finding(2, 'MAP_UNKNOWN_CODE', 'mapping', '/MaDanToc'),
      ],
    });
    const title = ruleByCode('DUNG_DATE_INVALID')!.title;
    expect(title.vi).not.toBe(title.en);

    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/schools/${SCHOOL.schoolCode}`);
    const rules = ui.page.getByTestId('school-findings').locator('tbody tr td:first-child');
    await rules.first().waitFor();
    expect(await rules.allInnerTexts()).toEqual([`DUNG_DATE_INVALID — ${title.vi}`, 'MAP_UNKNOWN_CODE']);
    await ui.shot('01-school-rule-titles-vi');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => rules.allInnerTexts(), { timeout: 30_000 })
      .toEqual([`DUNG_DATE_INVALID — ${title.en}`, 'MAP_UNKNOWN_CODE']);
    await ui.page.getByTestId('lang').click();
  });

  it('item 2: lists the city-wide runs that covered the school, labelled city-wide, beside its own', async () => {
    const db = ui.env.deps.db;
    const school = schoolRecord('79000942', 'Trường Tiểu học Chín Mươi Bốn Hai');
    await storeSchool(db, school);
    await createSchoolSystemsRepo(db).set(school.schoolCode, 'vnedu', 'test');
    const runs = createSyncRunsRepo(db);
    const run = (system: 'hcm-csdl' | 'smas' | 'vnedu', scope: string) =>
      runs.create({ system, entity: 'students', scope, since: null, requestedBy: 'x' });
    const cityHcm = await run('hcm-csdl', '');
    const ownHcm = await run('hcm-csdl', school.schoolCode);
    await run('smas', ''); // a system that does not serve it
    const cityVnedu = await run('vnedu', '');
    await run('hcm-csdl', '79000943'); // another school's

    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/schools/${school.schoolCode}`);
    const rows = ui.page.getByTestId('school-sync-runs').locator('tbody tr');
    await rows.first().waitFor();
    const shown = async () =>
      rows.evaluateAll((trs: Array<{ cells: ArrayLike<{ innerText: string }> }>) =>
        trs.map((tr) => [tr.cells[0]!.innerText, tr.cells[1]!.innerText, tr.cells[3]!.innerText]),
      );
    expect(await shown()).toEqual([
      [String(cityVnedu), 'vnedu', 'Toàn thành phố'],
      [String(ownHcm), 'hcm-csdl', school.schoolCode],
      [String(cityHcm), 'hcm-csdl', 'Toàn thành phố'],
    ]);
    expect(await ui.page.getByTestId('school-sync-runs').getByTestId('run-city-wide').count()).toBe(2);
    await ui.shot('02-school-city-wide-runs-vi');
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => (await shown()).map((r) => r[2]), { timeout: 30_000 })
      .toEqual(['City-wide', school.schoolCode, 'City-wide']);
    await ui.page.getByTestId('lang').click();
  });
});
