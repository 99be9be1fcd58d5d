/**
 * Helpers shared by the hcm-csdl mappings: code-list resolution with findings, dates, canonical
 * validation turned into findings, and the canonical → wire value tables (typed against the generated
 * wire enums, so a value the system would refuse does not compile).
 */
import type { z } from 'zod';
import type { components } from '../../adapters/hcm-csdl/generated/wire.js';
import { resolveCode, type CodeList } from '../../canonical/codes/code-list.js';
import { canonicalMessageVi } from '../../canonical/messages.js';
import type {
  DisabilityCode,
  Grade,
  SchoolLevel,
  SchoolStatus,
  Sex,
  StaffPosition,
  StaffStatus,
  StudentStatus,
} from '../../canonical/enums.js';
import {
  badDate,
  cleanText,
  dmyToIso,
  finding,
  isoDate,
  missingField,
  result,
  unknownCode,
} from '../common.js';
import type { MapResult, MappingFinding } from '../types.js';

type W = components['schemas'];

/** canonical → wire values. Reverse direction goes through the canonical code lists (aliases). */
export const SEX_TO_WIRE: Record<Sex, W['GioiTinh']> = { male: 'Nam', female: 'Nữ' };
export const GRADE_TO_WIRE: Record<Grade, W['KhoiLop']> = {
  nursery: 'NT',
  kg3: 'MG3',
  kg4: 'MG4',
  kg5: 'MG5',
  ...({
    1: '1',
    2: '2',
    3: '3',
    4: '4',
    5: '5',
    6: '6',
    7: '7',
    8: '8',
    9: '9',
    10: '10',
    11: '11',
    12: '12',
  } as const),
};
export const STUDENT_STATUS_TO_WIRE: Record<StudentStatus, W['TrangThaiHocSinh']> = {
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
export const DISABILITY_TO_WIRE: Record<DisabilityCode, W['LoaiKhuyetTat']> = {
  none: 'Không khuyết tật',
  visual: 'Khuyết tật nhìn',
  hearing: 'Khuyết tật nghe',
  speech: 'Khuyết tật nói',
  physical: 'Khuyết tật vận động',
  intellectual: 'Khuyết tật trí tuệ',
  multiple: 'Đa tật',
  other: 'Khuyết tật khác',
};
export const SCHOOL_LEVEL_TO_WIRE: Record<SchoolLevel, W['CapHoc']> = {
  preschool: 'Mầm non',
  primary: 'Tiểu học',
  lower_secondary: 'THCS',
  upper_secondary: 'THPT',
  multi_level: 'Liên cấp',
  continuing: 'GDTX',
};
export const SCHOOL_STATUS_TO_WIRE: Record<SchoolStatus, W['TrangThaiTruong']> = {
  active: 'Đang hoạt động',
  closed: 'Ngừng hoạt động',
};
export const POSITION_TO_WIRE: Record<StaffPosition, W['ViTriViecLam']> = {
  principal: 'Hiệu trưởng',
  vice_principal: 'Phó hiệu trưởng',
  teacher: 'Giáo viên',
  staff: 'Nhân viên',
};
export const STAFF_STATUS_TO_WIRE: Record<StaffStatus, W['TrangThaiCanBo']> = {
  working: 'Đang làm việc',
  on_leave: 'Tạm nghỉ',
  left: 'Đã nghỉ việc',
  retired: 'Nghỉ hưu',
};

/** Collects findings while one record is mapped. */
export class Findings {
  readonly list: MappingFinding[] = [];
  add(f: MappingFinding): void {
    this.list.push(f);
  }
  /** True when an error already points at `pointer`. */
  hasError(pointer: string): boolean {
    return this.list.some((f) => f.pointer === pointer && f.severity === 'error');
  }
}

/** Clean required text; a missing or blank value is a MAP_MISSING_FIELD finding. */
export function requiredText(raw: string | undefined, pointer: string, out: Findings): string | undefined {
  const value = cleanText(raw);
  if (value === undefined) out.add(missingField(pointer));
  return value;
}

/**
 * Resolves a code through a canonical list. Absent + required → MAP_MISSING_FIELD; present but not in
 * the list → MAP_UNKNOWN_CODE (an error: the value cannot be represented).
 */
export function code<C extends string>(
  list: CodeList<C>,
  raw: string | undefined,
  pointer: string,
  out: Findings,
  required: boolean,
): C | undefined {
  const value = cleanText(raw);
  if (value === undefined) {
    if (required) out.add(missingField(pointer));
    return undefined;
  }
  const resolved = resolveCode(list, value);
  if (resolved === undefined) out.add(unknownCode(pointer, list.id));
  return resolved;
}

/**
 * An ISO date (the wire format). A dd/mm/yyyy date (the Excel exports' format) is accepted with a
 * warning; anything else is MAP_BAD_DATE.
 */
export function date(
  raw: string | undefined,
  pointer: string,
  out: Findings,
  required: boolean,
): string | undefined {
  const value = cleanText(raw);
  if (value === undefined) {
    if (required) out.add(missingField(pointer));
    return undefined;
  }
  const iso = isoDate(value);
  if (iso !== undefined) return iso;
  const dmy = dmyToIso(value);
  if (dmy !== undefined) {
    out.add(
      finding(
        pointer,
        'MAP_DATE_FORMAT',
        'Ngày theo dạng dd/mm/yyyy, hệ thống này dùng yyyy-mm-dd.',
        'Date given as dd/mm/yyyy; this system uses yyyy-mm-dd.',
        'warning',
      ),
    );
    return dmy;
  }
  out.add(badDate(pointer));
  return undefined;
}

/** Drops keys whose value is undefined (canonical objects are strict, optional keys are absent). */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * Validates the mapped record with its canonical schema. Issues become MAP_INVALID_VALUE findings at
 * the wire pointer of the field (`pointers`), skipped where an error already points; returns the
 * parsed (normalised) value, or undefined (then at least one error finding exists).
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  pointers: Record<string, string>,
  out: Findings,
): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    const pointer =
      (pointers[field] ?? `/${field}`) +
      issue.path
        .slice(1)
        .map((p) => `/${String(p)}`)
        .join('');
    if (out.hasError(pointer)) continue;
    const vi = canonicalMessageVi(issue.message) ?? 'Giá trị không hợp lệ.';
    out.add(finding(pointer, 'MAP_INVALID_VALUE', vi, issue.message));
  }
  return undefined;
}

/** Turns the draft and its findings into the mapping result (see {@link validate}). */
export function finish<S extends z.ZodType>(
  schema: S,
  draft: Record<string, unknown>,
  pointers: Record<string, string>,
  out: Findings,
): MapResult<z.output<S>> {
  const value = validate(schema, draft, pointers, out);
  return value === undefined ? { ok: false, findings: out.list } : result(value, out.list);
}
