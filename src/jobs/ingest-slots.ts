/**
 * Big ingests leave a slot for small ones (sched28 item 3): the worker runs `jobs.concurrency` ingest jobs at once,
 * and big vendor batches of as many schools (snapshots of 5,000 students, seconds each) could take every slot, so a
 * small batch of another school waited for one of them to finish (fair26 kept one school's backlog out of the
 * slots, not several schools' snapshots). A batch of more than `jobs.bigBatchRecords` records (its stored count: no
 * record in a job's payload) takes a slot only while fewer than `concurrency` - 1 big ones run in this worker
 * process; else its job goes back to its queue for {@link BIG_BATCH_RETRY_MS} (no attempt spent, metric reason
 * `big-batches`) and the slot serves the next job.
 */
import type { Config } from '../config.js';
import type { Db } from '../store/db.js';
import { createBatchesRepo } from '../store/batches.js';
import { DeferJob } from './define.js';

/** How long a big batch's job goes back to its queue when the big ones' slots are taken (a big ingest takes seconds). */
export const BIG_BATCH_RETRY_MS = 500;

/** Big ingests running, per worker process (its context). */
const running = new WeakMap<object, { big: number }>();

const nothing = (): void => undefined;

/**
 * Takes an ingest slot for vendor batch `batchId` in the worker process of `ctx`: returns its release (call it once
 * the ingest ends), or throws {@link DeferJob} when the batch is big and the big ones' slots are all taken. `received`:
 * the batch's record count as its job's payload carries it (./contract-table.ts `ingestBatch`); read from the
 * batch's row when absent.
 */
export async function takeIngestSlot(
  ctx: { db: Db; config: Config },
  batchId: string,
  received?: number,
): Promise<() => void> {
  const { concurrency, bigBatchRecords } = ctx.config.jobs;
  if (concurrency < 2 || bigBatchRecords === 0) return nothing;
  const size = received ?? (await createBatchesRepo(ctx.db).sizeOf(batchId));
  if (size === undefined || size <= bigBatchRecords) return nothing;
  let state = running.get(ctx);
  if (!state) running.set(ctx, (state = { big: 0 }));
  if (state.big >= concurrency - 1) throw new DeferJob(BIG_BATCH_RETRY_MS, 'job', 'big-batches');
  state.big += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    state.big -= 1;
  };
}
