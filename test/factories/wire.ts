/**
 * Valid wire records of the external systems, for tests of mappings and of jobs fed by them: the
 * canonical factories' student (./records.ts) as each system spells it. A test overrides only what it
 * is about:
 *
 *   hcmCsdlStudent('HS1')                                   a student as hcm-csdl serves it
 *   hcmCsdlStudent('HS1', { soDinhDanhCaNhan: '0792…' })    with a personal ID
 *   smasStudent('HS1', { MaTruong: OTHER })                 a student as SMAS serves it, at another school
 */
import type { SmasStudent } from '../../src/adapters/smas/index.js';
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

/** A student of SCHOOL as SMAS serves it (no personal ID). */
export function smasStudent(code = 'HS1', over: Partial<SmasStudent> = {}): SmasStudent {
  return {
    MaHocSinh: code,
    MaTruong: SCHOOL,
    NamHoc: SCHOOL_YEAR,
    HoVaTen: 'Trần Thị Mai',
    NgaySinh: '04/03/2019',
    GioiTinh: 'Nữ',
    DanToc: 'Kinh',
    TrangThai: 'Đang học',
    KhoiHoc: '1',
    ...over,
  };
}
