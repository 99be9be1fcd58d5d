/**
 * review33c: the dashboard at city scale, as the Sở's IT staff use it, in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts). A morning's state made through the store: 2,500 schools, 400 sync runs, 600
 * open dead letters, 250 audit entries, an open circuit, the PCGD-XMC units of the year (one commune with a report).
 * F2: a row that leads to a page is reached and followed from the keyboard (the schools', the holds', the dead letters
 * by code: rows that took only a click). F3: the API out of reach is said in words, on a page and after a button's
 * call (the browser's "Failed to fetch", or nothing outside the console). F4: the audit log pages back past its newest
 * 100 entries. F5: a dead letter's selection box has a name. F6: a session
 * the API refuses ends on the sign-in page saying so (it said nothing).
 */
import { appendAudit } from '../../src/audit/chain.js';
import { describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createDeliveryGatesRepo } from '../../src/store/delivery-gates.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import type { Db } from '../../src/store/db.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const SCHOOLS = 2_500;

/** The city's schools, 400 runs of its nightly pulls (a quarter failed), and 600 dead letters of them. */
async function seedSchoolsRunsLetters(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
     SELECT '79' || lpad(i::text, 6, '0'),
            jsonb_build_object('name', 'Trường THCS Số ' || i, 'communeCode', '26734'), 'f', 'hcm-csdl', 'v1'
       FROM generate_series(1, $1) i`,
    [SCHOOLS],
  );
  const runs = createSyncRunsRepo(db);
  for (let i = 0; i < 400; i++) {
    const run = await runs.create({
      system: 'hcm-csdl',
      entity: i % 2 ? 'students' : 'staff',
      scope: i % 3 ? `79${String(i).padStart(6, '0')}` : '',
      since: null,
      requestedBy: 'schedule:nightly',
    });
    if (i % 4 === 0) await runs.fail(run, 'ERR_ADAPTER_UNAVAILABLE');
  }
  await db.query(
    `INSERT INTO truc.dead_letters (outbox_id, queue, job_name, error_code, error_message, attempts)
     SELECT NULL, 'pull', 'pull', 'ERR_ADAPTER_UNAVAILABLE', 'hcm-csdl answered 503', 5 FROM generate_series(1, 600)`,
  );
}

/** One schedule's dead letter, 250 audit entries, hcm-csdl's circuit open and a commune's PCGD-XMC report. */
async function seedAuditGateReport(db: Db): Promise<void> {
  await createDeadLettersRepo(db).insert({
    outboxId: undefined,
    queue: 'schedules',
    jobName: 'schedule-fire',
    errorCode: 'ERR_ADAPTER_REJECTED',
    errorMessage: 'x',
    attempts: 5,
  });
  await appendAudit(
    db,
    Array.from({ length: 250 }, (_, i) => ({
      actor: 'cl_city',
      action: 'sync.requested' as const,
      subject: `run:${i + 1}`,
    })),
    new Date(),
  );
  await createDeliveryGatesRepo(db).update('hcm-csdl', () => ({
    change: {
      circuit: 'open',
      pausedUntil: new Date(Date.now() + 600_000),
      pauseReason: 'circuit-open',
      openedAt: new Date(),
    },
    result: undefined,
  }));
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
}

describe.runIf(hasChromium())('review33c: the dashboard at city scale in Chromium', () => {
  const ui = useDashboard({ shots: 'review33c' });
  let seeded = false;

  /** The city's morning, once for the file. */
  async function seed(): Promise<void> {
    if (seeded) return;
    seeded = true;
    const db = ui.env.deps.db;
    await seedSchoolsRunsLetters(db);
    await seedAuditGateReport(db);
  }

  it('F2, F5: a school is opened from the list with the keyboard alone (Tab, Enter); a letter’s box has a name', async () => {
    await seed();
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/schools`);
    await ui.page.getByTestId('schools').waitFor();
    expect(await ui.page.getByTestId('page-schools').textContent()).toContain('2.500');
    await ui.shot('01-schools-vi');
    // from the search field, Tab until the focus is in the list (the search button, then the first row's link)
    await ui.page.getByTestId('school-search').focus();
    let inList = false;
    for (let i = 0; i < 4 && !inList; i++) {
      await ui.page.keyboard.press('Tab');
      inList = (await ui.page.getByTestId('schools').locator(':focus').count()) > 0;
    }
    expect(inList, 'a row of the schools list takes the focus').toBe(true);
    await ui.page.keyboard.press('Enter');
    await ui.page.getByTestId('school-title').waitFor();
    expect(await ui.text('school-title')).toContain('79000001');

    // the dead letters by code on the overview lead to their letters the same way
    await ui.page.goto(`${ui.base}/dashboard#/overview`);
    const byCode = ui.page.getByTestId('dead-letters-by-code');
    await byCode.waitFor();
    await ui.shot('02-overview-vi');
    // every unit of the city counted (168 communes, the province, the one report's unit off the 2025 list: F1), the 20
    // that need someone first listed: the overview stays a page, not five screens
    expect(await ui.page.getByTestId('pcgd-units').locator('tbody tr').count()).toBe(20);
    expect(await ui.page.getByTestId('page-overview').textContent()).toContain('20 trong 170 đơn vị');
    await byCode.locator('tbody tr a').first().focus();
    await ui.page.keyboard.press('Enter');
    await ui.page.getByTestId('dead-letters').waitFor();
    expect(ui.page.url()).toContain('#/dead-letters?queue=pull&errorCode=ERR_ADAPTER_UNAVAILABLE');
    // F5: each letter's box has a name (it had none: "checkbox" to a screen reader), a page of 100 letters
    const boxes = ui.page.getByTestId('dead-letters').locator('input[type=checkbox]');
    expect(await boxes.count()).toBe(100);
    const first = await boxes.first().getAttribute('data-testid');
    await ui.page.getByRole('checkbox', { name: `Chọn việc lỗi #${first!.slice('select-'.length)}` }).check();
    expect(await ui.page.getByTestId('replay-selected').isDisabled()).toBe(false);
  });

  it('F4: the audit log pages back past its newest 100 entries', async () => {
    await seed();
    const auditor = await addClient(ui.env.deps.db, { name: 'Thanh tra', role: 'auditor' });
    await ui.signIn(auditor);
    await ui.page.getByTestId('page-audit').waitFor();
    // the filtered page's rows, not the unfiltered ones (ui.open waits for the new page)
    await ui.open('#/audit?action=sync.requested');
    const rows = ui.page.getByTestId('audit-rows');
    await rows.waitFor();
    expect(await rows.locator('tbody tr').count()).toBe(100);
    expect(await rows.locator('tbody tr').first().textContent()).toContain('run:250');
    const next = ui.page.locator('.pager button').last();
    expect(await next.isDisabled()).toBe(false);
    await next.click();
    await expect
      .poll(async () => (await rows.locator('tbody tr').first().textContent()) ?? '', { timeout: 30_000 })
      .toContain('run:150');
    await ui.page.locator('.pager button').last().click();
    await expect
      .poll(async () => (await rows.locator('tbody tr').first().textContent()) ?? '', { timeout: 30_000 })
      .toContain('run:50');
    expect(await rows.locator('tbody tr').count()).toBe(50);
    expect(await ui.page.locator('.pager button').last().isDisabled()).toBe(true);
    await ui.shot('03-audit-page-3');
  });

  it('F6: a session whose token the API refuses ends on the sign-in page, saying so', async () => {
    await seed();
    await ui.asAdmin();
    // the token as one expired or revoked reads to the API: refused (401)
    await ui.page.evaluate(
      "const s = JSON.parse(sessionStorage.getItem('truc.session')); s.token = 'x.e30.y'; sessionStorage.setItem('truc.session', JSON.stringify(s))",
    );
    await ui.page.evaluate("location.hash = '#/schools'");
    await ui.page.getByTestId('client-id').waitFor();
    await expect
      .poll(async () => ui.text('signin-error'), { timeout: 30_000 })
      .toBe('Phiên đăng nhập đã hết hạn hoặc không còn hiệu lực: hãy đăng nhập lại.');
    await ui.shot('05-session-ended-vi');
    // said once: a sign-in page opened afresh says nothing
    await ui.page.reload();
    await ui.page.getByTestId('client-id').waitFor();
    expect(await ui.text('signin-error')).toBe('');
  });

  it('N3: the schedules that cannot be read say so on the overview, not "none"', async () => {
    await seed();
    await ui.asAdmin();
    await ui.page.route('**/v1/schedules', (route) => route.fulfill({ status: 503, body: '' }));
    await ui.page.reload();
    const schedules = ui.page.getByTestId('schedules');
    await schedules.waitFor();
    expect(await schedules.textContent()).toBe(
      'Máy chủ truc không trả lời được (HTTP 503). Hãy thử lại sau ít phút.',
    );
    await ui.page.unroute('**/v1/schedules');
  });

  // Last: it stops the API.
  it('F3: the API out of reach is said in words, after a replay and on the next page', async () => {
    await seed();
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/dead-letters?queue=schedules`);
    const replay = ui.page.getByTestId('dead-letters').locator('button[data-testid^="replay-"]').first();
    await replay.waitFor();
    await ui.app.close();
    await replay.click();
    const said = ui.page.getByTestId('replay-error');
    await expect.poll(async () => (await said.textContent()) ?? '', { timeout: 30_000 }).not.toBe('');
    expect(await said.textContent()).toContain('Không kết nối được tới máy chủ truc');
    await ui.shot('04-replay-api-down-vi');

    // the next page asked for, the API still not there
    await ui.page.evaluate("location.hash = '#/sync'");
    const alert = ui.page.getByTestId('page-sync').getByRole('alert').first();
    await expect.poll(async () => (await alert.textContent()) ?? '', { timeout: 30_000 }).not.toBe('');
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('Không kết nối được tới máy chủ truc');
    expect(text).not.toContain('Failed to fetch');
  });
});
