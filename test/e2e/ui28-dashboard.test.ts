/**
 * ui28: the city staff's dashboard speaks Vietnamese for what the API sends as codes, in a real browser (Debian's
 * Chromium, as test/e2e/dashboard.test.ts): statuses in words from one dictionary (dashboard/src/words.ts), an
 * error code beside its wording from the error table (src/errors.ts), and a percentage that never contradicts its
 * band (dashboard/src/figures.ts). No worker: the state each test reads is made through the store. Screenshots
 * (1366 px) go to test-results/ui28/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ERRORS } from '../../src/errors.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { createDeadLettersRepo } from '../../src/store/dead-letters.js';
import { createGuardHoldsRepo } from '../../src/store/guard-holds.js';
import { createPcgdRepo } from '../../src/store/pcgd.js';
import { createScorecardsRepo } from '../../src/store/scorecards.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { backends, makeDeps, type TestEnv } from '../helpers/env.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test-results', 'ui28');
const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

describe.runIf(existsSync(CHROMIUM))('ui28: the dashboard in Chromium', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let admin: NewClient & { clientSecret: string };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    env = await makeDeps(backend);
    app = await buildApp(env.deps);
    base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    admin = await addClient(env.deps.db, { name: 'Sở GDĐT — IT', role: 'city-admin' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.cleanup();
  });

  const asAdmin = async () => {
    await page.goto(`${base}/dashboard#/signin`);
    await page.reload();
    await page.getByTestId('client-id').fill(admin.clientId);
    await page.getByTestId('client-secret').fill(admin.clientSecret);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('page-overview').getByTestId('queues').waitFor();
  };
  const text = async (testid: string) => (await page.getByTestId(testid).textContent()) ?? '';

  // Item 1: statuses (failed, pending …) and error codes (ERR_…) were shown as the raw strings the API sends.
  it('1: a failed run, a dead letter and a PCGD report say their status and error in words, the code kept', async () => {
    const db = env.deps.db;
    const runs = createSyncRunsRepo(db);
    const run = await runs.create({
      system: 'hcm-csdl',
      entity: 'students',
      scope: '',
      since: null,
      requestedBy: 'x',
    });
    await runs.fail(run, 'ERR_ADAPTER_UNAVAILABLE');
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
    await createPcgdRepo(db).insertReport({
      unitCode: '26734',
      unitLevel: 'commune',
      year,
      ruleSet: {},
      computedBy: 'test',
      supersedes: null,
    });
    await asAdmin();

    // the sync runs: the run's status in words, its code with the table's wording
    await page.goto(`${base}/dashboard#/sync`);
    await page.getByTestId('sync-runs').waitFor();
    const row = page.getByTestId('sync-runs').locator('tbody tr').first();
    expect(await row.locator('[data-status]').first().textContent()).toBe('Thất bại');
    const runError = (await row.locator('[data-code]').textContent()) ?? '';
    expect(runError).toContain('ERR_ADAPTER_UNAVAILABLE');
    expect(runError).toContain(ERRORS.ERR_ADAPTER_UNAVAILABLE.vi);
    expect(await row.textContent()).toContain('Học sinh');
    // the status filter's choices are words too, their values the API's
    expect(await page.locator('select[name=status] option[value=failed]').textContent()).toBe('Thất bại');
    await shot('01-sync-runs');

    // the dead letters: the code and its wording; an unknown code as it came
    await page.goto(`${base}/dashboard#/dead-letters`);
    await page.getByTestId('dead-letters').waitFor();
    const dead = await text('dead-letters');
    expect(dead).toContain('ERR_ADAPTER_REJECTED');
    expect(dead).toContain(ERRORS.ERR_ADAPTER_REJECTED.vi);
    expect(dead).toContain('SOMETHING_ELSE');
    await shot('02-dead-letters');

    // the overview: the system's last error, dead letters by code, the PCGD unit's status and standing
    await page.goto(`${base}/dashboard#/overview`);
    await page.getByTestId('pcgd-units').waitFor();
    const last = page.getByTestId('systems').locator('[data-code]').first();
    const code = (await last.getAttribute('data-code')) as keyof typeof ERRORS;
    expect(['ERR_ADAPTER_UNAVAILABLE', 'ERR_ADAPTER_REJECTED']).toContain(code);
    expect(await last.textContent()).toBe(`${code}${ERRORS[code].vi}`);
    expect(await text('dead-letters-by-code')).toContain(ERRORS.ERR_ADAPTER_REJECTED.vi);
    const unit = page.getByTestId('pcgd-units').locator('tbody tr').first();
    expect(await unit.locator('[data-status=pending]').textContent()).toBe('Chờ xử lý');
    expect(await unit.textContent()).toContain('Xã/phường');
    expect(await unit.textContent()).not.toMatch(/pending|commune/);
    await shot('03-overview');

    // in English, the English words
    await page.getByTestId('lang').click();
    await page.goto(`${base}/dashboard#/sync`);
    await page.getByTestId('sync-runs').waitFor();
    const en = page.getByTestId('sync-runs').locator('tbody tr').first();
    await expect.poll(async () => en.locator('[data-status]').first().textContent()).toBe('Failed');
    expect(await en.locator('[data-code]').textContent()).toContain(ERRORS.ERR_ADAPTER_UNAVAILABLE.en);
    await page.getByTestId('lang').click();
  });

  // Item 2: percentages were rounded to one decimal while their bands were judged on two (89.96 % shown 90.0 %).
  it('2: a figure shown never contradicts its band (a scorecard at 89.96 %, a hold just over its threshold)', async () => {
    const ratio = (passed: number, total: number, band: 'green' | 'yellow' | 'red') => ({
      passed,
      total,
      percent: Math.round((10_000 * passed) / total) / 100,
      band,
    });
    const deadline = { date: '2026-09-30', passed: true, done: 1, schools: 1, status: 'done' };
    await createScorecardsRepo(env.deps.db).saveRun(
      { asOf: '2026-12-04', schoolYear: '2026-2027', catalogueVersion: 'test', requestedBy: 'test' },
      [
        {
          level: 'commune',
          code: '26737',
          parentCode: '79',
          records: 10_000,
          overall: 89.96,
          band: 'yellow',
          card: {
            schools: 1,
            criteria: {
              dung: ratio(8996, 10_000, 'yellow'),
              du: ratio(10_000, 10_000, 'green'),
              sach: ratio(9000, 10_000, 'green'),
              song: ratio(7496, 10_000, 'red'),
            },
            overall: ratio(8996, 10_000, 'yellow'),
            topRules: [],
            deadlines: { rollover: deadline, masterData: deadline },
          },
        },
      ],
    );
    const hold = await createGuardHoldsRepo(env.deps.db).create({
      kind: 'reconcile',
      entity: 'students',
      diff: [],
      reasons: [
        { school: '79000009', kind: 'deleted', count: 3001, live: 10_000, ratio: 0.3001, threshold: 0.3 },
      ],
    });
    await asAdmin();
    await page.goto(`${base}/dashboard#/quality`);
    const card = page.getByTestId('scorecard-26737');
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
    await shot('04-quality');

    await page.goto(`${base}/dashboard#/guard/${hold}`);
    await page.getByTestId('guard-reasons').waitFor();
    const cells = await page.getByTestId('guard-reasons').locator('tbody td.num').allTextContents();
    // count, live, ratio, threshold: held over 30 %, shown over it
    expect(cells.slice(2)).toEqual(['30,1 %', '30,0 %']);
    await shot('05-guard-hold');
  });
});
