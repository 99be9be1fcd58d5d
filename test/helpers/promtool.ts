/**
 * `promtool check metrics` over an exposition text, when promtool is installed (Debian's
 * `prometheus` package; `.ci/run` installs it). Returns undefined when it is not.
 */
import { spawnSync } from 'node:child_process';

export function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** promtool's verdict on an exposition text: ok, and what it printed (lint problems, one a line). */
export function promtoolCheckMetrics(text: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/**
 * promtool's verdict on Prometheus configuration or rule files. `promtool test rules` needed ~13 CPU-s for
 * ops/prometheus/alerts.test.yml before TrucSyncStale's cases moved to alerts-stale.test.yml (~5 with both, ci7b):
 * 35 s of wall at load 17 on the 2-core machine was past the 30 s it was given.
 */
export const PROMTOOL_TIMEOUT_MS = 120_000;

export function promtool(args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: PROMTOOL_TIMEOUT_MS });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}
