/**
 * The pulls waiting for a system to answer again, woken when a process closes its circuit (review32 F1; fix33a,
 * issue 7 item 7). A pull that meets its source's probe (./pull-ahead.ts), or whose call failed while the probe
 * was out, is delayed until the probe's lease ends: one job, not the queue (the `pull` queue serves every
 * system). When any process closes the system's circuit (the probe, or any call, got an answer: ./gates.ts
 * `onClosed`, the one signal that also wakes the push queues, ./worker.ts `wakeOnClose`), that process promotes
 * the pull queue's pulls delayed for the system's probe, whichever process delayed them: the queue is shared, so
 * with several `truc worker` replicas a pull no longer waits out the lease because another replica's call
 * closed the circuit (stop 52 kept the waiting jobs in the delaying process's memory: only its own close woke
 * them). Only those: a job delayed for the probe names its system in its data ({@link PROBE_WAIT}, set by the worker
 * as it delays the job, taken off when the job next starts), and a pull delayed for another reason (a retry's
 * backoff, a Retry-After, its open circuit's time) waits it out (fix34d: every delayed pull of the system's runs
 * was promoted, and a page that had just failed ran again at once, spending its next attempt early).
 */
import type { Job, Queue } from 'bullmq';
import { pullPage } from './contract-table.js';

/** The most delayed jobs of the pull queue looked at in one wake (each run has one pull job at a time). */
const MAX_DELAYED = 1000;

/** The key of a job's data naming the system whose probe it was delayed for (no personal data: a system's name). */
export const PROBE_WAIT = 'waitsForProbe';

/** The system whose probe a job's data says it waits for, or undefined. */
export const probeWaitOf = (data: unknown): string | undefined => {
  const system = (data as Record<string, unknown> | null | undefined)?.[PROBE_WAIT];
  return typeof system === 'string' ? system : undefined;
};

/**
 * The key of a push job's data naming the endpoint (`students:upsert`) whose own circuit it was delayed for (fix35f,
 * ./endpoint-circuits.ts): the endpoint's close promotes those jobs alone, in the system's push queue.
 */
export const ENDPOINT_WAIT = 'waitsForEndpoint';

/** The endpoint a job's data says it waits for, or undefined. */
export const endpointWaitOf = (data: unknown): string | undefined => {
  const endpoint = (data as Record<string, unknown> | null | undefined)?.[ENDPOINT_WAIT];
  return typeof endpoint === 'string' ? endpoint : undefined;
};

/**
 * Promotes the pulls delayed for `system`'s probe in `queue` (the `pull` queue). Returns how many were promoted; a
 * job no longer delayed (it ran meanwhile) is left as it is (`onError`).
 */
export function wakePulls(
  queue: Pick<Queue, 'getDelayed'>,
  system: string,
  onError: (err: unknown, jobId: string | undefined) => void,
): Promise<number> {
  return promoteDelayed(queue, (j) => j.name === pullPage.name && probeWaitOf(j.data) === system, onError);
}

/**
 * Promotes the jobs of `queue` (a system's push queue) delayed for `endpoint`'s own circuit (fix35f): those alone, not
 * the jobs in a retry's backoff nor those of the system's other endpoints. Returns how many were promoted.
 */
export function wakeEndpoint(
  queue: Pick<Queue, 'getDelayed'>,
  endpoint: string,
  onError: (err: unknown, jobId: string | undefined) => void,
): Promise<number> {
  return promoteDelayed(queue, (j) => endpointWaitOf(j.data) === endpoint, onError);
}

async function promoteDelayed(
  queue: Pick<Queue, 'getDelayed'>,
  matches: (job: Job) => boolean,
  onError: (err: unknown, jobId: string | undefined) => void,
): Promise<number> {
  const waiting = (await queue.getDelayed(0, MAX_DELAYED - 1)).filter(matches);
  let woken = 0;
  for (const job of waiting) {
    try {
      await job.promote();
      woken += 1;
    } catch (err) {
      onError(err, job.id);
    }
  }
  return woken;
}
