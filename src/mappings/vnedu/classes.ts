/** vnEdu `Class` ⇄ canonical `ClassGroup`. */
import type { VneduClass } from '../../adapters/vnedu/schema.js';
import { ClassGroupSchema, type ClassGroup } from '../../canonical/class-group.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from '../types.js';
import { VNEDU_GRADE } from './codes.js';
import {
  compact,
  numericCodeOf,
  requiredText,
  schoolOf,
  schoolYearOfStart,
  startYearOf,
  textOf,
  validated,
} from './support.js';

const POINTER: Readonly<Record<keyof ClassGroup, string>> = {
  classCode: '/class_id',
  schoolCode: '/school_code',
  schoolYear: '/school_year',
  grade: '/grade_id',
  name: '/name',
  homeroomStaffCode: '/homeroom_staff_id',
};

/** vnEdu class → canonical. `school_code` falls back to `ctx.schoolCode`, `school_year` to `ctx.schoolYear`. */
function vneduClassToCanonical(wire: VneduClass, ctx: MapContext): MapResult<ClassGroup> {
  const f: MappingFinding[] = [];
  const w = wire as Partial<Record<keyof VneduClass, unknown>>;
  const candidate = {
    classCode: requiredText(w.class_id, POINTER.classCode, f),
    schoolCode: schoolOf(w.school_code, POINTER.schoolCode, ctx, f),
    schoolYear: schoolYearOfStart(w.school_year, POINTER.schoolYear, ctx, f),
    grade: numericCodeOf(w.grade_id, POINTER.grade, f, {
      table: VNEDU_GRADE.toCode,
      list: 'grade',
      required: true,
    }),
    name: requiredText(w.name, POINTER.name, f),
    homeroomStaffCode: textOf(w.homeroom_staff_id),
  };
  return validated(ClassGroupSchema, candidate, f, POINTER);
}

/** Canonical class → vnEdu (for writes). */
function vneduClassFromCanonical(c: ClassGroup): VneduClass {
  return compact({
    class_id: c.classCode,
    school_code: c.schoolCode,
    name: c.name,
    grade_id: VNEDU_GRADE.toWire.get(c.grade),
    school_year: startYearOf(c.schoolYear),
    homeroom_staff_id: c.homeroomStaffCode,
  }) as VneduClass;
}

/** The vnEdu classes mapping. */
export const vneduClasses: EntityMapping<VneduClass, ClassGroup> = {
  version: 'vnedu/classes@1',
  toCanonical: vneduClassToCanonical,
  fromCanonical: vneduClassFromCanonical,
};
