/** Student (học sinh / trẻ mầm non) enrolled in one school for one school year. */
import type { z } from 'zod';
import { asIs } from './as-is.js';
import { DisabilityCodeSchema, GradeSchema, SexSchema, StudentStatusSchema } from './enums.js';
import { bilingual } from './messages.js';
import {
  CommuneCodeSchema,
  EthnicityCodeSchema,
  IsoDateSchema,
  PersonNameSchema,
  PersonalIdSchema,
  PhoneSchema,
  opaqueCode,
  entity,
  isOpaqueCode,
} from './primitives.js';
import { SchoolYearCodeSchema } from './school-year.js';

/**
 * Prefix of a provisional student code. A new student has no sector code until the Ministry issues
 * one; schools key them `TAM-<personal ID>` meanwhile and re-key by personal ID later (DOMAIN §3.2).
 */
export const PROVISIONAL_STUDENT_CODE_PREFIX = 'TAM-';
const PROVISIONAL = /^TAM-\d{12}$/;

/** True for a well-formed provisional code `TAM-<12 digits>`. */
export function isProvisionalStudentCode(code: string): boolean {
  return PROVISIONAL.test(code);
}

/** The provisional student code for a personal ID (12 digits). */
export function provisionalStudentCode(personalId: string): string {
  if (!/^\d{12}$/.test(personalId)) throw new RangeError('personal ID must be 12 digits');
  return `${PROVISIONAL_STUDENT_CODE_PREFIX}${personalId}`;
}

const provisionalMessage = bilingual(
  'A provisional student code must be TAM- followed by the 12-digit personal ID.',
  'Mã học sinh tạm phải là TAM- và 12 chữ số định danh cá nhân.',
);

/** True when `v` starts with 'TAM-' in any case (a char-code test, as /^tam-/i). */
function startsTam(v: string): boolean {
  return (
    v.length >= 4 &&
    (v.charCodeAt(0) | 0x20) === 0x74 &&
    (v.charCodeAt(1) | 0x20) === 0x61 &&
    (v.charCodeAt(2) | 0x20) === 0x6d &&
    v.charCodeAt(3) === 0x2d
  );
}

/** Student code: opaque sector code (1..32 of [A-Za-z0-9._-]); anything starting 'TAM-' (any case) must be `TAM-<12 digits>`. */
export const StudentCodeSchema = asIs(
  opaqueCode(32).refine((v) => !/^tam-/i.test(v) || PROVISIONAL.test(v), {
    error: provisionalMessage,
  }),
  (v) => typeof v === 'string' && isOpaqueCode(v, 32) && (!startsTam(v) || PROVISIONAL.test(v)),
);

/** Canonical student. Natural key: studentCode (immutable sector ID, or provisional code). */
export const StudentSchema = entity({
  studentCode: StudentCodeSchema,
  schoolCode: opaqueCode(32),
  classCode: opaqueCode(32).optional(),
  schoolYear: SchoolYearCodeSchema,
  grade: GradeSchema.optional(),
  personalId: PersonalIdSchema.optional(),
  fullName: PersonNameSchema,
  birthDate: IsoDateSchema,
  sex: SexSchema,
  ethnicityCode: EthnicityCodeSchema,
  status: StudentStatusSchema,
  /** Date the status took effect (Ngày nhập trạng thái). */
  statusDate: IsoDateSchema.optional(),
  disability: DisabilityCodeSchema.optional(),
  /** Residence commune, 5-digit 2025 code. */
  residenceCommuneCode: CommuneCodeSchema.optional(),
  /** Father's full name (Họ tên cha), as on the school record and the PCGD survey form (DOMAIN §2.4, §6.2). */
  fatherName: PersonNameSchema.optional(),
  /** Mother's full name (Họ tên mẹ). */
  motherName: PersonNameSchema.optional(),
  /** Guardian's full name (Họ tên người giám hộ), when not the parents. */
  guardianName: PersonNameSchema.optional(),
  /** The parents' or guardian's contact phone (Số điện thoại liên hệ của cha mẹ / người giám hộ). */
  phone: PhoneSchema.optional(),
});
export type Student = z.infer<typeof StudentSchema>;
