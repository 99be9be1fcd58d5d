/**
 * A system's Retry-After at its delivery gate (./gate-rules.ts): how it makes a pause longer, how it is kept apart where
 * a longer pause runs (fix35f item 3: the reads past a writes' circuit wait for it, and it is said as what they wait
 * for), and what it leaves a read that passed a circuit the writes opened. Pure decisions; capped at
 * `sync.delivery.maxRetryAfterSeconds`.
 */
import type { GateChange, GateState, PauseReason } from '../store/delivery-gates.js';

interface Asked {
  retryAfterSeconds?: number | undefined;
}
interface Settings {
  maxRetryAfterSeconds: number;
}

/** The wait a failure asks for, capped, in ms; undefined: none asked. */
const waitOf = (failure: Asked, settings: Settings): number | undefined =>
  failure.retryAfterSeconds === undefined
    ? undefined
    : Math.min(failure.retryAfterSeconds, settings.maxRetryAfterSeconds) * 1000;

/**
 * The end of the Retry-After a failure asks for, kept apart from the pause (fix35f item 3): where a longer pause runs (a
 * circuit the writes opened), the pause's reason stays its own, and this says what the reads wait for.
 */
export function retryAfterKept(
  state: GateState,
  now: Date,
  failure: Asked,
  settings: Settings,
): Pick<GateChange, 'retryAfterUntil'> {
  const wait = waitOf(failure, settings);
  if (wait === undefined) return {};
  const at = new Date(now.getTime() + wait);
  return state.retryAfterUntil && state.retryAfterUntil > at ? {} : { retryAfterUntil: at };
}

/** A pause still running (or none), made longer by the failure's Retry-After (capped) where it asks longer. */
export function withRetryAfter(
  until: Date | null,
  reason: PauseReason | null,
  failure: Asked,
  now: Date,
  settings: Settings,
): { until: Date | null; reason: PauseReason | null } {
  const wait = waitOf(failure, settings);
  if (wait === undefined) return { until, reason };
  const at = new Date(now.getTime() + wait);
  return !until || at > until ? { until: at, reason: 'retry-after' } : { until, reason };
}

/** What a read's failure leaves it that passed a circuit the writes opened: its own Retry-After (capped), or none. */
export function readAfter(
  failure: Asked,
  settings: Settings,
): { pauseMs: number; reason: PauseReason | undefined; opened: false } {
  const pauseMs = waitOf(failure, settings);
  if (pauseMs === undefined) return { pauseMs: 0, reason: undefined, opened: false };
  return { pauseMs, reason: 'retry-after', opened: false };
}
