/**
 * SMAS's own spellings of canonical codes (modelled: SMAS publishes no code list, DOMAIN §7). Reading
 * tries these first and then the canonical lists' aliases, so other spellings ('nam', 'M', 'Khối 6',
 * 'Khmer') still resolve; writing always uses these spellings.
 */
import type { DisabilityCode, Grade, Sex, StaffStatus } from '../../canonical/enums.js';

function bimap<C extends string>(pairs: ReadonlyArray<readonly [string, C]>) {
  return {
    toCode: new Map<string, C>(pairs),
    toWire: new Map<C, string>(pairs.map(([wire, code]) => [code, wire])),
  };
}

/** `GioiTinh`. */
export const SMAS_SEX = bimap<Sex>([
  ['Nam', 'male'],
  ['Nữ', 'female'],
]);

/** `KhoiHoc`: '1'..'12', 'NT' (nhà trẻ), 'MG3'/'MG4'/'MG5' (mẫu giáo by age). */
export const SMAS_GRADE = bimap<Grade>([
  ['NT', 'nursery'],
  ['MG3', 'kg3'],
  ['MG4', 'kg4'],
  ['MG5', 'kg5'],
  ...Array.from({ length: 12 }, (_, i) => [String(i + 1), String(i + 1) as Grade] as const),
]);

/** `LoaiKhuyetTat`. */
export const SMAS_DISABILITY = bimap<DisabilityCode>([
  ['Không', 'none'],
  ['Khiếm thị', 'visual'],
  ['Khiếm thính', 'hearing'],
  ['Khó khăn về ngôn ngữ', 'speech'],
  ['Khuyết tật vận động', 'physical'],
  ['Khuyết tật trí tuệ', 'intellectual'],
  ['Đa tật', 'multiple'],
  ['Khác', 'other'],
]);

/** `TrangThai` of staff ('Đã nghỉ việc' rather than the canonical label 'Nghỉ việc'). */
export const SMAS_STAFF_STATUS = bimap<StaffStatus>([
  ['Đang làm việc', 'working'],
  ['Tạm nghỉ', 'on_leave'],
  ['Đã nghỉ việc', 'left'],
  ['Nghỉ hưu', 'retired'],
]);
