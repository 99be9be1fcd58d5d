/**
 * SMAS ⇄ canonical mappings (students, staff, classes). Used for scheduled pulls from the SMAS adapter
 * and for vendor pushes in SMAS's native format (`format: smas`): pass `ctx.schoolCode` (and
 * `ctx.schoolYear`) so records that do not name their school (year) still map, and records naming
 * another school are refused (`MAP_SCHOOL_MISMATCH`).
 */
import { smasClasses } from './classes.js';
import { smasStaff } from './staff.js';
import { smasStudents } from './students.js';

export { smasStudents, smasStudentFromCanonical } from './students.js';

/** The SMAS mapping of each canonical entity name. */
export const smasMappings = {
  students: smasStudents,
  staff: smasStaff,
  classes: smasClasses,
} as const;
