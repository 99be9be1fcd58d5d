/**
 * The vnEdu simulator's data: the shared school-system walker ({@link createSchoolSystemData}) over the
 * schools vnEdu serves, with vnEdu wire records.
 */
import type { Population } from '../population/index.js';
import { createSchoolSystemData, type SchoolSystemData } from '../school-system/data.js';
import type { VneduRecordOf } from '../../adapters/vnedu/schema.js';
import { vneduClassOf, vneduStaffOf, vneduStudentOf } from './wire.js';

export { MAX_OVERLAY, type Selection } from '../school-system/data.js';

/** vnEdu serves the population schools with an odd index; SMAS the even ones. */
export const vneduServes = (schoolIndex: number): boolean => schoolIndex % 2 === 1;

/** The data side of one vnEdu simulator. */
export function createVneduData(
  pop: Population,
  sizes: { studentsPerSchool: number; staffPerSchool: number },
): VneduData {
  return createSchoolSystemData<VneduRecordOf>(pop, sizes, {
    serves: vneduServes,
    wireOf: { students: vneduStudentOf, staff: vneduStaffOf, classes: vneduClassOf },
  });
}

export type VneduData = SchoolSystemData<VneduRecordOf>;
