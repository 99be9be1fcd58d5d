/**
 * Sạch (clean): text normalised and the change reported, legacy-font mojibake repaired, no control,
 * replacement or placeholder values, no duplicates in a batch or across schools. The rules live in
 * sach-text.ts and sach-duplicates.ts; this file lists them in catalogue order.
 */
import type { Check } from './define.js';
import {
  ACTIVE_AT_TWO_SCHOOLS,
  DUPLICATE_IN_BATCH,
  DUPLICATE_PERSONAL_ID,
  DUPLICATE_PERSONAL_ID_STORED,
  PROBABLE_DUPLICATE,
  PROBABLE_DUPLICATE_STORED,
  duplicateKeyCheck,
  probableDuplicateCheck,
  storedDuplicateCheck,
  storedPersonalIdCheck,
  twoSchoolsCheck,
} from './sach-duplicates.js';
import {
  CONTROL_CHARS,
  MOJIBAKE,
  MOJIBAKE_REPAIRED,
  NAME_CASE,
  PLACEHOLDER,
  REPLACEMENT_CHAR,
  TEXT_NORMALISED,
  textCheck,
} from './sach-text.js';

export * from './sach-text.js';
export * from './sach-duplicates.js';

export const SACH_RULES = [
  TEXT_NORMALISED,
  NAME_CASE,
  MOJIBAKE_REPAIRED,
  MOJIBAKE,
  CONTROL_CHARS,
  REPLACEMENT_CHAR,
  PLACEHOLDER,
  DUPLICATE_IN_BATCH,
  DUPLICATE_PERSONAL_ID,
  DUPLICATE_PERSONAL_ID_STORED,
  PROBABLE_DUPLICATE,
  PROBABLE_DUPLICATE_STORED,
  ACTIVE_AT_TWO_SCHOOLS,
] as const;

export const SACH_CHECKS: readonly Check[] = [
  textCheck,
  duplicateKeyCheck,
  probableDuplicateCheck,
  storedDuplicateCheck,
  storedPersonalIdCheck,
  twoSchoolsCheck,
];
