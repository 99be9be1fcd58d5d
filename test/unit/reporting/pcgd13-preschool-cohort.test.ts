/**
 * pcgd13: under the `birth-year` age rule, `preschool5_completed` counts 5-year-olds (Y − birth year = 5) with a
 * preschool completion ≤ Y, but they complete in May of Y + 1 (the demo's figure was always 0, its simulator right):
 * every report says the reading is unverified (DOMAIN §1.3), in both languages; another age rule drops the entry.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ruleSetOf } from '../../../src/reporting/pcgd/rule-set.js';

const cfg = loadConfig({ env: { TRUC_PROFILE: 'test' } }).pcgd;
const entry = (c: typeof cfg) =>
  ruleSetOf(c, 2026).unverified.find((u) => u.setting === 'preschool5_completed.cohort');

describe("pcgd13: the preschool completion cohort's reading is said unverified", () => {
  it('is listed under the birth-year age rule, saying why the figure is 0', () => {
    expect(cfg.ageRule).toBe('birth-year');
    const u = entry(cfg);
    expect(u?.why.vi).toContain('luôn là 0');
    expect(u?.why.en).toContain('always 0');
  });

  it('is not listed under another age rule (the age rule itself is)', () => {
    expect(entry({ ...cfg, ageRule: 'on-date', ageOnDate: '01-01' })).toBeUndefined();
  });
});
