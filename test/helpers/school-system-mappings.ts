/**
 * Shared runners of the school-system (SMAS, vnEdu) mapping tests: the fixture-table runner over each
 * system's own `test/fixtures/<system>/*.json`, canonical sample records, round trips canonical → wire →
 * canonical, the garbage check, the metadata checks and the sample records' wire spellings; what differs
 * between the systems is fixture data (`test/fixtures/<system>/`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import type { ClassGroup } from '../../src/canonical/class-group.js';
import { DISABILITY_VALUES, STUDENT_STATUS_VALUES } from '../../src/canonical/enums.js';
import { canonicalMessageVi } from '../../src/canonical/messages.js';
import type { Staff } from '../../src/canonical/staff.js';
import type { Student } from '../../src/canonical/student.js';
import type { EntityMapping, MapContext } from '../../src/mappings/types.js';

/** The entities of a school-management system. */
export type SchoolEntity = 'students' | 'staff' | 'classes';
export const SCHOOL_ENTITIES: readonly SchoolEntity[] = ['students', 'staff', 'classes'];

/** One fixture case: a wire record, its context, and the expected value and findings. */
export interface MappingCase {
  name: string;
  ctx?: { schoolCode?: string; schoolYear?: string };
  wire: Record<string, unknown>;
  value?: Record<string, unknown>;
  findings: [pointer: string, rule: string, severity: string][];
}

/** A system's mappings of the three entities. */
export interface SchoolMappings {
  students: EntityMapping<never, Student, unknown>;
  staff: EntityMapping<never, Staff, unknown>;
  classes: EntityMapping<never, ClassGroup, unknown>;
}

export const now = () => new Date('2025-10-15T00:00:00Z');

/** The fixture cases of `test/fixtures/<system>/<entity>.json`. */
export const loadCases = (system: string, entity: SchoolEntity): MappingCase[] =>
  JSON.parse(
    readFileSync(new URL(`../fixtures/${system}/${entity}.json`, import.meta.url), 'utf8'),
  ) as MappingCase[];

const asAny = (m: object) => m as unknown as EntityMapping<unknown, unknown>;

/** One `describe` per entity running every fixture case: findings, bilingual texts, value or refusal. */
export function runFixtureTables(system: string, mappings: SchoolMappings): void {
  for (const entity of SCHOOL_ENTITIES) {
    describe(`${entity}: fixture table`, () => {
      const cases = loadCases(system, entity);
      it('has cases', () => expect(cases.length).toBeGreaterThan(5));
      it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        const result = asAny(mappings[entity]).toCanonical(c.wire, { now, ...c.ctx });
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
}

/** What {@link runFixtureChecks} checks of a system's fixture files. */
export interface FixtureChecks {
  label: string;
  recordSchemas: Readonly<Record<SchoolEntity, ZodType>>;
  /** Wire field of a student's full name, and the NFC name of the NFD-composed fixture case. */
  nameField: string;
  nfcName: string;
  /** Cases deliberately outside the wire schema (besides those missing a required field). */
  offSchema?: (c: MappingCase) => boolean;
}

/** The fixtures really hold the hard cases: NFD text survives; wire records pass the wire schema. */
export function runFixtureChecks(system: string, o: FixtureChecks): void {
  describe('fixtures really hold the hard cases', () => {
    it('NFD-composed text survives in the fixture file', () => {
      const c = loadCases(system, 'students').find((x) => x.name.startsWith('NFD'));
      const name = String(c?.wire[o.nameField]);
      expect(name).not.toBe(name.normalize('NFC'));
      expect(name.normalize('NFC')).toBe(o.nfcName);
    });
    it(`every fixture wire record passes the ${o.label} wire schema (shape), so findings come from the mapping`, () => {
      for (const entity of SCHOOL_ENTITIES) {
        for (const c of loadCases(system, entity)) {
          const parsed = o.recordSchemas[entity].safeParse(c.wire);
          const missingRequired = c.findings.some(([, rule]) => rule === 'MAP_MISSING_FIELD');
          if (!missingRequired && !(o.offSchema?.(c) ?? false))
            expect(parsed.success, `${entity}: ${c.name}`).toBe(true);
        }
      }
    });
  });
}

/** A canonical student with every optional field set. */
export const sampleStudent: Student = {
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
  fatherName: 'Nguyễn Văn Hùng',
  motherName: 'Lê Thị Lan',
  guardianName: 'Trần Văn Bình',
  phone: '0903123456',
};

/** A canonical staff member with every optional field set. */
export const sampleStaff: Staff = {
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

/** A canonical preschool class. */
export const sampleClass: ClassGroup = {
  classCode: '79000001-2025-MG5-1',
  schoolCode: '79000001',
  schoolYear: '2025-2026',
  grade: 'kg5',
  name: 'Lá 1',
  homeroomStaffCode: 'CB790000010001',
};

const GRADES = ['nursery', 'kg3', 'kg4', 'kg5', '1', '5', '9', '12'] as const;

/** Students covering every status, disability, a spread of grades and ethnicities, and a minimal one. */
const roundTripStudents: Student[] = [
  sampleStudent,
  ...STUDENT_STATUS_VALUES.map((status) => ({ ...sampleStudent, status })),
  ...DISABILITY_VALUES.map((disability) => ({ ...sampleStudent, disability })),
  ...GRADES.map((grade) => ({ ...sampleStudent, grade })),
  ...['01', '04', '05', '08', '55', '56'].map((ethnicityCode) => ({ ...sampleStudent, ethnicityCode })),
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

/** Staff covering every position and status, and a minimal one. */
const roundTripStaff: Staff[] = [
  sampleStaff,
  ...(['principal', 'vice_principal', 'teacher', 'staff'] as const).map((position) => ({
    ...sampleStaff,
    position,
  })),
  ...(['working', 'on_leave', 'left', 'retired'] as const).map((status) => ({ ...sampleStaff, status })),
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

const roundTripClasses: ClassGroup[] = [
  sampleClass,
  { ...sampleClass, grade: '10', name: '10A2' },
  { ...sampleClass, homeroomStaffCode: undefined },
].map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ClassGroup);

/** canonical → wire (valid by the wire schema) → canonical is the identity, for every entity. */
export function runRoundTrips(
  label: string,
  mappings: SchoolMappings,
  recordSchemas: Readonly<Record<SchoolEntity, ZodType>>,
): void {
  describe(`round trips canonical → ${label} → canonical`, () => {
    const ctx: MapContext = { now };
    const table: Array<[SchoolEntity, unknown[]]> = [
      ['students', roundTripStudents],
      ['staff', roundTripStaff],
      ['classes', roundTripClasses],
    ];
    for (const [entity, records] of table) {
      const mapping = asAny(mappings[entity]);
      it.each(records.map((r, i) => [i, r] as const))(`${entity} %i is identity`, (_i, r) => {
        const wire = mapping.fromCanonical!(r, ctx);
        expect(recordSchemas[entity].safeParse(wire).success).toBe(true);
        expect(mapping.toCanonical(wire, ctx)).toStrictEqual({ ok: true, value: r, findings: [] });
      });
    }
  });
}

/** Garbage in gives findings with wire pointers, never an exception, for every entity. */
export function runGarbage(mappings: SchoolMappings, garbage: readonly unknown[]): void {
  describe('never crashes on garbage', () => {
    it.each(garbage.map((g, i) => [i, g] as const))('input %i gives findings, not an exception', (_i, g) => {
      for (const entity of SCHOOL_ENTITIES) {
        const result = asAny(mappings[entity]).toCanonical(g, { now });
        expect(result.ok).toBe(false);
        expect(result.findings.length).toBeGreaterThan(0);
        expect(result.findings.every((f) => f.pointer.startsWith('/'))).toBe(true);
      }
    });
  });
}

/** Versions name the system; a canonical validation finding on `namePointer` carries the Vietnamese text. */
export function runMetadata(system: string, mappings: SchoolMappings, nameField: string): void {
  describe('mapping metadata', () => {
    it('versions name the system and entity', () => {
      for (const entity of SCHOOL_ENTITIES)
        expect(mappings[entity].version).toMatch(new RegExp(`^${system}/${entity}@\\d+$`));
    });
    it('canonical validation findings carry the Vietnamese text of the canonical message', () => {
      const students = asAny(mappings.students);
      const wire = students.fromCanonical!(sampleStudent, { now }) as Record<string, unknown>;
      const result = students.toCanonical({ ...wire, [nameField]: 'A1' }, { now });
      const f = result.findings.find((x) => x.pointer === `/${nameField}`);
      expect(f?.rule).toBe('MAP_INVALID_FIELD');
      expect(f && canonicalMessageVi(f.en)).toBe(f?.vi);
    });
  });
}

/** What a system's `test/fixtures/<system>/mapping.json` says its mappings must give. */
interface MappingProfile {
  label: string;
  nameField: string;
  nfcName: string;
  /** The wire records of the sample student and class; fields the sample staff member's must hold. */
  fromCanonical: Record<SchoolEntity, Record<string, unknown>>;
  garbage: unknown[];
}

/** canonical → wire of the sample records gives the system's own spellings and codes. */
export function runFromCanonical(mappings: SchoolMappings, profile: MappingProfile): void {
  describe(`canonical → ${profile.label} uses ${profile.label}'s own spellings and codes`, () => {
    const ctx: MapContext = { now };
    const wire = profile.fromCanonical;
    it('student', () => {
      expect(asAny(mappings.students).fromCanonical!(sampleStudent, ctx)).toStrictEqual(wire.students);
    });
    it('staff', () => {
      expect(asAny(mappings.staff).fromCanonical!(sampleStaff, ctx)).toMatchObject(wire.staff);
    });
    it('class', () => {
      expect(asAny(mappings.classes).fromCanonical!(sampleClass, ctx)).toStrictEqual(wire.classes);
    });
  });
}

/**
 * Everything both school systems' mappings must do, in one call: sample records to the wire, fixtures,
 * round trips, garbage, metadata; what each system must give is in `test/fixtures/<system>/mapping.json`.
 */
export function runSchoolSystemMappings(
  system: string,
  mappings: SchoolMappings,
  o: Pick<FixtureChecks, 'recordSchemas' | 'offSchema'>,
): void {
  const url = new URL(`../fixtures/${system}/mapping.json`, import.meta.url);
  const profile = JSON.parse(readFileSync(url, 'utf8')) as MappingProfile;
  runFromCanonical(mappings, profile);
  runFixtureTables(system, mappings);
  runFixtureChecks(system, { ...profile, ...o });
  runRoundTrips(profile.label, mappings, o.recordSchemas);
  runGarbage(mappings, profile.garbage);
  runMetadata(system, mappings, profile.nameField);
}
