/**
 * Valid wire records of the external systems, for tests of mappings and of jobs fed by them: the
 * canonical factories' student (./records.ts) as each system spells it. A test overrides only what it
 * is about:
 *
 *   hcmCsdlStudent('HS1')                                   a student as hcm-csdl serves it
 *   hcmCsdlStudent('HS1', { soDinhDanhCaNhan: '0792…' })    with a personal ID
 */
import type { HcmCsdlStudentIn } from '../../src/mappings/hcm-csdl/students.js';
import { SCHOOL, SCHOOL_YEAR } from './records.js';

/** A student of SCHOOL as the city database serves it (no grade, no personal ID). */
export function hcmCsdlStudent(code = 'HS1', over: Partial<HcmCsdlStudentIn> = {}): HcmCsdlStudentIn {
  return {
    maDinhDanh: code,
    maTruong: SCHOOL,
    namHoc: SCHOOL_YEAR,
    hoTen: 'Nguyễn Văn An',
    ngaySinh: '2018-09-05',
    gioiTinh: 'Nam',
    maDanToc: '01',
    trangThai: 'Đang học',
    ...over,
  };
}
