/**
 * vnEdu's numeric codes (`VNEDU_CODES` in the wire schema: modelled, VNPT publishes no code list, DOMAIN §7)
 * as lookup tables both ways. Each table is the whole vocabulary: any other number is an unknown code (a
 * finding), never a guess. Each must cover every canonical code of its list, or this fails to compile.
 */
import { VNEDU_CODES } from '../../adapters/vnedu/schema.js';
import type {
  DisabilityCode,
  Grade,
  Sex,
  StaffPosition,
  StaffStatus,
  StudentStatus,
} from '../../canonical/enums.js';
import { numericBimap } from './support.js';

/** The pairs of a vocabulary table (canonical code → number) of the wire schema. */
const pairsOf = <C extends string>(table: Readonly<Record<C, number>>) =>
  (Object.entries(table) as Array<[C, number]>).map(([code, n]) => [n, code] as const);

/** `gender`. */
export const VNEDU_SEX = numericBimap(pairsOf<Sex>(VNEDU_CODES.sex));

/** `status_id` of students. */
export const VNEDU_STUDENT_STATUS = numericBimap(pairsOf<StudentStatus>(VNEDU_CODES.studentStatus));

type NumberedGrade = Exclude<Grade, keyof typeof VNEDU_CODES.preschoolGrade>;
const NUMBERED_GRADES = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => [String(i + 1), i + 1]),
) as Record<NumberedGrade, number>;

/** `grade_id`: 1..12, then the preschool groups. */
export const VNEDU_GRADE = numericBimap(
  pairsOf<Grade>({ ...NUMBERED_GRADES, ...VNEDU_CODES.preschoolGrade }),
);

/** `disability_id`. */
export const VNEDU_DISABILITY = numericBimap(pairsOf<DisabilityCode>(VNEDU_CODES.disability));

/** `position_id` of staff. */
export const VNEDU_POSITION = numericBimap(pairsOf<StaffPosition>(VNEDU_CODES.position));

/** `status_id` of staff. */
export const VNEDU_STAFF_STATUS = numericBimap(pairsOf<StaffStatus>(VNEDU_CODES.staffStatus));

/** `ethnic_id` 1..56 ↔ canonical '01'..'56' (same GSO order, DOMAIN §3.4). */
export const VNEDU_ETHNICITY = numericBimap<string>(
  Array.from({ length: 56 }, (_, i) => [i + 1, String(i + 1).padStart(2, '0')] as const),
);
