/**
 * Job contracts: the queue, name and zod payload of every job, and the ways to ask for work, each
 * writing its outbox row in the caller's transaction (the relay turns rows into queue jobs). The API
 * and other producers import this module, never a processor: it knows no mapping, adapter or job
 * logic. Payloads carry ids only, never records or personal data.
 */
import { z } from 'zod';
import type { EntityName, SystemName } from '../config.js';
import { appendAudit } from '../audit/chain.js';
import { createBatchesRepo, type NewBatch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createGuardHoldsRepo, type GuardHold } from '../store/guard-holds.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { AppError } from '../errors.js';

/** What a job is, as its producers see it. */
export interface JobContract<P> {
  /** The queue that serves it. */
  readonly queue: string;
  /** The job's name on that queue. */
  readonly name: string;
  /** Its payload: ids only. */
  readonly payload: z.ZodType<P>;
}

const Id = z.number().int().positive();

/** Ingest one stored batch: map, check, diff, apply. */
export const ingestBatch = {
  queue: 'ingest',
  name: 'ingest-batch',
  payload: z.object({ batchId: z.uuid() }),
} satisfies JobContract<unknown>;

/** Fetch one page of a sync run from its source and store it as a batch. */
export const pullPage = {
  queue: 'pull',
  name: 'pull-page',
  payload: z.object({ syncRunId: Id, page: z.number().int().nonnegative() }),
} satisfies JobContract<unknown>;

/**
 * Reconcile a finished full sync run once all its pages are ingested: the records of its scope the
 * source no longer has become tombstones (issue 7, sync-data).
 */
export const reconcileRun = {
  queue: 'pull',
  name: 'reconcile-run',
  payload: z.object({ syncRunId: Id }),
} satisfies JobContract<unknown>;

/** Deliver one push set to its target. One queue per target system, each with the target's rate limit. */
export const pushSet = (system: SystemName) =>
  ({
    queue: `push.${system}`,
    name: 'push-set',
    payload: z.object({ pushSetId: Id }),
  }) satisfies JobContract<unknown>;

/** Compute one pending version of a PCGD report (issue 10): a commune's figures or a province's roll-up. */
export const pcgdCompute = {
  queue: 'pcgd',
  name: 'pcgd-compute',
  payload: z.object({ reportId: Id }),
} satisfies JobContract<unknown>;

/**
 * Compute the quality scorecards of every school, commune and province (issue 8) and keep them as a
 * run; `requestedBy` names who asked (a client id, 'schedule' or 'cli').
 */
export const qualityScorecards = {
  queue: 'quality',
  name: 'quality-scorecards',
  payload: z.object({ requestedBy: z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/) }),
} satisfies JobContract<unknown>;

/**
 * Deliver one submitted PCGD report to the Ministry (issue 10): on the push queue of moet-pcgd, within
 * its rate limit, one writer at a time.
 */
export const pcgdSubmit = {
  queue: 'push.moet-pcgd',
  name: 'pcgd-submit',
  payload: z.object({ reportId: Id }),
} satisfies JobContract<unknown>;

/**
 * Turn one event into deliveries to every subscription that hears it (issue 9). Rows are written by the
 * triggers of migration 036: `batch.finished` carries a batch id; `master-data.changed` a school,
 * entity, count and the change-feed position before its first change.
 */
export const webhookFanout = {
  queue: 'webhooks',
  name: 'webhook-fanout',
  payload: z.discriminatedUnion('event', [
    z.object({ event: z.literal('batch.finished'), batchId: z.uuid() }),
    z.object({
      event: z.literal('master-data.changed'),
      schoolCode: z.string().min(1).max(32),
      entity: z.string().min(1).max(32),
      count: z.number().int().positive(),
      tx: z.string().regex(/^\d{1,20}$/),
      seq: z.string().regex(/^\d{1,20}$/),
    }),
  ]),
} satisfies JobContract<unknown>;

/** Send one webhook delivery, signed the Standard Webhooks way; retried with backoff. */
export const webhookDeliver = {
  queue: 'webhooks',
  name: 'webhook-deliver',
  payload: z.object({ deliveryId: z.uuid() }),
} satisfies JobContract<unknown>;

export type PayloadOf<J extends JobContract<unknown>> = z.output<J['payload']>;

/** Queues a job: writes its outbox row in the caller's transaction. Returns the row id. */
export async function enqueue<J extends JobContract<unknown>>(
  q: Queryable,
  job: J,
  payload: z.input<J['payload']>,
): Promise<number> {
  const checked = job.payload.parse(payload) as Record<string, string | number>;
  return createOutboxRepo(q).add(job.queue, job.name, checked);
}

/** Client id of batches made by pulls from external systems: trusted sources, not bound to one school. */
export const PULL_CLIENT = 'system:pull';

/** Stores a batch and queues its ingest, in the caller's transaction. */
export async function queueBatch(q: Queryable, batch: NewBatch): Promise<void> {
  await createBatchesRepo(q).insert(batch);
  await enqueue(q, ingestBatch, { batchId: batch.id });
}

/**
 * Creates a sync run (incremental from the last watermark unless `full`) and queues its first page,
 * audited, in the caller's transaction. Returns the run's id.
 */
export async function requestSync(
  q: Queryable,
  input: { system: SystemName; entity: EntityName; scope?: string; full?: boolean; requestedBy: string },
): Promise<number> {
  const { system, entity, requestedBy } = input;
  const scope = input.scope ?? '';
  const runs = createSyncRunsRepo(q);
  const since = input.full ? null : ((await runs.watermark(system, entity, scope)) ?? null);
  const id = await runs.create({ system, entity, scope, since, requestedBy });
  await enqueue(q, pullPage, { syncRunId: id, page: 0 });
  await appendAudit(q, [
    {
      actor: requestedBy,
      action: 'sync.requested',
      subject: `sync:${id}`,
      details: { system, entity, scope, incremental: since !== null },
    },
  ]);
  return id;
}

/** The batch and sync run a payload is about, if any: what a dead letter fails and a replay re-opens. */
export function workOf(payload: Record<string, unknown>): { batchId?: string; syncRunId?: number } {
  const out: { batchId?: string; syncRunId?: number } = {};
  if (typeof payload.batchId === 'string') out.batchId = payload.batchId;
  if (typeof payload.syncRunId === 'number' && Number.isInteger(payload.syncRunId)) {
    out.syncRunId = payload.syncRunId;
  }
  return out;
}

/**
 * A city admin's decision on a change the mass-change guard held (issue 7), audited, in the caller's
 * transaction: an approved reconciliation is queued again (the guard lets it through), a rejected one
 * is closed without deleting anything. Throws ERR_NOT_FOUND, or ERR_GUARD_NOT_HELD once decided.
 */
export async function decideHold(
  q: Queryable,
  input: { holdId: number; decision: 'approved' | 'rejected'; by: string },
): Promise<GuardHold> {
  const holds = createGuardHoldsRepo(q);
  const hold = await holds.decide(input.holdId, input.decision, input.by);
  if (!hold) {
    if (!(await holds.get(input.holdId))) throw new AppError('ERR_NOT_FOUND');
    throw new AppError('ERR_GUARD_NOT_HELD');
  }
  if (hold.kind === 'reconcile' && hold.syncRunId !== null) {
    const runs = createSyncRunsRepo(q);
    if (input.decision === 'approved') {
      if (await runs.releaseReconcile(hold.syncRunId)) {
        await enqueue(q, reconcileRun, { syncRunId: hold.syncRunId });
      }
    } else {
      await runs.finishReconcile(hold.syncRunId, 0, 'guard-rejected');
    }
  }
  await appendAudit(q, [
    {
      actor: input.by,
      action: input.decision === 'approved' ? 'guard.approved' : 'guard.rejected',
      subject: `guard-hold:${hold.id}`,
      details: { kind: hold.kind, syncRunId: hold.syncRunId, batchId: hold.batchId, entity: hold.entity },
    },
  ]);
  return hold;
}
