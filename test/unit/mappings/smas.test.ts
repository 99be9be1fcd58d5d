import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SmasClass, SmasStaff, SmasStudent } from '../../../src/adapters/smas/schema.js';
import { smasRecordSchemas } from '../../../src/adapters/smas/schema.js';
import type { ClassGroup } from '../../../src/canonical/class-group.js';
import { canonicalMessageVi } from '../../../src/canonical/messages.js';
import type { Staff } from '../../../src/canonical/staff.js';
import type { Student } from '../../../src/canonical/student.js';
import { smasMappings } from '../../../src/mappings/smas/index.js';
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
  JSON.parse(readFileSync(new URL(`../../fixtures/smas/${name}.json`, import.meta.url), 'utf8')) as Case[];

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

runTable('students', smasMappings.students);
runTable('staff', smasMappings.staff);
runTable('classes', smasMappings.classes);

describe('fixtures really hold the hard cases', () => {
  it('NFD-composed text survives in the fixture file', () => {
    const c = load('students').find((x) => x.name.startsWith('NFD'));
    const name = String(c?.wire.HoVaTen);
    expect(name).not.toBe(name.normalize('NFC'));
    expect(name.normalize('NFC')).toBe('Nguyễn Văn An');
  });
  it('every fixture wire record passes the SMAS wire schema (shape), so findings come from the mapping', () => {
    for (const entity of ['students', 'staff', 'classes'] as const) {
      for (const c of load(entity)) {
        const parsed = smasRecordSchemas[entity].safeParse(c.wire);
        const missingRequired = c.findings.some(([, rule]) => rule === 'MAP_MISSING_FIELD');
        if (!missingRequired) expect(parsed.success, `${entity}: ${c.name}`).toBe(true);
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

describe('round trips canonical → SMAS → canonical', () => {
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
    const wire = smasMappings.students.fromCanonical!(s, ctx);
    expect(smasRecordSchemas.students.safeParse(wire).success).toBe(true);
    const back = smasMappings.students.toCanonical(wire, ctx);
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
    const wire = smasMappings.staff.fromCanonical!(s, ctx);
    expect(smasRecordSchemas.staff.safeParse(wire).success).toBe(true);
    expect(smasMappings.staff.toCanonical(wire, ctx)).toStrictEqual({ ok: true, value: s, findings: [] });
  });

  it.each([
    klass,
    { ...klass, grade: '10' as const, name: '10A2' },
    { ...klass, homeroomStaffCode: undefined },
  ])('class %# is identity', (c) => {
    const input = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ClassGroup;
    const wire = smasMappings.classes.fromCanonical!(input, ctx);
    expect(smasMappings.classes.toCanonical(wire, ctx)).toStrictEqual({
      ok: true,
      value: input,
      findings: [],
    });
  });
});

describe('canonical → SMAS uses SMAS spellings', () => {
  const ctx: MapContext = { now };
  it('student', () => {
    expect(smasMappings.students.fromCanonical!(student, ctx)).toStrictEqual({
      MaHocSinh: 'HS7900000100001',
      MaTruong: '79000001',
      HoVaTen: 'Nguyễn Văn An',
      NgaySinh: '05/09/2013',
      GioiTinh: 'Nam',
      DanToc: 'Khơ-me',
      SoCCCD: '079213000101',
      MaLop: '79000001-2025-6A1',
      KhoiHoc: '6',
      NamHoc: '2025-2026',
      TrangThai: 'Chuyển đến',
      NgayTrangThai: '05/09/2025',
      LoaiKhuyetTat: 'Khó khăn về ngôn ngữ',
      MaXaThuongTru: '26734',
    } satisfies SmasStudent);
  });
  it('staff', () => {
    const wire = smasMappings.staff.fromCanonical!(staff, ctx);
    expect(wire).toMatchObject({
      GioiTinh: 'Nữ',
      DanToc: "H'Mông",
      ChucVu: 'Phó hiệu trưởng',
      MonDay: 'Toán, Tin học',
      TrangThai: 'Đã nghỉ việc',
    } satisfies Partial<SmasStaff>);
  });
  it('class', () => {
    expect(smasMappings.classes.fromCanonical!(klass, ctx)).toStrictEqual({
      MaLop: '79000001-2025-MG5-1',
      MaTruong: '79000001',
      TenLop: 'Lá 1',
      KhoiHoc: 'MG5',
      NamHoc: '2025-2026',
      MaGVCN: 'CB790000010001',
    } satisfies SmasClass);
  });
});

describe('never crashes on garbage', () => {
  const garbage: unknown[] = [
    {},
    { MaHocSinh: 12, HoVaTen: ['x'], NgaySinh: { d: 1 }, GioiTinh: null, DanToc: true, TrangThai: 7 },
    { MaCanBo: null, ChucVu: 3, MonDay: 42, TrangThai: '' },
    { MaLop: '', KhoiHoc: {}, NamHoc: 2025 },
  ];
  it.each(garbage.map((g, i) => [i, g] as const))('input %i gives findings, not an exception', (_i, g) => {
    for (const mapping of [smasMappings.students, smasMappings.staff, smasMappings.classes] as EntityMapping<
      unknown,
      unknown
    >[]) {
      const result = mapping.toCanonical(g, { now });
      expect(result.ok).toBe(false);
      expect(result.findings.length).toBeGreaterThan(0);
      expect(result.findings.every((f) => f.pointer.startsWith('/'))).toBe(true);
    }
  });
});

describe('mapping metadata', () => {
  it('versions name the system and entity', () => {
    expect(smasMappings.students.version).toBe('smas/students@1');
    expect(smasMappings.staff.version).toBe('smas/staff@1');
    expect(smasMappings.classes.version).toBe('smas/classes@1');
  });
  it('canonical validation findings carry the Vietnamese text of the canonical message', () => {
    const result = smasMappings.students.toCanonical(
      { ...smasMappings.students.fromCanonical!(student, { now }), HoVaTen: 'A1' },
      { now },
    );
    const f = result.findings.find((x) => x.pointer === '/HoVaTen');
    expect(f?.rule).toBe('MAP_INVALID_FIELD');
    expect(f && canonicalMessageVi(f.en)).toBe(f?.vi);
  });
});
