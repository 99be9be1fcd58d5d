/**
 * SMAS ⇄ canonical mappings (students, staff, classes). Used for scheduled pulls from the SMAS adapter
 * and for vendor pushes in SMAS's native format (`format: smas`): pass `ctx.schoolCode` (and
 * `ctx.schoolYear`) so records that do not name their school (year) still map, and records naming
 * another school are refused (`MAP_SCHOOL_MISMATCH`). The fields and how they are read and written are
 * the shared school-system ones (`../school-system-mapping.ts`); here are SMAS's field names, and in
 * `./dialect.ts` its spellings.
 */
import type { SmasClass, SmasStaff, SmasStudent } from '../../adapters/smas/schema.js';
import type { ClassGroup } from '../../canonical/class-group.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';
import { CLASS_FIELDS, STAFF_FIELDS, STUDENT_FIELDS, schoolSystemMapping } from '../school-system-mapping.js';
import { SMAS_DIALECT } from './dialect.js';

/**
 * SMAS students. `TenLop` and `NgayCapNhat` are not carried (the class name lives on the class; the
 * change time is the vendor's bookkeeping).
 */
export const smasStudents = schoolSystemMapping<SmasStudent, Student>(
  'smas/students@2',
  STUDENT_FIELDS,
  SMAS_DIALECT,
  {
    studentCode: 'MaHocSinh',
    schoolCode: 'MaTruong',
    classCode: 'MaLop',
    schoolYear: 'NamHoc',
    grade: 'KhoiHoc',
    personalId: 'SoCCCD',
    fullName: 'HoVaTen',
    birthDate: 'NgaySinh',
    sex: 'GioiTinh',
    ethnicityCode: 'DanToc',
    status: 'TrangThai',
    statusDate: 'NgayTrangThai',
    disability: 'LoaiKhuyetTat',
    residenceCommuneCode: 'MaXaThuongTru',
    fatherName: 'HoTenCha',
    motherName: 'HoTenMe',
    guardianName: 'HoTenNguoiGiamHo',
    phone: 'DienThoaiLienHe',
  },
);

/** Canonical student → SMAS (for writes). */
export const smasStudentFromCanonical = smasStudents.fromCanonical;

/** SMAS staff. A legacy 9-digit `SoCCCD` is dropped with a warning. */
export const smasStaff = schoolSystemMapping<SmasStaff, Staff>('smas/staff@1', STAFF_FIELDS, SMAS_DIALECT, {
  staffCode: 'MaCanBo',
  schoolCode: 'MaTruong',
  personalId: 'SoCCCD',
  fullName: 'HoVaTen',
  birthDate: 'NgaySinh',
  sex: 'GioiTinh',
  ethnicityCode: 'DanToc',
  position: 'ChucVu',
  subjects: 'MonDay',
  status: 'TrangThai',
  email: 'Email',
  phone: 'DienThoai',
});

/** SMAS classes. */
export const smasClasses = schoolSystemMapping<SmasClass, ClassGroup>(
  'smas/classes@1',
  CLASS_FIELDS,
  SMAS_DIALECT,
  {
    classCode: 'MaLop',
    schoolCode: 'MaTruong',
    schoolYear: 'NamHoc',
    grade: 'KhoiHoc',
    name: 'TenLop',
    homeroomStaffCode: 'MaGVCN',
  },
);

/** The SMAS mapping of each canonical entity name. */
export const smasMappings = {
  students: smasStudents,
  staff: smasStaff,
  classes: smasClasses,
} as const;
