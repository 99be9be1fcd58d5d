/**
 * The operations dashboard in a real browser (Debian's Chromium driven by playwright-core): a city
 * admin signs in, reads the overview, finds a school and drills down to its batches and findings,
 * and replays a dead letter, which is then delivered; an auditor signs in, searches the audit log and
 * verifies its chain; the page switches to English. Screenshots go to test-results/dashboard/.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { queueBatch } from '../../src/jobs/contracts.js';
import { addClient, type NewClient } from '../../src/ops.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { student, S1 } from '../helpers/api.js';
import { backends, countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { startFakeHcmCsdl, type FakeHcmCsdl } from '../helpers/fake-hcm-csdl.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test-results', 'dashboard');
const backend = backends().find((b) => b.name === 'postgres+pg-queue')!;

const SCHOOL = {
  schoolCode: S1,
  name: 'Trường Tiểu học Kim Đồng',
  level: 'primary',
  provinceCode: '79',
  communeCode: '25747',
  status: 'active',
};

describe.runIf(existsSync(CHROMIUM))('dashboard in Chromium', () => {
  let env: TestEnv;
  let fake: FakeHcmCsdl;
  let worker: Running;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let admin: NewClient & { clientSecret: string };
  let auditor: NewClient & { clientSecret: string };

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    env = await makeDeps(backend);
    // The city database refuses the first delivery for good (400), then accepts: one dead letter.
    fake = await startFakeHcmCsdl({ script: [400], fallback: 200 });
    const config = loadConfig({
      env: {
        TRUC_PROFILE: 'test',
        DATA_DIR: env.dataDir,
        DATABASE_URL: env.databaseUrl!,
        HCM_CSDL_BASE_URL: fake.url,
      },
    });
    worker = startWorkerRole({ ...env.deps, config });
    app = await buildApp(env.deps);
    base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    admin = await addClient(env.deps.db, { name: 'Sở GDĐT — IT', role: 'city-admin' });
    auditor = await addClient(env.deps.db, { name: 'Thanh tra', role: 'auditor' });

    // A school and its students (one with a bad birth date: a finding), delivered to the city database.
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: randomUUID(),
        clientId: 'test',
        schoolCode: S1,
        entity: 'schools',
        format: 'canonical',
        records: [SCHOOL],
      }),
    );
    await env.deps.db.tx((q) =>
      queueBatch(q, {
        id: randomUUID(),
        clientId: 'test',
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student('HS1'), student('HS2'), { ...student('HS3'), birthDate: '2031-02-30' }],
      }),
    );
    await waitFor(async () => ((await countRows(env.deps.db, 'truc.dead_letters')) > 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: 'a dead letter',
    });
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.batches', "status = 'done'")) === 2 ? true : undefined,
      { timeoutMs: 60_000, what: 'both batches ingested' },
    );

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await worker?.stop();
    await fake?.close();
    await env?.cleanup();
  });

  const signIn = async (c: { clientId: string; clientSecret: string }) => {
    await page.goto(`${base}/dashboard#/signin`);
    await page.reload(); // a fresh page, whatever the hash was
    await page.getByTestId('client-id').fill(c.clientId);
    await page.getByTestId('client-secret').fill(c.clientSecret);
    await page.getByTestId('signin-submit').click();
  };

  it('refuses a wrong secret with a message, in Vietnamese', async () => {
    await page.goto(`${base}/dashboard`);
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    await signIn({ clientId: admin.clientId, clientSecret: 'wrong-secret' });
    await expect.poll(() => page.getByTestId('signin-error').textContent(), { timeout: 30_000 }).not.toBe('');
    await shot('01-signin-refused');
  });

  it('a city admin signs in and sees the overview: systems, queues, dead letters by code', async () => {
    await signIn(admin);
    await page.getByTestId('page-overview').getByTestId('queues').waitFor();
    const queues = await page.getByTestId('queues').textContent();
    expect(queues).toContain('ingest');
    expect(queues).toContain('push.hcm-csdl');
    expect(await page.getByTestId('dead-letters-by-code').textContent()).toContain('push.hcm-csdl');
    expect(await page.getByTestId('stat-dead-letters').textContent()).toContain('1');
    await shot('02-overview');
  });

  it('finds the school and drills down to its batches and findings', async () => {
    await page.getByRole('link', { name: 'Trường học' }).click();
    await page.getByTestId('school-search').fill('Kim Đồng');
    await page.getByRole('button', { name: 'Tìm' }).click();
    await page.getByTestId('schools').getByText(S1).waitFor();
    await shot('03-schools');
    await page.getByTestId('schools').getByText(S1).click();
    await page.getByTestId('school-title').waitFor();
    expect(await page.getByTestId('school-title').textContent()).toContain('Kim Đồng');
    const batches = await page.getByTestId('school-batches').textContent();
    expect(batches).toContain('students');
    expect(batches).toContain('schools');
    expect(await page.getByTestId('school-findings').textContent()).toMatch(/error/);
    await shot('04-school');
  });

  it('replays a dead letter from the dead-letter page, and it is delivered', async () => {
    await page.getByRole('link', { name: 'Việc lỗi' }).click();
    const row = page.getByTestId('dead-letters').locator('button[data-testid^="replay-"]').first();
    await row.waitFor();
    await shot('05-dead-letters');
    await row.click();
    await expect
      .poll(() => page.getByTestId('replay-result').textContent(), { timeout: 30_000 })
      .toMatch(/Đã chạy lại: 1/);
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.dead_letters', 'replayed_at IS NULL')) === 0 &&
        fake.puts.some((p) => p.status === 200)
          ? true
          : undefined,
      { timeoutMs: 60_000, what: 'the replayed push to be delivered' },
    );
    await shot('06-replayed');
  });

  it('switches to English', async () => {
    await page.getByTestId('lang').click();
    await page.getByRole('link', { name: 'Overview' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('page-overview').getByTestId('queues').waitFor();
    await shot('07-overview-en');
    await page.getByTestId('lang').click();
  });

  it('an auditor signs in, searches the audit log and verifies the chain', async () => {
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await signIn(auditor);
    await page.getByTestId('audit-rows').waitFor();
    expect(await page.getByTestId('audit-rows').textContent()).toContain('dead_letters.replayed');
    await page.getByTestId('audit-verify').click();
    await expect
      .poll(() => page.getByTestId('audit-verify-result').textContent(), { timeout: 30_000 })
      .toMatch(/Chuỗi nguyên vẹn/);
    // an auditor has no admin pages
    expect(await page.getByRole('link', { name: 'Tổng quan' }).count()).toBe(0);
    await shot('08-audit');
  });
});
