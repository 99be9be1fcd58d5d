/**
 * hcm-csdl classes ⇄ canonical ClassGroup. maDinhDanh ⇄ classCode (the class's sector code; students
 * point at it with maLop), maTruong ⇄ schoolCode (or ctx.schoolCode), namHoc ⇄ schoolYear (or
 * ctx.schoolYear), khoiLop ⇄ grade, tenLop ⇄ name (NFC), maGiaoVienChuNhiem ⇄ homeroomStaffCode.
 */
import {
  HCM_CSDL_LABELS,
  type ClassGroup as WireClass,
  type ClassGroupUpsert,
} from '../../adapters/hcm-csdl/schema.js';
import { ClassGroupSchema, type ClassGroup } from '../../canonical/class-group.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { cleanText, requiredText } from '../common.js';
import type { EntityMapping, MapContext, MapResult } from '../types.js';
import { Findings, code, finish } from './shared.js';

/** A class record as the mapping reads it: a read record or an upsert. */
export type HcmCsdlClassIn = Omit<WireClass, 'updatedAt' | 'deleted'> & { updatedAt?: string };

const POINTERS: Record<keyof ClassGroup, string> = {
  classCode: '/maDinhDanh',
  schoolCode: '/maTruong',
  schoolYear: '/namHoc',
  grade: '/khoiLop',
  name: '/tenLop',
  homeroomStaffCode: '/maGiaoVienChuNhiem',
};

function toCanonical(wire: HcmCsdlClassIn, ctx: MapContext): MapResult<ClassGroup> {
  const f = new Findings();
  const draft = {
    classCode: requiredText(wire.maDinhDanh, '/maDinhDanh', f.list),
    schoolCode: requiredText(cleanText(wire.maTruong) ?? ctx.schoolCode, '/maTruong', f.list),
    schoolYear: requiredText(cleanText(wire.namHoc) ?? ctx.schoolYear, '/namHoc', f.list),
    grade: code(GRADE_CODE_LIST, wire.khoiLop, '/khoiLop', f, true),
    name: requiredText(wire.tenLop, '/tenLop', f.list),
    homeroomStaffCode: cleanText(wire.maGiaoVienChuNhiem),
  };
  return finish(ClassGroupSchema, draft, POINTERS, f);
}

function fromCanonical(c: ClassGroup): ClassGroupUpsert {
  return {
    maDinhDanh: c.classCode,
    maTruong: c.schoolCode,
    namHoc: c.schoolYear,
    khoiLop: HCM_CSDL_LABELS.grade[c.grade],
    tenLop: c.name,
    ...(c.homeroomStaffCode !== undefined ? { maGiaoVienChuNhiem: c.homeroomStaffCode } : {}),
  };
}

/** hcm-csdl classes mapping. */
export const hcmCsdlClasses: EntityMapping<HcmCsdlClassIn, ClassGroup, ClassGroupUpsert> = {
  version: 'hcm-csdl/classes@1',
  toCanonical,
  validatedBy: ClassGroupSchema,
  fromCanonical,
};
