/**
 * schedui (walk3 finding W3-4): the overview's schedules card only read; a city admin paused, resumed or ran a
 * schedule through the API or `truc schedules`. In a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts):
 * the card's buttons, confirmed, pause, resume and run one now; the card says the outcome (who paused it, the sync run
 * requested with a link to its runs, a second run now refused beside the unfinished one), and the API and the audit
 * log changed as the API's own calls change them.
 */
import { describe, expect, it } from 'vitest';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

const ID = 'hcm-csdl-students-nightly';

describe.runIf(hasChromium())('schedui: the schedules card pauses, resumes and runs now in Chromium', () => {
  const dialogs: string[] = [];
  const ui = useDashboard({
    shots: 'schedui',
    onDialog: (m) => dialogs.push(m),
    configure: (config) => ({
      ...config,
      // configured, so its run now is requested (nothing here pulls it: no worker runs; its run stays queued)
      systems: {
        ...config.systems,
        'hcm-csdl': {
          ...config.systems['hcm-csdl'],
          baseUrl: 'http://127.0.0.1:9',
          clientId: 'truc',
          clientSecret: 'unused',
        },
      },
      sync: {
        ...config.sync,
        schedules: {
          [ID]: {
            kind: 'pull',
            cron: '10 1 * * *',
            tz: 'Asia/Ho_Chi_Minh',
            system: 'hcm-csdl',
            entity: 'students',
            full: false,
          },
        },
      },
    }),
  });

  const audit = async () =>
    (
      await ui.env.deps.db.query<{ actor: string; action: string }>(
        `SELECT actor, action FROM truc.audit_log WHERE subject = $1 ORDER BY seq`,
        [`schedule:${ID}`],
      )
    ).rows;
  /** The schedule as GET /v1/schedules says it now (the city admin's token). */
  const asApi = async () => {
    const token = await ui.adminToken();
    const list = await fetch(`${ui.base}/v1/schedules`, { headers: { authorization: `Bearer ${token}` } });
    const { items } = (await list.json()) as {
      items: Array<{ id: string; paused: boolean; pausedById: string | null }>;
    };
    const x = items.find((i) => i.id === ID)!;
    return { paused: x.paused, pausedById: x.pausedById };
  };

  it('pauses, resumes and runs a schedule, each confirmed, said and audited', async () => {
    await ui.asAdmin();
    const card = ui.page.getByTestId('schedules');
    await card.locator('tbody tr').first().waitFor();
    const result = ui.page.getByTestId('schedule-result');

    await ui.page.getByTestId(`pause-${ID}`).click();
    await expect.poll(() => result.textContent()).toBe(`Đã tạm dừng lịch ${ID}.`);
    expect(dialogs.at(-1)).toBe(`Tạm dừng lịch ${ID}? Các lần kích hoạt sẽ không yêu cầu gì.`);
    await expect.poll(() => card.getByTestId('paused-by').textContent()).toBe(`bởi ${ui.admin.name}`);
    expect(await asApi()).toEqual({ paused: true, pausedById: ui.admin.clientId });
    expect(await audit()).toEqual([{ actor: ui.admin.clientId, action: 'schedule.paused' }]);

    await ui.page.getByTestId(`resume-${ID}`).click();
    await expect.poll(() => result.textContent()).toBe(`Đã tiếp tục lịch ${ID}.`);
    await ui.page.getByTestId(`pause-${ID}`).waitFor();
    expect((await asApi()).paused).toBe(false);

    await ui.page.getByTestId(`run-${ID}`).click();
    await expect.poll(() => result.textContent()).toMatch(/^Lịch .*: đã yêu cầu lần đồng bộ #(\d+)\. Xem$/);
    const run = Number(/#(\d+)/.exec((await result.textContent()) ?? '')![1]);
    const runs = await ui.env.deps.db.query<{ requested_by: string }>(
      `SELECT requested_by FROM truc.sync_runs WHERE id = $1`,
      [run],
    );
    expect(runs.rows).toEqual([{ requested_by: ui.admin.clientId }]);
    expect(await result.getByTestId('schedule-run-link').getAttribute('href')).toBe(
      '#/sync?system=hcm-csdl&entity=students',
    );
    await ui.shot('run-requested-vi');
    expect((await audit()).map((a) => a.action)).toEqual([
      'schedule.paused',
      'schedule.resumed',
      'schedule.run',
    ]);

    // a second run now beside the unfinished one: refused (409), said in the card with its run named, nothing audited
    await ui.page.getByTestId(`run-${ID}`).click();
    await expect.poll(() => result.getAttribute('class')).toBe('error');
    expect(await result.getAttribute('role')).toBe('alert');
    expect(await result.textContent()).toContain(`${run}`);
    expect((await audit()).length).toBe(3);
  });
});
