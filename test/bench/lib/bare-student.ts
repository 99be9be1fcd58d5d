/** The bare-zod baseline schema the validation and quality benches measure truc against. */
import 'zod/compile';
import { z } from 'zod';
import {
  DISABILITY_VALUES,
  GRADE_VALUES,
  SEX_VALUES,
  STUDENT_STATUS_VALUES,
} from '../../../src/canonical/enums.js';

const code = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/);

/**
 * The baseline of the validation and quality benches: the same fields as the canonical Student, as a
 * bare zod 4 object (regexes, enums and `z.iso.date()`; no refinements, transforms or findings).
 */
export const BareStudent = z.strictObject({
  studentCode: code,
  schoolCode: code,
  classCode: code.optional(),
  schoolYear: z.string().regex(/^\d{4}-\d{4}$/),
  grade: z.enum(GRADE_VALUES).optional(),
  personalId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  fullName: z.string().min(1).max(100),
  birthDate: z.iso.date(),
  sex: z.enum(SEX_VALUES),
  ethnicityCode: z.string().regex(/^(0[1-9]|[1-4]\d|5[0-6])$/),
  status: z.enum(STUDENT_STATUS_VALUES),
  statusDate: z.iso.date().optional(),
  disability: z.enum(DISABILITY_VALUES).optional(),
  residenceCommuneCode: z
    .string()
    .regex(/^\d{5}$/)
    .optional(),
  fatherName: z.string().min(1).max(100).optional(),
  motherName: z.string().min(1).max(100).optional(),
  guardianName: z.string().min(1).max(100).optional(),
  phone: z
    .string()
    .regex(/^(?:0\d{8,10}|\+\d{8,15})$/)
    .optional(),
});
