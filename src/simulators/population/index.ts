/**
 * ONE deterministic, seeded synthetic population of province 79 (TP. Hồ Chí Minh) from which every
 * simulator draws. Record i is a pure function of (seed, i), computed in O(1) without holding the
 * population in memory, so the same child is a surveyed person in moet-pcgd (`person(i)`), a student
 * in hcm-csdl and in its school's smas or vnedu (`student(i)`).
 */
import type { ClassGroup } from '../../canonical/class-group.js';
import type { ReadPerson as Person } from '../../canonical/person.js';
import type { School } from '../../canonical/school.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';
import { STREAM, type PopulationContext } from './context.js';
import { applyDiscrepancy, discrepancyOf, type DiscrepancyKind } from './discrepancy.js';
import { COMMUNES, createLayout } from './layout.js';
import { buildResident, buildStaff, personFromStudent } from './people.js';
import { seedHash, unit3 } from './prng.js';
import {
  buildClass,
  buildSchool,
  buildStudent,
  classCountOf,
  createCodecs,
  residenceCommuneOf,
  type Codecs,
} from './records.js';
export { DISCREPANCY_KINDS, type DiscrepancyKind } from './discrepancy.js';

/** Options of {@link createPopulation}. */
export interface PopulationOptions {
  /** Any number or string; the same seed gives the same population. */
  seed: number | string;
  /** Number of schools (levels mixed 35 % preschool, 30 % primary, 20 % lower, 15 % upper secondary). */
  schools: number;
  /** @defaultValue 400 */
  studentsPerSchool?: number;
  /** @defaultValue 30 */
  staffPerSchool?: number;
  /** Surveyed residents who are not students (ages 0–60). @defaultValue the number of students */
  extraPersons?: number;
  /** Share of students with an injected discrepancy. @defaultValue 0.02 */
  discrepancyRate?: number;
  /** @defaultValue '2025-2026' */
  schoolYear?: string;
  /** "Now" of the data (status dates, change times). @defaultValue 15 October of the first year */
  asOf?: string;
}

export type ChangedEntity = 'school' | 'class' | 'student' | 'staff' | 'person';

/** A population; indices are 0-based and checked (RangeError outside). */
export interface Population {
  readonly schoolYear: string;
  readonly counts: { schools: number; students: number; staff: number; persons: number };
  school(i: number): School;
  schoolIndexOf(schoolCode: string): number | undefined;
  schoolsOfCommune(communeCode: string): Generator<number>;
  classCount(schoolIndex: number): number;
  classOf(schoolIndex: number, k: number): ClassGroup;
  classesOfSchool(schoolIndex: number): Generator<ClassGroup>;
  /** Student g as the school systems hold it (discrepancy applied). */
  student(g: number): Student;
  /** Student g as it truly is (what the survey agrees with). */
  trueStudent(g: number): Student;
  /** The record(s) held for student g: two when a `duplicate_record` discrepancy was injected. */
  studentRecordsAt(g: number): Student[];
  /** All held student records of a school, duplicates included, in index order. */
  studentsOfSchool(schoolIndex: number): Generator<Student>;
  studentIndexOf(studentCode: string): number | undefined;
  /** First global student index of a school (students of school s are [first, first + studentsPerSchool)). */
  firstStudentOf(schoolIndex: number): number;
  staff(t: number): Staff;
  staffOfSchool(schoolIndex: number): Generator<Staff>;
  /** Surveyed person i: i < students is student i's person; beyond are other residents. */
  person(i: number): Person;
  /** Persons of a commune in ascending index, after index `after` (resume point). */
  personsOfCommune(communeCode: string, after?: number): Generator<{ index: number; person: Person }>;
  discrepancyOf(g: number): DiscrepancyKind | undefined;
  /** Deterministic last-change time (ISO) of a record, within 180 days before `asOf`. */
  changedAt(entity: ChangedEntity, index: number): string;
}

function checkIndex(i: number, size: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= size)
    throw new RangeError(`${what} index ${i} outside [0, ${size})`);
}

function contextOf(opts: PopulationOptions): PopulationContext {
  const seed = seedHash(opts.seed);
  const spp = opts.studentsPerSchool ?? 400;
  const staffPerSchool = opts.staffPerSchool ?? 30;
  if (!Number.isInteger(opts.schools) || opts.schools < 0)
    throw new RangeError('schools must be an integer >= 0');
  if (!Number.isInteger(spp) || spp < 1 || !Number.isInteger(staffPerSchool) || staffPerSchool < 1) {
    throw new RangeError('studentsPerSchool and staffPerSchool must be integers >= 1');
  }
  const schoolYear = opts.schoolYear ?? '2025-2026';
  const startYear = Number(schoolYear.slice(0, 4));
  if (!/^\d{4}-\d{4}$/.test(schoolYear) || Number(schoolYear.slice(5)) !== startYear + 1) {
    throw new RangeError(`schoolYear must look like '2025-2026'`);
  }
  const students = opts.schools * spp;
  return {
    seed,
    schools: opts.schools,
    studentsPerSchool: spp,
    staffPerSchool,
    students,
    extraPersons: opts.extraPersons ?? students,
    discrepancyRate: opts.discrepancyRate ?? 0.02,
    startYear,
    schoolYear,
    asOfMs: Date.parse(opts.asOf ?? `${startYear}-10-15T00:00:00.000Z`),
    layout: createLayout(seed, opts.schools, spp, staffPerSchool),
  };
}

/** What the parts of one population read: its context, codecs and sizes. */
interface Base {
  ctx: PopulationContext;
  codes: Codecs;
  counts: Population['counts'];
}

function communeIndexOf(code: string): number {
  const c = COMMUNES.findIndex((commune) => commune.code === code);
  if (c < 0) throw new RangeError(`commune ${code} is not in province 79`);
  return c;
}

/** Schools (the last one built is kept: consecutive reads of one school are common) and their classes. */
function schoolPart({ ctx, codes, counts }: Base) {
  let lastSchool: { i: number; school: School } | undefined;
  const school = (i: number): School => {
    checkIndex(i, counts.schools, 'school');
    if (lastSchool?.i !== i) lastSchool = { i, school: buildSchool(ctx, codes, i) };
    return lastSchool.school;
  };
  return {
    school,
    schoolIndexOf: (code: string) => {
      const i = codes.schoolIndexOf(code);
      return i !== undefined && i < counts.schools ? i : undefined;
    },
    *schoolsOfCommune(code: string) {
      const r = ctx.layout.residueOfCommune(communeIndexOf(code));
      for (let s = r; s < ctx.schools; s += ctx.layout.nCommunes) yield s;
    },
    classCount: (s: number) => (checkIndex(s, counts.schools, 'school'), classCountOf(ctx, s)),
    classOf: (s: number, k: number) => {
      checkIndex(s, counts.schools, 'school');
      checkIndex(k, classCountOf(ctx, s), 'class');
      return buildClass(ctx, codes, s, k);
    },
    *classesOfSchool(s: number) {
      checkIndex(s, counts.schools, 'school');
      for (let k = 0; k < classCountOf(ctx, s); k++) yield buildClass(ctx, codes, s, k);
    },
  } satisfies Partial<Population>;
}

/** Students as they are and as the school systems hold them (discrepancies applied), and staff. */
function studentPart({ ctx, codes, counts }: Base) {
  const trueStudent = (g: number): Student => {
    checkIndex(g, counts.students, 'student');
    return buildStudent(ctx, codes, g, discrepancyOf(ctx, g) === 'stale_status');
  };
  const studentRecordsAt = (g: number): Student[] =>
    applyDiscrepancy(trueStudent(g), discrepancyOf(ctx, g), codes.studentCode(g, true));
  return {
    student: (g: number) => studentRecordsAt(g)[0] as Student,
    trueStudent,
    studentRecordsAt,
    *studentsOfSchool(s: number) {
      checkIndex(s, counts.schools, 'school');
      for (let g = s * ctx.studentsPerSchool; g < (s + 1) * ctx.studentsPerSchool; g++)
        yield* studentRecordsAt(g);
    },
    studentIndexOf: (code: string) => {
      const g = codes.studentIndexOf(code);
      return g !== undefined && g < counts.students ? g : undefined;
    },
    firstStudentOf: (s: number) => (checkIndex(s, counts.schools, 'school'), s * ctx.studentsPerSchool),
    discrepancyOf: (g: number) => (checkIndex(g, counts.students, 'student'), discrepancyOf(ctx, g)),
    staff: (t: number) => (checkIndex(t, counts.staff, 'staff'), buildStaff(ctx, codes, t)),
    *staffOfSchool(s: number) {
      checkIndex(s, counts.schools, 'school');
      for (let t = s * ctx.staffPerSchool; t < (s + 1) * ctx.staffPerSchool; t++)
        yield buildStaff(ctx, codes, t);
    },
  } satisfies Partial<Population>;
}

/** Persons of commune `code` in ascending index after `after`: its pupils' persons, then other residents. */
function* personsOfCommuneIn(
  ctx: PopulationContext,
  person: (i: number) => Person,
  code: string,
  after: number,
): Generator<{ index: number; person: Person }> {
  const c = communeIndexOf(code);
  const n = ctx.layout.nCommunes;
  const home = ctx.layout.residueOfCommune(c);
  const away = (home - 1 + n) % n; // schools whose pupils living away live in commune c
  const firstBlock = Math.floor(Math.floor(Math.max(0, after + 1) / ctx.studentsPerSchool) / n);
  for (let b = firstBlock; b * n < ctx.schools; b++) {
    for (const s of [b * n + home, b * n + away].sort((x, y) => x - y)) {
      if (s >= ctx.schools) continue;
      const end = (s + 1) * ctx.studentsPerSchool;
      for (let g = Math.max(s * ctx.studentsPerSchool, after + 1); g < end; g++) {
        if (residenceCommuneOf(ctx, g) === c) yield { index: g, person: person(g) };
      }
    }
  }
  const firstE = Math.max(0, after + 1 - ctx.students);
  const residue = ctx.layout.residueOfCommune(c);
  for (let e = firstE + ((residue - (firstE % n) + n) % n); e < ctx.extraPersons; e += n) {
    yield { index: ctx.students + e, person: person(ctx.students + e) };
  }
}

/** Creates the population of `opts` (cheap: nothing is generated until asked for). */
export function createPopulation(opts: PopulationOptions): Population {
  const ctx = contextOf(opts);
  const counts = {
    schools: ctx.schools,
    students: ctx.students,
    staff: ctx.schools * ctx.staffPerSchool,
    persons: ctx.students + ctx.extraPersons,
  };
  const base: Base = { ctx, codes: createCodecs(ctx.seed), counts };
  const schools = schoolPart(base);
  const students = studentPart(base);
  const person = (i: number): Person => {
    checkIndex(i, counts.persons, 'person');
    if (i >= ctx.students) return buildResident(ctx, i);
    const s = Math.floor(i / ctx.studentsPerSchool);
    return personFromStudent(ctx, i, students.trueStudent(i), schools.school(s));
  };
  return {
    schoolYear: ctx.schoolYear,
    counts,
    ...schools,
    ...students,
    person,
    personsOfCommune: (code, after = -1) => personsOfCommuneIn(ctx, person, code, after),
    changedAt: (entity, index) => {
      const stream =
        STREAM.changedAt * 16 + ['school', 'class', 'student', 'staff', 'person'].indexOf(entity);
      const back = Math.floor(unit3(ctx.seed, stream, index) * 180 * 86_400_000);
      return new Date(ctx.asOfMs - back).toISOString();
    },
  };
}
