/**
 * The ways to ask for work that the API, the CLI and other jobs share, each in the caller's transaction
 * and audited: store a batch and queue its ingest, request a sync run, decide on a held mass change, set
 * or clear which school-management system a school's changes are delivered to. Producers import them
 * through `./contracts.ts`.
 */
import { appendAudit, recordAudit } from '../audit/chain.js';
import { pullProblem, type EntityName, type SystemName } from '../config.js';
import { AppError } from '../errors.js';
import type { AuditEvent } from '../store/audit-log.js';
import { createBatchesRepo, type NewBatch, type RepeatOf } from '../store/batches.js';
import { combinedWrites } from '../store/combined.js';
import type { Queryable } from '../store/db.js';
import type { OutboxRow } from '../store/outbox.js';
import { tryLockSchool } from '../store/school-lock.js';
import { createSchoolSystemsRepo, type SchoolSystemRow } from '../store/school-systems.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { checkSchoolHeld } from './request-checks.js';
import { enqueue, enqueueHandedOver, enqueueQuietly, ingestBatch, pullPage } from './contract-table.js';
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
