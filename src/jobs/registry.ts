/**
 * Every job truc runs, in one list: the worker role builds one BullMQ worker per queue from it. A new
 * job is a module exporting `defineJob(...)` (see ./define.ts) and a line here; what producers need to
 * enqueue it goes in ./contracts.ts.
 */
import type { Config, SystemName } from '../config.js';
import type { WorkerContext } from './context.js';
import type { Job } from './define.js';
import { changePurgeJob } from './change-purge.js';
import { guardApplyJob } from './guard-apply.js';
import { ingestJob } from './ingest.js';
import { pcgdComputeJob } from './pcgd-compute.js';
import { pcgdSubmitJob } from './pcgd-submit.js';
import { pullPageJob } from './pull.js';
import { pushSetJob } from './push.js';
import { reconcileRunJob } from './reconcile.js';
import { weighHoldJob } from './weigh-resume.js';
import { qualityScorecardsJob } from './scorecards.js';
import { webhookDeliverJob } from './webhook-deliver.js';
import { webhookFanoutJob } from './webhook-fanout.js';
import { scheduleFireJob } from './schedules.js';
import { websiteProbeJob } from './website-probe.js';

/** A job as the registry holds it: whatever it needs of the worker's context, WorkerContext has. */
export type RegisteredJob = Pick<
  Job<unknown, WorkerContext>,
  'queue' | 'name' | 'concurrency' | 'limiter' | 'run'
>;

/**
 * The jobs a worker serves: ingest, pulls and their reconciliation, a push job for every configured
 * target, and the PCGD report jobs (compute; delivery to the Ministry, which waits while moet-pcgd is
 * not configured).
 */
export function jobsFor(ctx: Pick<WorkerContext, 'targets'>): RegisteredJob[] {
  const targets = Object.keys(ctx.targets) as SystemName[];
  return [
    ingestJob,
    pullPageJob,
    reconcileRunJob,
    weighHoldJob,
    guardApplyJob,
    ...targets.map(pushSetJob),
    pcgdComputeJob,
    pcgdSubmitJob,
    webhookFanoutJob,
    webhookDeliverJob,
    qualityScorecardsJob,
    scheduleFireJob,
    websiteProbeJob,
    changePurgeJob,
  ];
}

/** One queue as a worker serves it: its jobs by name, concurrency and rate limit. */
export interface QueuePlan {
  queue: string;
  jobs: ReadonlyMap<string, RegisteredJob>;
  concurrency: number;
  limiter: { max: number; duration: number } | undefined;
}

/**
 * Groups jobs by queue. Jobs sharing a queue share its worker: the queue's concurrency is the largest
 * of theirs, its rate limit the first one declared.
 */
export function planQueues(jobs: readonly RegisteredJob[], config: Config): QueuePlan[] {
  const plans = new Map<string, QueuePlan & { jobs: Map<string, RegisteredJob> }>();
  for (const job of jobs) {
    const concurrency = typeof job.concurrency === 'number' ? job.concurrency : job.concurrency(config);
    const plan = plans.get(job.queue) ?? {
      queue: job.queue,
      jobs: new Map<string, RegisteredJob>(),
      concurrency,
      limiter: undefined,
    };
    plan.jobs.set(job.name, job);
    plan.concurrency = Math.max(plan.concurrency, concurrency);
    plan.limiter ??= job.limiter?.(config);
    plans.set(job.queue, plan);
  }
  return [...plans.values()];
}
