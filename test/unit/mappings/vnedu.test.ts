import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VneduClass, VneduStaff, VneduStudent } from '../../../src/adapters/vnedu/schema.js';
import { vneduRecordSchemas } from '../../../src/adapters/vnedu/schema.js';
import type { ClassGroup } from '../../../src/canonical/class-group.js';
import { canonicalMessageVi } from '../../../src/canonical/messages.js';
import type { Staff } from '../../../src/canonical/staff.js';
import type { Student } from '../../../src/canonical/student.js';
import { vneduMappings } from '../../../src/mappings/vnedu/index.js';
import type { EntityMapping, MapContext } from '../../../src/mappings/types.js';

interface Case {
  name: string;
  ctx?: { schoolCode?: string; schoolYear?: string };
  wire: Record<string, unknown>;
  value?: Record<string, unknown>;
  findings: [pointer: string, rule: string, severity: string][];
}

const now = () => new Date('2025-10-15T00:00:00Z');
const load = (name: string): Case[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/vnedu/${name}.json`, import.meta.url), 'utf8')) as Case[];

function ctxOf(c: Case): MapContext {
  return { now, ...c.ctx };
}

function runTable<W, C>(entity: 'students' | 'staff' | 'classes', mapping: EntityMapping<W, C>) {
  describe(`${entity}: fixture table`, () => {
    const cases = load(entity);
    it('has cases', () => expect(cases.length).toBeGreaterThan(5));
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const result = mapping.toCanonical(c.wire as W, ctxOf(c));
      expect(result.findings.map((f) => [f.pointer, f.rule, f.severity])).toStrictEqual(c.findings);
      for (const f of result.findings) {
        expect(f.vi.length).toBeGreaterThan(0);
        expect(f.en.length).toBeGreaterThan(0);
      }
      if (c.value) {
        expect(result.ok).toBe(true);
        expect(result.ok && result.value).toStrictEqual(c.value);
      } else {
        expect(result.ok).toBe(false);
      }
    });
  });
}

runTable('students', vneduMappings.students);
runTable('staff', vneduMappings.staff);
runTable('classes', vneduMappings.classes);

describe('fixtures really hold the hard cases', () => {
  it('NFD-composed text survives in the fixture file', () => {
    const c = load('students').find((x) => x.name.startsWith('NFD'));
    const name = String(c?.wire.full_name);
    expect(name).not.toBe(name.normalize('NFC'));
    expect(name.normalize('NFC')).toBe('Lê Thị Cúc');
  });
  it('every fixture wire record passes the vnEdu wire schema (shape), so findings come from the mapping', () => {
    for (const entity of ['students', 'staff', 'classes'] as const) {
      for (const c of load(entity)) {
        const parsed = vneduRecordSchemas[entity].safeParse(c.wire);
        const missingRequired = c.findings.some(([, rule]) => rule === 'MAP_MISSING_FIELD');
        if (!missingRequired && !c.name.includes('loosely typed push'))
          expect(parsed.success, `${entity}: ${c.name}`).toBe(true);
      }
    }
  });
});

const student: Student = {
  studentCode: 'HS7900000100001',
  schoolCode: '79000001',
  classCode: '79000001-2025-6A1',
  schoolYear: '2025-2026',
  grade: '6',
  personalId: '079213000101',
  fullName: 'Nguyễn Văn An',
  birthDate: '2013-09-05',
  sex: 'male',
  ethnicityCode: '05',
  status: 'transferred_in',
  statusDate: '2025-09-05',
  disability: 'speech',
  residenceCommuneCode: '26734',
};
const staff: Staff = {
  staffCode: 'CB790000010001',
  schoolCode: '79000001',
  personalId: '079185000202',
  fullName: 'Trần Thị Bình',
  birthDate: '1985-03-12',
  sex: 'female',
  ethnicityCode: '08',
  position: 'vice_principal',
  subjects: ['Toán', 'Tin học'],
  status: 'left',
  email: 'binh.tt@example.edu.vn',
  phone: '0901234567',
};
const klass: ClassGroup = {
  classCode: '79000001-2025-MG5-1',
  schoolCode: '79000001',
  schoolYear: '2025-2026',
  grade: 'kg5',
  name: 'Lá 1',
  homeroomStaffCode: 'CB790000010001',
};

describe('round trips canonical → vnEdu → canonical', () => {
  const ctx: MapContext = { now };
  const statuses = [
    'studying',
    'transferred_in',
    'transferred_out',
    'dropped_out',
    'returned',
    'suspended',
    'repeating',
    'completed',
    'graduated',
    'deceased',
  ] as const;
  const disabilities = [
    'none',
    'visual',
    'hearing',
    'speech',
    'physical',
    'intellectual',
    'multiple',
    'other',
  ] as const;
  const grades = ['nursery', 'kg3', 'kg4', 'kg5', '1', '5', '9', '12'] as const;

  const students: Student[] = [
    student,
    ...statuses.map((status) => ({ ...student, status })),
    ...disabilities.map((disability) => ({ ...student, disability })),
    ...grades.map((grade) => ({ ...student, grade })),
    ...['01', '04', '05', '08', '55', '56'].map((ethnicityCode) => ({ ...student, ethnicityCode })),
    {
      studentCode: 'TAM-079313000303',
      schoolCode: '79000001',
      schoolYear: '2025-2026',
      fullName: 'Lê Thị Cúc',
      birthDate: '2013-12-31',
      sex: 'female',
      ethnicityCode: '01',
      status: 'studying',
    },
  ];
  it.each(students.map((s, i) => [i, s] as const))('student %i is identity', (_i, s) => {
    const wire = vneduMappings.students.fromCanonical!(s, ctx);
    expect(vneduRecordSchemas.students.safeParse(wire).success).toBe(true);
    const back = vneduMappings.students.toCanonical(wire, ctx);
    expect(back).toStrictEqual({ ok: true, value: s, findings: [] });
  });

  const staffs: Staff[] = [
    staff,
    ...(['principal', 'vice_principal', 'teacher', 'staff'] as const).map((position) => ({
      ...staff,
      position,
    })),
    ...(['working', 'on_leave', 'left', 'retired'] as const).map((status) => ({ ...staff, status })),
    {
      staffCode: 'CB2',
      schoolCode: '79000001',
      fullName: 'Phạm Văn Dũng',
      birthDate: '1980-11-02',
      sex: 'male',
      position: 'staff',
      status: 'working',
    },
  ];
  it.each(staffs.map((s, i) => [i, s] as const))('staff %i is identity', (_i, s) => {
    const wire = vneduMappings.staff.fromCanonical!(s, ctx);
    expect(vneduRecordSchemas.staff.safeParse(wire).success).toBe(true);
    expect(vneduMappings.staff.toCanonical(wire, ctx)).toStrictEqual({ ok: true, value: s, findings: [] });
  });

  it.each([
    klass,
    { ...klass, grade: '10' as const, name: '10A2' },
    { ...klass, homeroomStaffCode: undefined },
  ])('class %# is identity', (c) => {
    const input = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ClassGroup;
    const wire = vneduMappings.classes.fromCanonical!(input, ctx);
    expect(vneduMappings.classes.toCanonical(wire, ctx)).toStrictEqual({
      ok: true,
      value: input,
      findings: [],
    });
  });
});

describe('canonical → vnEdu uses vnEdu codes', () => {
  const ctx: MapContext = { now };
  it('student', () => {
    expect(vneduMappings.students.fromCanonical!(student, ctx)).toStrictEqual({
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
    } satisfies VneduStudent);
  });
  it('staff', () => {
    const wire = vneduMappings.staff.fromCanonical!(staff, ctx);
    expect(wire).toMatchObject({
      gender: 2,
      ethnic_id: 8,
      position_id: 2,
      subjects: ['Toán', 'Tin học'],
      status_id: 3,
    } satisfies Partial<VneduStaff>);
  });
  it('class', () => {
    expect(vneduMappings.classes.fromCanonical!(klass, ctx)).toStrictEqual({
      class_id: '79000001-2025-MG5-1',
      school_code: '79000001',
      name: 'Lá 1',
      grade_id: 25,
      school_year: 2025,
      homeroom_staff_id: 'CB790000010001',
    } satisfies VneduClass);
  });
});

describe('never crashes on garbage', () => {
  const garbage: unknown[] = [
    {},
    { student_id: 12, full_name: ['x'], dob: { d: 1 }, gender: null, ethnic_id: true, status_id: 'x' },
    { staff_id: null, position_id: 3.5, subjects: 42, status_id: '' },
    { class_id: '', grade_id: {}, school_year: '2025-2026' },
  ];
  it.each(garbage.map((g, i) => [i, g] as const))('input %i gives findings, not an exception', (_i, g) => {
    for (const mapping of [
      vneduMappings.students,
      vneduMappings.staff,
      vneduMappings.classes,
    ] as EntityMapping<unknown, unknown>[]) {
      const result = mapping.toCanonical(g, { now });
      expect(result.ok).toBe(false);
      expect(result.findings.length).toBeGreaterThan(0);
      expect(result.findings.every((f) => f.pointer.startsWith('/'))).toBe(true);
    }
  });
});

describe('mapping metadata', () => {
  it('versions name the system and entity', () => {
    expect(vneduMappings.students.version).toBe('vnedu/students@1');
    expect(vneduMappings.staff.version).toBe('vnedu/staff@1');
    expect(vneduMappings.classes.version).toBe('vnedu/classes@1');
  });
  it('canonical validation findings carry the Vietnamese text of the canonical message', () => {
    const result = vneduMappings.students.toCanonical(
      { ...vneduMappings.students.fromCanonical!(student, { now }), full_name: 'A1' },
      { now },
    );
    const f = result.findings.find((x) => x.pointer === '/full_name');
    expect(f?.rule).toBe('MAP_INVALID_FIELD');
    expect(f && canonicalMessageVi(f.en)).toBe(f?.vi);
  });
});
