/**
 * vnEdu ⇄ canonical mappings (students, staff, classes). Used for scheduled pulls from the vnEdu adapter
 * and for vendor pushes in vnEdu's native format (`format: vnedu`): pass `ctx.schoolCode` (and
 * `ctx.schoolYear`) so records that do not name their school (year) still map, and records naming
 * another school are refused (`MAP_SCHOOL_MISMATCH`). The fields and how they are read and written are
 * the shared school-system ones (`../school-system-mapping.ts`); here are vnEdu's field names, and in
 * `./dialect.ts` its spellings.
 */
import type { VneduClass, VneduStaff, VneduStudent } from '../../adapters/vnedu/schema.js';
import type { ClassGroup } from '../../canonical/class-group.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';
import { CLASS_FIELDS, STAFF_FIELDS, STUDENT_FIELDS, schoolSystemMapping } from '../school-system-mapping.js';
import { VNEDU_DIALECT } from './dialect.js';

/** vnEdu students. `updated_at` is not carried (the vendor's bookkeeping). */
export const vneduStudents = schoolSystemMapping<VneduStudent, Student>(
  'vnedu/students@2',
  STUDENT_FIELDS,
  VNEDU_DIALECT,
  {
    studentCode: 'student_id',
    schoolCode: 'school_code',
    classCode: 'class_id',
    schoolYear: 'school_year',
    grade: 'grade_id',
    personalId: 'citizen_id',
    fullName: 'full_name',
    birthDate: 'dob',
    sex: 'gender',
    ethnicityCode: 'ethnic_id',
    status: 'status_id',
    statusDate: 'status_date',
    disability: 'disability_id',
    residenceCommuneCode: 'commune_code',
    fatherName: 'father_name',
    motherName: 'mother_name',
    guardianName: 'guardian_name',
    phone: 'contact_phone',
  },
);

/** vnEdu staff. */
export const vneduStaff = schoolSystemMapping<VneduStaff, Staff>(
  'vnedu/staff@1',
  STAFF_FIELDS,
  VNEDU_DIALECT,
  {
    staffCode: 'staff_id',
    schoolCode: 'school_code',
    personalId: 'citizen_id',
    fullName: 'full_name',
    birthDate: 'dob',
    sex: 'gender',
    ethnicityCode: 'ethnic_id',
    position: 'position_id',
    subjects: 'subjects',
    status: 'status_id',
    email: 'email',
    phone: 'phone',
  },
);

/** vnEdu classes. */
export const vneduClasses = schoolSystemMapping<VneduClass, ClassGroup>(
  'vnedu/classes@1',
  CLASS_FIELDS,
  VNEDU_DIALECT,
  {
    classCode: 'class_id',
    schoolCode: 'school_code',
    schoolYear: 'school_year',
    grade: 'grade_id',
    name: 'name',
    homeroomStaffCode: 'homeroom_staff_id',
  },
);

/** The vnEdu mapping of each canonical entity name. */
export const vneduMappings = {
  students: vneduStudents,
  staff: vneduStaff,
  classes: vneduClasses,
} as const;
