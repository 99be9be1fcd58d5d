import { describe, expect, it } from 'vitest';
import {
  ClassGroupSchema,
  ENTITY_NAMES,
  ENTITY_SCHEMAS,
  PersonSchema,
  SchoolSchema,
  StaffSchema,
  StudentSchema,
  canonicalMessageVi,
  isEntityName,
  isProvisionalStudentCode,
  naturalKey,
  provisionalStudentCode,
  type ClassGroup,
  type Person,
  type School,
  type Staff,
  type Student,
} from '../../../src/canonical/index.js';

const school: School = {
  schoolCode: '79000701',
  name: 'Trường Tiểu học Lê Văn Tám',
  level: 'primary',
  provinceCode: '79',
  communeCode: '26734',
  status: 'active',
};

const classGroup: ClassGroup = {
  classCode: '1A1',
  schoolCode: '79000701',
  schoolYear: '2025-2026',
  grade: '1',
  name: '1A1',
};

const student: Student = {
  studentCode: '7900070100123',
  schoolCode: '79000701',
  classCode: '1A1',
  schoolYear: '2025-2026',
  grade: '1',
  personalId: '079219001234',
  fullName: 'Nguyễn Thị Mai',
  birthDate: '2019-03-14',
  sex: 'female',
  ethnicityCode: '01',
  status: 'studying',
};

const staff: Staff = {
  staffCode: 'GV0001',
  schoolCode: '79000701',
  fullName: 'Trần Văn Bình',
  birthDate: '1985-11-02',
  sex: 'male',
  position: 'teacher',
  subjects: ['Toán', 'Tiếng Việt'],
  status: 'working',
  email: 'binh@example.edu.vn',
};

const person: Person = {
  personRef: 'PCGD-79-000001',
  communeCode: '26734',
  householdNo: '12/3',
  fullName: 'Lê Văn Cường',
  birthDate: '2012-06-01',
  sex: 'male',
  ethnicityCode: '05',
  residenceType: 'permanent',
  currentGrade: '8',
  completed: { preschool: 2017, primary: 2023 },
  literacy: 'level2',
};

describe('entity schemas accept valid records', () => {
  it.each([
    ['schools', school],
    ['classes', classGroup],
    ['students', student],
    [
      'students',
      { ...student, studentCode: 'TAM-079219001234', disability: 'hearing', statusDate: '2025-09-05' },
    ],
    ['staff', staff],
    ['staff', { ...staff, personalId: '001185000001', ethnicityCode: '02', phone: '0901234567' }],
    ['persons', person],
    ['persons', { ...person, dropout: { grade: '7', year: 2024 }, movedAway: true, deceased: false }],
  ] as const)('%s %#', (entity, record) => {
    expect(ENTITY_SCHEMAS[entity].parse(record)).toEqual(record);
  });

  it('cleans text on the way in', () => {
    const parsed = StudentSchema.parse({ ...student, fullName: `  ${'Nguyễn  Thị Mai'.normalize('NFD')} ` });
    expect(parsed.fullName).toBe('Nguyễn Thị Mai');
  });
});

describe('entity schemas reject bad records', () => {
  it.each([
    ['school: unknown key', SchoolSchema, { ...school, district: '760' }],
    ['school: bad level', SchoolSchema, { ...school, level: 'tiểu học' }],
    ['school: 3-digit province', SchoolSchema, { ...school, provinceCode: '079' }],
    ['school: commune code too short', SchoolSchema, { ...school, communeCode: '2673' }],
    ['school: code with space', SchoolSchema, { ...school, schoolCode: '79 0007' }],
    ['school: status', SchoolSchema, { ...school, status: 'open' }],
    ['class: grade 13', ClassGroupSchema, { ...classGroup, grade: '13' }],
    ['class: school year not consecutive', ClassGroupSchema, { ...classGroup, schoolYear: '2025-2027' }],
    ['class: school year short form', ClassGroupSchema, { ...classGroup, schoolYear: '2025-26' }],
    ['student: birth date 2025-02-30', StudentSchema, { ...student, birthDate: '2025-02-30' }],
    ['student: dd/mm/yyyy date', StudentSchema, { ...student, birthDate: '14/03/2019' }],
    ['student: 9-digit ID', StudentSchema, { ...student, personalId: '079219001' }],
    ['student: ethnicity 1', StudentSchema, { ...student, ethnicityCode: '1' }],
    ['student: sex in Vietnamese', StudentSchema, { ...student, sex: 'Nữ' }],
    ['student: status in Vietnamese', StudentSchema, { ...student, status: 'Đang học' }],
    ['student: bad provisional code', StudentSchema, { ...student, studentCode: 'TAM-123' }],
    ['student: lower-case provisional', StudentSchema, { ...student, studentCode: 'tam-079219001234' }],
    ['student: missing name', StudentSchema, { ...student, fullName: undefined }],
    ['student: name with control char', StudentSchema, { ...student, fullName: 'Mai\u0007' }],
    ['student: name is markup', StudentSchema, { ...student, fullName: '<img src=x onerror=alert(1)>' }],
    ['student: prototype key', StudentSchema, JSON.parse(`{"__proto__": {"x": 1}, "studentCode": "1"}`)],
    ['staff: bad email', StaffSchema, { ...staff, email: 'binh@' }],
    ['staff: position', StaffSchema, { ...staff, position: 'Giáo viên' }],
    [
      'staff: too many subjects',
      StaffSchema,
      { ...staff, subjects: Array.from({ length: 31 }, () => 'Toán') },
    ],
    ['person: residence', PersonSchema, { ...person, residenceType: 'thường trú' }],
    ['person: completion year text', PersonSchema, { ...person, completed: { primary: '2023' } }],
    ['person: unknown completion key', PersonSchema, { ...person, completed: { university: 2030 } }],
    ['person: dropout without year', PersonSchema, { ...person, dropout: { grade: '7' } }],
    ['person: literacy', PersonSchema, { ...person, literacy: 'level3' }],
    ['not an object', StudentSchema, 'student'],
    ['null', StudentSchema, null],
  ] as const)('%s', (_label, schema, record) => {
    expect(schema.safeParse(record).success).toBe(false);
  });

  it('explains unknown keys and wrong types in both languages', () => {
    const issues = SchoolSchema.safeParse({ ...school, district: '760', level: 'x' }).error?.issues ?? [];
    expect(issues.map((i) => i.code).sort()).toEqual(['invalid_value', 'unrecognized_keys']);
    for (const issue of issues) expect(canonicalMessageVi(issue.message)).toBeTruthy();
    const notObject = SchoolSchema.safeParse([]).error?.issues[0];
    expect(canonicalMessageVi(notObject?.message ?? '')).toBe('Phải là một đối tượng.');
  });
});

describe('naturalKey', () => {
  it.each([
    ['schools', school, '79000701'],
    ['classes', classGroup, '79000701/2025-2026/1A1'],
    ['students', student, '7900070100123'],
    ['staff', staff, 'GV0001'],
    ['persons', person, 'PCGD-79-000001'],
  ] as const)('%s', (entity, record, key) => {
    expect(naturalKey(entity, record)).toBe(key);
  });

  it('lists exactly the five entities', () => {
    expect(ENTITY_NAMES).toEqual(['schools', 'classes', 'students', 'staff', 'persons']);
    expect(isEntityName('students')).toBe(true);
    expect(isEntityName('toString')).toBe(false);
  });
});

describe('provisional student codes', () => {
  it('builds and recognises TAM-<personal ID>', () => {
    expect(provisionalStudentCode('079219001234')).toBe('TAM-079219001234');
    expect(isProvisionalStudentCode('TAM-079219001234')).toBe(true);
    expect(isProvisionalStudentCode('7900070100123')).toBe(false);
    expect(() => provisionalStudentCode('123')).toThrow(RangeError);
  });
});
