/**
 * How the vnEdu simulator renders the shared population in vnEdu's wire format (numeric codes, ISO
 * dates, the school year as its start year), with vnEdu's codes from its wire schema (`VNEDU_CODES`).
 * The mapping layer (`src/mappings/vnedu/`) reads them back, and the conformance test checks that every
 * simulated record maps.
 */
import {
  VNEDU_CODES,
  type VneduClass,
  type VneduStaff,
  type VneduStudent,
} from '../../adapters/vnedu/schema.js';
import type { ClassGroup } from '../../canonical/class-group.js';
import type { Grade } from '../../canonical/enums.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';

const C = VNEDU_CODES;

/** vnEdu `grade_id` of a grade: 1..12, 21 nursery, 23/24/25 kindergarten by age. */
const gradeIdOf = (g: Grade): number => C.preschoolGrade[g as keyof typeof C.preschoolGrade] ?? Number(g);
const startYear = (schoolYear: string): number => Number(schoolYear.slice(0, 4));

/** A population student as vnEdu serves it; `changedAt` is its last change (ISO). */
export function vneduStudentOf(s: Student, changedAt: string): VneduStudent {
  return {
    student_id: s.studentCode,
    school_code: s.schoolCode,
    full_name: s.fullName,
    dob: s.birthDate,
    gender: C.sex[s.sex],
    ethnic_id: Number(s.ethnicityCode),
    citizen_id: s.personalId ?? null,
    class_id: s.classCode ?? null,
    grade_id: s.grade === undefined ? null : gradeIdOf(s.grade),
    school_year: startYear(s.schoolYear),
    status_id: C.studentStatus[s.status],
    status_date: s.statusDate ?? null,
    disability_id: C.disability[s.disability ?? 'none'],
    commune_code: s.residenceCommuneCode ?? null,
    father_name: s.fatherName ?? null,
    mother_name: s.motherName ?? null,
    guardian_name: s.guardianName ?? null,
    contact_phone: s.phone ?? null,
    updated_at: changedAt,
  };
}

/** A population staff member as vnEdu serves it. */
export function vneduStaffOf(t: Staff, changedAt: string): VneduStaff {
  return {
    staff_id: t.staffCode,
    school_code: t.schoolCode,
    full_name: t.fullName,
    dob: t.birthDate,
    gender: C.sex[t.sex],
    ethnic_id: t.ethnicityCode === undefined ? null : Number(t.ethnicityCode),
    citizen_id: t.personalId ?? null,
    position_id: C.position[t.position],
    subjects: t.subjects ?? [],
    status_id: C.staffStatus[t.status],
    email: t.email ?? null,
    phone: t.phone ?? null,
    updated_at: changedAt,
  };
}

/** A population class as vnEdu serves it. */
export function vneduClassOf(c: ClassGroup, changedAt: string): VneduClass {
  return {
    class_id: c.classCode,
    school_code: c.schoolCode,
    name: c.name,
    grade_id: gradeIdOf(c.grade),
    school_year: startYear(c.schoolYear),
    homeroom_staff_id: c.homeroomStaffCode ?? null,
    updated_at: changedAt,
  };
}
