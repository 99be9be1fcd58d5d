/**
 * hcm-csdl staff ⇄ canonical Staff. maDinhDanh ⇄ staffCode, maTruong ⇄ schoolCode (or ctx.schoolCode),
 * soDinhDanhCaNhan ⇄ personalId, hoTen ⇄ fullName (NFC), ngaySinh ⇄ birthDate, gioiTinh ⇄ sex,
 * maDanToc ⇄ ethnicityCode, viTriViecLam ⇄ position, monDay ⇄ subjects (free text, NFC, blanks dropped),
 * trangThai ⇄ status, email ⇄ email, dienThoai ⇄ phone.
 */
import {
  HCM_CSDL_LABELS,
  type Staff as WireStaff,
  type StaffUpsert,
} from '../../adapters/hcm-csdl/schema.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import { SEX_CODE_LIST } from '../../canonical/codes/sex.js';
import { STAFF_POSITION_CODE_LIST } from '../../canonical/codes/staff-position.js';
import { STAFF_STATUS_CODE_LIST } from '../../canonical/codes/staff-status.js';
import { StaffSchema, type Staff } from '../../canonical/staff.js';
import { cleanText, personalIdOf, requiredText } from '../common.js';
import type { EntityMapping, MapContext, MapResult } from '../types.js';
import { Findings, code, date, finish } from './shared.js';

/** A staff record as the mapping reads it: a read record or an upsert. */
export type HcmCsdlStaffIn = Omit<WireStaff, 'updatedAt' | 'deleted'> & { updatedAt?: string };

const POINTERS: Record<keyof Staff, string> = {
  staffCode: '/maDinhDanh',
  schoolCode: '/maTruong',
  personalId: '/soDinhDanhCaNhan',
  fullName: '/hoTen',
  birthDate: '/ngaySinh',
  sex: '/gioiTinh',
  ethnicityCode: '/maDanToc',
  position: '/viTriViecLam',
  subjects: '/monDay',
  status: '/trangThai',
  email: '/email',
  phone: '/dienThoai',
};

function subjectsOf(raw: readonly string[] | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const out = raw.map((s) => cleanText(s)).filter((s): s is string => s !== undefined);
  return out.length > 0 ? out : undefined;
}

function toCanonical(wire: HcmCsdlStaffIn, ctx: MapContext): MapResult<Staff> {
  const f = new Findings();
  const draft = {
    staffCode: requiredText(wire.maDinhDanh, '/maDinhDanh', f.list),
    schoolCode: requiredText(cleanText(wire.maTruong) ?? ctx.schoolCode, '/maTruong', f.list),
    personalId: personalIdOf(wire.soDinhDanhCaNhan, '/soDinhDanhCaNhan', f.list),
    fullName: requiredText(wire.hoTen, '/hoTen', f.list),
    birthDate: date(wire.ngaySinh, '/ngaySinh', f, true),
    sex: code(SEX_CODE_LIST, wire.gioiTinh, '/gioiTinh', f, true),
    ethnicityCode: code(ETHNICITY_CODE_LIST, wire.maDanToc, '/maDanToc', f, false),
    position: code(STAFF_POSITION_CODE_LIST, wire.viTriViecLam, '/viTriViecLam', f, true),
    subjects: subjectsOf(wire.monDay),
    status: code(STAFF_STATUS_CODE_LIST, wire.trangThai, '/trangThai', f, true),
    // e-mail addresses compare case-insensitively; keep what the system sent, trimmed
    email: cleanText(wire.email),
    phone: cleanText(wire.dienThoai),
  };
  return finish(StaffSchema, draft, POINTERS, f);
}

function fromCanonical(s: Staff): StaffUpsert {
  return {
    maDinhDanh: s.staffCode,
    maTruong: s.schoolCode,
    ...(s.personalId !== undefined ? { soDinhDanhCaNhan: s.personalId } : {}),
    hoTen: s.fullName,
    ngaySinh: s.birthDate,
    gioiTinh: HCM_CSDL_LABELS.sex[s.sex],
    ...(s.ethnicityCode !== undefined ? { maDanToc: s.ethnicityCode } : {}),
    viTriViecLam: HCM_CSDL_LABELS.position[s.position],
    ...(s.subjects !== undefined ? { monDay: [...s.subjects] } : {}),
    trangThai: HCM_CSDL_LABELS.staffStatus[s.status],
    ...(s.email !== undefined ? { email: s.email } : {}),
    ...(s.phone !== undefined ? { dienThoai: s.phone } : {}),
  };
}

/** hcm-csdl staff mapping. */
export const hcmCsdlStaff: EntityMapping<HcmCsdlStaffIn, Staff, StaffUpsert> = {
  version: 'hcm-csdl/staff@1',
  toCanonical,
  validatedBy: StaffSchema,
  fromCanonical,
};
