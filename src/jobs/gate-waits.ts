/**
 * How a job that waits for a delivery gate (./gates.ts) is marked and woken (split from ./worker.ts): a job delayed for
 * a system's probe, or for an endpoint's own circuit (fix35f), says so in its data; a close of the circuit, in this
 * process, ends its push queue's pause and promotes the jobs delayed for it alone (./probe-wake.ts), whichever process
 * delayed them; a job that finds the close came before its wait wakes itself.
 */
import type { Job as QueueJob, Worker } from 'bullmq';
import type { SystemName } from '../config.js';
import type { WorkerContext } from './context.js';
import { pullPage } from './contract-table.js';
import type { DeferJob } from './define.js';
import { ENDPOINT_WAIT, PROBE_WAIT, wakeEndpoint, wakePulls } from './probe-wake.js';
import type { queuePool } from './queues.js';

/**
 * A job delayed for a system's probe, or for an endpoint's own circuit (fix35f), says so in its data until it next
 * starts (./probe-wake.ts: the close of the circuit promotes those jobs alone, fix34d). No mark: the marks are taken off
 * (a failure to, logged, leaves the job to be woken once more by a close while it waits out a retry's backoff).
 */
export async function markProbeWait(
  ctx: WorkerContext,
  job: QueueJob,
  mark: { [PROBE_WAIT]: string } | { [ENDPOINT_WAIT]: string } | undefined,
): Promise<void> {
  const {
    [PROBE_WAIT]: _was,
    [ENDPOINT_WAIT]: _endpoint,
    ...data
  } = (job.data ?? {}) as Record<string, unknown>;
  try {
    await job.updateData({ ...data, ...mark });
  } catch (err) {
    ctx.logger.debug({ err, jobId: job.id }, 'could not mark the job as waiting for the probe');
  }
}

/**
 * A job handed back for a system's probe, once it waits (its queue paused, or it delayed): if the probe is no longer
 * out, the circuit's close came between the gate's answer and the wait, and woke the waiting jobs before this one
 * (./probe-wake.ts, `wakeOnClose`): it wakes itself (`wake`) instead of waiting out the probe's lease (fix33a).
 */
export async function unlessProbeOver(
  ctx: WorkerContext,
  err: DeferJob,
  wake: () => Promise<void>,
): Promise<void> {
  if (err.reason !== 'probe' || err.system === undefined) return;
  try {
    if (!(await ctx.gates.probing(err.system as SystemName))) await wake();
  } catch (e) {
    ctx.logger.debug({ err: e, system: err.system }, 'could not look at the probe');
  }
}

/** As {@link unlessProbeOver}, for a job delayed for its endpoint's own circuit (fix35f): closed meanwhile, it wakes itself. */
export async function unlessEndpointOver(
  ctx: WorkerContext,
  err: DeferJob,
  wake: () => Promise<void>,
): Promise<void> {
  if (err.endpoint === undefined || err.system === undefined) return;
  try {
    if (!(await ctx.gates.endpointHeld(err.system as SystemName, err.endpoint))) await wake();
  } catch (e) {
    ctx.logger.debug({ err: e, system: err.system }, "could not look at the endpoint's circuit");
  }
}

/** How soon a push queue's workers look again while it is paused (a woken queue is served within this). */
export const PROBE_WAKE_MS = 1_000;

/** The system a queue's jobs call through its delivery gate, pausing the whole queue (./through-gate.ts), or undefined. */
export const gatedSystem = (queue: string): string | undefined =>
  queue.startsWith('push.') ? queue.slice('push.'.length) : undefined;

/**
 * While a system's probe is out, its push queue is paused until the probe's lease ends (./through-gate.ts); when
 * this process closes the circuit (the probe, or any call, got an answer), or a read's answer to the probe leaves it
 * open for the writes alone (review33a F6: a write probes next), the pause is ended (a 1-ms rate limit
 * replaces it, shared by every worker of the queue, each looking again within {@link PROBE_WAKE_MS}): delivery
 * resumes as soon as the target answers (review32 F1). The pulls delayed for the system's probe are promoted from
 * the shared pull queue, whichever process delayed them (./probe-wake.ts, fix33a; those alone: fix34d): one signal, the close, for
 * every process's pushes and pulls. `pulls`: the pull queue, as this process reaches it. Returns the unsubscribe.
 */
export function wakeOnClose(
  ctx: WorkerContext,
  workers: readonly Worker[],
  pulls: ReturnType<typeof queuePool>,
): () => void {
  const notWoken = (err: unknown, jobId: string | undefined) =>
    ctx.logger.debug({ err, jobId }, 'could not wake the job');
  // An endpoint's own circuit closed (fix35f): the jobs of its system's push queue delayed for it alone are promoted.
  const stopEndpoints = ctx.gates.onEndpointClosed((system, endpoint) => {
    pulls
      .on(`push.${system}`, (q) => wakeEndpoint(q, endpoint, notWoken))
      .catch((err: unknown) =>
        ctx.logger.warn({ err, system, endpoint }, 'could not wake the pushes waiting for the endpoint'),
      );
  });
  const stopSystems = ctx.gates.onClosed((system) => {
    pulls
      .on(pullPage.queue, (q) => wakePulls(q, system, notWoken))
      .catch((err: unknown) =>
        ctx.logger.warn({ err, system }, 'could not wake the pulls waiting for the system'),
      );
    for (const w of workers.filter((x) => gatedSystem(x.name) === system))
      w.rateLimit(1).catch((err: unknown) =>
        ctx.logger.debug({ err, queue: w.name }, 'could not wake the queue'),
      );
  });
  return () => {
    stopEndpoints();
    stopSystems();
  };
}
