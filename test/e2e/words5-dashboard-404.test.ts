/**
 * words5 (walk3 leftovers): the overview and a school's page asked for URLs that answer 404, seen as errors in the
 * browser's console: the tab's /favicon.ico (the page linked no icon) and, on a school whose website was never probed,
 * GET /v1/schools/{code}/website. In Chromium, signed in as the city admin: neither page meets a 404 or logs a
 * console error, before and after the school's website is probed; the icon is the dashboard's own.
 */
import type { ConsoleMessage, Response } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createWebsiteProbesRepo } from '../../src/store/website-probes.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const SCHOOL = '79000451';

describe.runIf(hasChromium())(
  'words5: the overview and a school page meet no 404 and no console error',
  () => {
    const ui = useDashboard({ shots: 'words5' });
    const notFound: string[] = [];
    const consoleErrors: string[] = [];
    const watch = () => {
      ui.page.on('response', (r: Response) => {
        if (r.status() === 404) notFound.push(new URL(r.url()).pathname);
      });
      ui.page.on('console', (m: ConsoleMessage) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      ui.page.on('pageerror', (e: Error) => consoleErrors.push(e.message));
    };
    const schoolPage = async () => {
      await ui.page.goto(`${ui.base}/dashboard#/schools/${SCHOOL}`);
      await ui.page.getByTestId('school-title').waitFor();
      await ui.page.getByTestId('school-website').waitFor();
      await ui.page.waitForLoadState('networkidle');
    };

    it('signs in, opens the overview and the school page: no 404, no console error; the tab has its icon', async () => {
      await ui.env.deps.db.query(
        `INSERT INTO truc.schools (school_code, data, fingerprint, source_system, mapping_version)
       VALUES ($1, '{"name": "Trường Tiểu học Hòa Bình"}', 'f', 'hcm-csdl', 'v1')`,
        [SCHOOL],
      );
      watch();
      await ui.asAdmin();
      await ui.page.waitForLoadState('networkidle');
      await schoolPage();
      expect(await ui.text('school-website')).toContain('Chưa kiểm tra');
      await createWebsiteProbesRepo(ui.env.deps.db).save([
        {
          schoolCode: SCHOOL,
          website: 'https://thhoabinh.hcm.edu.vn',
          probedAt: new Date(),
          answered: true,
          httpStatus: 200,
          rss: true,
        },
      ]);
      await ui.page.reload();
      await schoolPage();
      expect(await ui.text('school-website')).toContain('https://thhoabinh.hcm.edu.vn');
      await ui.shot('school');
      expect(notFound).toEqual([]);
      expect(consoleErrors).toEqual([]);
      const icon = await ui.page.locator('link[rel=icon]').getAttribute('href');
      const res = await fetch(`${ui.base}${icon}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      expect(await res.text()).toMatch(/^<svg /);
    });
  },
);
