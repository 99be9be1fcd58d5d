/**
 * The pulls waiting for a system to answer again, woken when a process closes its circuit (review32 F1; fix33a,
 * issue 7 item 7). A pull that meets its source's probe (./pull-ahead.ts), or whose call failed while the probe
 * was out, is delayed until the probe's lease ends: one job, not the queue (the `pull` queue serves every
 * system). When any process closes the system's circuit (the probe, or any call, got an answer: ./gates.ts
 * `onClosed`, the one signal that also wakes the push queues, ./worker.ts `wakeOnClose`), that process promotes
 * the pull queue's delayed pulls of the system's runs, whichever process delayed them: the queue is shared, so
 * with several `truc worker` replicas a pull no longer waits out the lease because another replica's call
 * closed the circuit (stop 52 kept the waiting jobs in the delaying process's memory: only its own close woke
 * them). A pull of the system delayed for another reason (its open circuit's time, a Retry-After, a retry's
 * backoff) is promoted too: the system answers, and a pause still running hands it back once more.
 */
import type { Job, Queue } from 'bullmq';
import type { Queryable } from '../store/db.js';
import { runsOfSystem } from '../store/sync-run-reads.js';
import { pullPage } from './contract-table.js';

/** The most delayed jobs of the pull queue looked at in one wake (each run has one pull job at a time). */
const MAX_DELAYED = 1000;

const runOf = (job: Pick<Job, 'data'>): number => Number((job.data as { syncRunId?: unknown }).syncRunId);

/**
 * Promotes the delayed pulls of `system`'s runs in `queue` (the `pull` queue). Returns how many were promoted; a
 * job no longer delayed (it ran meanwhile) is left as it is (`onError`).
 */
export async function wakePulls(
  queue: Pick<Queue, 'getDelayed'>,
  db: Queryable,
  system: string,
  onError: (err: unknown, jobId: string | undefined) => void,
): Promise<number> {
  const delayed = (await queue.getDelayed(0, MAX_DELAYED - 1)).filter(
    (j) => j.name === pullPage.name && Number.isSafeInteger(runOf(j)),
  );
  if (delayed.length === 0) return 0;
  const ofSystem = new Set(await runsOfSystem(db, [...new Set(delayed.map(runOf))], system));
  let woken = 0;
  for (const job of delayed.filter((j) => ofSystem.has(runOf(j)))) {
    try {
      await job.promote();
      woken += 1;
    } catch (err) {
      onError(err, job.id);
    }
  }
  return woken;
}
