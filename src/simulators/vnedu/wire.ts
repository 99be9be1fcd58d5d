/**
 * How the vnEdu simulator renders the shared population in vnEdu's wire format (numeric codes, ISO
 * dates, the school year as its start year). These are vnEdu's codes as the model defines them; the
 * mapping layer (`src/mappings/vnedu/`) reads them back, and the integration test checks that every
 * simulated record maps.
 */
import type {
  DisabilityCode,
  Grade,
  PopClass,
  PopStaff,
  PopStudent,
  StaffPosition,
  StaffStatus,
  StudentStatus,
} from '../population/index.js';
import type { VneduClass, VneduStaff, VneduStudent } from '../../adapters/vnedu/schema.js';

const SEX = { male: 1, female: 2 } as const;

const STUDENT_STATUS: Record<StudentStatus, number> = {
  studying: 1,
  transferred_in: 2,
  transferred_out: 3,
  dropped_out: 4,
  returned: 5,
  suspended: 6,
  repeating: 7,
  completed: 8,
  graduated: 9,
  deceased: 10,
};

const PRESCHOOL_GRADE: Partial<Record<Grade, number>> = { nursery: 21, kg3: 23, kg4: 24, kg5: 25 };

const DISABILITY: Record<DisabilityCode, number> = {
  none: 0,
  visual: 1,
  hearing: 2,
  speech: 3,
  physical: 4,
  intellectual: 5,
  multiple: 6,
  other: 9,
};

const POSITION: Record<StaffPosition, number> = { principal: 1, vice_principal: 2, teacher: 3, staff: 4 };
const STAFF_STATUS: Record<StaffStatus, number> = { working: 1, on_leave: 2, left: 3, retired: 4 };

/** vnEdu `grade_id` of a grade: 1..12, 21 nursery, 23/24/25 kindergarten by age. */
export const gradeIdOf = (g: Grade): number => PRESCHOOL_GRADE[g] ?? Number(g);
const startYear = (schoolYear: string): number => Number(schoolYear.slice(0, 4));

/** A population student as vnEdu serves it; `changedAt` is its last change (ISO). */
export function vneduStudentOf(s: PopStudent, changedAt: string): VneduStudent {
  return {
    student_id: s.studentCode,
    school_code: s.schoolCode,
    full_name: s.fullName,
    dob: s.birthDate,
    gender: SEX[s.sex],
    ethnic_id: Number(s.ethnicityCode),
    citizen_id: s.personalId ?? null,
    class_id: s.classCode ?? null,
    grade_id: s.grade === undefined ? null : gradeIdOf(s.grade),
    school_year: startYear(s.schoolYear),
    status_id: STUDENT_STATUS[s.status],
    status_date: s.statusDate ?? null,
    disability_id: DISABILITY[s.disability ?? 'none'],
    commune_code: s.residenceCommuneCode ?? null,
    updated_at: changedAt,
  };
}

/** A population staff member as vnEdu serves it. */
export function vneduStaffOf(t: PopStaff, changedAt: string): VneduStaff {
  return {
    staff_id: t.staffCode,
    school_code: t.schoolCode,
    full_name: t.fullName,
    dob: t.birthDate,
    gender: SEX[t.sex],
    ethnic_id: t.ethnicityCode === undefined ? null : Number(t.ethnicityCode),
    citizen_id: t.personalId ?? null,
    position_id: POSITION[t.position],
    subjects: t.subjects ?? [],
    status_id: STAFF_STATUS[t.status],
    email: t.email ?? null,
    phone: t.phone ?? null,
    updated_at: changedAt,
  };
}

/** A population class as vnEdu serves it. */
export function vneduClassOf(c: PopClass, changedAt: string): VneduClass {
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
