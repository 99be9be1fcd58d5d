/**
 * Valid canonical records for tests, one factory per entity. Each returns a record that passes its
 * schema (school SCHOOL, year SCHOOL_YEAR); a test overrides only what it is about:
 *
 *   student('HS1')                                   a valid student of SCHOOL
 *   student('HS2', { sex: 'female', fullName: 'Trần Thị Bình' })
 *   { ...student('BAD1'), birthDate: '2019-02-30' }  an invalid one (spread for values the type refuses)
 *   batchOf('students', [student('A'), student('B')]) a POST /v1/schools/{school}/batches body
 */
import type { ClassGroup } from '../../src/canonical/class-group.js';
import type { School } from '../../src/canonical/school.js';
import type { Staff } from '../../src/canonical/staff.js';
import type { Student } from '../../src/canonical/student.js';

export const SCHOOL = '79000001';
export const OTHER_SCHOOL = '79000002';
export const SCHOOL_YEAR = '2025-2026';

export function student(studentCode = 'HS1', over: Partial<Student> = {}): Student {
  return {
    studentCode,
    schoolCode: SCHOOL,
    schoolYear: SCHOOL_YEAR,
    grade: '1',
    fullName: 'Nguyễn Văn An',
    birthDate: '2019-03-04',
    sex: 'male',
    ethnicityCode: '01',
    status: 'studying',
    ...over,
  };
}

export function staff(staffCode = 'GV001', over: Partial<Staff> = {}): Staff {
  return {
    staffCode,
    schoolCode: SCHOOL,
    fullName: 'Trần Văn Bình',
    birthDate: '1985-06-07',
    sex: 'male',
    position: 'teacher',
    status: 'working',
    ...over,
  };
}

export function school(schoolCode = SCHOOL, over: Partial<School> = {}): School {
  return {
    schoolCode,
    name: 'Trường Tiểu học Kim Đồng',
    level: 'primary',
    provinceCode: '79',
    communeCode: '25747',
    status: 'active',
    ...over,
  };
}

export function classGroup(classCode = '1A1', over: Partial<ClassGroup> = {}): ClassGroup {
  return {
    classCode,
    schoolCode: SCHOOL,
    schoolYear: SCHOOL_YEAR,
    grade: '1',
    name: classCode,
    ...over,
  };
}

/** The body of a vendor batch: `{ entity, records }` (format canonical). */
/**
 * A student of SCHOOL as a SMAS system sends it (its wire names, dd/mm/yyyy, `Nam`/`Nữ`), `over` laid over it (fields
 * left out by setting them undefined).
 */
export const smasStudent = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  MaHocSinh: '7900000134002',
  MaTruong: SCHOOL,
  HoVaTen: 'Đỗ Văn Em',
  NgaySinh: '04/03/2019',
  GioiTinh: 'Nam',
  DanToc: 'Kinh',
  TrangThai: 'Đang học',
  KhoiHoc: '1',
  MaLop: '1A1',
  ...over,
});

export const batchOf = <R>(entity: 'students' | 'staff' | 'classes' | 'schools', records: R[]) => ({
  entity,
  records,
});
