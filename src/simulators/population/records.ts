/** Builders of schools, classes and students (the view of the school systems, before discrepancies). */
import {
  dateBetween,
  dateInYear,
  disabilityOf,
  ETHNICITY,
  STREAM,
  type PopulationContext,
} from './context.js';
import { affinePermutation, BIRTH_PROVINCE, ID_SLOT, personalIdOf } from './ids.js';
import { ageOfGrade, COMMUNES, GRADES_OF, type GeneratedLevel } from './layout.js';
import { asciiSlugOf, fullNameOf, parentNameOf, schoolNameOf, streetOf } from './names.js';
import { pad, rngFor, unit3, weighted } from './prng.js';
import type { ClassGroup } from '../../canonical/class-group.js';
import { HCMC_PROVINCE_CODE } from '../../canonical/codes/admin-units.js';
import type { StudentStatus } from '../../canonical/enums.js';
import type { School } from '../../canonical/school.js';
import type { Student } from '../../canonical/student.js';

const STATUS = weighted<StudentStatus>([
  ['studying', 935],
  ['transferred_in', 20],
  ['transferred_out', 15],
  ['dropped_out', 10],
  ['repeating', 12],
  ['suspended', 5],
  ['returned', 3],
]);
const PRESCHOOL_CLASS: Record<string, string> = { nursery: 'Nhà trẻ', kg3: 'Mầm', kg4: 'Chồi', kg5: 'Lá' };

/** Codes of schools and students: bijective in the index, so unique and reversible. */
export function createCodecs(seed: number) {
  const school = affinePermutation(1_000_000, 7919, seed);
  const student = affinePermutation(1_000_000_000, 48_271, seed);
  return {
    schoolCode: (s: number): string => `${HCMC_PROVINCE_CODE}${pad(school.forward(s), 6)}`,
    schoolIndexOf(code: string): number | undefined {
      return /^79\d{6}$/.test(code) ? school.inverse(Number(code.slice(2))) : undefined;
    },
    /** Student code (10 digits, leading 7); the duplicate-record copy gets a leading 8. */
    studentCode: (g: number, duplicate = false): string =>
      `${duplicate ? 8 : 7}${pad(student.forward(g), 9)}`,
    studentIndexOf(code: string): number | undefined {
      return /^[78]\d{9}$/.test(code) ? student.inverse(Number(code.slice(1))) : undefined;
    },
  };
}
export type Codecs = ReturnType<typeof createCodecs>;

/** School s. */
export function buildSchool(ctx: PopulationContext, codes: Codecs, s: number): School {
  const rng = rngFor(ctx.seed, STREAM.school, s);
  const level = ctx.layout.levelOf(s);
  const { code: communeCode, name: communeName } = COMMUNES[ctx.layout.communeOfSchool(s)] ?? {
    code: '',
    name: '',
  };
  const schoolCode = codes.schoolCode(s);
  const name = schoolNameOf(rng, level);
  // Official contacts on the city's domain (issue 8): a host unique per school (name + code tail).
  const host = `${asciiSlugOf(name.replace(/^Trường |^Trung tâm /, ''))}${schoolCode.slice(-4)}`;
  return {
    schoolCode,
    name,
    level,
    provinceCode: HCMC_PROVINCE_CODE,
    communeCode,
    address: `${1 + rng.int(450)} ${streetOf(rng)}, ${communeName}, Thành phố Hồ Chí Minh`,
    phone: `028${pad(30_000_000 + rng.int(9_999_999), 8)}`,
    officialEmail: `${host}@hcm.edu.vn`,
    website: `https://${host}.hcm.edu.vn`,
    status: 'active',
  };
}

const MOBILE_PREFIXES = ['090', '091', '093', '094', '097', '098', '032', '035', '070', '077', '083', '086'];

/**
 * Student g's parents or guardian and their contact phone, from their own random stream (the other
 * fields keep their values): both parents for most, a guardian alone for ~3 %, a mother alone for ~4 %;
 * a phone for ~95 %.
 */
function parentsOf(ctx: PopulationContext, g: number, fullName: string, birthYear: number): Partial<Student> {
  const rng = rngFor(ctx.seed, STREAM.parents, g);
  const out: Partial<Student> = {};
  const family = fullName.slice(0, fullName.indexOf(' '));
  const kind = rng.next();
  if (kind < 0.03) out.guardianName = fullNameOf(rng, rng.chance(0.5) ? 'male' : 'female', birthYear - 50);
  else {
    if (kind >= 0.07) out.fatherName = parentNameOf(rng, 'male', birthYear - 28 - rng.int(10), family);
    out.motherName = parentNameOf(rng, 'female', birthYear - 25 - rng.int(10));
  }
  if (rng.chance(0.95)) out.phone = `${rng.pick(MOBILE_PREFIXES)}${pad(rng.int(10_000_000), 7)}`;
  return out;
}

/** Number of classes of school s this school year. */
export function classCountOf(ctx: PopulationContext, s: number): number {
  const level = ctx.layout.levelOf(s);
  return GRADES_OF[level].length * ctx.layout.sectionsOf(level);
}

/** Class c (0-based) of school s; homeroom teachers are the school's teachers in turn. */
export function buildClass(ctx: PopulationContext, codes: Codecs, s: number, c: number): ClassGroup {
  const level: GeneratedLevel = ctx.layout.levelOf(s);
  const sections = ctx.layout.sectionsOf(level);
  const grade = GRADES_OF[level][Math.floor(c / sections) % GRADES_OF[level].length] ?? '1';
  const section = (c % sections) + 1;
  const schoolCode = codes.schoolCode(s);
  const yearShort = `${ctx.startYear % 100}${(ctx.startYear + 1) % 100}`;
  const name =
    level === 'preschool' ? `${PRESCHOOL_CLASS[grade] ?? grade} ${section}` : `${grade}A${section}`;
  const out: ClassGroup = {
    classCode: `${schoolCode}-${yearShort}-${grade}-${section}`,
    schoolCode,
    schoolYear: ctx.schoolYear,
    grade,
    name,
  };
  const teachers = teacherRange(ctx.staffPerSchool);
  if (teachers.count > 0)
    out.homeroomStaffCode = staffCodeOf(schoolCode, teachers.first + (c % teachers.count));
  return out;
}

/** Staff positions by index in school: 0 principal, then vice principals, teachers, last ~12 % staff. */
export function teacherRange(staffPerSchool: number): { first: number; count: number; vices: number } {
  const vices = staffPerSchool >= 20 ? 2 : staffPerSchool >= 3 ? 1 : 0;
  const others = Math.floor(staffPerSchool * 0.12);
  return { first: 1 + vices, count: Math.max(0, staffPerSchool - 1 - vices - others), vices };
}

/** Staff code of the k-th staff member of a school. */
export function staffCodeOf(schoolCode: string, k: number): string {
  return `NV-${schoolCode}-${pad(k, 3)}`;
}

/** Commune index where student g lives: the school's commune, or (15 %) the neighbouring one. */
export function residenceCommuneOf(ctx: PopulationContext, g: number): number {
  const s = Math.floor(g / ctx.studentsPerSchool);
  const away = unit3(ctx.seed, STREAM.away, g) < 0.15;
  return away ? ctx.layout.awayCommuneOfSchool(s) : ctx.layout.communeOfSchool(s);
}

/**
 * Student g as it truly is. `staleStatus` forces a left-school status (the truth behind the
 * `stale_status` discrepancy, where the school system still says 'studying').
 */
export function buildStudent(
  ctx: PopulationContext,
  codes: Codecs,
  g: number,
  staleStatus: boolean,
): Student {
  const at = ctx.layout.locate(g);
  const rng = rngFor(ctx.seed, STREAM.student, g);
  const grade = GRADES_OF[at.level][at.gradeIndex] ?? '1';
  let status = STATUS.pick(rng.next());
  if (at.level === 'preschool' && status === 'repeating') status = 'studying';
  const older = status === 'repeating' || rng.chance(0.02);
  const birthYear = ctx.startYear - ageOfGrade(grade) - (older ? 1 : 0);
  const sex = rng.chance(0.515) ? 'male' : 'female';
  const birthDate = dateInYear(rng, birthYear);
  const fullName = fullNameOf(rng, sex, birthYear);
  const ethnicityCode = ETHNICITY.pick(rng.next());
  const rank = ctx.layout.levelRank(at.schoolIndex) * at.perGrade + at.gradeRank;
  const slot = older ? ID_SLOT.studentOlder : ID_SLOT.student;
  const personalId = personalIdOf(ctx.seed, BIRTH_PROVINCE.pick(rng.next()), sex, birthYear, rank, slot);
  const disability = disabilityOf(rng, 0.012);
  const statusPick = rng.next();
  if (staleStatus) status = statusPick < 0.5 ? 'dropped_out' : 'transferred_out';
  const schoolCode = codes.schoolCode(at.schoolIndex);
  const out: Student = {
    studentCode: codes.studentCode(g),
    schoolCode,
    classCode: buildClass(ctx, codes, at.schoolIndex, at.classIndex).classCode,
    schoolYear: ctx.schoolYear,
    grade,
    personalId,
    fullName,
    birthDate,
    sex,
    ethnicityCode,
    status,
    residenceCommuneCode: COMMUNES[residenceCommuneOf(ctx, g)]?.code ?? '',
    ...parentsOf(ctx, g, fullName, birthYear),
  };
  if (status !== 'studying') {
    out.statusDate = dateBetween(
      rng,
      Date.UTC(ctx.startYear, 8, 5),
      Math.max(Date.UTC(ctx.startYear, 8, 6), ctx.asOfMs),
    );
  }
  if (disability) out.disability = disability;
  return out;
}
