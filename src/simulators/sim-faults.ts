/**
 * The faults a simulator injects (latency, 5xx, 429 with Retry-After, hangs, resets, outages, malformed
 * bodies, a closed window) and the verdict that decides, before the system's handler, which one answers
 * a request.
 */
import { z } from 'zod';

/** Faults a simulator injects; counts are consumed one per request. Added with `FaultControl.merge`. */
export interface Faults {
  /** Delay before answering every request. */
  latencyMs?: number;
  /** Share of requests (0–1) answered 500, drawn from the seeded RNG. */
  errorRate?: number;
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds`. */
  status429?: { count: number; retryAfterSeconds: number };
  /** The next N requests get 503. */
  status503Burst?: number;
  /** The next N requests are refused with 400 (a permanent refusal: truc dead-letters the work). */
  status400Burst?: number;
  /** The next N requests never get an answer (client timeouts). */
  hang?: number;
  /** The next N requests have their connection destroyed (ECONNRESET). */
  reset?: number;
  /** 503 with Retry-After while `from <= now < to` (epoch ms). */
  outage?: { from: number; to: number };
  /** 503 for everything until cleared. */
  down?: boolean;
  /** The next N responses have a truncated JSON body. */
  malformed?: number;
  /** System-specific: the submission window is closed (the handler reads it). */
  closedWindow?: boolean;
  /**
   * System-specific (hcm-csdl): the records with these keys are refused one by one in a batch write's
   * receipt (the rest of the batch is applied), as a city database refuses a record it will not take.
   */
  refuseKeys?: string[];
  /** Only requests whose path starts with one of these are faulted (default: all but `/__sim/`). */
  paths?: string[];
}

const count = z.number().int().min(0);
/** Body of `POST /__sim/faults` (also what `truc sim --faults` takes). */
export const FAULTS_SCHEMA = z.strictObject({
  latencyMs: count.optional(),
  errorRate: z.number().min(0).max(1).optional(),
  status429: z.strictObject({ count, retryAfterSeconds: count }).optional(),
  status503Burst: count.optional(),
  status400Burst: count.optional(),
  hang: count.optional(),
  reset: count.optional(),
  outage: z.strictObject({ from: z.number(), to: z.number() }).optional(),
  down: z.boolean().optional(),
  malformed: count.optional(),
  closedWindow: z.boolean().optional(),
  refuseKeys: z.array(z.string()).optional(),
  paths: z.array(z.string()).optional(),
});

/** The active faults and how often each was applied. */
export interface FaultState {
  faults: Faults;
  faultsApplied: Record<string, number>;
}

/** Takes one unit of a counted fault; true when it applies to this request. */
export function take(
  state: FaultState,
  name: 'status503Burst' | 'status400Burst' | 'hang' | 'reset' | 'malformed',
): boolean {
  const left = state.faults[name] ?? 0;
  if (left <= 0) return false;
  state.faults[name] = left - 1;
  state.faultsApplied[name] = (state.faultsApplied[name] ?? 0) + 1;
  return true;
}

/** A fault's answer (a SimResponse of the simulator's kit). */
export interface FaultResponse {
  status: number;
  headers?: Record<string, string>;
  body: { code: string; message: string };
}

export type Verdict =
  { kind: 'respond'; response: FaultResponse } | { kind: 'hang' } | { kind: 'reset' } | { kind: 'pass' };

/** Decides which fault (if any) answers this request, consuming counted faults in a fixed order. */
export function faultVerdict(state: FaultState, random: () => number, now: number): Verdict {
  const f = state.faults;
  const unavailable = (retryAfter?: number): Verdict => ({
    kind: 'respond',
    response: {
      status: 503,
      headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      body: { code: 'UNAVAILABLE', message: 'service unavailable (simulated)' },
    },
  });
  if (f.down) return ((state.faultsApplied.down = (state.faultsApplied.down ?? 0) + 1), unavailable());
  if (f.outage && now >= f.outage.from && now < f.outage.to) {
    state.faultsApplied.outage = (state.faultsApplied.outage ?? 0) + 1;
    return unavailable(Math.max(1, Math.ceil((f.outage.to - now) / 1000)));
  }
  if (take(state, 'reset')) return { kind: 'reset' };
  if (take(state, 'hang')) return { kind: 'hang' };
  if (f.status429 && f.status429.count > 0) {
    f.status429 = { ...f.status429, count: f.status429.count - 1 };
    state.faultsApplied.status429 = (state.faultsApplied.status429 ?? 0) + 1;
    const retryAfter = String(f.status429.retryAfterSeconds);
    const body = { code: 'RATE_LIMITED', message: 'too many requests (simulated)' };
    return { kind: 'respond', response: { status: 429, headers: { 'retry-after': retryAfter }, body } };
  }
  if (take(state, 'status503Burst')) return unavailable();
  if (take(state, 'status400Burst')) {
    const body = { code: 'BAD_REQUEST', message: 'request refused (simulated)' };
    return { kind: 'respond', response: { status: 400, body } };
  }
  if (f.errorRate && random() < f.errorRate) {
    state.faultsApplied.errorRate = (state.faultsApplied.errorRate ?? 0) + 1;
    return {
      kind: 'respond',
      response: { status: 500, body: { code: 'INTERNAL', message: 'simulated error' } },
    };
  }
  return { kind: 'pass' };
}
