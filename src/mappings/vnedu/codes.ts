/**
 * vnEdu's numeric codes (modelled: VNPT publishes no code list, DOMAIN §7). Each table is the whole
 * vocabulary: any other number is an unknown code (a finding), never a guess.
 */
import type {
  DisabilityCode,
  Grade,
  Sex,
  StaffPosition,
  StaffStatus,
  StudentStatus,
} from '../../canonical/enums.js';
import { numericBimap } from './support.js';

/** `gender`: 1 male, 2 female (as on the national public-service portal forms, DOMAIN §3.4). */
export const VNEDU_SEX = numericBimap<Sex>([
  [1, 'male'],
  [2, 'female'],
]);

/** `status_id` of students. */
export const VNEDU_STUDENT_STATUS = numericBimap<StudentStatus>([
  [1, 'studying'],
  [2, 'transferred_in'],
  [3, 'transferred_out'],
  [4, 'dropped_out'],
  [5, 'returned'],
  [6, 'suspended'],
  [7, 'repeating'],
  [8, 'completed'],
  [9, 'graduated'],
  [10, 'deceased'],
]);

/** `grade_id`: 1..12, then 21 nursery, 23/24/25 kindergarten by age. */
export const VNEDU_GRADE = numericBimap<Grade>([
  ...Array.from({ length: 12 }, (_, i) => [i + 1, String(i + 1) as Grade] as const),
  [21, 'nursery'],
  [23, 'kg3'],
  [24, 'kg4'],
  [25, 'kg5'],
]);

/** `disability_id`. */
export const VNEDU_DISABILITY = numericBimap<DisabilityCode>([
  [0, 'none'],
  [1, 'visual'],
  [2, 'hearing'],
  [3, 'speech'],
  [4, 'physical'],
  [5, 'intellectual'],
  [6, 'multiple'],
  [9, 'other'],
]);

/** `position_id` of staff. */
export const VNEDU_POSITION = numericBimap<StaffPosition>([
  [1, 'principal'],
  [2, 'vice_principal'],
  [3, 'teacher'],
  [4, 'staff'],
]);

/** `status_id` of staff. */
export const VNEDU_STAFF_STATUS = numericBimap<StaffStatus>([
  [1, 'working'],
  [2, 'on_leave'],
  [3, 'left'],
  [4, 'retired'],
]);

/** `ethnic_id` 1..56 ↔ canonical '01'..'56' (same GSO order, DOMAIN §3.4). */
export const VNEDU_ETHNICITY = numericBimap<string>(
  Array.from({ length: 56 }, (_, i) => [i + 1, String(i + 1).padStart(2, '0')] as const),
);
