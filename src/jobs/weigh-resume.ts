/**
 * A held run's weighing resumed (fix34e, review33a): the job that weighs a held run's next pages (./run-weigh.ts)
 * holds a leased outbox row while it weighs, renewed with its bound, and marks it done at the end. A worker stopped
 * mid-way leaves the row open: once its lease runs out the relay queues this job, which goes on from the hold's last
 * widening (its next cursor and page, the weighed pages' counts), to the run's end or the weighing's time cap. A
 * hold decided meanwhile, or a weighing that ended, is left as it is (the row done).
 */
import { weighHold } from './contract-table.js';
import { defineJob, type JobRun } from './define.js';
import type { PullContext } from './pull-store.js';
import { resumeWeighing } from './run-weigh.js';

async function resume(
  ctx: PullContext,
  payload: { holdId: number },
  job: JobRun,
): Promise<{ resumed: number }> {
  // Queued by the relay from its row, the job has it; run another way (a replay), it takes a row of its own.
  await resumeWeighing(ctx, payload.holdId, job.outboxId ?? 0);
  return { resumed: payload.holdId };
}

export const weighHoldJob = defineJob({ ...weighHold, concurrency: 1, process: resume });
