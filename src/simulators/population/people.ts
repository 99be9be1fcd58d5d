/** Builders of surveyed residents (moet-pcgd persons) and school staff. */
import { STAFF_STATUS_VALUES, type Grade, type StaffPosition } from '../../canonical/enums.js';
import type { CompletionYears, ReadPerson as Person } from '../../canonical/person.js';
import type { School } from '../../canonical/school.js';
import type { Staff } from '../../canonical/staff.js';
import type { Student } from '../../canonical/student.js';
import { dateInYear, disabilityOf, ETHNICITY, STREAM, type PopulationContext } from './context.js';
import { COMMUNES } from './layout.js';
import { BIRTH_PROVINCE, ID_SLOT, personalIdOf } from './ids.js';
import { fullNameOf, SUBJECTS } from './names.js';
import { pad, rngFor, type Rng } from './prng.js';
import { staffCodeOf, teacherRange, type Codecs } from './records.js';

const gradeNumber = (grade: Grade | undefined): number => (grade && /^\d+$/.test(grade) ? Number(grade) : 0);

/** Completion years and literacy of someone who has reached grade `n` (1–12) in school year starting `atYear`. */
function historyAtGrade(n: number, atYear: number): Pick<Person, 'completed' | 'literacy'> {
  const completed: CompletionYears = {};
  if (n >= 1) completed.preschool = atYear - (n - 1);
  if (n >= 6) completed.primary = atYear - (n - 6);
  if (n >= 10) completed.lowerSecondary = atYear - (n - 10);
  return { completed, literacy: n >= 6 ? 'level2' : n >= 4 ? 'level1' : 'none' };
}

function householdHeader(rng: Rng): Pick<Person, 'householdNo' | 'residenceType'> {
  return {
    householdNo: `KP${pad(1 + rng.int(40), 2)}-${pad(1 + rng.int(900), 4)}`,
    residenceType: rng.chance(0.8) ? 'permanent' : 'temporary',
  };
}

/** The surveyed person behind student `i` (same personal ID, name, birth date, sex, ethnicity). */
export function personFromStudent(ctx: PopulationContext, i: number, st: Student, school: School): Person {
  const rng = rngFor(ctx.seed, STREAM.personExtra, i);
  const n = gradeNumber(st.grade);
  const person: Person = {
    personRef: `P${pad(i, 9)}`,
    communeCode: st.residenceCommuneCode ?? school.communeCode,
    ...householdHeader(rng),
    fullName: st.fullName,
    birthDate: st.birthDate,
    sex: st.sex,
    ethnicityCode: st.ethnicityCode,
    ...historyAtGrade(n, ctx.startYear),
  };
  if (st.personalId) person.personalId = st.personalId;
  if (st.fatherName) person.fatherName = st.fatherName;
  if (st.motherName) person.motherName = st.motherName;
  if (st.guardianName) person.guardianName = st.guardianName;
  if (st.status === 'dropped_out' && st.grade) {
    person.dropout = { grade: st.grade, year: Number((st.statusDate ?? `${ctx.startYear}`).slice(0, 4)) };
  } else if (st.status === 'transferred_out') {
    if (rng.chance(0.4)) person.movedAway = true;
    else if (st.grade) person.currentGrade = st.grade;
  } else if (st.grade) {
    person.currentGrade = st.grade;
    person.currentSchoolName = school.name;
  }
  if (st.disability) person.disability = st.disability;
  return person;
}

/** Schooling of a resident who is not a student, by age. */
function residentHistory(rng: Rng, age: number, birthYear: number, startYear: number) {
  if (age < 8) return { completed: {}, literacy: 'none' as const };
  if (age < 18) {
    const n = Math.max(1, Math.min(age - 7, 11));
    const grade = String(n) as Grade;
    return { ...historyAtGrade(n, startYear - 1), dropout: { grade, year: startYear - rng.int(2) } };
  }
  const completed: CompletionYears = {};
  if (birthYear >= 1990 && rng.chance(0.8)) completed.preschool = birthYear + 6;
  const primary = rng.chance(0.97);
  if (primary) completed.primary = birthYear + 11;
  if (primary && rng.chance(0.87)) completed.lowerSecondary = birthYear + 15;
  if (completed.lowerSecondary && rng.chance(0.7)) completed.upperSecondary = birthYear + 18;
  if (age >= 20 && rng.chance(0.15)) completed.vocational = birthYear + 20;
  const literacy = primary ? ('level2' as const) : rng.chance(0.5) ? ('level1' as const) : ('none' as const);
  return { completed, literacy };
}

/** Resident `i` who is not a student (index i ≥ number of students). */
export function buildResident(ctx: PopulationContext, i: number): Person {
  const e = i - ctx.students;
  const { age, rank } = ctx.layout.resident(e);
  const birthYear = ctx.startYear - age;
  const rng = rngFor(ctx.seed, STREAM.resident, e);
  const sex = rng.chance(0.5) ? 'male' : 'female';
  const birthDate = dateInYear(rng, birthYear);
  const fullName = fullNameOf(rng, sex, birthYear);
  const ethnicityCode = ETHNICITY.pick(rng.next());
  const personalId = personalIdOf(
    ctx.seed,
    BIRTH_PROVINCE.pick(rng.next()),
    sex,
    birthYear,
    rank,
    ID_SLOT.resident,
  );
  const person: Person = {
    personRef: `P${pad(i, 9)}`,
    communeCode: COMMUNES[ctx.layout.communeOfResident(e)]?.code ?? '',
    ...householdHeader(rng),
    fullName,
    birthDate,
    sex,
    ethnicityCode,
    ...residentHistory(rng, age, birthYear, ctx.startYear),
  };
  if (rng.chance(0.98)) person.personalId = personalId;
  const disability = disabilityOf(rng, 0.015);
  if (disability) person.disability = disability;
  if (rng.chance(0.01)) person.movedAway = true;
  if (age >= 18 && rng.chance(0.003)) person.deceased = true;
  return person;
}

const PRIMARY_SPECIALISTS = ['english', 'music', 'fine_arts', 'physical_education', 'informatics'];

function positionOf(k: number, staffPerSchool: number): StaffPosition {
  const range = teacherRange(staffPerSchool);
  if (k === 0) return 'principal';
  if (k <= range.vices) return 'vice_principal';
  return k < range.first + range.count ? 'teacher' : 'staff';
}

/** Staff member t (school ⌊t / staffPerSchool⌋, position t mod staffPerSchool). */
export function buildStaff(ctx: PopulationContext, codes: Codecs, t: number): Staff {
  const s = Math.floor(t / ctx.staffPerSchool);
  const k = t % ctx.staffPerSchool;
  const rng = rngFor(ctx.seed, STREAM.staff, t);
  const position = positionOf(k, ctx.staffPerSchool);
  const drawn = ctx.layout.staffAge(t);
  // School leaders are at least 38: a younger draw moves 15 years up, ranked by t in its own ID slot.
  const senior = (position === 'principal' || position === 'vice_principal') && drawn.age < 38;
  const age = senior ? drawn.age + 15 : drawn.age;
  const rank = senior ? t : drawn.rank;
  const birthYear = ctx.startYear - age;
  const sex = rng.chance(position === 'teacher' ? 0.3 : 0.5) ? 'male' : 'female';
  const schoolCode = codes.schoolCode(s);
  const u = rng.next();
  const staff: Staff = {
    staffCode: staffCodeOf(schoolCode, k),
    schoolCode,
    personalId: personalIdOf(
      ctx.seed,
      BIRTH_PROVINCE.pick(rng.next()),
      sex,
      birthYear,
      rank,
      senior ? ID_SLOT.staffSenior : ID_SLOT.staff,
    ),
    fullName: fullNameOf(rng, sex, birthYear),
    birthDate: dateInYear(rng, birthYear),
    sex,
    ethnicityCode: ETHNICITY.pick(rng.next()),
    position,
    status: STAFF_STATUS_VALUES[u < 0.95 ? 0 : u < 0.98 ? 1 : u < 0.99 ? 2 : 3] ?? 'working',
    email: `gv${pad(k, 3)}.${schoolCode}@hcm.edu.vn`,
  };
  const level = ctx.layout.levelOf(s);
  if (position === 'teacher' && (level === 'lower_secondary' || level === 'upper_secondary')) {
    staff.subjects = rng.chance(0.2) ? [rng.pick(SUBJECTS), rng.pick(SUBJECTS)] : [rng.pick(SUBJECTS)];
    staff.subjects = [...new Set(staff.subjects)];
  } else if (position === 'teacher' && level === 'primary' && rng.chance(0.15)) {
    staff.subjects = [rng.pick(PRIMARY_SPECIALISTS)];
  }
  if (rng.chance(0.7)) staff.phone = `09${pad(rng.int(100_000_000), 8)}`;
  return staff;
}
