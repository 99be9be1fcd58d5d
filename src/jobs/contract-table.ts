/**
 * The job table: the queue, name and zod payload of every job, and `enqueue`, which writes a job's
 * outbox row in the caller's transaction (the relay turns rows into queue jobs). Payloads carry ids
 * (and counts) only, never records or personal data. Producers import it through `./contracts.ts`.
 */
import { z } from 'zod';
import { SYSTEMS } from '../canonical/systems.js';
import { SYSTEM_NAMES, type SystemName } from '../config.js';
import type { CombinedWrites } from '../store/combined.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo, flushHandedOver, type OutboxRow } from '../store/outbox.js';

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
/** Who asked for a run: a client id, 'schedule' or 'cli'. */
const RequestedBy = z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/);

/** A job's contract: the queue that serves it, its name there, its payload schema. */
function contract<S extends z.ZodType>(queue: string, name: string, payload: S) {
  return { queue, name, payload } satisfies JobContract<unknown>;
}

/**
 * Ingest one stored batch: map, check, diff, apply. `approvedHold`: the batch was held whole by the
 * mass-change guard and a city admin approved that hold. `received`: how many records the batch holds (a count,
 * as stored with it), so that the worker knows a big batch (./ingest-slots.ts) without reading the batch's row
 * first (issue 7: a statement a batch); absent (a job queued before it was added, or an approved hold's), it is read.
 */
export const ingestBatch = contract(
  'ingest',
  'ingest-batch',
  z.object({
    batchId: z.uuid(),
    approvedHold: Id.optional(),
    received: z.number().int().nonnegative().optional(),
  }),
);

/** Fetch one page of a sync run from its source and store it as a batch. */
export const pullPage = contract(
  'pull',
  'pull-page',
  z.object({ syncRunId: Id, page: z.number().int().nonnegative() }),
);

/**
 * Reconcile a finished full sync run once all its pages are ingested: the records of its scope the
 * source no longer has become tombstones (issue 7, sync-data).
 */
export const reconcileRun = contract('pull', 'reconcile-run', z.object({ syncRunId: Id }));

/**
 * Resume a held run's weighing of its next pages where its last widening left it (fix34e): its row is leased to the
 * job weighing, the relay queues it when that job's worker stopped (../jobs/weigh-resume.ts).
 */
export const weighHold = contract('pull', 'weigh-hold', z.object({ holdId: Id }));

/**
 * Apply a change of the mass-change guard that a city admin approved (issue 7): today a vendor
 * snapshot's held deletions (a held reconciliation runs `reconcileRun` again instead).
 */
export const guardApply = contract('ingest', 'guard-apply', z.object({ holdId: Id }));

/** Deliver one push set to its target. One queue per target system, each with the target's rate limit. */
export const pushSet = (system: SystemName) =>
  contract(`push.${system}`, 'push-set', z.object({ pushSetId: Id }));

/** Compute one pending version of a PCGD report (issue 10): a commune's figures or a province's roll-up. */
export const pcgdCompute = contract('pcgd', 'pcgd-compute', z.object({ reportId: Id }));

/**
 * Compute the quality scorecards of every school, commune and province (issue 8) and keep them as a
 * run; `requestedBy` names who asked (a client id, 'schedule' or 'cli').
 */
export const qualityScorecards = contract(
  'quality',
  'quality-scorecards',
  z.object({ requestedBy: RequestedBy }),
);

/**
 * Probe every school's website (issue 8, sống): does it answer, does it offer an RSS feed. Fired by the
 * scheduler role on `quality.websiteProbe.cron`; one run at a time.
 */
export const websiteProbe = contract(
  'website-probe',
  'website-probe',
  z.object({ requestedBy: RequestedBy }),
);

/**
 * Drop the change feed's changes older than it keeps (issue 9: at least one full school year; see
 * `api.changeFeed`), the expired Idempotency-Keys (`api.idempotencyRetentionHours`, api28) and the bodies of
 * finished batches past `api.batchRetentionDays` (purge29). Fired by the scheduler role on `api.changeFeed.purgeCron`;
 * one run at a time.
 */
export const changesPurge = contract('change-purge', 'change-purge', z.object({ requestedBy: RequestedBy }));

/**
 * Deliver one submitted PCGD report to the Ministry (issue 10): on the push queue of moet-pcgd, within
 * its rate limit, one writer at a time.
 */
export const pcgdSubmit = contract('push.moet-pcgd', 'pcgd-submit', z.object({ reportId: Id }));

/**
 * Turn one event into deliveries to every subscription that hears it (issue 9). Rows are written by the
 * triggers of migration 036: `batch.finished` carries a batch id; `master-data.changed` a school,
 * entity, count and the change-feed position before its first change; `batch.changed` (migration 920) a batch
 * whose hold or delivery changed, told as `batch.finished` again when its status did.
 */
export const webhookFanout = contract(
  'webhooks',
  'webhook-fanout',
  z.discriminatedUnion('event', [
    z.object({ event: z.literal('batch.finished'), batchId: z.uuid() }),
    z.object({ event: z.literal('batch.changed'), batchId: z.uuid() }),
    z.object({
      event: z.literal('master-data.changed'),
      schoolCode: z.string().min(1).max(32),
      entity: z.string().min(1).max(32),
      count: z.number().int().positive(),
      tx: z.string().regex(/^\d{1,20}$/),
      seq: z.string().regex(/^\d{1,20}$/),
    }),
  ]),
);

/** Send one webhook delivery, signed the Standard Webhooks way; retried with backoff. */
export const webhookDeliver = contract('webhooks', 'webhook-deliver', z.object({ deliveryId: z.uuid() }));

/** A schedule's fire (made by BullMQ's job scheduler, not from an outbox row): request its sync run. */
export const fireSchedule = contract(
  'schedules',
  'schedule-fire',
  z.object({ scheduleId: z.string().regex(/^[a-z0-9-]{1,64}$/) }),
);

/**
 * Every queue a job of this table is served on, sorted: the jobs' own queues and a push queue for each system
 * that takes pushes (`pushSet`). What the queue gauges report and what a dead letters filter takes
 * (GET /v1/dead-letters?queue=, truc dead-letters --queue: any other name is refused, not an empty list).
 */
export const QUEUE_NAMES = [
  ...new Set([
    ...[
      ingestBatch,
      pullPage,
      reconcileRun,
      weighHold,
      guardApply,
      pcgdCompute,
      qualityScorecards,
      websiteProbe,
      changesPurge,
      pcgdSubmit,
      webhookFanout,
      webhookDeliver,
      fireSchedule,
    ].map((j) => j.queue),
    ...SYSTEM_NAMES.filter((s) => SYSTEMS[s].push.length > 0).map((s) => pushSet(s).queue),
  ]),
].sort() as [string, ...string[]];

/** A job's payload as its contract parses it: what its outbox row keeps (ids and codes, strings and numbers). */
const checkedPayload = <J extends JobContract<unknown>>(job: J, payload: z.input<J['payload']>) =>
  job.payload.parse(payload) as Record<string, string | number>;

/** Queues a job: writes its outbox row in the caller's transaction. Returns the row id. */
export async function enqueue<J extends JobContract<unknown>>(
  q: Queryable,
  job: J,
  payload: z.input<J['payload']>,
  opts: { notify?: boolean; leaseSeconds?: number; handedOver?: boolean } = {},
): Promise<number> {
  const checked = checkedPayload(job, payload);
  const outbox = createOutboxRepo(q);
  // Handed over: its producer adds the job after the commit (../store/outbox.ts `flushHandedOver`).
  if (opts.handedOver) return outbox.addHandedOver(job.queue, job.name, checked);
  return outbox.add(job.queue, job.name, checked, opts);
}

/**
 * {@link enqueue} without notifying (the caller wakes the relay after its commit) and without reading
 * the row's id: a write that may go with others in one statement (../store/combined.ts).
 */
export async function enqueueQuietly<J extends JobContract<unknown>>(
  q: Queryable,
  job: J,
  payload: z.input<J['payload']>,
): Promise<void> {
  const checked = checkedPayload(job, payload);
  await createOutboxRepo(q).put(job.queue, job.name, checked);
}

/**
 * {@link enqueue} written handed over (../store/outbox.ts `flushHandedOver`: its producer adds the job after the
 * commit) as the last of `writes`' recorded writes, in one statement with them; the row, for that add.
 */
export async function enqueueHandedOver<J extends JobContract<unknown>>(
  writes: CombinedWrites,
  job: J,
  payload: z.input<J['payload']>,
): Promise<OutboxRow> {
  const checked = checkedPayload(job, payload);
  return flushHandedOver(writes, job.queue, job.name, checked);
}

/** The batch, sync run or push set a payload is about, if any: what a dead letter fails and a replay re-opens. */
export function workOf(payload: Record<string, unknown>): {
  batchId?: string;
  syncRunId?: number;
  pushSetId?: number;
} {
  const out: { batchId?: string; syncRunId?: number; pushSetId?: number } = {};
  if (typeof payload.batchId === 'string') out.batchId = payload.batchId;
  if (typeof payload.syncRunId === 'number' && Number.isInteger(payload.syncRunId)) {
    out.syncRunId = payload.syncRunId;
  }
  if (typeof payload.pushSetId === 'number' && Number.isInteger(payload.pushSetId)) {
    out.pushSetId = payload.pushSetId;
  }
  return out;
}
