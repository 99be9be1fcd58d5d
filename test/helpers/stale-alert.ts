/**
 * TrucSyncStale as the city's IT meets it, for the alert tests (review30 F2, fix31c): the stored-state gauges truc
 * exports now as promtool input series, and promtool evaluating ops/prometheus/alerts.yml over them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { registerStateMetrics } from '../../src/jobs/state-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { TestEnv } from './env.js';
import { promtool } from './promtool.js';

/**
 * The stored-state gauges truc exports now, as promtool input series held for ~30 h: a `*_timestamp_seconds`
 * value is shifted so that now is promtool's 2 h (its clock starts at the epoch).
 */
export async function exportedSeries(deps: TestEnv['deps']): Promise<string[]> {
  const metrics = createMetrics();
  await registerStateMetrics({ ...deps, metrics, logger: pino({ level: 'silent' }) })();
  const text = await metrics.registry.metrics();
  const gauges = new Set([...text.matchAll(/^# TYPE (truc_\w+) gauge$/gm)].map((m) => m[1]!));
  const nowS = Date.now() / 1000;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(truc_\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || !gauges.has(m[1]!)) continue;
    let v = Number(m[3]);
    if (!Number.isFinite(v)) continue;
    if (m[1]!.endsWith('_timestamp_seconds')) v = Math.max(0, Math.round(v - nowS + 7200));
    const labels = (m[2] ?? '{}').replace(/^\{/, '{job="truc-worker",').replace(',}', '}');
    out.push(`      - series: '${m[1]}${labels}'`, `        values: '${v}x1800'`);
  }
  return out;
}

/**
 * promtool testing alerts.yml over `series` at `evalTime` (e.g. '27h') expecting no TrucSyncStale: it fails (`ok`
 * false) when the alert fires, and its output shows the alerts it got.
 */
export function staleAlertsAt(series: readonly string[], evalTime: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'truc-stale-'));
  try {
    writeFileSync(join(dir, 'alerts.yml'), readFileSync('ops/prometheus/alerts.yml', 'utf8'));
    writeFileSync(
      join(dir, 'stale.test.yml'),
      [
        'rule_files: [alerts.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        ...series,
        '    alert_rule_test:',
        `      - eval_time: ${evalTime}`,
        '        alertname: TrucSyncStale',
        '        exp_alerts: []',
        '',
      ].join('\n'),
    );
    return promtool(['test', 'rules', join(dir, 'stale.test.yml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
