/**
 * fixw6b, the dashboard in a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts; no worker).
 * Item 3 (dash6's note): render() never cancelled an older render, so the page an older render was still drawing came
 * back over the newer one (a quick click after a language switch or a page change); a newer render now wins, the older
 * one's reads aborted and its answers dropped. Item 4 (dash6's note): an `admin` client without `quality:read` met
 * 403s on the Quality page and a school's website card, one without `guard` was offered links to #/guard; each page,
 * card and link now checks the scope it needs and asks nothing it would be refused.
 */
import type { Response, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addClient, type NewClient } from '../../src/ops.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { createWebsiteProbesRepo } from '../../src/store/website-probes.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const SCHOOL = {
  schoolCode: '79000681',
  name: 'Trường Tiểu học Sáu Tám Mốt',
  level: 'primary',
  provinceCode: '79',
  communeCode: '26995',
  status: 'active',
  website: 'https://th681.hcm.edu.vn',
};

describe.runIf(hasChromium())('fixw6b: the dashboard in Chromium', () => {
  const ui = useDashboard({ shots: 'fixw6b' });

  it('item 3: a newer render wins over an older one still waiting; the older page does not come back', async () => {
    // The first page of a session waits for GET /v1/me (no name kept yet): hold that first answer back 3 s.
    let first = true;
    let asked!: () => void;
    const meAsked = new Promise<void>((r) => (asked = r));
    let held: Promise<void> = Promise.resolve();
    const aborted: string[] = [];
    ui.page.on('requestfailed', (r) => aborted.push(new URL(r.url()).pathname));
    await ui.page.route('**/v1/me', async (route: Route) => {
      if (!first) return route.continue();
      first = false;
      asked();
      held = new Promise((r) => setTimeout(r, 3000));
      await held;
      await route.continue().catch(() => undefined); // the page may have aborted it meanwhile
    });
    try {
      await ui.signIn(ui.admin);
      await meAsked; // the overview's render waits on its GET /v1/me …
      await ui.page.evaluate("location.hash = '#/sync'"); // … when the admin clicks on to the sync runs
      await ui.page.getByTestId('page-sync').getByTestId('sync-runs-total').waitFor();
      await held;
      await ui.page.waitForTimeout(1000);
      expect(await ui.page.getByTestId('page-overview').count()).toBe(0);
      expect(await ui.page.getByTestId('page-sync').count()).toBe(1);
      expect(ui.page.url()).toContain('#/sync');
      expect(aborted).toContain('/v1/me'); // the older render's read was cancelled, not waited for
    } finally {
      await ui.page.unroute('**/v1/me');
    }
  });

  it('item 4: an admin client without quality:read and guard is offered no page, card or link it would be refused', async () => {
    const db = ui.env.deps.db;
    const school = SCHOOL;
    const website = school.website;
    await createRecordsRepo(db).upsert(
      'schools',
      [
        {
          key: school.schoolCode,
          scope: school.schoolCode,
          data: { ...school, website },
          fingerprint: fingerprint(school),
        },
      ],
      { system: 'hcm-csdl', mappingVersion: 'test' },
    );
    await createWebsiteProbesRepo(db).save([
      {
        schoolCode: school.schoolCode,
        website,
        probedAt: new Date(),
        answered: true,
        httpStatus: 200,
        rss: false,
      },
    ]);
    const custom = (await addClient(db, {
      name: 'IT tuỳ chỉnh',
      role: 'city-admin',
      scopes: ['admin'],
    })) as NewClient & {
      clientSecret: string;
    };
    const refused: string[] = [];
    const watch = (r: Response) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/v1/') && (r.status() === 401 || r.status() === 403))
        refused.push(`${r.request().method()} ${path} ${r.status()}`);
    };
    ui.page.on('response', watch);
    try {
      await ui.signIn(custom);
      await ui.page.getByTestId('page-overview').getByTestId('queues').waitFor();
      const nav: Array<string | null> = [];
      for (const a of await ui.page.locator('header nav a').all()) nav.push(await a.getAttribute('href'));
      expect(nav).toEqual(['#/overview', '#/schools', '#/sync', '#/dead-letters']);

      await ui.open(`#/schools/${school.schoolCode}`);
      await ui.page.getByTestId('school-title').waitFor();
      await ui.page.waitForLoadState('networkidle');
      expect(await ui.page.getByTestId('school-website').count()).toBe(0);

      // the list's own hint, not the school page's (both have one: ui.open waits for the new page)
      await ui.open('#/schools');
      await ui.page.getByTestId('criteria-hint').waitFor();
      expect(await ui.page.getByTestId('criteria-hint').getByRole('link').count()).toBe(0);

      await ui.open('#/sync');
      await ui.page.getByTestId('sync-runs-total').waitFor();
      expect(await ui.page.locator('a[href^="#/guard"]').count()).toBe(0);

      // the Quality page's address itself: refused on the page, the API not asked
      await ui.open('#/quality');
      await expect
        .poll(() => ui.page.getByTestId('page-quality').textContent(), { timeout: 30_000 })
        .toBe('Tài khoản này không có quyền xem trang này.');
      await ui.page.waitForLoadState('networkidle');
      await ui.shot('item4-quality-refused');
      expect(refused).toEqual([]);
    } finally {
      ui.page.off('response', watch);
    }
  });
});
