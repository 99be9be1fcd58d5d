/**
 * The quality section of the configuration (issue 8): the city's deadlines, bands and domains by default, every
 * setting changed in YAML, bad settings listed with their paths, and a policy checked against the rules.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { policyProblems } from '../../src/quality/index.js';
import { configErrorOf, useConfigDirs } from '../helpers/config-dir.js';

/** A temp config folder holding `<profile>.yaml` with the given text. */
const configDir = useConfigDirs();

describe('loadConfig: the quality section (issue 8)', () => {
  it('default profile: the city’s deadlines, bands and domains; 2024 pinned to 13 and 20 September', () => {
    const q = loadConfig({ env: {} }).quality;
    expect(q.colourBands).toEqual({ green: 90, yellow: 75 });
    expect(q.deadlines).toMatchObject({ rollover: '09-13', masterData: '09-20' });
    expect(q.deadlines.byYear['2024-2025']).toEqual({ rollover: '2024-09-13', masterData: '2024-09-20' });
    expect(q.officialEmailDomains).toEqual(['hcm.edu.vn', 'moet.edu.vn', 'tphcm.gov.vn']);
    expect(q.syncMaxAgeDays).toBe(7);
    expect(q.runSliceSchools).toBe(100);
    expect(q.retirementAge).toEqual({ male: 62, female: 60 });
    expect(q.ageTolerance).toEqual({ younger: 1, older: 3 });
    expect(policyProblems(q.policy)).toEqual([]);
  });

  it('every setting may be changed in YAML', () => {
    const dir = configDir(
      'q',
      [
        'quality:',
        '  policy: { students: { DUNG_AGE_FOR_GRADE: error }, "*": { SACH_TEXT_NORMALISED: "off" } }',
        '  colourBands: { green: 95, yellow: 80 }',
        '  deadlines: { rollover: "09-15", masterData: "09-30" }',
        '  syncMaxAgeDays: 3',
        '  runSliceSchools: 250',
        '  retirementAge: { male: 61, female: 57 }',
        '  ageTolerance: { younger: 0, older: 2 }',
      ].join('\n'),
    );
    const q = loadConfig({ env: { TRUC_PROFILE: 'q' }, configDir: dir }).quality;
    expect(q.policy).toEqual({
      students: { DUNG_AGE_FOR_GRADE: 'error' },
      '*': { SACH_TEXT_NORMALISED: 'off' },
    });
    expect(q.colourBands).toEqual({ green: 95, yellow: 80 });
    expect(q.deadlines).toMatchObject({ rollover: '09-15', masterData: '09-30', byYear: {} });
    expect(q.syncMaxAgeDays).toBe(3);
    expect(q.runSliceSchools).toBe(250);
    expect(q.retirementAge).toEqual({ male: 61, female: 57 });
    expect(q.ageTolerance).toEqual({ younger: 0, older: 2 });
    expect(policyProblems(q.policy)).toEqual([]);
  });

  it('bad quality settings are listed with their paths', () => {
    const dir = configDir(
      'q',
      [
        'quality:',
        '  policy: { pupils: { DUNG_X: error }, students: { not_a_code: warning, DU_FIELD_MISSING: block } }',
        '  colourBands: { green: 70, yellow: 80 }',
        '  deadlines: { rollover: "13/09", byYear: { "2024": { rollover: "2024-13-01" } } }',
        '  syncMaxAgeDays: 0',
        '  runSliceSchools: 0',
      ].join('\n'),
    );
    const err = configErrorOf(() => loadConfig({ env: { TRUC_PROFILE: 'q' }, configDir: dir }));
    const text = err.problems.join('\n');
    for (const path of [
      'quality.policy',
      'quality.colourBands',
      'quality.deadlines.rollover',
      'quality.deadlines.byYear',
      'quality.syncMaxAgeDays',
      'quality.runSliceSchools',
    ]) {
      expect(text).toContain(path);
    }
  });

  it('a policy naming an unknown rule, or a rule for an entity it does not apply to, is a problem', () => {
    expect(policyProblems({ students: { DUNG_NO_SUCH_RULE: 'error' } })).toEqual([
      expect.stringContaining('quality.policy.students.DUNG_NO_SUCH_RULE'),
    ]);
    expect(policyProblems({ schools: { DUNG_AGE_FOR_GRADE: 'error' } })).toEqual([
      expect.stringContaining('does not apply to schools'),
    ]);
    expect(policyProblems({ '*': { DUNG_AGE_FOR_GRADE: 'error' } })).toEqual([]);
  });
});
