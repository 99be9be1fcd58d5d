/**
 * A city admin's decision on a change the mass-change guard held (issue 7), in the caller's transaction and audited:
 * the API's and the CLI's one way ({@link decideHold}); split from ./requests.ts by idea. An approval of a sync
 * run's hold may leave schools out (fix33b: `exceptSchools`, ./guard-except.ts): their changes not applied by the run (asked again by the next: ./run-except.ts), the run goes
 * on for the others.
 */
import { appendAudit } from '../audit/chain.js';
import { refusePersonalNumber } from '../canonical/free-text.js';
import { AppError, both } from '../errors.js';
import { createBatchesRepo } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createGuardHoldsRepo, type GuardHold } from '../store/guard-holds.js';
import { createRunExceptRepo } from '../store/run-except.js';
import { createRunGuardRepo } from '../store/run-guard.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { enqueue, guardApply, ingestBatch, pullPage, reconcileRun } from './contract-table.js';
import { checkExceptSchools } from './guard-except.js';

export { EXCEPT_SCHOOLS_MAX } from './guard-except.js';

/**
 * How a held run's change was overtaken by newer full runs, when approved: `scope`, a newer full run of its
 * scope (or of everything) fetched every page after it was held (its `supersededByNewer`). A reconciliation's
 * view of the scope is stale (the reconcile job would skip it the same way). A held page is not applied
 * either: the newer run has brought the scope up to date (its pages judged by the guard), so going on from
 * the old cursor adds nothing, and the approval of the diff shown then would let the rest of the old run
 * through unguarded against data that has moved on. `schools` (left19 item 2), a held page of a run of
 * everything each of whose schools over a threshold a full run of that school alone, requested after the
 * hold, fetched every page of: the decision the hold asks for was taken there, through the guard, so the
 * approval of its diff is moot and must not let the rest of the run through unguarded; but the rest of the
 * city is still the run's to pull, so it goes on from its cursor, guarded. `none`: a decision to take.
 */
async function overtaken(q: Queryable, holdId: number): Promise<'none' | 'scope' | 'schools'> {
  const hold = await createGuardHoldsRepo(q).get(holdId);
  if (hold?.status !== 'held' || hold.kind === 'batch' || hold.syncRunId === null) return 'none';
  const runs = createSyncRunsRepo(q);
  if (await runs.supersededByNewer(hold.syncRunId)) return 'scope';
  if (hold.kind !== 'run') return 'none'; // a reconciliation leaves overtaken schools alone itself (schoolsOvertaken)
  const schools = [...new Set(hold.reasons.map((r) => r.school))];
  if (schools.length === 0) return 'none';
  const covered = await runs.schoolsOvertakenSinceHold(hold.id, schools);
  return schools.every((s) => covered.has(s)) ? 'schools' : 'none';
}

/**
 * What a hold decision's audit entry holds: the hold's subject, who decided by name, the admin's reason when given,
 * and the schools an approval left out (codes).
 */
const decisionDetails = (hold: GuardHold, reason: string | undefined) => ({
  kind: hold.kind,
  syncRunId: hold.syncRunId,
  batchId: hold.batchId,
  entity: hold.entity,
  // who, by name (the entry's actor is the id): the name the hold keeps, when truc knew one (fix35a)
  ...(hold.decidedBy !== hold.decidedById ? { actorName: hold.decidedBy } : {}),
  ...(reason ? { reason } : {}),
  ...(hold.exceptSchools.length > 0 ? { exceptSchools: hold.exceptSchools } : {}),
});

/** The schools an approval leaves out, checked against the hold (./guard-except.ts); none when none asked. */
async function exceptOf(
  q: Queryable,
  holdId: number,
  asked: readonly string[] | undefined,
): Promise<string[]> {
  if (!asked || asked.length === 0) return [];
  const hold = await createGuardHoldsRepo(q).get(holdId);
  if (!hold) throw new AppError('ERR_NOT_FOUND', noGuardHold(holdId));
  return checkExceptSchools(hold, asked);
}

/** An unknown hold's detail (ERR_NOT_FOUND), as GET /v1/guard/holds/{id} and `truc holds show` name it. */
const noGuardHold = (id: number) => both(`không có lệnh giữ ${id}`, `no guard hold ${id}`);

/** Why a hold was not decided: unknown, a held run's next pages being weighed (./run-weigh.ts), or decided already. */
async function notDecided(holds: ReturnType<typeof createGuardHoldsRepo>, id: number): Promise<never> {
  const held = await holds.get(id);
  if (!held) throw new AppError('ERR_NOT_FOUND', noGuardHold(id));
  if (held.status === 'held') throw new AppError('ERR_GUARD_WEIGHING');
  throw new AppError('ERR_GUARD_NOT_HELD');
}

/**
 * What a decision does (in its transaction): a reconciliation queued again, or closed; a run released from its held
 * page, or failed; a batch ingested again, its held deletions queued, or failed.
 */
async function carryOut(
  q: Queryable,
  hold: GuardHold,
  d: { decision: 'approved' | 'rejected'; status: GuardHold['status']; by: 'none' | 'scope' | 'schools' },
): Promise<void> {
  const input = { decision: d.decision };
  const { status, by } = d;
  if (hold.kind === 'reconcile' && hold.syncRunId !== null) {
    const runs = createSyncRunsRepo(q);
    if (status === 'superseded') {
      await runs.finishReconcile(hold.syncRunId, 0, 'superseded');
    } else if (input.decision === 'approved') {
      if (await runs.releaseReconcile(hold.syncRunId)) {
        await enqueue(q, reconcileRun, { syncRunId: hold.syncRunId });
      }
    } else {
      await runs.finishReconcile(hold.syncRunId, 0, 'guard-rejected');
    }
  }
  if (hold.kind === 'run' && hold.syncRunId !== null) {
    // A held run: approved, it runs on from its cursor (the held page again; the guard lets the run's
    // pages through); rejected, it ends (failed) and never reconciles; superseded by a newer run of its
    // scope, it ends the same way; superseded at its schools only (a run of everything), it runs on from its
    // cursor still guarded (no approval is recorded).
    if (status === 'superseded' && by === 'scope') {
      await createSyncRunsRepo(q).fail(hold.syncRunId, 'ERR_GUARD_SUPERSEDED');
    } else if (input.decision === 'approved') {
      const released = await createRunGuardRepo(q).release(hold.syncRunId);
      if (released) await enqueue(q, pullPage, { syncRunId: hold.syncRunId, page: released.pages });
    } else {
      await createSyncRunsRepo(q).fail(hold.syncRunId, 'ERR_GUARD_REJECTED');
    }
  }
  if (hold.kind === 'batch' && hold.batchId !== null) {
    const batches = createBatchesRepo(q);
    // A batch held whole: approved, it is ingested again (the guard lets it through); rejected, it fails.
    const wasHeld = await batches.release(
      hold.batchId,
      input.decision === 'approved'
        ? { approved: true }
        : { approved: false, errorCode: 'ERR_GUARD_REJECTED' },
    );
    if (wasHeld && input.decision === 'approved')
      await enqueue(q, ingestBatch, { batchId: hold.batchId, approvedHold: hold.id });
    // A held snapshot applied its records already; only its deletions wait (a rejected one keeps them).
    if (!wasHeld && input.decision === 'approved') await enqueue(q, guardApply, { holdId: hold.id });
  }
}

/**
 * A city admin's decision on a change the mass-change guard held (issue 7), audited, in the caller's
 * transaction: an approved reconciliation is queued again (the guard lets it through), an approved run
 * runs on from its cursor and an approved snapshot's deletions are queued (`guardApply`); a rejected
 * one is closed without deleting anything (a rejected run fails, ERR_GUARD_REJECTED). A reconciliation or a held
 * page a newer full run overtook is closed as `superseded` when approved (nothing deleted or applied; the run
 * of a page fails, ERR_GUARD_SUPERSEDED, or, overtaken only at the schools of its hold, runs on guarded:
 * {@link overtaken}, told in `overtaken`; the caller answers ERR_GUARD_SUPERSEDED, or ERR_GUARD_SUPERSEDED_SCHOOLS, after
 * committing). Throws ERR_NOT_FOUND, ERR_GUARD_NOT_HELD once decided, or ERR_GUARD_WEIGHING while a held run's next
 * pages are weighed (./run-weigh.ts). `reason`: the admin's words
 * (`truc holds reject --reason`), kept with the decision (the hold's `decisionReason`) and in its audit entry.
 * `exceptSchools` (an approval of a run's hold): the schools left out, checked first (./guard-except.ts: a code the
 * hold does not show is refused, ERR_GUARD_EXCEPT_SCHOOLS, nothing written), kept with the hold and the run (their
 * changes rejected: the run's pages and reconciliation leave their records alone, counted, ./run-except.ts) and
 * listed in the audit entry.
 */
export async function decideHold(
  q: Queryable,
  input: {
    holdId: number;
    decision: 'approved' | 'rejected';
    by: string;
    at: Date;
    reason?: string;
    exceptSchools?: readonly string[];
  },
): Promise<GuardHold & { overtaken?: 'scope' | 'schools' }> {
  // Kept for good in the audit log: no personal ID or phone number (review33b), refused before anything is written.
  refusePersonalNumber(input.reason, 'reason');
  const holds = createGuardHoldsRepo(q);
  const except = input.decision === 'approved' ? await exceptOf(q, input.holdId, input.exceptSchools) : [];
  const by = input.decision === 'approved' ? await overtaken(q, input.holdId) : 'none';
  const status = by === 'none' ? input.decision : 'superseded';
  const hold = await holds.decide(
    input.holdId,
    status,
    input.by,
    input.reason,
    status === 'approved' ? except : [],
  );
  if (!hold) return notDecided(holds, input.holdId);
  // Left out: the run leaves their records alone from now on (its pages, its reconciliation).
  if (hold.exceptSchools.length > 0 && hold.syncRunId !== null)
    await createRunExceptRepo(q).leaveOut(hold.syncRunId, hold.exceptSchools);
  await carryOut(q, hold, { decision: input.decision, status, by });
  await appendAudit(
    q,
    [
      {
        actor: input.by,
        action: `guard.${status}`,
        subject: `guard-hold:${hold.id}`,
        details: decisionDetails(hold, input.reason),
      },
    ],
    input.at,
  );
  return by === 'none' ? hold : { ...hold, overtaken: by };
}
