/**
 * The jobs this process delayed for a system's probe (a pull that met the probe at its source's gate:
 * ./pull-ahead.ts, `DeferJob.probeOf`), each delayed until the probe's lease ends; when this process closes
 * the system's circuit (the probe, or any call, got an answer: ./gates.ts `onClosed`), they are promoted at
 * once (review32 F1, the pull side of ./worker.ts `wakeOnClose`). A pull queue serves every system, so its
 * jobs are delayed one by one instead of pausing the queue as a push queue is. A job delayed by another
 * process is not known here: it runs when the probe's lease ends.
 */
import type { Job } from 'bullmq';

/** The least a promotion needs of a delayed job. */
type Delayed = Pick<Job, 'id' | 'promote'>;

export interface ProbeWaiters {
  /** `job` was delayed until `untilMs` for `system`'s probe. */
  add(system: string, job: Delayed, untilMs: number): void;
  /** `system`'s circuit closed: its waiting jobs are promoted (a job no longer delayed is left as it is). */
  wake(system: string): void;
  /** How many jobs wait for `system`'s probe (tests). */
  count(system: string): number;
}

export function probeWaiters(onError: (err: unknown, jobId: string | undefined) => void): ProbeWaiters {
  type Waiting = Map<string, { job: Delayed; untilMs: number }>;
  const bySystem = new Map<string, Waiting>();
  return {
    add(system, job, untilMs) {
      if (job.id === undefined) return;
      let waiting = bySystem.get(system);
      if (!waiting) bySystem.set(system, (waiting = new Map() as Waiting));
      const now = Date.now();
      for (const [id, w] of waiting) if (w.untilMs <= now) waiting.delete(id);
      waiting.set(job.id, { job, untilMs });
    },
    wake(system) {
      const waiting = bySystem.get(system);
      if (!waiting) return;
      bySystem.delete(system);
      const now = Date.now();
      for (const { job, untilMs } of waiting.values())
        if (untilMs > now) job.promote().catch((err: unknown) => onError(err, job.id));
    },
    count(system) {
      return bySystem.get(system)?.size ?? 0;
    },
  };
}
