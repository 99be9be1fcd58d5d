/** A held run's weighing as its hold keeps it (fix34e, ./guard-holds.ts; ../jobs/run-weigh.ts), and its writes. */
import type { Queryable } from './db.js';
import type { HoldReason, SchoolDiff } from './guard-hold-diff.js';

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

/** A held run's hold while its next pages are weighed (../jobs/run-weigh.ts). */
export function holdWeighing(q: Queryable) {
  return {
    /**
     * A held run's hold widened to what its weighed pages would do (../jobs/run-weigh.ts): its diff and reasons
     * replaced while it is held, not decidable for `weighingSeconds` more (0: the weighing is over); false once decided.
     */
    async widen(
      id: number,
      diff: readonly SchoolDiff[],
      reasons: readonly HoldReason[],
      weighingSeconds: number,
      progress?: { weighing: HoldWeighing; resume: WeighResume | null },
    ): Promise<boolean> {
      const res = await q.query(
        `UPDATE truc.guard_holds SET diff = $2, reasons = $3,
                weighing_until = CASE WHEN $4::int > 0 THEN now() + make_interval(secs => $4::int) END,
                weighing = COALESCE($5::jsonb, weighing),
                weigh_resume = CASE WHEN $5::jsonb IS NULL THEN weigh_resume ELSE $6::jsonb END
          WHERE id = $1 AND status = 'held'`,
        [
          id,
          JSON.stringify(diff),
          JSON.stringify(reasons),
          weighingSeconds,
          progress ? JSON.stringify(progress.weighing) : null,
          progress?.resume ? JSON.stringify(progress.resume) : null,
        ],
      );
      return (res.rowCount ?? 0) > 0;
    },
    /**
     * A weighing's end noted whatever the hold's status (decided meanwhile: `partial`, stopped by `decided`): how far
     * it got, nothing left to resume, not weighing any more (fix34e).
     */
    async finishWeighing(id: number, weighing: HoldWeighing): Promise<void> {
      await q.query(
        `UPDATE truc.guard_holds SET weighing = $2, weigh_resume = NULL, weighing_until = NULL WHERE id = $1`,
        [id, JSON.stringify(weighing)],
      );
    },
    /** A held run's weighing as last widened, and where it resumes from (undefined: none to resume). */
    async weighingOf(
      id: number,
    ): Promise<{ weighing: HoldWeighing | null; resume: WeighResume | null } | undefined> {
      const res = await q.query<{ weighing: HoldWeighing | null; resume: WeighResume | null }>(
        `SELECT weighing, weigh_resume AS resume FROM truc.guard_holds WHERE id = $1 AND status = 'held'`,
        [id],
      );
      return res.rows[0];
    },
    /**
     * A held run's weighing ended as it is, its hold left as last widened (../jobs/run-weigh.ts: when the weighing's
     * last widening could not be written): decidable at once, not after the weighing's bound.
     */
    async endWeighing(id: number): Promise<void> {
      await q.query(`UPDATE truc.guard_holds SET weighing_until = NULL WHERE id = $1 AND status = 'held'`, [
        id,
      ]);
    },
  };
}
