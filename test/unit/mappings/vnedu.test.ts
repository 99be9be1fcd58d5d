import { describe, expect, it } from 'vitest';
import type { VneduClass, VneduStaff, VneduStudent } from '../../../src/adapters/vnedu/schema.js';
import { vneduRecordSchemas } from '../../../src/adapters/vnedu/schema.js';
import { vneduMappings } from '../../../src/mappings/vnedu/index.js';
import type { MapContext } from '../../../src/mappings/types.js';
import {
  now,
  runSchoolSystemMappings,
  sampleClass,
  sampleStaff,
  sampleStudent,
} from '../../helpers/school-system-mappings.js';

describe('canonical → vnEdu uses vnEdu codes', () => {
  const ctx: MapContext = { now };
  it('student', () => {
    expect(vneduMappings.students.fromCanonical(sampleStudent, ctx)).toStrictEqual({
      student_id: 'HS7900000100001',
      school_code: '79000001',
      full_name: 'Nguyễn Văn An',
      dob: '2013-09-05',
      gender: 1,
      ethnic_id: 5,
      citizen_id: '079213000101',
      class_id: '79000001-2025-6A1',
      grade_id: 6,
      school_year: 2025,
      status_id: 2,
      status_date: '2025-09-05',
      disability_id: 3,
      commune_code: '26734',
      father_name: 'Nguyễn Văn Hùng',
      mother_name: 'Lê Thị Lan',
      guardian_name: 'Trần Văn Bình',
      contact_phone: '0903123456',
    } satisfies VneduStudent);
  });
  it('staff', () => {
    const wire = vneduMappings.staff.fromCanonical(sampleStaff, ctx);
    expect(wire).toMatchObject({
      gender: 2,
      ethnic_id: 8,
      position_id: 2,
      subjects: ['Toán', 'Tin học'],
      status_id: 3,
    } satisfies Partial<VneduStaff>);
  });
  it('class', () => {
    expect(vneduMappings.classes.fromCanonical(sampleClass, ctx)).toStrictEqual({
      class_id: '79000001-2025-MG5-1',
      school_code: '79000001',
      name: 'Lá 1',
      grade_id: 25,
      school_year: 2025,
      homeroom_staff_id: 'CB790000010001',
    } satisfies VneduClass);
  });
});

const GARBAGE: unknown[] = [
  {},
  { student_id: 12, full_name: ['x'], dob: { d: 1 }, gender: null, ethnic_id: true, status_id: 'x' },
  { staff_id: null, position_id: 3.5, subjects: 42, status_id: '' },
  { class_id: '', grade_id: {}, school_year: '2025-2026' },
];

runSchoolSystemMappings('vnedu', vneduMappings, {
  label: 'vnEdu',
  recordSchemas: vneduRecordSchemas,
  nameField: 'full_name',
  nfcName: 'Lê Thị Cúc',
  offSchema: (c) => c.name.includes('loosely typed push'),
  garbage: GARBAGE,
});
