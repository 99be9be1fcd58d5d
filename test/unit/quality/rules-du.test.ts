/** Every rule of đủ (complete): a passing case, a failing case and its boundaries. */
import { describe, expect, it } from 'vitest';
import { CLEAN, codes, rec, run, runInput } from './helpers.js';

describe('đủ', () => {
  it('personal ID missing, required fields from the configurable catalogue', async () => {
    const r = await run('students', [
      rec('students', { personalId: undefined }),
      rec('students', { fatherName: undefined, motherName: 'Lê Thị Ba' }),
      rec('students', { fatherName: undefined }),
    ]);
    expect(codes(r, 0)).toContain('DU_PERSONAL_ID_MISSING');
    expect(codes(r, 1)).toEqual([]);
    expect(r.findings.filter((f) => f.index === 2)).toMatchObject([
      { rule: 'DU_FIELD_MISSING', pointer: '/fatherName' },
    ]);
    const relaxed = await run('students', [rec('students', { fatherName: undefined })], {
      config: { requiredFields: {} },
    });
    expect(codes(relaxed)).toEqual([]);
  });

  it('a required field of the canonical model is refused', async () => {
    // each in a batch of its own: two records of one key (refused or not) repeat it (review14)
    for (const raw of [
      { ...CLEAN.students, fullName: '   ' },
      { ...CLEAN.students, sex: undefined },
    ])
      expect(codes(await runInput('students', [raw]), 0)).toEqual(['DU_REQUIRED_MISSING']);
  });

  it('every enrolled pupil in a class, every class with a homeroom teacher', async () => {
    const s = await run('students', [
      rec('students', { classCode: undefined }),
      rec('students', { classCode: undefined, status: 'transferred_out' }),
    ]);
    expect(codes(s, 0)).toContain('DU_STUDENT_WITHOUT_CLASS');
    expect(codes(s, 1)).not.toContain('DU_STUDENT_WITHOUT_CLASS');
    const c = await run('classes', [rec('classes', { homeroomStaffCode: undefined })]);
    expect(codes(c)).toEqual(['DU_CLASS_WITHOUT_HOMEROOM', 'SONG_MASTER_DATA_LATE']);
  });

  it('every school with its contact fields', async () => {
    const r = await run('schools', [rec('schools', { website: undefined, phone: undefined })]);
    expect(r.findings.map((f) => f.pointer)).toEqual(['/phone', '/website']);
    expect(codes(r)).toEqual(['DU_SCHOOL_CONTACT_MISSING', 'DU_SCHOOL_CONTACT_MISSING']);
  });
});
