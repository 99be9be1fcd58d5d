/** SMAS `Staff` ⇄ canonical `Staff`. */
import type { SmasStaff } from '../../adapters/smas/schema.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import { STAFF_POSITION_CODE_LIST } from '../../canonical/codes/staff-position.js';
import { STAFF_STATUS_CODE_LIST } from '../../canonical/codes/staff-status.js';
import { StaffSchema, type Staff } from '../../canonical/staff.js';
import { isoToDmy } from '../common.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from '../types.js';
import { SMAS_SEX, SMAS_STAFF_STATUS } from './codes.js';
import {
  codeOf,
  compact,
  dmyDateOf,
  labelOf,
  personalIdOf,
  requiredText,
  schoolOf,
  sexOf,
  textOf,
  validated,
} from './support.js';

const POINTER: Readonly<Record<keyof Staff, string>> = {
  staffCode: '/MaCanBo',
  schoolCode: '/MaTruong',
  personalId: '/SoCCCD',
  fullName: '/HoVaTen',
  birthDate: '/NgaySinh',
  sex: '/GioiTinh',
  ethnicityCode: '/DanToc',
  position: '/ChucVu',
  subjects: '/MonDay',
  status: '/TrangThai',
  email: '/Email',
  phone: '/DienThoai',
};

/** `MonDay` 'Toán, Tin học' (also `;`-separated) → ['Toán', 'Tin học']; blank → undefined. */
function splitSubjects(value: unknown): string[] | undefined {
  const text = textOf(value);
  if (text === undefined) return undefined;
  const parts = text
    .split(/[,;]/)
    .map((s) => textOf(s))
    .filter((s): s is string => s !== undefined);
  return parts.length > 0 ? parts : undefined;
}

/**
 * SMAS staff → canonical. `MaTruong` falls back to `ctx.schoolCode`. A legacy 9-digit `SoCCCD` is dropped
 * with a warning; a bad optional value (email, phone, ethnicity) is dropped with a warning.
 */
function smasStaffToCanonical(wire: SmasStaff, ctx: MapContext): MapResult<Staff> {
  const f: MappingFinding[] = [];
  const w = wire as Partial<Record<keyof SmasStaff, unknown>>;
  const candidate = {
    staffCode: requiredText(w.MaCanBo, POINTER.staffCode, f),
    schoolCode: schoolOf(w.MaTruong, POINTER.schoolCode, ctx, f),
    personalId: personalIdOf(w.SoCCCD, POINTER.personalId, f),
    fullName: requiredText(w.HoVaTen, POINTER.fullName, f),
    birthDate: dmyDateOf(w.NgaySinh, POINTER.birthDate, f, true),
    sex: sexOf(w.GioiTinh, POINTER.sex, f),
    ethnicityCode: codeOf(w.DanToc, POINTER.ethnicityCode, f, {
      canonical: ETHNICITY_CODE_LIST,
      required: false,
    }),
    position: codeOf(w.ChucVu, POINTER.position, f, { canonical: STAFF_POSITION_CODE_LIST, required: true }),
    subjects: splitSubjects(w.MonDay),
    status: codeOf(w.TrangThai, POINTER.status, f, {
      vendor: SMAS_STAFF_STATUS.toCode,
      canonical: STAFF_STATUS_CODE_LIST,
      required: true,
    }),
    email: textOf(w.Email),
    phone: textOf(w.DienThoai),
  };
  return validated(StaffSchema, candidate, f, POINTER);
}

/** Canonical staff → SMAS (for writes). */
function smasStaffFromCanonical(s: Staff): SmasStaff {
  return compact({
    MaCanBo: s.staffCode,
    MaTruong: s.schoolCode,
    HoVaTen: s.fullName,
    NgaySinh: isoToDmy(s.birthDate),
    GioiTinh: SMAS_SEX.toWire.get(s.sex) ?? s.sex,
    DanToc: s.ethnicityCode === undefined ? undefined : labelOf(ETHNICITY_CODE_LIST, s.ethnicityCode),
    SoCCCD: s.personalId,
    ChucVu: labelOf(STAFF_POSITION_CODE_LIST, s.position),
    MonDay: s.subjects === undefined || s.subjects.length === 0 ? undefined : s.subjects.join(', '),
    TrangThai: SMAS_STAFF_STATUS.toWire.get(s.status) ?? s.status,
    Email: s.email,
    DienThoai: s.phone,
  }) as SmasStaff;
}

/** The SMAS staff mapping. */
export const smasStaff: EntityMapping<SmasStaff, Staff> = {
  version: 'smas/staff@1',
  toCanonical: smasStaffToCanonical,
  fromCanonical: smasStaffFromCanonical,
};
