/**
 * Đúng (correct): identifiers, dates, codes and contact fields are valid, agree with each other and
 * with the authoritative source. The rules live in dung-identity.ts, dung-codes.ts and
 * dung-contacts.ts; this file lists them in catalogue order.
 */
import type { Check } from './define.js';
import {
  AGE_FOR_GRADE,
  CITY_CONFLICT,
  DATE_IN_FUTURE,
  DATE_INVALID,
  PERSONAL_ID_BIRTH_YEAR_MISMATCH,
  PERSONAL_ID_FORMAT,
  PERSONAL_ID_LEGACY,
  PERSONAL_ID_PROVINCE,
  PERSONAL_ID_SEX_MISMATCH,
  STAFF_AGE,
  ageForGradeCheck,
  cityConflictCheck,
  datesCheck,
  personalIdCheck,
  staffAgeCheck,
} from './dung-identity.js';
import {
  CLASS_UNKNOWN,
  CODE_UNKNOWN,
  COMMUNE_SUPERSEDED,
  COMMUNE_UNKNOWN,
  GRADE_LEVEL,
  SCHEMA,
  SCHOOL_UNLISTED,
  classCheck,
  communeCheck,
  gradeLevelCheck,
  schoolListedCheck,
} from './dung-codes.js';
import {
  EMAIL_FORMAT,
  PHONE_FORMAT,
  SCHOOL_EMAIL_DOMAIN,
  WEBSITE_FORMAT,
  contactCheck,
  schoolContactCheck,
} from './dung-contacts.js';

export * from './dung-identity.js';
export * from './dung-codes.js';
export * from './dung-contacts.js';

export const DUNG_RULES = [
  PERSONAL_ID_FORMAT,
  PERSONAL_ID_LEGACY,
  PERSONAL_ID_PROVINCE,
  PERSONAL_ID_SEX_MISMATCH,
  PERSONAL_ID_BIRTH_YEAR_MISMATCH,
  DATE_INVALID,
  DATE_IN_FUTURE,
  AGE_FOR_GRADE,
  STAFF_AGE,
  CODE_UNKNOWN,
  SCHEMA,
  COMMUNE_UNKNOWN,
  COMMUNE_SUPERSEDED,
  GRADE_LEVEL,
  CLASS_UNKNOWN,
  SCHOOL_UNLISTED,
  PHONE_FORMAT,
  EMAIL_FORMAT,
  SCHOOL_EMAIL_DOMAIN,
  WEBSITE_FORMAT,
  CITY_CONFLICT,
] as const;

export const DUNG_CHECKS: readonly Check[] = [
  personalIdCheck,
  datesCheck,
  ageForGradeCheck,
  staffAgeCheck,
  communeCheck,
  gradeLevelCheck,
  classCheck,
  schoolListedCheck,
  contactCheck,
  schoolContactCheck,
  cityConflictCheck,
];
