/**
 * The SMAS simulator's data: the shared school-system walker ({@link createSchoolSystemData}) over the
 * schools SMAS serves, with SMAS wire records.
 */
import type { Population } from '../population/index.js';
import { createSchoolSystemData, type SchoolSystemData } from '../school-system/data.js';
import type { SmasRecordOf } from '../../adapters/smas/schema.js';
import { smasClassOf, smasStaffOf, smasStudentOf } from './wire.js';

export { MAX_OVERLAY, type Selection } from '../school-system/data.js';

/** SMAS serves the population schools with an even index; vnEdu the odd ones. */
export const smasServes = (schoolIndex: number): boolean => schoolIndex % 2 === 0;

/** The data side of one SMAS simulator. */
export function createSmasData(
  pop: Population,
  sizes: { studentsPerSchool: number; staffPerSchool: number },
): SmasData {
  return createSchoolSystemData<SmasRecordOf>(pop, sizes, {
    serves: smasServes,
    wireOf: { students: smasStudentOf, staff: smasStaffOf, classes: smasClassOf },
  });
}

export type SmasData = SchoolSystemData<SmasRecordOf>;
