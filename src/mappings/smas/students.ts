/** SMAS `Student` ⇄ canonical `Student`. */
import type { SmasStudent } from '../../adapters/smas/schema.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import { DISABILITY_CODE_LIST } from '../../canonical/codes/disability.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { STUDENT_STATUS_CODE_LIST } from '../../canonical/codes/student-status.js';
import { StudentSchema, type Student } from '../../canonical/student.js';
import { isoToDmy } from '../common.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from '../types.js';
import { SMAS_DISABILITY, SMAS_GRADE, SMAS_SEX } from './codes.js';
import {
  codeOf,
  compact,
  dmyDateOf,
  labelOf,
  personalIdOf,
  requiredText,
  schoolOf,
  sexOf,
  schoolYearOf,
  textOf,
  validated,
} from './support.js';

/** Wire pointer of each canonical field (for findings raised by the canonical schema). */
const POINTER: Readonly<Record<keyof Student, string>> = {
  studentCode: '/MaHocSinh',
  schoolCode: '/MaTruong',
  classCode: '/MaLop',
  schoolYear: '/NamHoc',
  grade: '/KhoiHoc',
  personalId: '/SoCCCD',
  fullName: '/HoVaTen',
  birthDate: '/NgaySinh',
  sex: '/GioiTinh',
  ethnicityCode: '/DanToc',
  status: '/TrangThai',
  statusDate: '/NgayTrangThai',
  disability: '/LoaiKhuyetTat',
  residenceCommuneCode: '/MaXaThuongTru',
  fatherName: '/HoTenCha',
  motherName: '/HoTenMe',
  guardianName: '/HoTenNguoiGiamHo',
  phone: '/DienThoaiLienHe',
};

/**
 * SMAS student → canonical. `MaTruong` falls back to `ctx.schoolCode` (vendor pushes) and `NamHoc` to
 * `ctx.schoolYear`. Required fields missing, bad or unknown → error findings; optional ones → warnings
 * and the field is left out. `TenLop` and `NgayCapNhat` are not carried (class name lives on the class;
 * the change time is the vendor's bookkeeping).
 */
function smasStudentToCanonical(wire: SmasStudent, ctx: MapContext): MapResult<Student> {
  const f: MappingFinding[] = [];
  const w = wire as Partial<Record<keyof SmasStudent, unknown>>;
  const candidate = {
    studentCode: requiredText(w.MaHocSinh, POINTER.studentCode, f),
    schoolCode: schoolOf(w.MaTruong, POINTER.schoolCode, ctx, f),
    classCode: textOf(w.MaLop),
    schoolYear: schoolYearOf(w.NamHoc, POINTER.schoolYear, ctx, f),
    grade: codeOf(w.KhoiHoc, POINTER.grade, f, {
      vendor: SMAS_GRADE.toCode,
      canonical: GRADE_CODE_LIST,
      required: false,
    }),
    personalId: personalIdOf(w.SoCCCD, POINTER.personalId, f),
    fullName: requiredText(w.HoVaTen, POINTER.fullName, f),
    birthDate: dmyDateOf(w.NgaySinh, POINTER.birthDate, f, true),
    sex: sexOf(w.GioiTinh, POINTER.sex, f),
    ethnicityCode: codeOf(w.DanToc, POINTER.ethnicityCode, f, {
      canonical: ETHNICITY_CODE_LIST,
      required: true,
    }),
    status: codeOf(w.TrangThai, POINTER.status, f, { canonical: STUDENT_STATUS_CODE_LIST, required: true }),
    statusDate: dmyDateOf(w.NgayTrangThai, POINTER.statusDate, f, false),
    disability: codeOf(w.LoaiKhuyetTat, POINTER.disability, f, {
      vendor: SMAS_DISABILITY.toCode,
      canonical: DISABILITY_CODE_LIST,
      required: false,
    }),
    residenceCommuneCode: textOf(w.MaXaThuongTru),
    fatherName: textOf(w.HoTenCha),
    motherName: textOf(w.HoTenMe),
    guardianName: textOf(w.HoTenNguoiGiamHo),
    phone: textOf(w.DienThoaiLienHe),
  };
  return validated(StudentSchema, candidate, f, POINTER);
}

/** Canonical student → SMAS (for writes): SMAS spellings, `dd/mm/yyyy` dates; absent optionals stay absent. */
export function smasStudentFromCanonical(s: Student): SmasStudent {
  return compact({
    MaHocSinh: s.studentCode,
    MaTruong: s.schoolCode,
    HoVaTen: s.fullName,
    NgaySinh: isoToDmy(s.birthDate),
    GioiTinh: SMAS_SEX.toWire.get(s.sex) ?? s.sex,
    DanToc: labelOf(ETHNICITY_CODE_LIST, s.ethnicityCode),
    SoCCCD: s.personalId,
    MaLop: s.classCode,
    KhoiHoc: s.grade === undefined ? undefined : (SMAS_GRADE.toWire.get(s.grade) ?? s.grade),
    NamHoc: s.schoolYear,
    TrangThai: labelOf(STUDENT_STATUS_CODE_LIST, s.status),
    NgayTrangThai: s.statusDate === undefined ? undefined : isoToDmy(s.statusDate),
    LoaiKhuyetTat: s.disability === undefined ? undefined : SMAS_DISABILITY.toWire.get(s.disability),
    MaXaThuongTru: s.residenceCommuneCode,
    HoTenCha: s.fatherName,
    HoTenMe: s.motherName,
    HoTenNguoiGiamHo: s.guardianName,
    DienThoaiLienHe: s.phone,
  }) as SmasStudent;
}

/** The SMAS students mapping. */
export const smasStudents: EntityMapping<SmasStudent, Student> = {
  version: 'smas/students@2',
  toCanonical: smasStudentToCanonical,
  fromCanonical: smasStudentFromCanonical,
};
