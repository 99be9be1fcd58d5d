/**
 * The mass-change guard within a school's grades (issue 7: "a vendor snapshot that omits a whole grade would be
 * applied in full"; review23, test/unit/jobs/snapshot-grade-guard.test.ts). A student snapshot's deletions are
 * weighed against each grade they touch as well as against the whole school (./guard.ts `guardChange`): at a
 * primary school (five grades, about 20% each) or a lower secondary school (four, 25%) a whole grade is under
 * `deleteRatio` of the school, so weighed against the school alone it was deleted unguarded. A grade is weighed
 * when its school is (at least `minRecords` live records); over `deleteRatio` of the grade's live students, the
 * snapshot's deletions are held with a reason naming the grade. The grade's live students are counted as they
 * are when the deletions are judged (the snapshot's own writes included: a grade it re-keys whole still weighs
 * half). Deletions stay guarded in the rollover window too: a snapshot that leaves out the grade that graduated is
 * held for a city admin to approve.
 */
import type { Queryable } from '../store/db.js';
import type { HoldReason } from '../store/guard-holds.js';
import { createRecordsRepo } from '../store/records.js';
import type { Config } from '../config.js';

type GuardSettings = Config['guard'];

/** One grade of a school: its live students, and how many of them a change deletes. */
export interface GradeCount {
  grade: string;
  live: number;
  deleted: number;
}

/** The grades whose deletions go over `deleteRatio` (none when the school is not guarded: under `minRecords`). */
export function gradeReasons(
  school: { code: string; live: number },
  grades: readonly GradeCount[],
  settings: Pick<GuardSettings, 'deleteRatio' | 'minRecords'>,
): HoldReason[] {
  if (school.live < settings.minRecords || school.live === 0) return [];
  return grades
    .filter((g) => g.live > 0 && g.deleted / g.live > settings.deleteRatio)
    .map((g) => ({
      school: school.code,
      grade: g.grade,
      kind: 'deleted' as const,
      count: g.deleted,
      live: g.live,
      ratio: Math.round((g.deleted / g.live) * 10_000) / 10_000,
      threshold: settings.deleteRatio,
    }));
}

/**
 * The grade reasons of a student snapshot's deletions at one school (read from the store, nothing written): each
 * grade's live students of the school years the snapshot carries (`schoolYears`, ./snapshot-missing.ts
 * `snapshotYears`; snap24: last year's graduates, kept, are not this year's grade 5).
 */
export async function snapshotGradeReasons(
  q: Queryable,
  settings: GuardSettings,
  school: { code: string; live: number },
  deleted: readonly string[],
  schoolYears?: readonly string[],
): Promise<HoldReason[]> {
  if (deleted.length === 0 || school.live < settings.minRecords) return [];
  const grades = await createRecordsRepo(q).gradeCounts(school.code, deleted, schoolYears);
  return gradeReasons(school, grades, settings);
}
