/** Class group (lớp): a class of one school in one school year. */
import type { z } from 'zod';
import { GradeSchema } from './enums.js';
import { entity, opaqueCode, text } from './primitives.js';
import { SchoolYearCodeSchema } from './school-year.js';

/** Canonical class. Natural key: schoolCode / schoolYear / classCode. */
export const ClassGroupSchema = entity({
  classCode: opaqueCode(32),
  schoolCode: opaqueCode(32),
  schoolYear: SchoolYearCodeSchema,
  grade: GradeSchema,
  /** Display name, e.g. '6A1' or 'Lá 2'. */
  name: text(100),
  homeroomStaffCode: opaqueCode(32).optional(),
});
export type ClassGroup = z.infer<typeof ClassGroupSchema>;
