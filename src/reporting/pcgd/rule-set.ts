/**
 * The PCGD-XMC counting rules as a versioned rule set (`pcgd-2014.1`, docs PCGD-RULES.md): who is
 * counted and the eleven commune indicators (./indicators.ts), the nine commune levels with their ĐBKK
 * thresholds and the province roll-up (./levels.ts), and the settings that are ours (OURS in
 * PCGD-RULES.md), resolved from configuration (./settings.ts); a report carries the resolved rule set
 * and the list of its unverified settings.
 *
 * Thresholds are percentages with at most two decimals; every comparison is exact (see evaluate.ts).
 */
import { createHash } from 'node:crypto';
import type { PcgdConfig } from '../../config.js';
import { canonicalJson } from '../../audit/chain.js';
import { INDICATORS, type IndicatorDef } from './indicators.js';
import { levelsOf, type LevelDef } from './levels.js';
import {
  DEFAULT_SETTINGS,
  difficultCommunesUnverified,
  settingsOf,
  unverifiedOf,
  type RuleSettings,
  type UnverifiedSetting,
} from './settings.js';

export const RULE_SET_VERSION = 'pcgd-2014.1';

/** A resolved rule set: what a report was computed with. */
export interface RuleSet {
  version: typeof RULE_SET_VERSION;
  settings: RuleSettings;
  /** sha-256 of the canonical JSON of `settings` (first 16 hex digits): two reports with the same digest counted alike. */
  settingsDigest: string;
  indicators: readonly IndicatorDef[];
  levels: readonly LevelDef[];
  unverified: readonly UnverifiedSetting[];
}

/** The rule set `pcgd-2014.1` with these settings. */
export function resolveRuleSet(settings: RuleSettings = DEFAULT_SETTINGS): RuleSet {
  const digest = createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
  return {
    version: RULE_SET_VERSION,
    settings,
    settingsDigest: digest,
    indicators: INDICATORS,
    levels: levelsOf(settings),
    unverified: unverifiedOf(settings),
  };
}

/** The ĐBKK communes of a report year, from configuration. */
export function difficultCommunesOf(cfg: Partial<PcgdConfig> | undefined, year: number): ReadonlySet<string> {
  return new Set(cfg?.difficultCommunes?.[String(year)] ?? []);
}

/**
 * The rule set the configuration's `pcgd` section resolves to; for a report `year`, also unverified when the
 * configuration names no ĐBKK list for that year (review31 F4: ./settings.ts difficultCommunesUnverified).
 */
export function ruleSetOf(cfg: PcgdConfig, year?: number): RuleSet {
  const rules = resolveRuleSet(settingsOf(cfg));
  if (year === undefined) return rules;
  return { ...rules, unverified: [...rules.unverified, ...difficultCommunesUnverified(cfg, year)] };
}
