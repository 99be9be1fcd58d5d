/**
 * The closed code sets of the canonical model, as zod enums. Codes are English snake_case; Vietnamese
 * labels and other spellings are aliases in the code lists under `codes/` (resolve them with `resolveCode`).
 */
import { z } from 'zod';
import { bilingual } from './messages.js';

/**
 * A zod enum of `values` whose error names the field and lists the codes, in English and Vietnamese. A code sent
 * as a number or a boolean (`"grade": 1`) is told to be text, the codes quoted (walk9: it was told "Grade must be
 * one of: …, 1, …", the very value it sent).
 */
function codeSet<const V extends readonly [string, ...string[]]>(values: V, field: string, fieldVi: string) {
  const list = values.join(', ');
  const quoted = values.map((v) => `"${v}"`).join(', ');
  const wrong = bilingual(`${field} must be one of: ${list}.`, `${fieldVi} phải là một trong: ${list}.`);
  const notText = bilingual(
    `${field} is a code written as text, in quotes: one of ${quoted}.`,
    `${fieldVi} là mã viết dạng chuỗi, trong dấu ngoặc kép: một trong ${quoted}.`,
  );
  return z.enum(values, {
    error: (issue) => (typeof issue.input === 'number' || typeof issue.input === 'boolean' ? notText : wrong),
  });
}

/** Sex codes. */
export const SEX_VALUES = ['male', 'female'] as const;
export const SexSchema = codeSet(SEX_VALUES, 'Sex', 'Giới tính');
export type Sex = z.infer<typeof SexSchema>;

/** School level codes (truc's own: no official list found, DOMAIN §3.5). */
export const SCHOOL_LEVEL_VALUES = [
  'preschool',
  'primary',
  'lower_secondary',
  'upper_secondary',
  'multi_level',
  'continuing',
] as const;
export const SchoolLevelSchema = codeSet(SCHOOL_LEVEL_VALUES, 'School level', 'Cấp học');
export type SchoolLevel = z.infer<typeof SchoolLevelSchema>;

/** Grade codes: preschool groups (nursery, kindergarten 3/4/5-year-olds) then grades 1–12. */
export const GRADE_VALUES = [
  'nursery',
  'kg3',
  'kg4',
  'kg5',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '10',
  '11',
  '12',
] as const;
export const GradeSchema = codeSet(GRADE_VALUES, 'Grade', 'Khối lớp');
export type Grade = z.infer<typeof GradeSchema>;

/** Student status codes (CSDL ngành "Trạng thái HS", DOMAIN §6.2). */
export const STUDENT_STATUS_VALUES = [
  'studying',
  'transferred_in',
  'transferred_out',
  'dropped_out',
  'returned',
  'suspended',
  'repeating',
  'completed',
  'graduated',
  'deceased',
] as const;
export const StudentStatusSchema = codeSet(STUDENT_STATUS_VALUES, 'Student status', 'Trạng thái học sinh');
export type StudentStatus = z.infer<typeof StudentStatusSchema>;

/** Staff position codes. */
export const STAFF_POSITION_VALUES = ['principal', 'vice_principal', 'teacher', 'staff'] as const;
export const StaffPositionSchema = codeSet(STAFF_POSITION_VALUES, 'Staff position', 'Chức vụ');
export type StaffPosition = z.infer<typeof StaffPositionSchema>;

/** Staff status codes. */
export const STAFF_STATUS_VALUES = ['working', 'on_leave', 'left', 'retired'] as const;
export const StaffStatusSchema = codeSet(STAFF_STATUS_VALUES, 'Staff status', 'Trạng thái cán bộ');
export type StaffStatus = z.infer<typeof StaffStatusSchema>;

/** Disability codes. */
export const DISABILITY_VALUES = [
  'none',
  'visual',
  'hearing',
  'speech',
  'physical',
  'intellectual',
  'multiple',
  'other',
] as const;
export const DisabilityCodeSchema = codeSet(DISABILITY_VALUES, 'Disability', 'Loại khuyết tật');
export type DisabilityCode = z.infer<typeof DisabilityCodeSchema>;

/** Whether a school is operating. */
export const SCHOOL_STATUS_VALUES = ['active', 'closed'] as const;
export const SchoolStatusSchema = codeSet(SCHOOL_STATUS_VALUES, 'School status', 'Trạng thái trường');
export type SchoolStatus = z.infer<typeof SchoolStatusSchema>;

/** Household residence registration: thường trú (permanent) or tạm trú (temporary), DOMAIN §2.4. */
export const RESIDENCE_TYPE_VALUES = ['permanent', 'temporary'] as const;
export const ResidenceTypeSchema = codeSet(RESIDENCE_TYPE_VALUES, 'Residence type', 'Loại cư trú');
export type ResidenceType = z.infer<typeof ResidenceTypeSchema>;

/** Literacy level of a surveyed person (Decree 20/2014 Đ19, DOMAIN §1.1). */
export const LITERACY_VALUES = ['none', 'level1', 'level2'] as const;
export const LiteracySchema = codeSet(LITERACY_VALUES, 'Literacy', 'Mức biết chữ');
export type Literacy = z.infer<typeof LiteracySchema>;
