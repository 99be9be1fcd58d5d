/**
 * The ways to ask for work that the API, the CLI and other jobs share, each in the caller's transaction
 * and audited: store a batch and queue its ingest, request a sync run, decide on a held mass change, set
 * or clear which school-management system a school's changes are delivered to. Producers import them
 * through `./contracts.ts`.
 */
import { appendAudit, recordAudit } from '../audit/chain.js';
import { pullProblem, type EntityName, type SystemName } from '../config.js';
import { AppError, both } from '../errors.js';
import type { AuditEvent } from '../store/audit-log.js';
import { createBatchesRepo, type NewBatch, type RepeatOf } from '../store/batches.js';
import { combinedWrites } from '../store/combined.js';
import type { Queryable } from '../store/db.js';
import type { OutboxRow } from '../store/outbox.js';
import { createGuardHoldsRepo, type GuardHold } from '../store/guard-holds.js';
import { createRunGuardRepo } from '../store/run-guard.js';
import { tryLockSchool } from '../store/school-lock.js';
import { createSchoolSystemsRepo, type SchoolSystemRow } from '../store/school-systems.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { checkSchoolHeld } from './request-checks.js';
import {
  enqueue,
  enqueueHandedOver,
  enqueueQuietly,
  guardApply,
  ingestBatch,
  pullPage,
  reconcileRun,
} from './contract-table.js';
import type { Counts } from './ingest-counts.js';
import {
  acceptUnchangedRepeat,
  repeatUnchanged,
  type RepeatCandidate,
  type RepeatContext,
} from './ingest-repeat.js';

export type { RepeatContext } from './ingest-repeat.js';
export type { Counts } from './ingest-counts.js';
export { acceptKnownRepeat } from './ingest-repeat.js';

/** Client id of batches made by pulls from external systems: trusted sources, not bound to one school. */
export const PULL_CLIENT = 'system:pull';

/**
 * Stores a batch and queues its ingest, in the caller's transaction. `notify: false`: the caller wakes
 * the relay after its commit (store/outbox.ts `createOutboxWaker`). A body the same client pushed for
 * the same school before (its `bodySha256`; or `sameAs`, when the caller found it already) is not stored
 * again: the batch points at the one that keeps it. With `repeats` (the API), such a repeat is judged at
 * once when nothing changed since (./ingest-repeat.ts) and no ingest of its school is in progress (its lock,
 * ../store/school-lock.ts): the batch is done when the transaction commits,
 * with no ingest job; otherwise (or without `repeats`) the ingest judges it. Returns what was judged at
 * once, if anything. `repeatChecked`: the caller looked for that earlier batch just before and found
 * none (the API, before reading the body), so it is not looked for again.
 */
export async function queueBatch(
  q: Queryable,
  batch: NewBatch,
  opts: QueueBatchOptions = {},
): Promise<Counts | undefined> {
  const batches = createBatchesRepo(q);
  const sameAs =
    batch.sameAs ??
    (batch.bodySha256 === undefined || opts.repeatChecked
      ? undefined
      : (await batches.holderOf(batch.clientId, batch.schoolCode, batch.bodySha256))?.id);
  await batches.insert(sameAs === undefined ? batch : { ...batch, sameAs });
  const { judged, audit } = opts;
  // Judged at once only with the school's lock, got at once (../store/school-lock.ts): while an ingest of the
  // school is in progress, the batch is queued, and its ingest judges it under the lock.
  const counts =
    sameAs !== undefined &&
    opts.repeats &&
    batch.clientId !== PULL_CLIENT &&
    (await tryLockSchool(q, batch.schoolCode))
      ? await repeatUnchanged(q, opts.repeats, candidate(batch), {
          ...(judged !== undefined ? { judged } : {}),
          recordFirst: audit?.events ?? [],
        })
      : undefined;
  if (!counts) {
    if (audit) await recordAudit(q, audit.events, audit.at);
    const payload = { batchId: batch.id, received: batch.records.length };
    const { handedOver } = opts;
    const id = await enqueue(q, ingestBatch, payload, { ...opts, handedOver: handedOver !== undefined });
    handedOver?.({ id, queue: ingestBatch.queue, job_name: ingestBatch.name, payload });
  }
  return counts;
}

/**
 * {@link queueBatch}'s common case from the API (issue 7): a body of which no earlier batch of the client
 * keeps the records (looked for already, none) and no Idempotency-Key to claim. The batch, its audit
 * entries and its ingest job go as one statement of its own (../store/combined.ts): atomic without a
 * transaction, one round trip where BEGIN, three writes and COMMIT took five (each ~200 ms of waiting
 * for the CPU at load 20). The caller wakes the relay after it.
 */
export async function queueNewBatch(
  q: Queryable,
  batch: NewBatch,
  audit: { events: readonly AuditEvent[]; at: Date },
  opts: { handedOver?: boolean } = {},
): Promise<OutboxRow | undefined> {
  const writes = combinedWrites(q);
  await createBatchesRepo(writes).insert(batch);
  await recordAudit(writes, audit.events, audit.at);
  const payload = { batchId: batch.id, received: batch.records.length };
  // Handed over: the caller adds the job after this statement (../store/outbox.ts `flushHandedOver`).
  if (opts.handedOver) return enqueueHandedOver(writes, ingestBatch, payload);
  await enqueueQuietly(writes, ingestBatch, payload);
  await writes.flush();
  return undefined;
}

/** How {@link queueBatch} queues a batch. */
export interface QueueBatchOptions {
  /** false: the caller wakes the relay after its commit. */
  notify?: boolean;
  /** The caller looked for the batch that keeps the body's records and found none. */
  repeatChecked?: boolean;
  /** Judge a repeat at once when it can be (the clock and metrics it is judged with). */
  repeats?: RepeatContext;
  /** The last judged batch of the same body, when the caller looked it up (null: none). */
  judged?: RepeatOf | null;
  /**
   * Audit events of the batch (batch.accepted) and when they happened (the caller's clock), recorded
   * before what judging it at once records.
   */
  audit?: { events: readonly AuditEvent[]; at: Date };
  /**
   * The ingest job's row is written handed over (../store/outbox.ts `flushHandedOver`) and given here: the caller
   * adds its job to the queue once its transaction commits (nothing is given for a repeat judged at once).
   */
  handedOver?: (row: OutboxRow) => void;
}

/**
 * A vendor's repeat of a body stored before (`batch.sameAs`) judged unchanged at once, in one statement
 * of its own with no transaction (./ingest-repeat.ts `acceptUnchangedRepeat`): when the school's records
 * still give `judged`'s tag, the batch is stored done, `accepted` and its batch.ingested recorded, and
 * no ingest job queued. Undefined, with nothing written, otherwise: the caller then stores it with
 * {@link queueBatch}.
 */
export async function acceptRepeat(
  q: Queryable,
  batch: NewBatch & { sameAs: string; bodySha256: string },
  judged: RepeatOf,
  accepted: AuditEvent,
  repeats: RepeatContext,
): Promise<Counts | undefined> {
  if (batch.clientId === PULL_CLIENT) return undefined;
  const { sameAs, bodySha256 } = batch;
  return acceptUnchangedRepeat(q, repeats, { ...candidate(batch), sameAs, bodySha256 }, judged, accepted);
}

/** A new batch as its repeat is judged (./ingest-repeat.ts). */
function candidate(batch: NewBatch): RepeatCandidate {
  return {
    id: batch.id,
    schoolCode: batch.schoolCode,
    clientId: batch.clientId,
    entity: batch.entity,
    format: batch.format,
    mode: batch.mode ?? 'delta',
    mappingPin: batch.mappingPin ?? null,
    received: batch.records.length,
    bodySha256: batch.bodySha256 ?? null,
  };
}

/** Throws why `system` cannot be pulled for `entity` with `scope` (src/config/names.ts `pullProblem`). */
function checkSyncRequest(system: SystemName, entity: EntityName, scope: string): void {
  const problem = pullProblem(system, entity, scope);
  if (problem) throw new AppError(problem.code, problem.message);
}

/**
 * Creates a sync run (incremental from the last watermark unless `full`) and queues its first page,
 * audited, in the caller's transaction. Returns the run's id. Throws as `checkSyncRequest` does.
 */
export async function requestSync(
  q: Queryable,
  input: {
    system: SystemName;
    entity: EntityName;
    scope?: string;
    full?: boolean;
    requestedBy: string;
    /** When it was asked (the caller's clock): the audit entry's time. */
    at: Date;
  },
): Promise<number> {
  const { system, entity, requestedBy } = input;
  const scope = input.scope ?? '';
  checkSyncRequest(system, entity, scope);
  const runs = createSyncRunsRepo(q);
  const since = input.full ? null : ((await runs.watermark(system, entity, scope)) ?? null);
  // Asked incremental with no watermark kept (a first run): it pulls everything, and says so (pullyear25).
  const fullBecause = input.full ? 'requested' : 'no_watermark';
  const id = await runs.create({ system, entity, scope, since, requestedBy, fullBecause });
  await enqueue(q, pullPage, { syncRunId: id, page: 0 });
  await appendAudit(
    q,
    [
      {
        actor: requestedBy,
        action: 'sync.requested',
        subject: `sync:${id}`,
        details: {
          system,
          entity,
          scope,
          incremental: since !== null,
          ...(since === null ? { fullBecause } : {}),
        },
      },
    ],
    input.at,
  );
  return id;
}

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

/** What a hold decision's audit entry holds: the hold's subject, and the admin's reason when given. */
const decisionDetails = (hold: GuardHold, reason: string | undefined) => ({
  kind: hold.kind,
  syncRunId: hold.syncRunId,
  batchId: hold.batchId,
  entity: hold.entity,
  ...(reason ? { reason } : {}),
});

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
 */
/** An unknown hold's detail (ERR_NOT_FOUND), as GET /v1/guard/holds/{id} and `truc holds show` name it. */
const noGuardHold = (id: number) => both(`không có lệnh giữ ${id}`, `no guard hold ${id}`);

/** Why a hold was not decided: unknown, a held run's next pages being weighed (./run-weigh.ts), or decided already. */
async function notDecided(holds: ReturnType<typeof createGuardHoldsRepo>, id: number): Promise<never> {
  const held = await holds.get(id);
  if (!held) throw new AppError('ERR_NOT_FOUND', noGuardHold(id));
  if (held.status === 'held') throw new AppError('ERR_GUARD_WEIGHING');
  throw new AppError('ERR_GUARD_NOT_HELD');
}

export async function decideHold(
  q: Queryable,
  input: { holdId: number; decision: 'approved' | 'rejected'; by: string; at: Date; reason?: string },
): Promise<GuardHold & { overtaken?: 'scope' | 'schools' }> {
  const holds = createGuardHoldsRepo(q);
  const by = input.decision === 'approved' ? await overtaken(q, input.holdId) : 'none';
  const status = by === 'none' ? input.decision : 'superseded';
  const hold = await holds.decide(input.holdId, status, input.by, input.reason);
  if (!hold) return notDecided(holds, input.holdId);
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

/**
 * Sets the school-management system that serves a school (an admin's answer, kept until an admin changes
 * it), audited, in the caller's transaction. Returns what it replaced, if anything. A school truc holds no
 * record of is refused (ERR_SCOPE_UNKNOWN, {@link checkSchoolHeld}), nothing written.
 */
export async function setSchoolSystem(
  q: Queryable,
  input: { schoolCode: string; system: string; by: string; at: Date },
): Promise<SchoolSystemRow | undefined> {
  const { schoolCode, system, by } = input;
  // A mistyped code would be kept as a school of its own, listed and never pulled (fixes26a).
  await checkSchoolHeld(q, schoolCode);
  const before = await createSchoolSystemsRepo(q).set(schoolCode, system, by);
  await appendAudit(
    q,
    [
      {
        actor: by,
        action: 'school-system.set',
        subject: `school:${schoolCode}`,
        details: { system, before: before?.system ?? null, beforeFrom: before?.learnedFrom ?? null },
      },
    ],
    input.at,
  );
  return before;
}

/**
 * Forgets which system serves a school (pulls and batches may learn it again), audited, in the caller's
 * transaction. Returns what it removed; undefined (and nothing audited) when no system was known.
 */
export async function clearSchoolSystem(
  q: Queryable,
  input: { schoolCode: string; by: string; at: Date },
): Promise<SchoolSystemRow | undefined> {
  const before = await createSchoolSystemsRepo(q).clear(input.schoolCode);
  if (before) {
    await appendAudit(
      q,
      [
        {
          actor: input.by,
          action: 'school-system.cleared',
          subject: `school:${input.schoolCode}`,
          details: { system: before.system, beforeFrom: before.learnedFrom },
        },
      ],
      input.at,
    );
  }
  return before;
}
