/**
 * gates3 item 3: the overview's circuit badge shows, while a system's circuit is probing, what a failed probe will do
 * (GET /v1/ops/overview `ifProbeFails`, beside the badge's `openedBy` and pause): refused credentials opened it, so a
 * city admin must fix truc's credentials, in Vietnamese then English; nothing of the kind while the circuit is closed.
 * In a real browser (Debian's Chromium, test/helpers/dashboard-browser.ts); the gate's row written as the gate leaves
 * it when a probe of a circuit refused credentials opened goes out.
 */
import { describe, expect, it } from 'vitest';
import { hasChromium, useDashboard } from '../helpers/dashboard-browser.js';

describe.runIf(hasChromium())('gates3: a probing circuit says what its failure will do (Chromium)', () => {
  const ui = useDashboard({ shots: 'gates3' });

  it('refused credentials: the badge says a city admin must fix them (vi, then en)', async () => {
    await ui.env.deps.db.query(
      `INSERT INTO truc.delivery_gates (system, next_send_at, paused_until, pause_reason, circuit, failures, openings,
                                        last_error_code, opened_at, updated_at, last_error_at, opened_by, opened_for,
                                        probe_by)
       VALUES ('hcm-csdl', now(), now() + interval '30 seconds', 'probe', 'half-open', 1, 1,
               'ERR_ADAPTER_AUTH', now(), now(), now(), '["students:upsert"]', 'credentials',
               '{"caller": "staff:upsert", "process": "worker-1:4242"}')`,
    );
    await ui.asAdmin();
    const line = ui.page.getByTestId('systems').getByTestId('probe-if-fails');
    await line.waitFor();
    await ui.shot('probe-credentials-vi');
    // Red before: no such line (the badge said half-open, by students:upsert, paused for the probe).
    expect(await line.getAttribute('data-outcome')).toBe('city-admin');
    const vi = (await line.textContent()) ?? '';
    expect(vi).toMatch(
      /^Nếu lần thử thất bại, cầu dao mở lại \d+ giây rồi truc thử lại; nhưng hcm-csdl đã từ chối/,
    );
    expect(vi).toContain('quản trị thành phố');
    // gates5: who probes, as the gate recorded it (red before: no such line).
    const prober = ui.page.getByTestId('systems').getByTestId('probe-by');
    expect(await prober.getAttribute('data-probe-by')).toBe('staff:upsert');
    expect(await prober.textContent()).toBe('Đang thử: staff:upsert (tiến trình worker-1:4242)');
    await ui.page.getByTestId('lang').click();
    await expect.poll(async () => (await line.textContent()) ?? '', { timeout: 30_000 }).not.toBe(vi);
    const en = (await line.textContent()) ?? '';
    const proberEn = await prober.textContent();
    await ui.page.getByTestId('lang').click();
    expect(en).toMatch(
      /^If the probe fails, the circuit opens again for \d+ s, then truc probes again; but hcm-csdl/,
    );
    expect(en).toContain('until a city admin fixes them');
    expect(proberEn).toBe('Probing: staff:upsert (process worker-1:4242)');
  });
});
