/** vnEdu `Staff` ⇄ canonical `Staff`. */
import type { VneduStaff } from '../../adapters/vnedu/schema.js';
import { StaffSchema, type Staff } from '../../canonical/staff.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from '../types.js';
import { VNEDU_ETHNICITY, VNEDU_POSITION, VNEDU_SEX, VNEDU_STAFF_STATUS, sexOf } from './codes.js';
import {
  compact,
  isoDateOf,
  numericCodeOf,
  personalIdOf,
  requiredText,
  schoolOf,
  textOf,
  validated,
} from './support.js';

const POINTER: Readonly<Record<keyof Staff, string>> = {
  staffCode: '/staff_id',
  schoolCode: '/school_code',
  personalId: '/citizen_id',
  fullName: '/full_name',
  birthDate: '/dob',
  sex: '/gender',
  ethnicityCode: '/ethnic_id',
  position: '/position_id',
  subjects: '/subjects',
  status: '/status_id',
  email: '/email',
  phone: '/phone',
};

/** `subjects` cleaned (NFC, trimmed), blanks dropped; empty or not an array → undefined. */
function subjectsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.map((s) => textOf(s)).filter((s): s is string => s !== undefined);
  return out.length > 0 ? out : undefined;
}

/** vnEdu staff → canonical. `school_code` falls back to `ctx.schoolCode`. */
function vneduStaffToCanonical(wire: VneduStaff, ctx: MapContext): MapResult<Staff> {
  const f: MappingFinding[] = [];
  const w = wire as Partial<Record<keyof VneduStaff, unknown>>;
  const candidate = {
    staffCode: requiredText(w.staff_id, POINTER.staffCode, f),
    schoolCode: schoolOf(w.school_code, POINTER.schoolCode, ctx, f),
    personalId: personalIdOf(w.citizen_id, POINTER.personalId, f),
    fullName: requiredText(w.full_name, POINTER.fullName, f),
    birthDate: isoDateOf(w.dob, POINTER.birthDate, f, true),
    sex: sexOf(w.gender, POINTER.sex, f),
    ethnicityCode: numericCodeOf(w.ethnic_id, POINTER.ethnicityCode, f, {
      table: VNEDU_ETHNICITY.toCode,
      list: 'ethnicity',
      required: false,
    }),
    position: numericCodeOf(w.position_id, POINTER.position, f, {
      table: VNEDU_POSITION.toCode,
      list: 'staff-position',
      required: true,
    }),
    subjects: subjectsOf(w.subjects),
    status: numericCodeOf(w.status_id, POINTER.status, f, {
      table: VNEDU_STAFF_STATUS.toCode,
      list: 'staff-status',
      required: true,
    }),
    email: textOf(w.email),
    phone: textOf(w.phone),
  };
  return validated(StaffSchema, candidate, f, POINTER);
}

/** Canonical staff → vnEdu (for writes). */
function vneduStaffFromCanonical(s: Staff): VneduStaff {
  return compact({
    staff_id: s.staffCode,
    school_code: s.schoolCode,
    full_name: s.fullName,
    dob: s.birthDate,
    gender: VNEDU_SEX.toWire.get(s.sex),
    ethnic_id: s.ethnicityCode === undefined ? undefined : VNEDU_ETHNICITY.toWire.get(s.ethnicityCode),
    citizen_id: s.personalId,
    position_id: VNEDU_POSITION.toWire.get(s.position),
    subjects: s.subjects === undefined || s.subjects.length === 0 ? undefined : [...s.subjects],
    status_id: VNEDU_STAFF_STATUS.toWire.get(s.status),
    email: s.email,
    phone: s.phone,
  }) as VneduStaff;
}

/** The vnEdu staff mapping. */
export const vneduStaff: EntityMapping<VneduStaff, Staff> = {
  version: 'vnedu/staff@1',
  toCanonical: vneduStaffToCanonical,
  fromCanonical: vneduStaffFromCanonical,
};
