/** fix31d: which unread columns block a PCGD report (src/reporting/pcgd/unread.ts). */
import { describe, expect, it } from 'vitest';
import { resolveRuleSet } from '../../src/reporting/pcgd/rule-set.js';
import { DEFAULT_SETTINGS } from '../../src/reporting/pcgd/settings.js';
import { readsAt, unreadChecks } from '../../src/reporting/pcgd/unread.js';

const rules = resolveRuleSet(DEFAULT_SETTINGS);
const excluding = resolveRuleSet({ ...DEFAULT_SETTINGS, excludeDisabledFromDenominators: true });
const row = (field: string, age: number | null, persons = 2) => ({
  communeCode: '27667',
  field,
  age,
  persons,
});

describe('unread columns of surveyed persons', () => {
  it('an unknown disability blocks only when the rule set excludes disabled persons', () => {
    expect(readsAt(rules, 'disability', 6)).toBe(false);
    expect(readsAt(excluding, 'disability', 6)).toBe(true);
    expect(readsAt(excluding, 'disability', 80)).toBe(false);
    const [blocking] = unreadChecks(excluding, [row('disability', 6)]);
    expect([blocking!.rule, blocking!.severity, blocking!.count]).toStrictEqual([
      'PCGD_PERSONS_UNREAD',
      'error',
      2,
    ]);
    expect(blocking!.en).toContain('column khuyetTat');
    expect(blocking!.vi).toContain('cột khuyetTat');
    expect(unreadChecks(rules, [row('disability', 6)])[0]!.severity).toBe('warning');
  });

  it('a column blocks at the ages whose rules read it, and always for the birth date and residence', () => {
    expect(readsAt(rules, 'literacy', 20)).toBe(true);
    expect(readsAt(rules, 'literacy', 70)).toBe(false);
    expect(readsAt(rules, 'currentGrade', 6)).toBe(true);
    expect(readsAt(rules, 'currentGrade', 40)).toBe(false);
    expect(readsAt(rules, 'completed.primary', 11)).toBe(true);
    expect(readsAt(rules, 'birthDate', null)).toBe(true);
    expect(readsAt(rules, 'residenceType', 6)).toBe(true);
    expect(readsAt(rules, 'ethnicityCode', 6)).toBe(false);
    expect(readsAt(rules, 'sex', 6)).toBe(false);
    const out = unreadChecks(rules, [row('literacy', 20, 1), row('literacy', 70, 3), row('sex', 6, 1)]);
    expect(out.map((x) => [x.rule, x.count])).toStrictEqual([
      ['PCGD_PERSONS_UNREAD', 1],
      ['PCGD_PERSONS_UNREAD_UNUSED', 1],
    ]);
    expect(out[0]!.en).toMatch(/^1 person of the commune's population has a literacy \(column bietChu\)/);
    expect(out[0]!.vi).toMatch(/^1 người .*\(cột bietChu\)/);
  });
});
