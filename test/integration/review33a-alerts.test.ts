/**
 * review33a F1 (/work/briefs/review33a-findings.md): TrucExternalSystemUnavailable (ops/prometheus/alerts.yml,
 * review32 F2) keys its alert on `last_error_code`, a label whose value changes with each failed probe
 * (src/jobs/gate-failure.ts `decideFailure`/`decideStrayFailure` write every failure's code to the gate's row,
 * src/jobs/state-metrics.ts exports it as a label). A target that fails its probes with alternating codes (a
 * proxy answering 503 to one probe, timing out on the next; a 429 on a probe) makes a new series at each probe
 * (at most every `maxOpenMs`, 60 s): the old one goes stale, the `for: 1m` of the new one starts again, and the
 * alert never fires, however long the outage lasts (or fires and resolves at each change: "RESOLVED" sent to the
 * admin while the system is still down). Here: hcm-csdl's circuit open from time 0, its probes failing once a
 * minute with ERR_ADAPTER_TIMEOUT and ERR_ADAPTER_UNAVAILABLE in turn (series going stale as a real scrape marks
 * them): after 20 minutes of outage the admin should have one alert for hcm-csdl.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasPromtool, promtool, PROMTOOL_TIMEOUT_MS } from '../helpers/promtool.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The two series as a 15-s scrape sees them: each present for a minute in turn, stale when it goes. */
function alternating(minutes: number): [string, string] {
  const a: string[] = [];
  const b: string[] = [];
  for (let m = 0; m < minutes; m += 1) {
    const [on, off] = m % 2 === 0 ? [a, b] : [b, a];
    on.push('0', '0', '0', '0');
    off.push(m === 0 ? '_' : 'stale', '_', '_', '_');
  }
  return [a.join(' '), b.join(' ')];
}

describe('review33a, the circuit-open alert through a long outage (promtool)', () => {
  it(
    'F1: a system down for 20 minutes whose probes fail with two codes in turn raises the alert',
    () => {
      expect(hasPromtool(), 'promtool is installed (.ci/run installs it)').toBe(true);
      const [timeouts, unavailable] = alternating(30);
      const labels = 'job="truc-worker",instance="worker:9464",role="worker",system="hcm-csdl"';
      const dir = mkdtempSync(join(tmpdir(), 'review33a-alerts-'));
      try {
        const file = join(dir, 'test.yml');
        writeFileSync(
          file,
          [
            'rule_files:',
            `  - ${join(ROOT, 'ops/prometheus/alerts.yml')}`,
            'evaluation_interval: 15s',
            'tests:',
            '  - interval: 15s',
            '    input_series:',
            `      - series: 'truc_circuit_open_since_timestamp_seconds{${labels},last_error_code="ERR_ADAPTER_TIMEOUT"}'`,
            `        values: "${timeouts}"`,
            `      - series: 'truc_circuit_open_since_timestamp_seconds{${labels},last_error_code="ERR_ADAPTER_UNAVAILABLE"}'`,
            `        values: "${unavailable}"`,
            '    alert_rule_test:',
            '      - eval_time: 20m',
            '        alertname: TrucExternalSystemUnavailable',
            // Asked to expect none, so that promtool prints what fires, whatever its labels and words.
            '        exp_alerts: []',
            '',
          ].join('\n'),
        );
        const r = promtool(['test', 'rules', file]);
        // Red today: promtool finds no alert at 20 minutes (it passes the "none" expected).
        expect(r.ok, 'an alert fires at 20 minutes').toBe(false);
        expect(r.output).toMatch(
          /got:\[\s*0:\s*Labels:\{alertname="TrucExternalSystemUnavailable"[^}]*system="hcm-csdl"/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    PROMTOOL_TIMEOUT_MS,
  );
});
