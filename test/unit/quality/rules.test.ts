/** Every rule: a passing case, a failing case and its boundaries. */
import { describe, expect, it } from 'vitest';
import { makePersonalId } from '../../../src/canonical/personal-id.js';
import { toTcvn3Mojibake, toVniMojibake } from '../../../src/canonical/legacy-encodings.js';
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
    const r = await runInput('students', [
      { ...CLEAN.students, sex: 'unknown' },
      { ...CLEAN.students, ethnicityCode: '57' },
      { ...CLEAN.students, status: 'Đang học' },
    ]);
    for (const i of [0, 1, 2]) expect(codes(r, i)).toEqual(['DUNG_CODE_UNKNOWN']);
    expect(r.findings.every((f) => f.value === undefined)).toBe(true);
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

  it('identity fields that differ from the city database', async () => {
    const ours = rec('students', { studentCode: '7900000101' });
    const city = { ...ours, fullName: 'Nguyễn Thị Hồng Nhung' };
    const r = await run('students', [ours], {
      lookups: { authoritative: async () => new Map([['7900000101', city]]) },
    });
    expect(r.findings).toMatchObject([{ rule: 'DUNG_CITY_CONFLICT', pointer: '/fullName' }]);
  });
});

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
    const r = await runInput('students', [
      { ...CLEAN.students, fullName: '   ' },
      { ...CLEAN.students, sex: undefined },
    ]);
    expect(codes(r, 0)).toEqual(['DU_REQUIRED_MISSING']);
    expect(codes(r, 1)).toEqual(['DU_REQUIRED_MISSING']);
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

describe('sạch', () => {
  it('NFD, extra spaces: normalised and the change reported', async () => {
    const r = await runInput('students', [
      { ...CLEAN.students, fullName: `  ${'Nguyễn Thị  Hồng'.normalize('NFD')} ` },
    ]);
    expect(codes(r)).toEqual(['SACH_TEXT_NORMALISED']);
    expect(r.records[0]?.['fullName']).toBe('Nguyễn Thị Hồng');
    expect(r.findings[0]?.severity).toBe('info');
  });

  it('names in proper case: stored corrected, reported', async () => {
    const r = await run('students', [
      rec('students', { fullName: 'NGUYỄN THỊ HỒNG', fatherName: 'nguyễn văn nam' }),
    ]);
    expect(r.findings.map((f) => `${f.rule} ${f.pointer}`)).toEqual([
      'SACH_NAME_CASE /fullName',
      'SACH_NAME_CASE /fatherName',
    ]);
    expect(r.records[0]).toMatchObject({ fullName: 'Nguyễn Thị Hồng', fatherName: 'Nguyễn Văn Nam' });
  });

  it('VNI and TCVN3 mojibake repaired (input step and canonical records), reported', async () => {
    const vni = toVniMojibake('Trần Thị Hồng Nhung');
    const tcvn3 = toTcvn3Mojibake('Nguyễn Văn Nam');
    expect(vni).toBe('Traàn Thò Hoàng Nhung');
    expect(tcvn3).toBe('NguyÔn V¨n Nam');
    const input = await runInput('students', [
      { ...CLEAN.students, fullName: vni },
      { ...CLEAN.students, studentCode: 'B', fullName: tcvn3 },
    ]);
    expect(codes(input, 0)).toEqual(['SACH_MOJIBAKE_REPAIRED']);
    expect(input.records[0]?.['fullName']).toBe('Trần Thị Hồng Nhung');
    expect(input.records[1]?.['fullName']).toBe('Nguyễn Văn Nam');
    const mapped = await run('students', [rec('students', { motherName: toVniMojibake('Lê Thị Thủy') })]);
    expect(codes(mapped)).toEqual(['SACH_MOJIBAKE_REPAIRED']);
    expect(mapped.records[0]?.['motherName']).toBe('Lê Thị Thủy');
  });

  it('mojibake that cannot be repaired is refused', async () => {
    const r = await run('schools', [rec('schools', { address: '12 §­êng ¸¸¸' })]);
    expect(codes(r)).toEqual(['SACH_MOJIBAKE']);
    expect(r.rejected.has(0)).toBe(true);
  });

  it('control and replacement characters refused', async () => {
    const input = await runInput('students', [{ ...CLEAN.students, fullName: 'Nguyễn\u202eThị' }]);
    expect(codes(input)).toEqual(['SACH_CONTROL_CHARS']);
    expect(input.rejected.has(0)).toBe(true);
    const r = await run('schools', [rec('schools', { address: '12 Tr\ufffdn Hưng Đạo' })]);
    expect(codes(r)).toEqual(['SACH_REPLACEMENT_CHAR']);
  });

  it.each(['x', 'X', 'Không có', 'KHONG CO', '...', '0000', 'n/a', 'chưa cập nhật'])(
    'placeholder %j refused',
    async (v) => {
      const r = await run('students', [rec('students', { fatherName: v })]);
      expect(codes(r)).toEqual(['SACH_PLACEHOLDER']);
    },
  );

  it('placeholder phone and e-mail; real short names are not placeholders', async () => {
    const r = await run('staff', [
      rec('staff', { phone: '0000000000' }),
      rec('staff', { email: 'test@hcm.edu.vn' }),
      rec('staff', { fullName: 'Lò Na' }),
    ]);
    expect(codes(r, 0)).toContain('SACH_PLACEHOLDER');
    expect(codes(r, 1)).toEqual(['SACH_PLACEHOLDER']);
    expect(codes(r, 2)).toEqual([]);
  });

  it('duplicates in a batch: the same key, the same personal ID, probable duplicates without an ID', async () => {
    const r = await run('students', [
      rec('students', { studentCode: 'A', personalId: '079319012345' }),
      rec('students', { studentCode: 'A', personalId: '079319012345' }),
      rec('students', { studentCode: 'B', personalId: '079319012345' }),
      rec('students', {
        studentCode: 'C',
        personalId: undefined,
        fullName: 'Trần Văn An',
        birthDate: '2019-05-05',
        fatherName: 'Trần Văn Ba',
      }),
      rec('students', {
        studentCode: 'D',
        personalId: undefined,
        fullName: 'trần văn an',
        birthDate: '2019-05-05',
        fatherName: 'Trần Văn Ba',
      }),
      rec('students', {
        studentCode: 'E',
        personalId: undefined,
        fullName: 'Trần Văn An',
        birthDate: '2019-05-05',
        fatherName: 'Lê Văn Tư',
      }),
    ]);
    expect(codes(r, 1)).toEqual(['SACH_DUPLICATE_IN_BATCH']);
    expect(codes(r, 2)).toEqual(['SACH_DUPLICATE_PERSONAL_ID']);
    expect(codes(r, 4)).toContain('SACH_PROBABLE_DUPLICATE');
    expect(codes(r, 5)).not.toContain('SACH_PROBABLE_DUPLICATE'); // another father
    expect(codes(r, 0)).toEqual([]);
  });

  it('a child active at two schools (across batches, through the store)', async () => {
    const holders = new Map([['079319012345', [{ key: 'OTHER', schoolCode: '79000002' }]]]);
    const r = await run(
      'students',
      [
        rec('students', { personalId: '079319012345' }),
        rec('students', { studentCode: 'X', personalId: '079319099999', status: 'transferred_out' }),
      ],
      {
        lookups: { activeHolders: async () => holders },
      },
    );
    expect(codes(r, 0)).toEqual(['SACH_ACTIVE_AT_TWO_SCHOOLS']);
    expect(codes(r, 1)).toEqual([]);
  });

  it('a personal ID another live record of the same school holds in the store (across batches)', async () => {
    const id = '079319012345';
    const holders = new Map([
      [id, [{ key: 'STORED', schoolCode: '79000001' }]],
      ['079319099999', [{ key: 'ELSEWHERE', schoolCode: '79000002' }]],
    ]);
    const mine = (studentCode: string, personalId: string) =>
      rec('students', { studentCode, personalId, schoolCode: '79000001' });
    const lookups = { scopeHolders: async () => holders };
    const r = await run('students', [mine('NEW', id), mine('OTHER', '079319099999')], { lookups });
    expect(codes(r, 0)).toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    expect(r.rejected.has(0)).toBe(true);
    // Held at another school only: not this rule's (the two-schools rule's).
    expect(codes(r, 1)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    // The batch carries the stored holder with another ID: judged as the batch has it, no duplicate.
    const fixed = await run('students', [mine('NEW', id), mine('STORED', '079319000000')], { lookups });
    expect(codes(fixed, 0)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
    expect(codes(fixed, 1)).not.toContain('SACH_DUPLICATE_PERSONAL_ID_STORED');
  });

  it('a probable duplicate of a stored record (name, birth date, a parent; one side without an ID)', async () => {
    const mine = rec('students', { personalId: undefined, fullName: 'Lê Thị Hoa', birthDate: '2018-05-06' });
    const stored = (changes: Record<string, unknown>) => ({
      key: 'ELSEWHERE',
      rec: { ...mine, studentCode: 'ELSEWHERE', schoolCode: '79000002', ...changes },
    });
    const runWith = async (twins: { key: string; rec: Record<string, unknown> }[], recs = [mine]) => {
      const r = await run('students', recs, {
        lookups: { bornOn: async () => new Map([['2018-05-06', twins]]) },
      });
      return { ...r, findings: r.findings.filter((f) => f.rule.startsWith('SACH_')) };
    };
    // Same name (any case and spacing), same day, same father: flagged.
    expect(codes(await runWith([stored({ fullName: 'LÊ  THỊ HOA' })]))).toEqual([
      'SACH_PROBABLE_DUPLICATE_STORED',
    ]);
    // Another father and mother: not the same child.
    expect(codes(await runWith([stored({ fatherName: 'Trần Văn Ba', motherName: undefined })]))).toEqual([]);
    // Both with a personal ID: twins are told apart by their IDs, not flagged.
    const withId = { ...mine, personalId: '079318000001' };
    expect(codes(await runWith([stored({ personalId: '079318000002' })], [withId]))).toEqual([]);
    // The record itself, stored before: not its own duplicate.
    expect(codes(await runWith([{ key: String(mine['studentCode']), rec: mine }]))).toEqual([]);
  });
});

describe('sống', () => {
  it('a 2019-2020 record pushed today is flagged', async () => {
    const r = await run('students', [
      rec('students', {
        schoolYear: '2019-2020',
        grade: 'kg3',
        birthDate: '2016-01-01',
        personalId: undefined,
      }),
    ]);
    expect(r.findings.find((f) => f.rule === 'SONG_NOT_CURRENT_YEAR')).toMatchObject({ value: '2019-2020' });
  });

  it('master data incomplete after its deadline (configurable), not before', async () => {
    const late = await run('students', [rec('students', { personalId: undefined })]);
    expect(codes(late)).toContain('SONG_MASTER_DATA_LATE');
    const early = await run('students', [rec('students', { personalId: undefined })], {
      config: { deadlines: { rollover: '09-13', masterData: '10-01', byYear: {} } },
    });
    expect(codes(early)).not.toContain('SONG_MASTER_DATA_LATE');
    // A date pinned for the school year wins over the yearly MM-DD.
    const pinned = await run('students', [rec('students', { personalId: undefined })], {
      config: {
        deadlines: {
          rollover: '09-13',
          masterData: '09-20',
          byYear: { '2025-2026': { masterData: '2025-12-01' } },
        },
      },
    });
    expect(codes(pinned)).not.toContain('SONG_MASTER_DATA_LATE');
  });

  it('staff past retirement age still active (the birthday is the boundary)', async () => {
    const r = await run('staff', [
      rec('staff', { birthDate: '1963-10-01', personalId: undefined }),
      rec('staff', { birthDate: '1963-10-02', personalId: undefined }),
      rec('staff', { birthDate: '1960-01-01', personalId: undefined, status: 'retired' }),
    ]);
    expect(codes(r, 0)).toContain('SONG_STAFF_PAST_RETIREMENT');
    expect(codes(r, 1)).not.toContain('SONG_STAFF_PAST_RETIREMENT');
    expect(codes(r, 2)).not.toContain('SONG_STAFF_PAST_RETIREMENT');
  });

  it('status inconsistent with the authoritative source', async () => {
    const ours = rec('students', { studentCode: '7900000101' });
    const r = await run('students', [ours], {
      lookups: {
        authoritative: async () => new Map([['7900000101', { ...ours, status: 'transferred_out' }]]),
      },
    });
    expect(r.findings).toMatchObject([{ rule: 'SONG_STATUS_CONFLICT', value: 'studying' }]);
  });

  it('last successful sync older than the configured age', async () => {
    const syncs = new Map([
      [
        '79000001',
        [
          { system: 'smas', at: '2025-09-23T16:59:00Z' },
          { system: 'hcm-csdl', at: '2025-09-30T01:00:00Z' },
        ],
      ],
    ]);
    const r = await run('students', [rec('students')], {
      schoolCode: '79000001',
      lookups: { lastSyncs: async () => syncs },
    });
    expect(r.findings).toMatchObject([
      { index: -1, rule: 'SONG_SYNC_STALE', detail: { en: 'System: smas.' } },
    ]);
  });

  it('school year not rolled over by the deadline', async () => {
    const counts = async () => new Map([['79000001', 0]]);
    const old = rec('students', { schoolYear: '2024-2025', grade: 'kg5', personalId: undefined });
    const r = await run('students', [old], {
      schoolCode: '79000001',
      lookups: { currentYearCounts: counts },
    });
    expect(codes(r, -1)).toEqual(['SONG_ROLLOVER_LATE']);
    const rolled = await run('students', [rec('students')], {
      schoolCode: '79000001',
      lookups: { currentYearCounts: counts },
    });
    expect(codes(rolled, -1)).toEqual([]);
  });
});
