/**
 * ui28: the city staff's dashboard speaks Vietnamese for what the API sends as codes, in a real browser (Debian's
 * Chromium, as test/e2e/dashboard.test.ts): statuses in words from one dictionary (dashboard/src/words.ts), an
 * error code beside its wording from the error table (src/errors.ts), and a percentage that never contradicts its
 * band (dashboard/src/figures.ts). No worker: the state each test reads is made through the store. Screenshots
 * (1366 px) go to test-results/ui28/.
 */
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/errors.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { communeCard, failedPull, saveScorecards, storedRatio } from '../helpers/dashboard-seed.js';

describe.runIf(hasChromium())('ui28: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'ui28' });

  // Item 1: statuses (failed, pending …) and error codes (ERR_…) were shown as the raw strings the API sends.
  it('1: a failed run, a dead letter and a PCGD report say their status and error in words, the code kept', async () => {
    const db = ui.env.deps.db;
    await failedPull(db);
    const letters = createDeadLettersRepo(db);
    await letters.insert({
      outboxId: undefined,
      queue: 'push.hcm-csdl',
      jobName: 'push',
      errorCode: 'ERR_ADAPTER_REJECTED',
      errorMessage: 'HTTP 400',
      attempts: 1,
    });
    // a code the error table does not hold is shown as it came
    await letters.insert({
      outboxId: undefined,
      queue: 'ingest',
      jobName: 'ingest',
      errorCode: 'SOMETHING_ELSE',
      errorMessage: 'x',
      attempts: 1,
    });
    const year = new Date(Date.now() + 7 * 3600_000).getUTCFullYear();
    await createPcgdRepo(db).insertReport(
      {
        unitCode: '26734',
        unitLevel: 'commune',
        year,
        ruleSet: {},
        computedBy: 'test',
        supersedes: null,
      },
      new Date(),
    );
    // fix36a: a province report whose commune source is no longer the commune's current version is outdated
    const pcgd = createPcgdRepo(db);
    const province = await pcgd.insertReport(
      { unitCode: '79', unitLevel: 'province', year, ruleSet: {}, computedBy: 'test', supersedes: null },
      new Date(),
    );
    const gone = { reportId: province.id + 1_000_000, version: 1, status: 'approved', packageSha256: null };
    await pcgd.setComputed(
      province.id,
      {
        figures: { communeSources: { '26734': gone } },
        findings: [],
        persons: 0,
        lineageDigest: 'x',
        mappingVersions: [],
        previousYearReportId: null,
        checked: true,
      },
      new Date(),
    );
    await ui.asAdmin();

    // the sync runs: the run's status in words, its code with the table's wording
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    await ui.page.getByTestId('sync-runs').waitFor();
    const row = ui.page.getByTestId('sync-runs').locator('tbody tr').first();
    expect(await row.locator('[data-status]').first().textContent()).toBe('Thất bại');
    const runError = (await row.locator('[data-code]').textContent()) ?? '';
    expect(runError).toContain('ERR_ADAPTER_UNAVAILABLE');
    expect(runError).toContain(ERRORS.ERR_ADAPTER_UNAVAILABLE.vi);
    expect(await row.textContent()).toContain('Học sinh');
    // the status filter's choices are words too, their values the API's
    expect(await ui.page.locator('select[name=status] option[value=failed]').textContent()).toBe('Thất bại');
    await ui.shot('01-sync-runs');

    // the dead letters: the code and its wording; an unknown code as it came
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters`);
    await ui.page.getByTestId('dead-letters').waitFor();
    const dead = await ui.text('dead-letters');
    expect(dead).toContain('ERR_ADAPTER_REJECTED');
    expect(dead).toContain(ERRORS.ERR_ADAPTER_REJECTED.vi);
    expect(dead).toContain('SOMETHING_ELSE');
    await ui.shot('02-dead-letters');

    // walk2 F7: a commune (Phường Cát Lái) receipted two days after its deadline: submitted, and late among them
    await db.query(
      `INSERT INTO truc.pcgd_reports (unit_code, unit_level, year, version, status, rule_set, mapping_versions,
              figures, findings, persons, lineage_digest, computed_by, submitted_by, submitted_at, receipted_at)
       VALUES ('27112', 'commune', $1, 1, 'receipted', '{}', '{}', '{}', '[]', 10, 'd', 'test', 'test', $2, $2)`,
      [year, new Date(Date.parse(`${year}-10-05T10:00:00+07:00`))],
    );
    // the overview: the system's last error, dead letters by code, the PCGD unit's status and standing
    await ui.page.goto(`${ui.base}/dashboard#/overview`);
    await ui.page.getByTestId('pcgd-units').waitFor();
    const last = ui.page.getByTestId('systems').locator('[data-code]').first();
    const code = (await last.getAttribute('data-code')) as keyof typeof ERRORS;
    expect(['ERR_ADAPTER_UNAVAILABLE', 'ERR_ADAPTER_REJECTED']).toContain(code);
    expect(await last.textContent()).toBe(`${code}${ERRORS[code].vi}`);
    expect(await ui.text('dead-letters-by-code')).toContain(ERRORS.ERR_ADAPTER_REJECTED.vi);
    // every unit of the city is listed (review33c F1): this one's row
    const unit = ui.page.getByTestId('pcgd-units').locator('tbody tr').filter({ hasText: '26734' });
    expect(await unit.locator('[data-status=pending]').textContent()).toBe('Chờ xử lý');
    expect(await unit.textContent()).toContain('Xã/phường');
    // walk2 F6: named as GET /v1/pcgd/deadlines names it (an older code too), not by its code alone
    expect(await unit.locator('td').first().textContent()).toBe('Phường Tân Định (26734)');
    expect(await unit.textContent()).not.toMatch(/pending|commune/);
    const outdated = ui.page.getByTestId('pcgd-units').locator('tbody tr').filter({ hasText: 'Tỉnh' });
    expect(await outdated.getByTestId('pcgd-outdated').textContent()).toContain('Lỗi thời');
    expect(await outdated.locator('td').first().textContent()).toBe('Thành phố Hồ Chí Minh (79)');
    expect(await unit.getByTestId('pcgd-outdated').count()).toBe(0);
    // walk2 F7: GET /v1/pcgd/deadlines' rule: counted submitted, late among them; the late tile is the not submitted
    const counts = await ui.text('pcgd-counts');
    expect(counts).toContain('Đã nộp: 1 (trễ hạn: 1)');
    expect(await ui.text('stat-pcgd-late')).toContain(/Trễ hạn: (\d+)/.exec(counts)![1]);
    await ui.shot('03-overview');

    // in English, the English words
    await ui.page.getByTestId('lang').click();
    await ui.page.goto(`${ui.base}/dashboard#/sync`);
    await ui.page.getByTestId('sync-runs').waitFor();
    const en = ui.page.getByTestId('sync-runs').locator('tbody tr').first();
    await expect.poll(async () => en.locator('[data-status]').first().textContent()).toBe('Failed');
    expect(await en.locator('[data-code]').textContent()).toContain(ERRORS.ERR_ADAPTER_UNAVAILABLE.en);
    await ui.page.getByTestId('lang').click();
  });

  // Item 2: percentages were rounded to one decimal while their bands were judged on two (89.96 % shown 90.0 %).
  it('2: a figure shown never contradicts its band (a scorecard at 89.96 %, a hold just over its threshold)', async () => {
    const ratio = storedRatio;
    await saveScorecards(ui.env.deps.db, [
      communeCard(
        '26737',
        10_000,
        {
          dung: ratio(8996, 10_000, 'yellow'),
          du: ratio(10_000, 10_000, 'green'),
          sach: ratio(9000, 10_000, 'green'),
          song: ratio(7496, 10_000, 'red'),
        },
        ratio(8996, 10_000, 'yellow'),
      ),
    ]);
    const hold = await createGuardHoldsRepo(ui.env.deps.db).create({
      kind: 'reconcile',
      entity: 'students',
      diff: [],
      reasons: [
        { school: '79000009', kind: 'deleted', count: 3001, live: 10_000, ratio: 0.3001, threshold: 0.3 },
      ],
    });
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/quality`);
    const card = ui.page.getByTestId('scorecard-26737');
    await card.waitFor();
    const bands = await card
      .locator('.band')
      .evaluateAll((els: Array<{ className: string; textContent: string | null }>) =>
        els.map((e) => `${e.className.replace('band ', '')} ${e.textContent ?? ''}`),
      );
    // overall, then đúng, đủ, sạch, sống: each figure is the one its band was judged on
    expect(bands).toEqual([
      'amber 89,96 %',
      'amber 89,96 %',
      'green 100,00 %',
      'green 90,00 %',
      'red 74,96 %',
    ]);
    await ui.shot('04-quality');

    await ui.page.goto(`${ui.base}/dashboard#/guard/${hold}`);
    await ui.page.getByTestId('guard-reasons').waitFor();
    const cells = await ui.page.getByTestId('guard-reasons').locator('tbody td.num').allTextContents();
    // count, live, ratio, threshold: held over 30 %, shown over it
    expect(cells.slice(2)).toEqual(['30,1 %', '30,0 %']);
    await ui.shot('05-guard-hold');
  });
});
