/**
 * ui29: the city staff's dashboard speaks one language and one set of bands, in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts). The schools page coloured pass ratios with bands of its own (90/70) beside the
 * scorecards' configured ones (90/75); the audit page showed raw action codes and times to the minute with a two-digit
 * year, and read its from / to in the browser's zone; a dead letter's message was the job's raw English text. The
 * API runs with bands of the city's choosing (green 95, yellow 80) and the browser in New York, so that neither the
 * page's old bands, nor truc's defaults, nor the browser's zone can pass for the right ones. No worker: the state each
 * test reads is made through the store. Screenshots (1366 px) go to test-results/ui29/.
 */
import { randomUUID } from 'node:crypto';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/chain.js';
import { ERRORS } from '../../src/errors.js';
import { addClient } from '../../src/ops.js';
import { scorecards, type SchoolCounts } from '../../src/quality/index.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { saveScorecards } from '../helpers/dashboard-seed.js';

const BANDS = { green: 95, yellow: 80 };
const SCHOOL = {
  schoolCode: '79000291',
  name: 'Trường Tiểu học Bảy Mươi Tám',
  level: 'primary',
  provinceCode: '79',
  communeCode: '26740',
  status: 'active',
};

/** The band classes and figures of the `.band`s under `root`, in order: 'red 78,00 %'. */
const bandsOf = (root: Locator) =>
  root
    .locator('.band')
    .evaluateAll((els: Array<{ className: string; textContent: string | null }>) =>
      els.map((e) => `${e.className.replace('band ', '')} ${e.textContent ?? ''}`),
    );

describe.runIf(hasChromium())('ui29: the dashboard in Chromium', () => {
  const ui = useDashboard({
    shots: 'ui29',
    timezoneId: 'America/New_York',
    configure: (c) => ({ ...c, quality: { ...c.quality, colourBands: BANDS } }),
  });

  // Item 1: the schools page judged a school's 78 % amber (its own 90/70) while the scorecards judge by the city's.
  it("1: a 78 % school and its commune's scorecard are red under the city's bands (yellow from 80 %) on both pages", async () => {
    const db = ui.env.deps.db;
    // the school, and 100 of its students received in a batch, 22 of them failing an đúng rule
    await db.tx((q) =>
      createRecordsRepo(q).upsert(
        'schools',
        [
          {
            key: SCHOOL.schoolCode,
            scope: SCHOOL.schoolCode,
            data: SCHOOL,
            fingerprint: fingerprint(SCHOOL),
          },
        ],
        { system: 'hcm-csdl', mappingVersion: 'test' },
      ),
    );
    const batch = randomUUID();
    const batches = createBatchesRepo(db);
    await batches.insert({
      id: batch,
      clientId: 'test',
      schoolCode: SCHOOL.schoolCode,
      entity: 'students',
      format: 'canonical',
      records: Array.from({ length: 100 }, (_, i) => ({ studentCode: `HS${i}` })),
    });
    await batches.insertFindings(
      batch,
      Array.from({ length: 22 }, (_, i) => ({
        recordIndex: i,
        recordKey: `HS${i}`,
        criterion: 'dung',
        rule: 'DUNG_BIRTH_DATE',
        severity: 'error' as const,
        pointer: '/birthDate',
        messageVi: 'Ngày sinh không hợp lệ',
        messageEn: 'Invalid birth date',
      })),
    );
    // its commune's scorecard, judged by the scorecards' one rule under the configured bands
    const counts: SchoolCounts = {
      schoolCode: SCHOOL.schoolCode,
      communeCode: SCHOOL.communeCode,
      provinceCode: SCHOOL.provinceCode,
      records: 100,
      failed: { dung: 22, du: 0, sach: 0, song: 0, overall: 22 },
      rules: [{ rule: 'DUNG_BIRTH_DATE', criterion: 'dung', records: 22 }],
      currentYearStudents: 0,
      masterDataComplete: 0,
    };
    const cards = scorecards([counts], {
      today: '2026-12-05',
      schoolYear: '2026-2027',
      config: ui.env.deps.config.quality,
    }).filter((c) => c.level === 'commune');
    await saveScorecards(db, cards, '2026-12-05');

    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/schools?q=${SCHOOL.schoolCode}`);
    const row = ui.page.getByTestId('schools').locator('tbody tr', { hasText: SCHOOL.schoolCode });
    await row.waitFor();
    // đúng, đủ, sạch, sống
    expect(await bandsOf(row)).toEqual(['red 78,00 %', 'green 100,00 %', 'green 100,00 %', 'green 100,00 %']);
    await ui.shot('01-schools');
    await row.click();
    await ui.page.getByTestId('school-title').waitFor();
    expect((await bandsOf(ui.page.locator('.stats')))[0]).toBe('red 78,00 %');

    await ui.page.goto(`${ui.base}/dashboard#/quality`);
    const card = ui.page.getByTestId(`scorecard-${SCHOOL.communeCode}`);
    await card.waitFor();
    // overall, then đúng, đủ, sạch, sống
    expect(await bandsOf(card)).toEqual([
      'red 78,00 %',
      'red 78,00 %',
      'green 100,00 %',
      'green 100,00 %',
      'green 100,00 %',
    ]);
    await ui.shot('02-quality');
  });

  // Item 2: the audit page's raw action codes and times; its from / to read in the browser's zone.
  it("2: the audit log says each action in words and its time on Vietnam's clock; its search reads that clock", async () => {
    const db = ui.env.deps.db;
    const auditor = await addClient(db, { name: 'Thanh tra Sở', role: 'auditor' });
    // 00:01:02 on 6 December in Vietnam (17:01:02 UTC on the 5th, 12:01:02 in the browser's New York)
    await db.tx((q) =>
      appendAudit(
        q,
        [{ actor: 'client:ui29', action: 'guard.approved', subject: 'guard-hold:29' }],
        new Date('2026-12-05T17:01:02Z'),
      ),
    );
    await ui.signIn(auditor);
    await ui.page.getByTestId('audit-rows').waitFor();
    const main = ui.page.getByTestId('page-audit');
    await main.locator('input[name=action]').fill('guard.approved');
    await main.locator('input[name=from]').fill('2026-12-06T00:00');
    await main.locator('input[name=to]').fill('2026-12-06T00:05');
    await main.getByRole('button', { name: 'Tìm' }).click();
    await expect.poll(() => ui.page.url(), { timeout: 30_000 }).toContain('action=guard.approved');
    // the form's from / to as typed (on Vietnam's clock), the search the instants they name
    expect(decodeURIComponent(ui.page.url())).toContain('from=2026-12-05T17:00:00.000Z');
    await expect
      .poll(() => main.locator('input[name=from]').inputValue(), { timeout: 30_000 })
      .toBe('06/12/2026'); // dash14: day first, the day alone at its 00:00
    const rows = ui.page.getByTestId('audit-rows').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells[1]).toBe('00:01:02 06/12/2026');
    expect(await rows.first().locator('[data-action]').getAttribute('data-action')).toBe('guard.approved');
    expect(cells[3]).toBe('Duyệt thay đổi bị giữguard.approved'); // the words, the code under them
    await ui.shot('03-audit');

    // in English, the English words; the time still Vietnam's
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(async () => (await rows.first().locator('td').allTextContents())[3], { timeout: 30_000 })
      .toBe('Held change approvedguard.approved');
    expect((await rows.first().locator('td').allTextContents())[1]).toBe('06/12/2026, 00:01:02');
    await ui.page.getByTestId('lang').click();
  });

  // Item 2: a dead letter's message was the job's raw English text, beside its code's words.
  it("2: a dead letter's own message is a technical detail behind its code's words, none when it only repeats them", async () => {
    const letters = createDeadLettersRepo(ui.env.deps.db);
    const letter = (errorCode: string, errorMessage: string) =>
      letters.insert({
        outboxId: undefined,
        queue: 'webhooks',
        jobName: 'ui29',
        errorCode,
        errorMessage,
        attempts: 1,
      });
    await letter('ERR_ADAPTER_REJECTED', 'HTTP 400: {"field":"birthDate"}');
    await letter('ERR_ADAPTER_UNAVAILABLE', ERRORS.ERR_ADAPTER_UNAVAILABLE.en);
    await letter('SOMETHING_ELSE', 'a code of an older truc');
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters?queue=webhooks`);
    const table = ui.page.getByTestId('dead-letters');
    await table.waitFor();
    const rowOf = (code: string) =>
      table.locator('tbody tr', { has: ui.page.locator(`[data-code="${code}"]`) });
    // the code's words shown; the job's text behind a closed "technical detail"
    const rejected = rowOf('ERR_ADAPTER_REJECTED');
    expect(await rejected.textContent()).toContain(ERRORS.ERR_ADAPTER_REJECTED.vi);
    const detail = rejected.locator('details');
    expect(await detail.locator('summary').textContent()).toBe('Chi tiết kỹ thuật (của hệ thống, tiếng Anh)');
    expect(await detail.getAttribute('open')).toBeNull();
    expect(await detail.locator('code').textContent()).toBe('HTTP 400: {"field":"birthDate"}');
    // a message that is only the code's words: nothing more
    const unavailable = rowOf('ERR_ADAPTER_UNAVAILABLE');
    expect(await unavailable.locator('details').count()).toBe(0);
    expect(await unavailable.textContent()).toContain(ERRORS.ERR_ADAPTER_UNAVAILABLE.vi);
    // a code without words: its text is all there is, shown open
    expect(await rowOf('SOMETHING_ELSE').locator('details').getAttribute('open')).toBe('');
    await ui.shot('04-dead-letters');
  });
});
