/**
 * SMAS's own spellings of canonical codes (`SMAS_LABELS` in the wire schema: modelled, SMAS publishes no
 * code list, DOMAIN §7) as lookup tables both ways. Reading tries these first and then the canonical lists'
 * aliases, so other spellings ('nam', 'M', 'Khối 6', 'Khmer') still resolve; writing always uses these
 * spellings. Each table must cover every canonical code of its list, or this fails to compile.
 */
import { SMAS_LABELS } from '../../adapters/smas/schema.js';
import type { DisabilityCode, Grade, Sex, StaffStatus } from '../../canonical/enums.js';

function bimap<C extends string>(labels: Readonly<Record<C, string>>) {
  const pairs = Object.entries(labels) as Array<[C, string]>;
  return {
    toCode: new Map<string, C>(pairs.map(([code, wire]) => [wire, code])),
    toWire: new Map<C, string>(pairs),
  };
}

type NumberedGrade = Exclude<Grade, keyof typeof SMAS_LABELS.preschoolGrade>;
const NUMBERED_GRADES = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => [String(i + 1), String(i + 1)]),
) as Record<NumberedGrade, string>;

/** `GioiTinh`. */
export const SMAS_SEX = bimap<Sex>(SMAS_LABELS.sex);

/** `KhoiHoc`: '1'..'12', 'NT' (nhà trẻ), 'MG3'/'MG4'/'MG5' (mẫu giáo by age). */
export const SMAS_GRADE = bimap<Grade>({ ...SMAS_LABELS.preschoolGrade, ...NUMBERED_GRADES });

/** `LoaiKhuyetTat`. */
export const SMAS_DISABILITY = bimap<DisabilityCode>(SMAS_LABELS.disability);

/** `TrangThai` of staff. */
export const SMAS_STAFF_STATUS = bimap<StaffStatus>(SMAS_LABELS.staffStatus);
