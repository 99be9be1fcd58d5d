/**
 * Where a batch's findings point (review34a F5, src/jobs/finding-pointers.ts): into the record as sent, truc's
 * canonical field alongside, whichever vocabulary the judging filed the finding in.
 */
import { describe, expect, it } from 'vitest';
import { findingPointers, sentKeyOf, verdictPointer } from '../../../src/jobs/finding-pointers.js';
import { NATIVE_INBOUND } from '../../../src/jobs/native-formats.js';

describe('findingPointers', () => {
  it('tells a smas finding filed at either vocabulary in both', () => {
    const smas = findingPointers('smas', 'students');
    expect(smas('/personalId')).toEqual({ pointer: '/SoCCCD', canonicalPointer: '/personalId' });
    expect(smas('/SoCCCD')).toEqual({ pointer: '/SoCCCD', canonicalPointer: '/personalId' });
    expect(smas('')).toEqual({ pointer: '', canonicalPointer: '' });
    // a field the mapping does not carry, or one it does not know: no canonical field
    expect(smas('/TenLop')).toEqual({ pointer: '/TenLop', canonicalPointer: null });
    expect(findingPointers('smas', 'staff')('/subjects/1')).toEqual({
      pointer: '/MonDay',
      canonicalPointer: '/subjects/1',
    });
  });

  it('tells vnedu, canonical and pulled formats by their one rule', () => {
    expect(findingPointers('vnedu', 'students')('/classCode')).toEqual({
      pointer: '/class_id',
      canonicalPointer: '/classCode',
    });
    expect(findingPointers('vnedu', 'staff')('/phone')).toEqual({
      pointer: '/phone',
      canonicalPointer: '/phone',
    });
    expect(findingPointers('canonical', 'students')('/personalId')).toEqual({
      pointer: '/personalId',
      canonicalPointer: '/personalId',
    });
    expect(findingPointers('hcm-csdl', 'students')('/maDinhDanh')).toEqual({
      pointer: '/maDinhDanh',
      canonicalPointer: null,
    });
  });

  it('never reads a name two ways: a wire name that is a canonical field names that same field', () => {
    let tables = 0;
    for (const [format, entities] of Object.entries(NATIVE_INBOUND)) {
      for (const [entity, native] of Object.entries(entities)) {
        const names = native?.mapping.wireNames;
        if (!names) continue;
        tables += 1;
        for (const [field, wire] of Object.entries(names)) {
          if (Object.hasOwn(names, wire)) expect(wire, `${format}/${entity} ${field}`).toBe(field);
        }
        expect(new Set(Object.values(names)).size, `${format}/${entity}`).toBe(Object.keys(names).length);
      }
    }
    expect(tables).toBe(6); // smas and vnedu: students, staff, classes
  });

  it('tells a refused record by the code it was sent with, only when it looks like a key (review34a N6)', () => {
    expect(sentKeyOf('smas', 'students', { MaHocSinh: ' 7900000134061 ', HoVaTen: 'An' })).toBe(
      '7900000134061',
    );
    expect(sentKeyOf('vnedu', 'staff', { staff_id: 'GV-01' })).toBe('GV-01');
    expect(sentKeyOf('vnedu', 'students', { student_id: 7900000134061 })).toBe('7900000134061');
    expect(sentKeyOf('canonical', 'students', { studentCode: 'HS1', personalId: '079219000001' })).toBe(
      'HS1',
    );
    expect(sentKeyOf('smas', 'students', { MaHocSinh: 'Đỗ Văn Em' })).toBeNull();
    expect(sentKeyOf('smas', 'students', { SoCCCD: '079219000001' })).toBeNull();
    expect(sentKeyOf('smas', 'classes', { MaLop: '1A' })).toBeNull();
    expect(sentKeyOf('hcm-csdl', 'students', { maHocSinh: 'HS1' })).toBeNull();
    expect(sentKeyOf('canonical', 'students', 'HS1')).toBeNull();
  });
});

describe('verdictPointer (fix36d: a school finding kept before c8017fd at a wire field)', () => {
  it('reads a smas or vnedu wire field as the canonical one, any other pointer as stored', () => {
    expect(verdictPointer('students', '/SoCCCD')).toBe('/personalId');
    expect(verdictPointer('students', '/citizen_id')).toBe('/personalId');
    expect(verdictPointer('staff', '/MonDay')).toBe('/subjects');
    expect(verdictPointer('students', '/personalId')).toBe('/personalId');
    expect(verdictPointer('students', '/subjects/2')).toBe('/subjects/2');
    expect(verdictPointer('classes', '/name')).toBe('/name'); // vnedu's `name` is the canonical `name`
    expect(verdictPointer('students', '')).toBe('');
    expect(verdictPointer('schools', '/maTruong')).toBe('/maTruong'); // a pulled format's: as filed
  });

  it('every wire name of smas and vnedu reads as the one canonical field both formats map it from', () => {
    for (const entity of ['students', 'staff', 'classes'] as const)
      for (const format of ['smas', 'vnedu'])
        for (const [field, wire] of Object.entries(NATIVE_INBOUND[format]![entity]!.mapping.wireNames!))
          expect(verdictPointer(entity, `/${wire}`), `${format} ${entity} ${wire}`).toBe(`/${field}`);
  });
});
