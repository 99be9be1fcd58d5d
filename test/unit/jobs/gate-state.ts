/**
 * A delivery gate's state and settings as the gate unit tests start from (gates, gate-writes): a closed gate of
 * hcm-csdl at T0, a threshold of 3 failures, a one-second pause doubling up to four.
 */
import type { DeliverySettings } from '../../../src/jobs/gate-rules.js';
import type { GateState } from '../../../src/store/delivery-gates.js';

export const T0 = new Date('2026-01-15T03:00:00.000Z');
export const at = (ms: number): Date => new Date(T0.getTime() + ms);
export const closed = (over: Partial<GateState> = {}): GateState => ({
  system: 'hcm-csdl',
  nextSendAt: T0,
  pausedUntil: null,
  pauseReason: null,
  circuit: 'closed',
  failures: 0,
  writeFailures: 0,
  endpointFailures: {},
  openings: 0,
  lastErrorCode: null,
  lastErrorAt: null,
  openedAt: null,
  closedAt: null,
  ...over,
});
export const settings: DeliverySettings = {
  failureThreshold: 3,
  openMs: 1000,
  maxOpenMs: 4000,
  probeLeaseMs: 30_000,
  maxRetryAfterSeconds: 60,
  endpointCircuits: [],
  systemWideRateLimits: [],
};
