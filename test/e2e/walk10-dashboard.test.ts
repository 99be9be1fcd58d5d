/**
 * walk10 (the city's IT staff on the dashboard, every page at 1280 and 390 px), in Chromium
 * (test/helpers/dashboard-browser.ts; the state made through the store):
 * - W10-4: at 390 px the overview and a school's page were 534 px wide (the grid's 520 px column) and a batch's page
 *   974 px (its findings table in no card): the whole page scrolled sideways, its header 390 px over it.
 * - W10-5: at 1280 px a school's tables sat in half the page, their last columns cut off (a batch's held, error code
 *   and dead letters; a run's requester and time; a rule's counts).
 * - W10-7: a batch without an error code read "Hoàn tất —".
 * - the overview in English at 1280 px: the PCGD deadlines card, alone in half the page, cut its last column.
 * - W10-6: a dead letter's references, one line of `key=value`, ran past the card's edge at 1280 px (the replay button
 *   with it), its batch id not a link to the batch's page.
 * Screenshots: test-results/walk10/.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBatchesRepo } from '../../src/store/batches.js';
import type { FindingRow } from '../../src/store/batch-findings.js';
import type { Db } from '../../src/store/db.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { pushSetLetter } from '../helpers/dead-letter.js';
import { schoolRecord, seedBatch, storeSchool } from '../helpers/dashboard-seed.js';
import { hasChromium, useDashboard, type DashboardBrowser } from '../helpers/dashboard-browser.js';

const SCHOOL = schoolRecord('79001010', 'Trường Tiểu học Nguyễn Thị Minh Khai');

const finding = (i: number): FindingRow => ({
  ...{
    recordIndex: i,
    recordKey: `HS${String(i).padStart(5, '0')}`,
    criterion: 'sach',
    severity: 'error' as const,
  },
  ...{
    rule: 'SACH_DUPLICATE_PERSONAL_ID',
    pointer: '/residenceCommuneCode',
    messageVi: 'Sai',
    messageEn: 'Wrong',
  },
});

/** SCHOOL, its students batch (done, delivered, three findings) and a city-wide run of its students. */
async function seed(db: Db): Promise<string> {
  await storeSchool(db, SCHOOL);
  const id = await seedBatch(db, {
    ...{ schoolCode: SCHOOL.schoolCode, format: 'canonical', deliveredTo: 'hcm-csdl' },
    findings: [finding(0), finding(1), finding(2)],
    counts: { accepted: 38, rejected: 3, unchanged: 0 },
  });
  const run = await createSyncRunsRepo(db).create({
    ...{ system: 'hcm-csdl', entity: 'students', scope: '', since: null },
    requestedBy: 'cl_YSdgY22Qb7gB',
  });
  await db.query(
    `UPDATE truc.sync_runs SET status = 'done', requested_by_name = 'Sở GDĐT IT (demo)', finished_at = now()
      WHERE id = $1`,
    [run],
  );
  return id;
}

/** How much wider than the window the page is (0: nothing scrolls sideways). */
const pageOverflow = (ui: DashboardBrowser) =>
  ui.page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

/** The first words of each card whose content is wider than the card (cut off, to be scrolled in place). */
const clippedCards = (ui: DashboardBrowser) =>
  ui.page
    .locator('main .card')
    .evaluateAll((cards: Array<{ scrollWidth: number; clientWidth: number; textContent: string | null }>) =>
      cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => (c.textContent ?? '').slice(0, 30)),
    );

describe.runIf(hasChromium())('walk10: the dashboard at 390 and 1280 px', () => {
  const ui = useDashboard({ shots: 'walk10' });

  it('no page scrolls sideways at 390 px; a school’s tables are whole at 1280 px; no "—" for no error', async () => {
    const batchId = await seed(ui.env.deps.db);
    await ui.asAdmin();
    const pages = [
      { hash: '#/overview', drawn: 'queues' },
      { hash: `#/schools/${SCHOOL.schoolCode}`, drawn: 'school-batches' },
      { hash: `#/batches/${batchId}`, drawn: 'batch-findings' },
    ];
    await ui.page.setViewportSize({ width: 390, height: 900 });
    for (const { hash, drawn } of pages) {
      await ui.open(hash);
      await ui.page.getByTestId(drawn).first().waitFor();
      await ui.shot(`390-${hash.split('/')[1]}`);
      expect({ hash, overflow: await pageOverflow(ui) }).toEqual({ hash, overflow: 0 });
    }
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    // the overview in English: the PCGD deadlines card's last column ('Delivery to the Ministry') was cut off
    await ui.open('#/overview');
    await ui.page.getByTestId('pcgd-units').waitFor();
    await ui.page.getByTestId('lang').click();
    await expect.poll(() => ui.page.getByTestId('lang').innerText()).toBe('Tiếng Việt');
    await ui.page.getByTestId('pcgd-units').waitFor();
    await ui.shot('1280-overview-en');
    expect(await clippedCards(ui)).toEqual([]);
    await ui.page.getByTestId('lang').click();
    await expect.poll(() => ui.page.getByTestId('lang').innerText()).toBe('English');
    await ui.open(`#/schools/${SCHOOL.schoolCode}`);
    await ui.page.getByTestId('school-sync-runs').locator('tbody tr').first().waitFor();
    await ui.shot('1280-school');
    expect(await clippedCards(ui)).toEqual([]);
    expect(await ui.page.getByTestId('school-batches').locator('thead th').last().isVisible()).toBe(true);
    await ui.open(`#/batches/${batchId}`);
    await ui.page.getByTestId('batch-findings').waitFor();
    expect(await ui.page.getByTestId('batch-status').locator('.value').innerText()).toBe('Hoàn tất');
    const state = ui.page.getByTestId('batch-deliveries').locator('tbody tr td').nth(1);
    expect((await state.innerText()).trim()).toBe('Đã chuyển');
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });

  it('a dead letter’s references one a line, its batch and school links; the row whole at 1280 px', async () => {
    const db = ui.env.deps.db;
    const batchId = randomUUID();
    await createBatchesRepo(db).insert({
      ...{ id: batchId, clientId: 'test', schoolCode: SCHOOL.schoolCode, entity: 'staff', format: 'smas' },
      records: [],
    });
    const set = await createPushSetsRepo(db).create({
      system: 'smas',
      entity: 'staff',
      keys: ['CB1'],
      batchId,
    });
    const letter = await pushSetLetter(db, Number(set));
    await ui.asAdmin();
    await ui.page.setViewportSize({ width: 1280, height: 900 });
    await ui.open(`#/dead-letters?id=${letter}`);
    const refs = ui.page.getByTestId(`refs-${letter}`);
    await refs.waitFor();
    await ui.shot('1280-dead-letters');
    const lines = (await refs.innerText()).split('\n');
    expect(lines).toContain(`pushSetId=${set}`);
    expect(lines).toContain(`batchId=${batchId}`);
    expect(await refs.locator('a').first().getAttribute('href')).toBe(`#/batches/${batchId}`);
    expect(await clippedCards(ui)).toEqual([]);
    await ui.page.setViewportSize({ width: 1366, height: 800 });
  });
});
