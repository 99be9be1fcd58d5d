/**
 * Job contracts: the queue, name and zod payload of every job, and the ways to ask for work, each
 * writing its outbox row in the caller's transaction (the relay turns rows into queue jobs). The API
 * and other producers import this module, never a processor: it knows no mapping, adapter or job
 * logic. Payloads carry ids only, never records or personal data.
 */
import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { Config, EntityName, ScheduleConfig, SystemName } from '../config.js';
import { SYSTEMS } from '../canonical/systems.js';
import { AppError } from '../errors.js';
import type { Db } from '../store/db.js';
import { createSchedulesRepo, type FireOutcome } from '../store/schedules.js';
import { appendAudit } from '../audit/chain.js';
import { createBatchesRepo, type NewBatch } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createGuardHoldsRepo, type GuardHold } from '../store/guard-holds.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';

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

/**
 * Apply a change of the mass-change guard that a city admin approved (issue 7): today a vendor
 * snapshot's held deletions (a held reconciliation runs `reconcileRun` again instead).
 */
export const guardApply = {
  queue: 'ingest',
  name: 'guard-apply',
  payload: z.object({ holdId: Id }),
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
 * Probe every school's website (issue 8, sống): does it answer, does it offer an RSS feed. Fired by the
 * scheduler role on `quality.websiteProbe.cron`; one run at a time.
 */
export const websiteProbe = {
  queue: 'website-probe',
  name: 'website-probe',
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

/** A schedule's fire (made by BullMQ's job scheduler, not from an outbox row): request its sync run. */
export const fireSchedule = {
  queue: 'schedules',
  name: 'schedule-fire',
  payload: z.object({ scheduleId: z.string().regex(/^[a-z0-9-]{1,64}$/) }),
} satisfies JobContract<unknown>;

// ---- schedules (issue 7): what producers (the API, the fire job) do with a schedule ----

/** Requests the schedule's sync run and records the fire, in the caller's transaction. */
export async function recordScheduleFire(
  q: Queryable,
  id: string,
  schedule: ScheduleConfig,
  fireAt: Date,
  outcome: FireOutcome,
  actor: string,
): Promise<{ syncRunId: number | null; duplicate: boolean; outcome: FireOutcome }> {
  const repo = createSchedulesRepo(q);
  await repo.ensure([id]);
  const paused = outcome !== 'manual' && (await repo.get(id))?.paused === true;
  const actual: FireOutcome = paused ? 'paused' : outcome;
  if (!(await repo.recordFire(id, fireAt, actual)))
    return { syncRunId: null, duplicate: true, outcome: actual };
  if (paused) return { syncRunId: null, duplicate: false, outcome: actual };
  const syncRunId = await requestSync(q, {
    system: schedule.system,
    entity: schedule.entity,
    full: schedule.full,
    requestedBy: actor,
    ...(schedule.scope ? { scope: schedule.scope } : {}),
  });
  await repo.attachRun(id, fireAt, syncRunId);
  return { syncRunId, duplicate: false, outcome: actual };
}

const scheduleOf = (config: Config, id: string): ScheduleConfig => {
  const s = config.sync.schedules[id];
  if (!s) throw new AppError('ERR_NOT_FOUND', `no schedule ${id}`);
  return s;
};

/** A city admin runs a schedule now (paused or not): its sync run is requested at once, audited. */
export async function runScheduleNow(
  db: Db,
  config: Config,
  id: string,
  actor: string,
): Promise<{ syncRunId: number }> {
  const schedule = scheduleOf(config, id);
  return db.tx(async (q) => {
    const out = await recordScheduleFire(q, id, schedule, new Date(), 'manual', actor);
    await appendAudit(q, [
      { actor, action: 'schedule.run', subject: `schedule:${id}`, details: { syncRunId: out.syncRunId } },
    ]);
    return { syncRunId: out.syncRunId! };
  });
}

/** A city admin pauses or resumes a schedule (its fires are recorded as `paused`), audited. */
export async function setSchedulePaused(
  db: Db,
  config: Config,
  id: string,
  paused: boolean,
  actor: string,
): Promise<void> {
  scheduleOf(config, id);
  await db.tx(async (q) => {
    await createSchedulesRepo(q).setPaused(id, paused, actor);
    await appendAudit(q, [
      {
        actor,
        action: paused ? 'schedule.paused' : 'schedule.resumed',
        subject: `schedule:${id}`,
        details: {},
      },
    ]);
  });
}

export interface ScheduleView {
  id: string;
  system: string;
  entity: string;
  scope: string | null;
  full: boolean;
  cron: string | null;
  everyMs: number | null;
  tz: string;
  paused: boolean;
  pausedBy: string | null;
  lastRun: { fireAt: string; outcome: FireOutcome; syncRunId: number | null } | null;
  /** From the job scheduler; null while paused or when the queue backend does not answer. */
  nextRunAt: string | null;
}

/** Every configured schedule with its state, last fire and next run. */
export async function listSchedules(
  db: Db,
  config: Config,
  queue: Queue | undefined,
): Promise<ScheduleView[]> {
  const repo = createSchedulesRepo(db);
  const rows = new Map((await repo.list()).map((r) => [r.id, r]));
  const last = new Map((await repo.lastFires()).map((f) => [f.scheduleId, f]));
  const out: ScheduleView[] = [];
  for (const [id, s] of Object.entries(config.sync.schedules)) {
    const row = rows.get(id);
    const fired = last.get(id);
    let next: number | undefined;
    try {
      next = (await queue?.getJobScheduler(id))?.next;
    } catch {
      next = undefined;
    }
    out.push({
      id,
      system: s.system,
      entity: s.entity,
      scope: s.scope ?? null,
      full: s.full,
      cron: s.cron ?? null,
      everyMs: s.everyMs ?? null,
      tz: s.tz,
      paused: row?.paused ?? false,
      pausedBy: row?.pausedBy ?? null,
      lastRun: fired
        ? { fireAt: new Date(fired.fireAt).toISOString(), outcome: fired.outcome, syncRunId: fired.syncRunId }
        : null,
      nextRunAt: row?.paused || next === undefined ? null : new Date(next).toISOString(),
    });
  }
  return out;
}

export type PayloadOf<J extends JobContract<unknown>> = z.output<J['payload']>;

/** Queues a job: writes its outbox row in the caller's transaction. Returns the row id. */
export async function enqueue<J extends JobContract<unknown>>(
  q: Queryable,
  job: J,
  payload: z.input<J['payload']>,
  opts: { notify?: boolean } = {},
): Promise<number> {
  const checked = job.payload.parse(payload) as Record<string, string | number>;
  return createOutboxRepo(q).add(job.queue, job.name, checked, opts);
}

/** Client id of batches made by pulls from external systems: trusted sources, not bound to one school. */
export const PULL_CLIENT = 'system:pull';

/**
 * Stores a batch and queues its ingest, in the caller's transaction. `notify: false`: the caller wakes
 * the relay after its commit (store/outbox.ts `createOutboxWaker`).
 */
export async function queueBatch(
  q: Queryable,
  batch: NewBatch,
  opts: { notify?: boolean } = {},
): Promise<void> {
  await createBatchesRepo(q).insert(batch);
  await enqueue(q, ingestBatch, { batchId: batch.id }, opts);
}

/**
 * Whether `system` can be pulled for `entity` with `scope` (SYSTEMS): ERR_ENTITY_UNSUPPORTED when it
 * has no such entity, ERR_VALIDATION when it is pulled per commune and `scope` is no commune code.
 */
function checkSyncRequest(system: SystemName, entity: EntityName, scope: string): void {
  const can = SYSTEMS[system];
  if (!can.pull.includes(entity))
    throw new AppError('ERR_ENTITY_UNSUPPORTED', `${system} has no ${entity} to pull`);
  if (can.pullScope === 'commune' && !/^\d{5}$/.test(scope))
    throw new AppError(
      'ERR_VALIDATION',
      `${system} ${entity} are pulled per commune: scope = 5-digit commune code`,
    );
}

/**
 * Creates a sync run (incremental from the last watermark unless `full`) and queues its first page,
 * audited, in the caller's transaction. Returns the run's id. Throws as `checkSyncRequest` does.
 */
export async function requestSync(
  q: Queryable,
  input: { system: SystemName; entity: EntityName; scope?: string; full?: boolean; requestedBy: string },
): Promise<number> {
  const { system, entity, requestedBy } = input;
  const scope = input.scope ?? '';
  checkSyncRequest(system, entity, scope);
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

/**
 * A city admin's decision on a change the mass-change guard held (issue 7), audited, in the caller's
 * transaction: an approved reconciliation is queued again (the guard lets it through) and an approved
 * snapshot's deletions are queued (`guardApply`); a rejected one is closed without deleting anything. Throws ERR_NOT_FOUND, or ERR_GUARD_NOT_HELD once decided.
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
  // A held snapshot applied its records already; only its deletions wait (a rejected one keeps them).
  if (hold.kind === 'batch' && input.decision === 'approved') {
    await enqueue(q, guardApply, { holdId: hold.id });
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
