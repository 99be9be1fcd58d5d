/**
 * walk5's dashboard findings, in a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts; no worker: the
 * state each test reads is made through the store). Screenshots go to test-results/walk5/.
 * W5-8: a PCGD officer or a vendor signing in landed on the audit page and met two 403s; now each client lands on the
 * first page its scopes allow, one with none on a page saying which scopes the dashboard's pages need and where its
 * work is done instead (the API, /docs), and no page a client reaches asks the API for what it would refuse. The
 * auditor's walk (moved here from dashboard.test.ts): the audit page, its search, the chain verified.
 * W5-9: the schools pages said their Đúng/Đủ/Sạch/Sống were of 30 days' batches and linked to the scorecards; the
 * Quality page now says its figures are the quality run's and links back: a commune's page to that commune's schools
 * (its code exactly, polish6: a search for it also found a school whose code holds it), a school's page to its
 * commune's scorecard.
 */
import type { Response } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addClient, type NewClient } from '../../src/ops.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { communeCard, saveScorecards, storedRatio } from '../helpers/dashboard-seed.js';

const COMMUNE = '26995';
const SCHOOL = {
  schoolCode: '79000591',
  name: 'Trường Tiểu học Năm Chín Mốt',
  level: 'primary',
  provinceCode: '79',
  communeCode: COMMUNE,
  status: 'active',
};

/** A school of another commune whose code holds SCHOOL's commune's five digits: a search for them finds it too. */
const ELSEWHERE = {
  ...SCHOOL,
  schoolCode: `${COMMUNE}001`,
  name: 'Trường Tiểu học Hai Sáu',
  communeCode: '26734',
};

describe.runIf(hasChromium())('walk5: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'walk5' });
  /** The API's answers the page met that refused it (401, 403), as `METHOD /path status`. */
  const refused: string[] = [];
  /** Every API path the page asked for. */
  const asked: string[] = [];
  let watching = false;
  const watch = () => {
    refused.length = 0;
    asked.length = 0;
    if (watching) return;
    watching = true;
    ui.page.on('response', (r: Response) => {
      const path = new URL(r.url()).pathname;
      if (!path.startsWith('/v1/') && !path.startsWith('/oauth/')) return;
      asked.push(path);
      if (r.status() === 401 || r.status() === 403)
        refused.push(`${r.request().method()} ${path} ${r.status()}`);
    });
  };
  const client = (name: string, role: string, more: { units?: string[]; schools?: string[] } = {}) =>
    addClient(ui.env.deps.db, { name, role, ...more }) as Promise<NewClient & { clientSecret: string }>;

  it('W5-8: a PCGD officer lands on a page saying the dashboard has none for it, in both languages, no 403', async () => {
    const officer = await client('PCGD xã 26995', 'pcgd-officer', { units: [COMMUNE] });
    watch();
    await ui.signIn(officer);
    const none = ui.page.getByTestId('page-none').getByTestId('no-page');
    await none.waitFor();
    await ui.page.waitForLoadState('networkidle');
    const vi = (await none.textContent()) ?? '';
    expect(vi).toContain('Bảng điều khiển không có trang nào cho tài khoản này');
    expect(vi).toContain('(Cán bộ PCGD-XMC)');
    expect(vi).toContain('pcgd:read, pcgd:write, quality:read');
    expect(await none.locator('li[data-scope=admin]').textContent()).toMatch(/^admin: Tổng quan, Trường học/);
    expect(await none.locator('li[data-scope="audit:read"]').textContent()).toBe('audit:read: Kiểm toán');
    // fix7: the quality page needs quality:read beside admin, and is listed under both
    expect(await none.locator('li[data-scope="admin+quality:read"]').textContent()).toBe(
      'admin + quality:read: Chất lượng',
    );
    expect(await none.locator('li[data-scope=admin]').textContent()).not.toContain('Chất lượng');
    expect(await ui.text('no-page-instead')).toContain('nhóm pcgd');
    expect(await none.getByRole('link', { name: '/docs' }).getAttribute('href')).toBe('/docs');
    expect(await ui.page.locator('header nav a').count()).toBe(0); // no page offered
    await ui.shot('01-officer-no-page-vi');
    // an address of a page it may not see (the audit page it was sent to) says the same, asking nothing
    await ui.page.goto(`${ui.base}/dashboard#/audit`);
    await ui.page.getByTestId('page-none').getByTestId('no-page').waitFor();
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(() => none.locator('h1').textContent(), { timeout: 30_000 })
      .toBe('The dashboard has no page for this client');
    expect(await ui.text('no-page-instead')).toContain('tag pcgd');
    await ui.shot('02-officer-no-page-en');
    await ui.page.getByTestId('lang').click();
    await ui.page.waitForLoadState('networkidle');
    expect(refused).toEqual([]);
    expect(asked.filter((p) => p !== '/oauth/token' && p !== '/v1/me')).toEqual([]);
  });

  it('W5-8: a vendor lands on the same page, told where its work is done, no 403', async () => {
    const vendor = await client('Phần mềm trường', 'vendor', { schools: [SCHOOL.schoolCode] });
    watch();
    await ui.signIn(vendor);
    await ui.page.getByTestId('page-none').getByTestId('no-page').waitFor();
    await ui.page.waitForLoadState('networkidle');
    expect(await ui.text('no-page')).toContain('(Nhà cung cấp phần mềm)');
    expect(await ui.text('no-page-instead')).toContain('nhóm batches');
    expect(refused).toEqual([]);
  });

  it('W5-8: an auditor lands on the audit page, searches it, verifies the chain; an admin page refused unasked', async () => {
    const auditor = await client('Thanh tra', 'auditor');
    watch();
    await ui.signIn(auditor);
    await ui.page.getByTestId('page-audit').getByTestId('audit-rows').waitFor();
    // Search: the creation of the auditor's own client, by action and subject.
    await ui.page.locator('input[name="action"]').fill('client.created');
    await ui.page.locator('input[name="subject"]').fill(`client:${auditor.clientId}`);
    await ui.page.locator('input[name="subject"]').press('Enter');
    await expect
      .poll(() => ui.page.getByTestId('audit-rows').locator('tbody tr').count(), { timeout: 30_000 })
      .toBe(1);
    expect(await ui.text('audit-rows')).toContain('client.created');
    await ui.page.getByTestId('audit-verify').click();
    await expect.poll(() => ui.text('audit-verify-result'), { timeout: 30_000 }).toMatch(/Chuỗi nguyên vẹn/);
    // an auditor has no admin pages: none offered, and one's address is refused without asking the API
    expect(await ui.page.getByRole('link', { name: 'Tổng quan' }).count()).toBe(0);
    await ui.shot('03-audit');
    await ui.page.goto(`${ui.base}/dashboard#/overview`);
    await expect
      .poll(() => ui.page.getByTestId('page-overview').textContent(), { timeout: 30_000 })
      .toBe('Tài khoản này không có quyền xem trang này.');
    await ui.page.waitForLoadState('networkidle');
    expect(refused).toEqual([]);
    expect(asked.filter((p) => p.startsWith('/v1/ops/'))).toEqual([]);
    await ui.page.getByRole('button', { name: 'Đăng xuất' }).click();
    await ui.page.getByTestId('signin-submit').waitFor();
  });

  it("W5-9: the Quality page says its figures are the quality run's and links to the schools' 30-day figures", async () => {
    const db = ui.env.deps.db;
    await createRecordsRepo(db).upsert(
      'schools',
      [SCHOOL, ELSEWHERE].map((s) => ({
        key: s.schoolCode,
        scope: s.schoolCode,
        data: s,
        fingerprint: fingerprint(s),
      })),
      { system: 'hcm-csdl', mappingVersion: 'test' },
    );
    const r = storedRatio(80, 100, 'yellow');
    await saveScorecards(db, [communeCard(COMMUNE, 100, { dung: r, du: r, sach: r, song: r }, r)]);
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/quality`);
    await ui.page.getByTestId(`scorecard-${COMMUNE}`).waitFor();
    const hint = ui.page.getByTestId('scorecard-hint');
    expect(await hint.textContent()).toMatch(/thẻ điểm của lần chấm chất lượng.*không phải .*30 ngày qua/);
    expect(await hint.getByRole('link').getAttribute('href')).toBe('#/schools');
    await ui.shot('04-quality-hint');
    // a commune's page: to that commune's schools, the same words as theirs, in English too
    await ui.page.getByTestId(`scorecard-${COMMUNE}`).getByRole('link', { name: COMMUNE }).click();
    const link = ui.page.getByTestId('scorecard-hint').getByRole('link');
    const communeLink = `các trường của xã/phường ${COMMUNE} →`;
    await expect.poll(() => link.textContent(), { timeout: 30_000 }).toBe(communeLink);
    expect(await link.getAttribute('href')).toBe(`#/schools?commune=${COMMUNE}`);
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(() => ui.text('scorecard-hint'), { timeout: 30_000 })
      .toMatch(
        /the quality run’s scorecard.*not the share of records received in batches in the last 30 days/,
      );
    await ui.page.getByTestId('lang').click();
    // the page drawn again in Vietnamese before the link is followed (a render still drawing would draw over the next)
    await expect.poll(() => link.textContent(), { timeout: 30_000 }).toBe(communeLink);
    await link.click();
    await ui.page.getByTestId('schools').getByText(SCHOOL.schoolCode).waitFor();
    expect(ui.page.url()).toContain(`#/schools?commune=${COMMUNE}`);
    // the commune's schools alone: not one of another commune whose code holds its five digits (polish6)
    expect(await ui.text('commune-filter')).toBe(`Chỉ các trường của xã/phường ${COMMUNE}. Mọi trường →`);
    expect(await ui.page.getByTestId('schools').getByText(ELSEWHERE.schoolCode).count()).toBe(0);
    // …whose hint links back to the commune's scorecard, its records failing as theirs do: by an error or a warning
    const scorecardOf = `#/quality?level=commune&code=${COMMUNE}`;
    const back = ui.page.getByTestId('criteria-hint');
    expect(await back.textContent()).toMatch(
      /30 ngày qua không có lỗi hay cảnh báo của tiêu chí; không phải thẻ điểm/,
    );
    expect(await back.getByRole('link').getAttribute('href')).toBe(scorecardOf);
    await ui.shot('05-commune-schools');
    // a school's page links to its own commune's scorecard, not the Quality page in general (polish6), in both languages
    await ui.page.getByTestId('schools').getByText(SCHOOL.schoolCode).click();
    await ui.page.getByTestId('school-title').waitFor();
    const own = ui.page.getByTestId('criteria-hint').getByRole('link');
    expect(await own.getAttribute('href')).toBe(scorecardOf);
    expect(await own.textContent()).toBe(`thẻ điểm của xã/phường ${COMMUNE} →`);
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(() => own.textContent(), { timeout: 30_000 })
      .toBe(`the scorecard of commune ${COMMUNE} →`);
    await ui.page.getByTestId('lang').click();
    await expect
      .poll(() => own.textContent(), { timeout: 30_000 })
      .toBe(`thẻ điểm của xã/phường ${COMMUNE} →`);
    await own.click();
    await ui.page.getByTestId('scorecards').waitFor();
    expect(ui.page.url()).toContain(scorecardOf);
    await ui.shot('06-school-commune-scorecard');
  });
});
