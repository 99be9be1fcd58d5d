/** vnEdu `Student` ⇄ canonical `Student`. */
import type { VneduStudent } from '../../adapters/vnedu/schema.js';
import { StudentSchema, type Student } from '../../canonical/student.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from '../types.js';
import {
  VNEDU_DISABILITY,
  VNEDU_ETHNICITY,
  VNEDU_GRADE,
  VNEDU_SEX,
  VNEDU_STUDENT_STATUS,
  sexOf,
} from './codes.js';
import {
  compact,
  isoDateOf,
  numericCodeOf,
  personalIdOf,
  requiredText,
  schoolOf,
  schoolYearOfStart,
  startYearOf,
  textOf,
  validated,
} from './support.js';

const POINTER: Readonly<Record<keyof Student, string>> = {
  studentCode: '/student_id',
  schoolCode: '/school_code',
  classCode: '/class_id',
  schoolYear: '/school_year',
  grade: '/grade_id',
  personalId: '/citizen_id',
  fullName: '/full_name',
  birthDate: '/dob',
  sex: '/gender',
  ethnicityCode: '/ethnic_id',
  status: '/status_id',
  statusDate: '/status_date',
  disability: '/disability_id',
  residenceCommuneCode: '/commune_code',
  fatherName: '/father_name',
  motherName: '/mother_name',
  guardianName: '/guardian_name',
  phone: '/contact_phone',
};

/**
 * vnEdu student → canonical. `school_code` falls back to `ctx.schoolCode` (vendor pushes), `school_year`
 * to `ctx.schoolYear`. Required fields missing, bad or unknown → error findings; optional ones → warnings
 * and the field is left out. `updated_at` is not carried (the vendor's bookkeeping).
 */
function vneduStudentToCanonical(wire: VneduStudent, ctx: MapContext): MapResult<Student> {
  const f: MappingFinding[] = [];
  const w = wire as Partial<Record<keyof VneduStudent, unknown>>;
  const candidate = {
    studentCode: requiredText(w.student_id, POINTER.studentCode, f),
    schoolCode: schoolOf(w.school_code, POINTER.schoolCode, ctx, f),
    classCode: textOf(w.class_id),
    schoolYear: schoolYearOfStart(w.school_year, POINTER.schoolYear, ctx, f),
    grade: numericCodeOf(w.grade_id, POINTER.grade, f, {
      table: VNEDU_GRADE.toCode,
      list: 'grade',
      required: false,
    }),
    personalId: personalIdOf(w.citizen_id, POINTER.personalId, f),
    fullName: requiredText(w.full_name, POINTER.fullName, f),
    birthDate: isoDateOf(w.dob, POINTER.birthDate, f, true),
    sex: sexOf(w.gender, POINTER.sex, f),
    ethnicityCode: numericCodeOf(w.ethnic_id, POINTER.ethnicityCode, f, {
      table: VNEDU_ETHNICITY.toCode,
      list: 'ethnicity',
      required: true,
    }),
    status: numericCodeOf(w.status_id, POINTER.status, f, {
      table: VNEDU_STUDENT_STATUS.toCode,
      list: 'student-status',
      required: true,
    }),
    statusDate: isoDateOf(w.status_date, POINTER.statusDate, f, false),
    disability: numericCodeOf(w.disability_id, POINTER.disability, f, {
      table: VNEDU_DISABILITY.toCode,
      list: 'disability',
      required: false,
    }),
    residenceCommuneCode: textOf(w.commune_code),
    fatherName: textOf(w.father_name),
    motherName: textOf(w.mother_name),
    guardianName: textOf(w.guardian_name),
    phone: textOf(w.contact_phone),
  };
  return validated(StudentSchema, candidate, f, POINTER);
}

/** Canonical student → vnEdu (for writes): numeric codes, ISO dates, school year as its start year. */
function vneduStudentFromCanonical(s: Student): VneduStudent {
  return compact({
    student_id: s.studentCode,
    school_code: s.schoolCode,
    full_name: s.fullName,
    dob: s.birthDate,
    gender: VNEDU_SEX.toWire.get(s.sex),
    ethnic_id: VNEDU_ETHNICITY.toWire.get(s.ethnicityCode),
    citizen_id: s.personalId,
    class_id: s.classCode,
    grade_id: s.grade === undefined ? undefined : VNEDU_GRADE.toWire.get(s.grade),
    school_year: startYearOf(s.schoolYear),
    status_id: VNEDU_STUDENT_STATUS.toWire.get(s.status),
    status_date: s.statusDate,
    disability_id: s.disability === undefined ? undefined : VNEDU_DISABILITY.toWire.get(s.disability),
    commune_code: s.residenceCommuneCode,
    father_name: s.fatherName,
    mother_name: s.motherName,
    guardian_name: s.guardianName,
    contact_phone: s.phone,
  }) as VneduStudent;
}

/** The vnEdu students mapping. */
export const vneduStudents: EntityMapping<VneduStudent, Student> = {
  version: 'vnedu/students@2',
  toCanonical: vneduStudentToCanonical,
  fromCanonical: vneduStudentFromCanonical,
};
