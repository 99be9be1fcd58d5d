/**
 * fix35a (fix34e item 4, review33c N6), the guard's pages in a real browser (Debian's Chromium,
 * test/helpers/dashboard-browser.ts): who decided a hold, by name. The decided hold's page said
 * `Đã duyệt: <client id> …`, and the list of holds did not say who decided at all; now both name the admin as the API
 * does (`decidedBy`, the client's display name), its id in the tooltip (`decidedById`). walk2 F5: the header named the
 * signed-in admin by its id too; it names it as the lists do (GET /v1/me), the id in the tooltip. tidy: the name was
 * kept for the whole session, so a client an admin renamed was named as before until it signed in again.
 */
import { describe, expect, it } from 'vitest';
import { decideHold } from '../../src/jobs/contracts.js';
import { bearer, tokenFor } from '../helpers/api.js';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';
import { heldRunPage } from '../helpers/held-run.js';

describe.runIf(hasChromium())('fix35a: who decided a hold, by name, in Chromium', () => {
  const ui = useDashboard({ shots: 'fix35a' });

  it('the decided hold and the list of holds name the admin, the id in the tooltip', async () => {
    const db = ui.env.deps.db;
    const { holdId } = await heldRunPage(db, { reasons: [] });
    await db.tx((q) =>
      decideHold(q, { holdId, decision: 'approved', by: ui.admin.clientId, at: new Date() }),
    );
    await ui.asAdmin();
    await ui.page.goto(`${ui.base}/dashboard#/guard/${holdId}`);
    const decision = ui.page.getByTestId('guard-decision');
    await decision.waitFor();
    expect(await decision.textContent()).toContain('Sở GDĐT — IT');
    expect(await decision.textContent()).not.toContain(ui.admin.clientId);
    expect(await decision.getByTestId('decided-by').getAttribute('title')).toBe(ui.admin.clientId);

    await ui.page.goto(`${ui.base}/dashboard#/guard?status=approved`);
    const row = ui.page.getByTestId('guard-holds').locator('tbody tr').first();
    await row.waitFor();
    const who = row.getByTestId('decided-by');
    expect(await who.textContent()).toBe('Sở GDĐT — IT');
    expect(await who.getAttribute('title')).toBe(ui.admin.clientId);
    await ui.shot('decided-by');
  });

  it('walk2 F5: the header names who is signed in as the lists do, the id in the tooltip (GET /v1/me)', async () => {
    await ui.asAdmin();
    const who = ui.page.getByTestId('who');
    expect(await who.textContent()).toBe('Sở GDĐT — IT (Quản trị thành phố)');
    expect(await who.getAttribute('title')).toBe(ui.admin.clientId);
  });

  it('tidy: renamed while signed in, the header names it anew at the next page, no new sign-in', async () => {
    await ui.asAdmin();
    const who = ui.page.getByTestId('who');
    expect(await who.textContent()).toBe('Sở GDĐT — IT (Quản trị thành phố)');
    const rename = async (name: string) => {
      const res = await ui.app.inject({
        method: 'PATCH',
        url: `/v1/admin/clients/${ui.admin.clientId}`,
        headers: bearer(await tokenFor(ui.app, ui.admin)),
        payload: { name },
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    await rename('Sở GDĐT — CNTT');
    try {
      await ui.page.goto(`${ui.base}/dashboard#/audit`);
      await expect.poll(() => who.textContent()).toBe('Sở GDĐT — CNTT (Quản trị thành phố)');
      expect(await who.getAttribute('title')).toBe(ui.admin.clientId);
    } finally {
      await rename('Sở GDĐT — IT');
    }
  });
});
