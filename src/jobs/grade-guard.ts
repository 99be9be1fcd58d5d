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
import { createRecordsRepo, type PendingStudent } from '../store/records.js';
import type { Config } from '../config.js';

type GuardSettings = Config['guard'];

/** One grade of a school: its live students, and how many of them a change deletes. */
export interface GradeCount {
  grade: string;
  live: number;
  deleted: number;
}

/**
 * The grades whose deletions go over `deleteRatio` (none when the school is not guarded: under `minRecords`), of
 * those with at least `minGradeStudents` live students (guard25: one or two leavers of a grade of a few students
 * are over the ratio; a small grade's deletions are weighed against the school alone).
 */
export function gradeReasons(
  school: { code: string; live: number },
  grades: readonly GradeCount[],
  settings: Pick<GuardSettings, 'deleteRatio' | 'minRecords' | 'minGradeStudents'>,
): HoldReason[] {
  if (school.live < settings.minRecords || school.live === 0) return [];
  return grades
    .filter(
      (g) => g.live > 0 && g.live >= settings.minGradeStudents && g.deleted / g.live > settings.deleteRatio,
    )
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
 * `snapshotYears`; snap24: last year's graduates, kept, are not this year's grade 5), as they are once the
 * snapshot's records are written. The one rule of the ingest's guard (./guard.ts, after its writes: `pending`
 * none) and the dry run (./dry-run.ts, which writes nothing: `pending` its records to write, counted in their
 * grades in place of their stored copies). guard25: the dry run counted the grades before the snapshot, so at the
 * year's first snapshot a grade held only the pupils enrolled ahead of it and the dry run said "held" where the
 * ingest applied it.
 */
export async function snapshotGradeReasons(
  q: Queryable,
  settings: GuardSettings,
  school: { code: string; live: number },
  deleted: readonly string[],
  schoolYears?: readonly string[],
  pending: readonly PendingStudent[] = [],
): Promise<HoldReason[]> {
  if (deleted.length === 0 || school.live < settings.minRecords) return [];
  const grades = await createRecordsRepo(q).gradeCounts(school.code, deleted, schoolYears, pending);
  return gradeReasons(school, grades, settings);
}

/** The grade and school year of a record a snapshot would write, at its school (`scope`). */
export function pendingStudents(
  toWrite: readonly { key: string; scope: string; data: unknown }[],
): PendingStudent[] {
  return toWrite.map((r) => {
    const d = r.data as { grade?: unknown; schoolYear?: unknown } | undefined;
    return {
      key: r.key,
      scope: r.scope,
      grade: typeof d?.grade === 'string' ? d.grade : null,
      schoolYear: typeof d?.schoolYear === 'string' ? d.schoolYear : null,
    };
  });
}
