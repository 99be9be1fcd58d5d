/** Every rule of đúng (correct): a passing case, a failing case and its boundaries; and records every rule passes. */
import { describe, expect, it } from 'vitest';
import { makePersonalId } from '../../../src/canonical/personal-id.js';
import { CLEAN, EXTRA, codes, rec, run, runInput, TODAY } from './helpers.js';
import type { EntityName } from '../../../src/canonical/entities.js';

describe('clean records', () => {
  it.each(Object.keys(CLEAN) as EntityName[])(
    '%s: no finding, through the input step too',
    async (entity) => {
      expect(codes(await run(entity, [rec(entity)]))).toEqual([]);
      // The input step validates with today's canonical schema, which lacks the new fields yet.
      const r = await runInput(entity, [CLEAN[entity]], { requiredFields: {} });
      expect(r.findings.filter((f) => f.rule !== 'DU_SCHOOL_CONTACT_MISSING').map((f) => f.rule)).toEqual([]);
      expect(EXTRA).toBeDefined();
    },
  );
});

describe('đúng', () => {
  it('personal ID: province, sex and birth year against the record', async () => {
    const r = await run('students', [
      rec('students', { personalId: '000319012345' }),
      rec('students', { personalId: '079219012345' }),
      rec('students', { personalId: '079318012345' }),
      rec('students', {
        personalId: makePersonalId({ provinceCode3: '175', sex: 'female', birthYear: 2019, serial: 1 }),
      }),
    ]);
    expect(codes(r, 0)).toEqual(['DUNG_PERSONAL_ID_PROVINCE']);
    expect(codes(r, 1)).toEqual(['DUNG_PERSONAL_ID_SEX_MISMATCH']);
    expect(codes(r, 2)).toEqual(['DUNG_PERSONAL_ID_BIRTH_YEAR_MISMATCH']);
    expect(codes(r, 3)).toEqual([]); // born abroad (country code 175)
  });

  it('personal ID input: a legacy 9-digit CMND is dropped and reported the same way, empty is absent', async () => {
    const r = await runInput('students', [
      { ...CLEAN.students, personalId: '023 456 789' },
      { ...CLEAN.students, studentCode: 'B', personalId: '' },
      { ...CLEAN.students, studentCode: 'C', personalId: '0793.1901.2345' },
      { ...CLEAN.students, studentCode: 'D', personalId: '07931901234' },
    ]);
    expect(codes(r, 0)).toContain('DUNG_PERSONAL_ID_LEGACY');
    expect(r.records[0]?.['personalId']).toBeUndefined();
    expect(r.rejected.has(0)).toBe(false);
    expect(codes(r, 1)).toContain('DU_PERSONAL_ID_MISSING');
    expect(r.records[2]?.['personalId']).toBe('079319012345');
    expect(codes(r, 3)).toEqual(expect.arrayContaining(['DUNG_PERSONAL_ID_FORMAT']));
    expect(codes(r, 3)).not.toContain('DUNG_SCHEMA');
    expect(r.rejected.has(3)).toBe(true);
  });

  it('dates: not real (input), in the future (today is the boundary)', async () => {
    const input = await runInput('students', [{ ...CLEAN.students, birthDate: '2019-02-30' }]);
    expect(codes(input)).toEqual(['DUNG_DATE_INVALID']);
    const r = await run('staff', [
      rec('staff', { birthDate: '2026-01-01' }),
      rec('staff', { birthDate: '1985-06-07' }),
    ]);
    expect(codes(r, 0)).toContain('DUNG_DATE_IN_FUTURE');
    expect(r.rejected.has(0)).toBe(true);
    const s = await run('students', [
      rec('students', { statusDate: TODAY }),
      rec('students', { statusDate: '2025-10-02' }),
    ]);
    expect(codes(s, 0)).toEqual([]);
    expect(codes(s, 1)).toEqual(['DUNG_DATE_IN_FUTURE']);
  });

  it('age for grade: a child born in 2024 in grade 12 is flagged; tolerance edges are not', async () => {
    const r = await run('students', [
      rec('students', { grade: '12', birthDate: '2024-05-01', personalId: undefined }),
      rec('students', { grade: '1', birthDate: '2020-01-01', personalId: undefined }), // 5 in 2025: younger 1 ok
      rec('students', { grade: '1', birthDate: '2021-01-01', personalId: undefined }), // 4: too young
      rec('students', { grade: '1', birthDate: '2016-01-01', personalId: undefined }), // 9: older 3 ok
      rec('students', { grade: '1', birthDate: '2015-12-31', personalId: undefined }), // 10: too old
    ]);
    expect(codes(r, 0)).toContain('DUNG_AGE_FOR_GRADE');
    expect(codes(r, 1)).not.toContain('DUNG_AGE_FOR_GRADE');
    expect(codes(r, 2)).toContain('DUNG_AGE_FOR_GRADE');
    expect(codes(r, 3)).not.toContain('DUNG_AGE_FOR_GRADE');
    expect(codes(r, 4)).toContain('DUNG_AGE_FOR_GRADE');
    const wider = await run(
      'students',
      [rec('students', { grade: '1', birthDate: '2015-12-31', personalId: undefined })],
      {
        config: { ageTolerance: { younger: 1, older: 4 } },
      },
    );
    expect(codes(wider)).not.toContain('DUNG_AGE_FOR_GRADE');
  });

  it('staff minimum age', async () => {
    const r = await run('staff', [
      rec('staff', { birthDate: '2007-10-01', personalId: undefined }),
      rec('staff', { birthDate: '2007-10-02', personalId: undefined }),
    ]);
    expect(codes(r, 0)).not.toContain('DUNG_STAFF_AGE');
    expect(codes(r, 1)).toContain('DUNG_STAFF_AGE');
  });

  it('code lists: an unknown code is refused before storage', async () => {
    // each in a batch of its own: two records of one key (refused or not) repeat it (review14)
    for (const raw of [
      { ...CLEAN.students, sex: 'unknown' },
      { ...CLEAN.students, ethnicityCode: '57' },
      { ...CLEAN.students, status: 'Đang học' },
    ]) {
      const r = await runInput('students', [raw]);
      expect(codes(r, 0)).toEqual(['DUNG_CODE_UNKNOWN']);
      expect(r.findings.every((f) => f.value === undefined)).toBe(true);
    }
  });

  it('walk9: a code sent as a number is told to be text, in quotes, not "must be one of: …, 1, …"', async () => {
    const r = await runInput('students', [
      { ...CLEAN.students, grade: 1 },
      { ...CLEAN.students, grade: '13' },
    ]);
    const at = (i: number) => r.findings.find((f) => f.index === i)!;
    const [asNumber, unknown] = [at(0), at(1)];
    expect([asNumber.rule, asNumber.pointer, unknown.rule]).toEqual([
      'DUNG_CODE_UNKNOWN',
      '/grade',
      'DUNG_CODE_UNKNOWN',
    ]);
    expect(asNumber.detail).toEqual({
      vi: expect.stringMatching(/^Khối lớp là mã viết dạng chuỗi, trong dấu ngoặc kép: một trong .*"1", "2"/),
      en: expect.stringMatching(/^Grade is a code written as text, in quotes: one of .*"1", "2"/),
    });
    // a text code not on the list is told the list, as before
    expect(unknown.detail?.en).toMatch(/^Grade must be one of: nursery, .*, 1, 2,/);
  });

  it('commune in force at the record’s date, with the crosswalk for pre-reform codes', async () => {
    const r = await run('students', [
      rec('students', { residenceCommuneCode: '26734' }), // Tân Định before 1 July 2025
      rec('students', { residenceCommuneCode: '26734', schoolYear: '2024-2025', grade: 'kg5' }),
      rec('students', { residenceCommuneCode: '99999' }),
    ]);
    expect(codes(r, 0)).toEqual(['DUNG_COMMUNE_SUPERSEDED']);
    expect(r.findings[0]?.detail).toBeUndefined(); // a pupil's residence: no codes in the finding
    expect(codes(r, 1)).not.toContain('DUNG_COMMUNE_SUPERSEDED');
    expect(codes(r, 2)).toEqual(['DUNG_COMMUNE_UNKNOWN']);
    const s = await run('schools', [rec('schools', { communeCode: '26734' })]);
    expect(s.findings[0]).toMatchObject({
      rule: 'DUNG_COMMUNE_SUPERSEDED',
      detail: { en: 'New code(s): 26737.' },
    });
  });

  it('phone numbers and e-mail addresses', async () => {
    const r = await run('staff', [
      rec('staff', { phone: '0212345678' }),
      rec('staff', { phone: '+84912345678' }),
      rec('staff', { phone: '091234567' }),
      rec('staff', { email: 'a..b@hcm.edu.vn' }),
    ]);
    expect(codes(r, 0)).toEqual(['DUNG_PHONE_FORMAT']); // 02… is a landline: 11 digits
    expect(codes(r, 1)).toEqual([]);
    expect(codes(r, 2)).toEqual(['DUNG_PHONE_FORMAT']);
    expect(codes(r, 3)).toEqual(['DUNG_EMAIL_FORMAT']);
  });

  it('a school’s official e-mail on an official domain, and its website', async () => {
    const r = await run('schools', [
      rec('schools', { officialEmail: 'thkd@gmail.com' }),
      rec('schools', { officialEmail: 'thkd@c1.hcm.edu.vn' }),
      rec('schools', { website: 'thkimdong' }),
      rec('schools', { website: 'ftp://x.vn' }),
    ]);
    expect(r.findings[0]).toMatchObject({ rule: 'DUNG_SCHOOL_EMAIL_DOMAIN', value: 'thkd@gmail.com' });
    expect(codes(r, 1)).toEqual([]);
    expect(codes(r, 2)).toEqual(['DUNG_WEBSITE_FORMAT']);
    expect(codes(r, 3)).toEqual(['DUNG_WEBSITE_FORMAT']);
  });

  it('grade within the school’s level and class in the school and year (store lookups)', async () => {
    const lookups = {
      schools: async () => new Map([['79000001', { schoolCode: '79000001', level: 'primary' as const }]]),
      classes: async () => new Set(['79000001/2025-2026/79000001-2526-1-1']),
    };
    const r = await run(
      'students',
      [
        rec('students'),
        rec('students', { grade: '6', birthDate: '2014-01-01', personalId: undefined }),
        rec('students', { classCode: 'X' }),
      ],
      { lookups },
    );
    expect(codes(r, 0)).toEqual([]);
    expect(codes(r, 1)).toContain('DUNG_GRADE_LEVEL');
    expect(codes(r, 2)).toEqual(['DUNG_CLASS_UNKNOWN']);
    // A school and year whose classes the hub holds none of are not judged (classes may come later).
    const none = await run('students', [rec('students', { classCode: 'X' })], {
      lookups: { classes: async () => new Set(['79000002/2025-2026/C1']) },
    });
    expect(codes(none)).toEqual([]);
  });

  it('a batch of a school truc’s school list lacks: one warning for the batch, naming the code (W9-1)', async () => {
    const listed = async (codes: readonly string[]) =>
      new Map(
        codes.filter((c) => c === '79000001').map((c) => [c, { schoolCode: c, level: 'primary' as const }]),
      );
    const staff = [rec('staff', { schoolCode: '79000002' }), rec('staff', { schoolCode: '79000002' })];
    const r = await run('staff', staff, { schoolCode: '79000002', lookups: { schools: listed } });
    expect(r.findings.filter((f) => f.rule === 'DUNG_SCHOOL_UNLISTED')).toMatchObject([
      { index: -1, severity: 'warning', pointer: '', value: '79000002' },
    ]);
    expect(r.rejected.size).toBe(0);
    // Listed, or no store to ask (a run without lookups), or no batch school (a city pull): nothing.
    const ok = await run('students', [rec('students')], {
      schoolCode: '79000001',
      lookups: { schools: listed },
    });
    expect(codes(ok, -1)).toEqual([]);
    expect(codes(await run('staff', staff, { schoolCode: '79000002' }), -1)).toEqual([]);
    expect(codes(await run('staff', staff, { lookups: { schools: listed } }), -1)).toEqual([]);
  });

  it('identity fields that differ from the city database', async () => {
    const ours = rec('students', { studentCode: '7900000101' });
    const city = { ...ours, fullName: 'Nguyễn Thị Hồng Nhung' };
    const r = await run('students', [ours], {
      lookups: { authoritative: async () => new Map([['7900000101', city]]) },
    });
    expect(r.findings).toMatchObject([{ rule: 'DUNG_CITY_CONFLICT', pointer: '/fullName' }]);
  });
});
