/**
 * A system's pause as one process sees it (ops29): while its delivery gate is paused (an open circuit, a
 * Retry-After, a probe out), every call to it is held back and its job handed back to its queue, again and again
 * (./through-gate.ts, ./pull-ahead.ts; each hand-back counted by `truc_jobs_deferred_total{queue,reason}`,
 * ./worker.ts). The pause is logged once, when the first call is held back (why, and for how long then), and once
 * when a call to the system gets an answer again (how many calls were held back, for how long): not at each
 * hand-back (the worker logged "job handed back to its queue: target paused" for every one: thousands of lines
 * an outage). The circuit's own opening and closing are logged by the gate (./gates.ts), in the process that saw it.
 */
import type { Logger } from 'pino';
import type { PauseReason } from '../store/delivery-gates.js';

export interface GateHolds {
  /** A call to `system` held back for `waitMs` because its gate is paused: logged if it is the pause's first. */
  held(system: string, reason: PauseReason, waitMs: number): void;
  /** A call to `system` got an answer: the pause, if this process saw one, is logged as over. */
  answered(system: string): void;
}

/** The pauses this process saw, by system. `now`: the process clock (ms). */
export function gateHolds(logger: Logger, now: () => number = Date.now): GateHolds {
  const pauses = new Map<string, { since: number; heldBack: number }>();
  return {
    held(system, reason, waitMs) {
      const pause = pauses.get(system);
      if (pause) {
        pause.heldBack += 1;
        return;
      }
      pauses.set(system, { since: now(), heldBack: 1 });
      logger.info(
        { system, reason, waitMs: Math.round(waitMs) },
        'system paused: its calls are held back, their jobs handed back to their queues (no attempt spent) until it answers',
      );
    },
    answered(system) {
      const pause = pauses.get(system);
      if (!pause) return;
      pauses.delete(system);
      const pausedSeconds = Math.round((now() - pause.since) / 100) / 10;
      logger.info({ system, heldBack: pause.heldBack, pausedSeconds }, 'system answers again: its calls go');
    },
  };
}
