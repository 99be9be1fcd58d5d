/** SMAS `Class` ⇄ canonical `ClassGroup`. */
import type { SmasClass } from '../../adapters/smas/schema.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { ClassGroupSchema, type ClassGroup } from '../../canonical/class-group.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from '../types.js';
import { SMAS_GRADE } from './codes.js';
import { codeOf, compact, requiredText, schoolOf, schoolYearOf, textOf, validated } from './support.js';

const POINTER: Readonly<Record<keyof ClassGroup, string>> = {
  classCode: '/MaLop',
  schoolCode: '/MaTruong',
  schoolYear: '/NamHoc',
  grade: '/KhoiHoc',
  name: '/TenLop',
  homeroomStaffCode: '/MaGVCN',
};

/** SMAS class → canonical. `MaTruong` falls back to `ctx.schoolCode`, `NamHoc` to `ctx.schoolYear`. */
function smasClassToCanonical(wire: SmasClass, ctx: MapContext): MapResult<ClassGroup> {
  const f: MappingFinding[] = [];
  const w = wire as Partial<Record<keyof SmasClass, unknown>>;
  const candidate = {
    classCode: requiredText(w.MaLop, POINTER.classCode, f),
    schoolCode: schoolOf(w.MaTruong, POINTER.schoolCode, ctx, f),
    schoolYear: schoolYearOf(w.NamHoc, POINTER.schoolYear, ctx, f),
    grade: codeOf(w.KhoiHoc, POINTER.grade, f, {
      vendor: SMAS_GRADE.toCode,
      canonical: GRADE_CODE_LIST,
      required: true,
    }),
    name: requiredText(w.TenLop, POINTER.name, f),
    homeroomStaffCode: textOf(w.MaGVCN),
  };
  return validated(ClassGroupSchema, candidate, f, POINTER);
}

/** Canonical class → SMAS (for writes). */
function smasClassFromCanonical(c: ClassGroup): SmasClass {
  return compact({
    MaLop: c.classCode,
    MaTruong: c.schoolCode,
    TenLop: c.name,
    KhoiHoc: SMAS_GRADE.toWire.get(c.grade) ?? c.grade,
    NamHoc: c.schoolYear,
    MaGVCN: c.homeroomStaffCode,
  }) as SmasClass;
}

/** The SMAS classes mapping. */
export const smasClasses: EntityMapping<SmasClass, ClassGroup> = {
  version: 'smas/classes@1',
  toCanonical: smasClassToCanonical,
  fromCanonical: smasClassFromCanonical,
};
