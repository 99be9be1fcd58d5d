/** A held run's weighing as its hold keeps it (fix34e, ./guard-holds.ts; ../jobs/run-weigh.ts). */

/**
 * How far a held run's weighing of its next pages got (fix34e, ../jobs/run-weigh.ts). `weighing`: under way;
 * `interrupted`: under way, but its worker stopped (its bound ran out): the hold is decidable with what was weighed,
 * and the weighing resumes from its last widening once a worker takes it up; `whole`: every page to the run's end
 * weighed; `partial`: it stopped before the run's end (`stoppedBy`: the time cap `guard.weighing.maxSeconds`, a
 * failed read's or weighing's error code, or `decided` when the hold was decided meanwhile).
 */
export interface HoldWeighing {
  state: 'weighing' | 'interrupted' | 'whole' | 'partial';
  /** Pages weighed after the held page (as of the hold's last widening). */
  pages: number;
  /** The run's page the hold was made at (0 the first), and the last page weighed (the held one if none). */
  heldPage: number;
  throughPage: number;
  stoppedBy: string | null;
  startedAt: string;
  updatedAt: string;
  /**
   * Whether the hold's reasons include the deletions the run's end would make (its reconciliation, weighed ahead:
   * fix35b, fix36e item 1): true once weighed ({@link HoldWeighing.deletions}); false while not (the weighing under
   * way, stopped before the run's end, or failed inside the weighing-ahead), and on a hold weighed before fix36e;
   * null for a run whose end deletes nothing (an incremental run). Absent: false.
   */
  deletionsWeighed?: boolean | null;
  /** Weighed: what the run's end would delete, counts only ({@link AheadDeletions}). */
  deletions?: AheadDeletions | null;
}

/** How many schools' counts a hold's weighed deletions keep (the most first); `records` and `schools` are all. */
export const DELETIONS_SCHOOLS_KEPT = 50;

/** The deletions a held full run's end would make, as weighed ahead (fix36e): counts per school, no codes. */
export interface AheadDeletions {
  /** Records, in all. */
  records: number;
  /** Schools (school × school year, a classes run's), in all. */
  schools: number;
  /** Per school, the most first, at most {@link DELETIONS_SCHOOLS_KEPT}. */
  bySchool: Array<{ school: string; schoolYear?: string; records: number }>;
}

/** A held run's weighing's point to resume from (never shown): its last widening's. */
export interface WeighResume {
  /**
   * The next page's cursor; null: every page weighed, a full run's reconciliation left to weigh ahead (fix36e: a
   * run held at its last page, or a worker stopped inside that weighing).
   */
  cursor: string | null;
  pageNo: number;
  /** The weighed pages' counts per school, summed (../store/run-guard.ts RunSchoolCounts: codes and counts). */
  rows: unknown[];
  /** Whether the weighing had added to the held page's reasons by then (audited at its end). */
  grew: boolean;
  /** The leased outbox row of the job that resumes it (../jobs/weigh-resume.ts). */
  outboxId: number;
}
