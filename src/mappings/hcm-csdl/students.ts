/**
 * hcm-csdl students ⇄ canonical Student. Field by field: maDinhDanh ⇄ studentCode, maTruong ⇄ schoolCode
 * (or ctx.schoolCode), maLop ⇄ classCode (the class's maDinhDanh), namHoc ⇄ schoolYear (or
 * ctx.schoolYear), khoiLop ⇄ grade, soDinhDanhCaNhan ⇄ personalId, hoTen ⇄ fullName (NFC),
 * ngaySinh ⇄ birthDate, gioiTinh ⇄ sex, maDanToc ⇄ ethnicityCode, trangThai ⇄ status,
 * ngayTrangThai ⇄ statusDate, loaiKhuyetTat ⇄ disability, maXaThuongTru ⇄ residenceCommuneCode, hoTenCha ⇄
 * fatherName, hoTenMe ⇄ motherName, hoTenNguoiGiamHo ⇄ guardianName, dienThoaiLienHe ⇄ phone (the parents').
 * `updatedAt` and `deleted` are transport fields and are not mapped (tombstones never reach a mapping).
 */
import {
  HCM_CSDL_LABELS,
  type Student as WireStudent,
  type StudentUpsert,
} from '../../adapters/hcm-csdl/schema.js';
import { DISABILITY_CODE_LIST } from '../../canonical/codes/disability.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { SEX_CODE_LIST } from '../../canonical/codes/sex.js';
import { STUDENT_STATUS_CODE_LIST } from '../../canonical/codes/student-status.js';
import { StudentSchema, type Student } from '../../canonical/student.js';
import { cleanText, personalIdOf, requiredText } from '../common.js';
import type { EntityMapping, MapContext, MapResult } from '../types.js';
import { Findings, code, date, finish } from './shared.js';

/** A student record as the mapping reads it: a read record or an upsert (transport fields ignored). */
export type HcmCsdlStudentIn = Omit<WireStudent, 'updatedAt' | 'deleted'> & { updatedAt?: string };

/** Wire pointer of each canonical field (for findings from canonical validation). */
const POINTERS: Record<keyof Student, string> = {
  studentCode: '/maDinhDanh',
  schoolCode: '/maTruong',
  classCode: '/maLop',
  schoolYear: '/namHoc',
  grade: '/khoiLop',
  personalId: '/soDinhDanhCaNhan',
  fullName: '/hoTen',
  birthDate: '/ngaySinh',
  sex: '/gioiTinh',
  ethnicityCode: '/maDanToc',
  status: '/trangThai',
  statusDate: '/ngayTrangThai',
  disability: '/loaiKhuyetTat',
  residenceCommuneCode: '/maXaThuongTru',
  fatherName: '/hoTenCha',
  motherName: '/hoTenMe',
  guardianName: '/hoTenNguoiGiamHo',
  phone: '/dienThoaiLienHe',
};

function toCanonical(wire: HcmCsdlStudentIn, ctx: MapContext): MapResult<Student> {
  const f = new Findings();
  const draft = {
    studentCode: requiredText(wire.maDinhDanh, '/maDinhDanh', f.list),
    schoolCode: requiredText(cleanText(wire.maTruong) ?? ctx.schoolCode, '/maTruong', f.list),
    classCode: cleanText(wire.maLop),
    schoolYear: requiredText(cleanText(wire.namHoc) ?? ctx.schoolYear, '/namHoc', f.list),
    grade: code(GRADE_CODE_LIST, wire.khoiLop, '/khoiLop', f, false),
    personalId: personalIdOf(wire.soDinhDanhCaNhan, '/soDinhDanhCaNhan', f.list),
    fullName: requiredText(wire.hoTen, '/hoTen', f.list),
    birthDate: date(wire.ngaySinh, '/ngaySinh', f, true),
    sex: code(SEX_CODE_LIST, wire.gioiTinh, '/gioiTinh', f, true),
    ethnicityCode: code(ETHNICITY_CODE_LIST, wire.maDanToc, '/maDanToc', f, true),
    status: code(STUDENT_STATUS_CODE_LIST, wire.trangThai, '/trangThai', f, true),
    statusDate: date(wire.ngayTrangThai, '/ngayTrangThai', f, false),
    disability: code(DISABILITY_CODE_LIST, wire.loaiKhuyetTat, '/loaiKhuyetTat', f, false),
    residenceCommuneCode: cleanText(wire.maXaThuongTru),
    fatherName: cleanText(wire.hoTenCha),
    motherName: cleanText(wire.hoTenMe),
    guardianName: cleanText(wire.hoTenNguoiGiamHo),
    phone: cleanText(wire.dienThoaiLienHe),
  };
  return finish(StudentSchema, draft, POINTERS, f);
}

function fromCanonical(s: Student): StudentUpsert {
  return {
    maDinhDanh: s.studentCode,
    maTruong: s.schoolCode,
    ...(s.classCode !== undefined ? { maLop: s.classCode } : {}),
    namHoc: s.schoolYear,
    ...(s.grade !== undefined ? { khoiLop: HCM_CSDL_LABELS.grade[s.grade] } : {}),
    ...(s.personalId !== undefined ? { soDinhDanhCaNhan: s.personalId } : {}),
    hoTen: s.fullName,
    ngaySinh: s.birthDate,
    gioiTinh: HCM_CSDL_LABELS.sex[s.sex],
    maDanToc: s.ethnicityCode,
    trangThai: HCM_CSDL_LABELS.studentStatus[s.status],
    ...(s.statusDate !== undefined ? { ngayTrangThai: s.statusDate } : {}),
    ...(s.disability !== undefined ? { loaiKhuyetTat: HCM_CSDL_LABELS.disability[s.disability] } : {}),
    ...(s.residenceCommuneCode !== undefined ? { maXaThuongTru: s.residenceCommuneCode } : {}),
    ...(s.fatherName !== undefined ? { hoTenCha: s.fatherName } : {}),
    ...(s.motherName !== undefined ? { hoTenMe: s.motherName } : {}),
    ...(s.guardianName !== undefined ? { hoTenNguoiGiamHo: s.guardianName } : {}),
    ...(s.phone !== undefined ? { dienThoaiLienHe: s.phone } : {}),
  };
}

/** hcm-csdl students mapping. */
export const hcmCsdlStudents: EntityMapping<HcmCsdlStudentIn, Student, StudentUpsert> = {
  version: 'hcm-csdl/students@2',
  toCanonical,
  validatedBy: StudentSchema,
  fromCanonical,
};

/**
 * The version before it, kept loadable so a dead letter's replay can pin the mapping its work first ran
 * with: @1 did not read the parents, guardian and contact phone (hoTenCha, hoTenMe, hoTenNguoiGiamHo,
 * dienThoaiLienHe). Reads only; what truc writes to hcm-csdl always uses the current version.
 */
export const hcmCsdlStudentsV1: EntityMapping<HcmCsdlStudentIn, Student, StudentUpsert> = {
  version: 'hcm-csdl/students@1',
  toCanonical(wire, ctx) {
    const r = toCanonical(wire, ctx);
    if (!r.ok) return r;
    const { fatherName: _f, motherName: _m, guardianName: _g, phone: _p, ...v1 } = r.value;
    return { ...r, value: v1 };
  },
};
