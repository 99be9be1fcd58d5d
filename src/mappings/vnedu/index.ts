/**
 * vnEdu ⇄ canonical mappings (students, staff, classes). Used for scheduled pulls from the vnEdu adapter
 * and for vendor pushes in vnEdu's native format (`format: vnedu`): pass `ctx.schoolCode` (and
 * `ctx.schoolYear`) so records that do not name their school (year) still map, and records naming
 * another school are refused (`MAP_SCHOOL_MISMATCH`).
 */
import { vneduClasses } from './classes.js';
import { vneduStaff } from './staff.js';
import { vneduStudents } from './students.js';

export { vneduStudents } from './students.js';

/** The vnEdu mapping of each canonical entity name. */
export const vneduMappings = {
  students: vneduStudents,
  staff: vneduStaff,
  classes: vneduClasses,
} as const;
