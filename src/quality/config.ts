/**
 * The quality engine's settings: the `quality` section of the configuration (src/config/quality.ts, where
 * each setting, its default and its source are documented; config/default.yaml repeats the values
 * the city sets each year). Rules read them from their batch context, never from a global.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_QUALITY_SETTINGS, type QualitySettings } from '../config.js';
import type { EntityName } from '../canonical/entities.js';

/** How a finding weighs: `error` rejects the record, `warning` accepts and flags, `info` only informs. */
export type Severity = 'error' | 'warning' | 'info';

/** Per entity ('*' = all), rule code → the severity the city wants ('off' switches the rule off). */
export type QualityPolicy = Readonly<
  Partial<Record<EntityName | '*', Readonly<Record<string, Severity | 'off'>>>>
>;

/** The quality section of the configuration. */
export type QualityConfig = QualitySettings;

/** The defaults (what an empty `quality:` section means). */
export const DEFAULT_QUALITY_CONFIG: QualityConfig = DEFAULT_QUALITY_SETTINGS;

/** Each policy's digest ({@link policyDigest}), once per config object (a config is loaded once and not changed). */
const digests = new WeakMap<QualityConfig, string>();

/**
 * The SHA-256 (hex) of the city's quality settings, which judging reads (severities, deadlines): what a kept
 * judgment records of the policy it was made under (a vendor repeat's tag, a remembered refusal's stamp).
 */
export function policyDigest(quality: QualityConfig): string {
  let digest = digests.get(quality);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(quality)).digest('hex');
    digests.set(quality, digest);
  }
  return digest;
}

/** The deadline of `kind` in `schoolYear` ('2025-2026'), as an ISO date: the year's pinned date, else MM-DD in its first year. */
export function deadlineOf(
  schoolYear: string,
  kind: 'rollover' | 'masterData',
  deadlines: QualityConfig['deadlines'],
): string {
  return deadlines.byYear[schoolYear]?.[kind] ?? `${schoolYear.slice(0, 4)}-${deadlines[kind]}`;
}
