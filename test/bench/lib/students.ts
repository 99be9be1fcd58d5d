/**
 * Bench data: canonical students drawn from the one seeded synthetic population (the same children
 * the simulators serve), without injected discrepancies, of the current school year (as the sync bench's),
 * so every record is valid and passes the quality checks (a record of a past year is a SONG_NOT_CURRENT_YEAR
 * warning). Deterministic for a given school year: the same arguments give the same records.
 */
import { schoolYearOf, vietnamDateOf } from '../../../src/canonical/school-year.js';
import type { Student } from '../../../src/canonical/student.js';
import { createPopulation } from '../../../src/simulators/population/index.js';

/** The school year today (in Vietnam): the bench's students are of it. */
const currentYear = (): string => schoolYearOf(vietnamDateOf(new Date()));

/** A batch as a vendor pushes it: one school, its students in truc's canonical format. */
export interface StudentBatch {
  schoolCode: string;
  records: Student[];
}

/**
 * A status date of the current school year that no population student has (theirs fall from 5 September
 * on): the benches' "every record changed" batches set it on every record, so each one changes.
 */
export const changedStatusDate = (): string => `${currentYear().slice(0, 4)}-09-04`;

/** `count` batches of `size` students, batch i holding the students of school i. */
export function studentBatches(count: number, size = 1000, seed = 'truc-bench'): StudentBatch[] {
  const pop = createPopulation({
    seed,
    schools: count,
    studentsPerSchool: size,
    discrepancyRate: 0,
    schoolYear: currentYear(),
  });
  const out: StudentBatch[] = [];
  for (let s = 0; s < count; s++) {
    out.push({ schoolCode: pop.school(s).schoolCode, records: [...pop.studentsOfSchool(s)] });
  }
  return out;
}

/**
 * `count` valid students with every field of the canonical Student filled (statusDate and
 * disability are optional and mostly absent in the population; set here so all 14 fields are parsed).
 */
export function fullStudents(count: number, seed = 'truc-bench-validation'): Student[] {
  const perSchool = 500;
  const schools = Math.ceil(count / perSchool);
  const schoolYear = currentYear();
  const pop = createPopulation({
    seed,
    schools,
    studentsPerSchool: perSchool,
    discrepancyRate: 0,
    schoolYear,
  });
  const statusDate = `${schoolYear.slice(0, 4)}-09-05`;
  const out: Student[] = [];
  for (let s = 0; s < schools && out.length < count; s++) {
    for (const st of pop.studentsOfSchool(s)) {
      if (out.length >= count) break;
      out.push({ statusDate, disability: 'none', ...st });
    }
  }
  return out;
}

/** The same records with two bad fields each (an impossible month, an unknown sex code) — PERFORMANCE 4b. */
export function withTwoBadFields(records: readonly Student[]): Record<string, unknown>[] {
  return records.map((r) => ({ ...r, birthDate: `${r.birthDate.slice(0, 4)}-13-01`, sex: 'unknown' }));
}
