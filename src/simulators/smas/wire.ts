/**
 * How the SMAS simulator renders the shared population in SMAS's wire format (labels, `dd/mm/yyyy`).
 * These are SMAS's spellings as the model defines them; the mapping layer (`src/mappings/smas/`) reads
 * them back, and the integration test checks that every simulated record maps.
 */
import type {
  DisabilityCode,
  Grade,
  PopClass,
  PopStaff,
  PopStudent,
  StaffPosition,
  StaffStatus,
  StudentStatus,
} from '../population/index.js';
import type { SmasClass, SmasStaff, SmasStudent } from '../../adapters/smas/schema.js';

/** Ethnicity names '01'..'56' as SMAS prints them (GSO order, DOMAIN §3.4). */
export const SMAS_ETHNICITY_NAMES: readonly string[] = (
  'Kinh|Tày|Thái|Hoa|Khơ-me|Mường|Nùng|H’Mông|Dao|Gia-rai|Ngái|Ê-đê|Ba na|Xơ-Đăng|Sán Chay|Cơ-ho|Chăm|' +
  'Sán Dìu|Hrê|Mnông|Ra-glai|Xtiêng|Bru-Vân Kiều|Thổ|Giáy|Cơ-tu|Giẻ Triêng|Mạ|Khơ-mú|Co|Tà-ôi|Chơ-ro|' +
  'Kháng|Xinh-mun|Hà Nhì|Chu ru|Lào|La Chí|La Ha|Phù Lá|La Hủ|Lự|Lô Lô|Chứt|Mảng|Pà Thẻn|Cơ Lao|Cống|' +
  'Bố Y|Si La|Pu Péo|Brâu|Ơ Đu|Rơ măm|Người nước ngoài|Không rõ'
)
  .split('|')
  .map((s) => s.normalize('NFC'));

const SEX = { male: 'Nam', female: 'Nữ' } as const;

const STUDENT_STATUS: Record<StudentStatus, string> = {
  studying: 'Đang học',
  transferred_in: 'Chuyển đến',
  transferred_out: 'Chuyển đi',
  dropped_out: 'Thôi học',
  returned: 'Nghỉ học xin học lại',
  suspended: 'Tạm nghỉ',
  repeating: 'Lưu ban',
  completed: 'Hoàn thành chương trình',
  graduated: 'Tốt nghiệp',
  deceased: 'Đã mất',
};

const GRADE: Partial<Record<Grade, string>> = { nursery: 'NT', kg3: 'MG3', kg4: 'MG4', kg5: 'MG5' };

const DISABILITY: Record<DisabilityCode, string> = {
  none: 'Không',
  visual: 'Khiếm thị',
  hearing: 'Khiếm thính',
  speech: 'Khó khăn về ngôn ngữ',
  physical: 'Khuyết tật vận động',
  intellectual: 'Khuyết tật trí tuệ',
  multiple: 'Đa tật',
  other: 'Khác',
};

const POSITION: Record<StaffPosition, string> = {
  principal: 'Hiệu trưởng',
  vice_principal: 'Phó hiệu trưởng',
  teacher: 'Giáo viên',
  staff: 'Nhân viên',
};

const STAFF_STATUS: Record<StaffStatus, string> = {
  working: 'Đang làm việc',
  on_leave: 'Tạm nghỉ',
  left: 'Đã nghỉ việc',
  retired: 'Nghỉ hưu',
};

/** ISO `yyyy-mm-dd` → `dd/mm/yyyy`. */
export function toDmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** ISO instant → SMAS time `yyyy-mm-ddThh:mm:ss+07:00` (Vietnam local time, as SMAS shows it). */
export function toSmasTime(iso: string): string {
  const local = new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+07:00`;
}

const ethnicityName = (code: string): string => SMAS_ETHNICITY_NAMES[Number(code) - 1] ?? code;
const gradeOf = (g: Grade): string => GRADE[g] ?? g;

/** A population student as SMAS serves it; `changedAt` is its last change (ISO). */
export function smasStudentOf(s: PopStudent, changedAt: string): SmasStudent {
  const out: SmasStudent = {
    MaHocSinh: s.studentCode,
    MaTruong: s.schoolCode,
    HoVaTen: s.fullName,
    NgaySinh: toDmy(s.birthDate),
    GioiTinh: SEX[s.sex],
    DanToc: ethnicityName(s.ethnicityCode),
    SoCCCD: s.personalId ?? null,
    MaLop: s.classCode ?? null,
    TenLop: null,
    KhoiHoc: s.grade === undefined ? null : gradeOf(s.grade),
    NamHoc: s.schoolYear,
    TrangThai: STUDENT_STATUS[s.status],
    NgayTrangThai: s.statusDate === undefined ? null : toDmy(s.statusDate),
    LoaiKhuyetTat: DISABILITY[s.disability ?? 'none'],
    MaXaThuongTru: s.residenceCommuneCode ?? null,
    NgayCapNhat: toSmasTime(changedAt),
  };
  return out;
}

/** A population staff member as SMAS serves it. */
export function smasStaffOf(t: PopStaff, changedAt: string): SmasStaff {
  return {
    MaCanBo: t.staffCode,
    MaTruong: t.schoolCode,
    HoVaTen: t.fullName,
    NgaySinh: toDmy(t.birthDate),
    GioiTinh: SEX[t.sex],
    DanToc: t.ethnicityCode === undefined ? null : ethnicityName(t.ethnicityCode),
    SoCCCD: t.personalId ?? null,
    ChucVu: POSITION[t.position],
    MonDay: t.subjects && t.subjects.length > 0 ? t.subjects.join(', ') : null,
    TrangThai: STAFF_STATUS[t.status],
    Email: t.email ?? null,
    DienThoai: t.phone ?? null,
    NgayCapNhat: toSmasTime(changedAt),
  };
}

/** A population class as SMAS serves it. */
export function smasClassOf(c: PopClass, changedAt: string): SmasClass {
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
