/**
 * How the SMAS simulator renders the shared population in SMAS's wire format (labels, `dd/mm/yyyy`):
 * SMAS's own spellings from its wire schema (`SMAS_LABELS`), the canonical lists' Vietnamese labels for
 * the rest. The mapping layer (`src/mappings/smas/`) reads them back, and the conformance test checks
 * that every simulated record maps.
 */
import { SMAS_LABELS, type SmasClass, type SmasStaff, type SmasStudent } from '../../adapters/smas/schema.js';
import type { ClassGroup } from '../../canonical/class-group.js';
import { entryOf, type CodeList } from '../../canonical/codes/code-list.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import { STAFF_POSITION_CODE_LIST } from '../../canonical/codes/staff-position.js';
import { STUDENT_STATUS_CODE_LIST } from '../../canonical/codes/student-status.js';
import type { Grade } from '../../canonical/enums.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';

/** ISO `yyyy-mm-dd` → `dd/mm/yyyy`. */
function toDmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** ISO instant → SMAS time `yyyy-mm-ddThh:mm:ss+07:00` (Vietnam local time, as SMAS shows it). */
export function toSmasTime(iso: string): string {
  const local = new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+07:00`;
}

/** The Vietnamese label of a canonical code (what SMAS writes where it has no spelling of its own). */
const labelVi = (list: CodeList, code: string): string => entryOf(list, code)?.labelVi ?? code;
const gradeOf = (g: Grade): string =>
  SMAS_LABELS.preschoolGrade[g as keyof typeof SMAS_LABELS.preschoolGrade] ?? g;

/** A population student as SMAS serves it; `changedAt` is its last change (ISO). */
export function smasStudentOf(s: Student, changedAt: string): SmasStudent {
  const out: SmasStudent = {
    MaHocSinh: s.studentCode,
    MaTruong: s.schoolCode,
    HoVaTen: s.fullName,
    NgaySinh: toDmy(s.birthDate),
    GioiTinh: SMAS_LABELS.sex[s.sex],
    DanToc: labelVi(ETHNICITY_CODE_LIST, s.ethnicityCode),
    SoCCCD: s.personalId ?? null,
    MaLop: s.classCode ?? null,
    TenLop: null,
    KhoiHoc: s.grade === undefined ? null : gradeOf(s.grade),
    NamHoc: s.schoolYear,
    TrangThai: labelVi(STUDENT_STATUS_CODE_LIST, s.status),
    NgayTrangThai: s.statusDate === undefined ? null : toDmy(s.statusDate),
    LoaiKhuyetTat: SMAS_LABELS.disability[s.disability ?? 'none'],
    MaXaThuongTru: s.residenceCommuneCode ?? null,
    HoTenCha: s.fatherName ?? null,
    HoTenMe: s.motherName ?? null,
    HoTenNguoiGiamHo: s.guardianName ?? null,
    DienThoaiLienHe: s.phone ?? null,
    NgayCapNhat: toSmasTime(changedAt),
  };
  return out;
}

/** A population staff member as SMAS serves it. */
export function smasStaffOf(t: Staff, changedAt: string): SmasStaff {
  return {
    MaCanBo: t.staffCode,
    MaTruong: t.schoolCode,
    HoVaTen: t.fullName,
    NgaySinh: toDmy(t.birthDate),
    GioiTinh: SMAS_LABELS.sex[t.sex],
    DanToc: t.ethnicityCode === undefined ? null : labelVi(ETHNICITY_CODE_LIST, t.ethnicityCode),
    SoCCCD: t.personalId ?? null,
    ChucVu: labelVi(STAFF_POSITION_CODE_LIST, t.position),
    MonDay: t.subjects && t.subjects.length > 0 ? t.subjects.join(', ') : null,
    TrangThai: SMAS_LABELS.staffStatus[t.status],
    Email: t.email ?? null,
    DienThoai: t.phone ?? null,
    NgayCapNhat: toSmasTime(changedAt),
  };
}

/** A population class as SMAS serves it. */
export function smasClassOf(c: ClassGroup, changedAt: string): SmasClass {
  return {
    MaLop: c.classCode,
    MaTruong: c.schoolCode,
    TenLop: c.name,
    KhoiHoc: gradeOf(c.grade),
    NamHoc: c.schoolYear,
    MaGVCN: c.homeroomStaffCode ?? null,
    NgayCapNhat: toSmasTime(changedAt),
  };
}
