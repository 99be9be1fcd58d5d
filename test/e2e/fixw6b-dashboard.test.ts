/**
 * fixw6b, the dashboard in a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts; no worker).
 * Item 3 (dash6's note): render() never cancelled an older render, so the page an older render was still drawing came
 * back over the newer one (a quick click after a language switch or a page change); a newer render now wins, the older
 * one's reads aborted and its answers dropped. Item 4 (dash6's note): an `admin` client without `quality:read` met
 * 403s on the Quality page and a school's website card, one without `guard` was offered links to #/guard; each page,
 * card and link now checks the scope it needs and asks nothing it would be refused.
 */
import type { Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

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
});
