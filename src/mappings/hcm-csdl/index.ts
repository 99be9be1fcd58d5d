/** The hcm-csdl mappings (wire ⇄ canonical), one per entity, keyed like the adapter's entities. */
import { hcmCsdlClasses } from './classes.js';
import { hcmCsdlSchools } from './schools.js';
import { hcmCsdlStaff } from './staff.js';
import { hcmCsdlStudents, hcmCsdlStudentsV1 } from './students.js';

export { hcmCsdlSchools } from './schools.js';
export { hcmCsdlStudents, hcmCsdlStudentsV1 } from './students.js';

/** Mapping of each hcm-csdl entity. */
export const HCM_CSDL_MAPPINGS = {
  schools: hcmCsdlSchools,
  classes: hcmCsdlClasses,
  students: hcmCsdlStudents,
  staff: hcmCsdlStaff,
} as const;

/**
 * Earlier versions of each entity's mapping still loadable (newest first): a replay pinned to the version
 * its work first ran with maps with it. A mapping whose output changes gets a new version and its old one
 * moves here.
 */
export const HCM_CSDL_PREVIOUS_MAPPINGS = {
  students: [hcmCsdlStudentsV1],
} as const;
