/**
 * The Retry-Afters one process met (./gates.ts), known from the moment a failed call's answer arrives, before the gate's
 * row records them for every worker: the system's, or one endpoint's alone (fix37b).
 */
import type { PauseReason } from '../store/delivery-gates.js';

/** A call held back: for how long and why; `endpoint`: by its endpoint alone (fix37b), its system's calls go on. */
export interface Held {
  waitMs: number;
  reason: PauseReason;
  endpoint?: string | undefined;
}

/**
 * The Retry-Afters this process met, by system, on its own clock: known the moment a failed call's
 * answer is seen, before the gate's row (every worker's view) records it.
 */
export function localPauses(now: () => number = Date.now) {
  const until = new Map<string, number>();
  return {
    /** A Retry-After of `seconds` met now. */
    note(system: string, seconds: number): void {
      const at = now() + seconds * 1000;
      if (at > (until.get(system) ?? 0)) until.set(system, at);
    },
    /** What is left of the system's wait, or undefined. */
    left(system: string): { waitMs: number; reason: PauseReason } | undefined {
      const at = until.get(system);
      if (at === undefined) return undefined;
      const waitMs = at - now();
      if (waitMs > 0) return { waitMs, reason: 'retry-after' };
      until.delete(system);
      return undefined;
    },
  };
}
export type LocalPauses = ReturnType<typeof localPauses>;
/** The key of an endpoint's own Retry-After among a process's {@link localPauses} (fix37b). */
export const endpointKey = (system: string, endpoint: string) => `${system} ${endpoint}`;

/** A Retry-After this process met of `system`, or of `endpoint` alone (said so), still running; or undefined. */
export function leftHere(local: LocalPauses, system: string, endpoint: string | undefined): Held | undefined {
  const held = local.left(system);
  if (held || endpoint === undefined) return held;
  const own = local.left(endpointKey(system, endpoint));
  return own && { ...own, endpoint };
}
