/**
 * What holds a vendor batch's pending delivery at its target now (vendorwait: with hcm-csdl down, GET
 * /v1/batches/{id} said only `pending` while the operations overview showed the open circuit and its next probe).
 * Built from the gate's view the sync runs' `waiting` and the overview read (./gate-view.ts `writesHeld`, by the
 * gate's own rules): of the endpoints the delivery's undelivered sets write to, the hold that lasts longest (the
 * delivery is whole only when each has gone). What a vendor sees: why, until when, and the endpoint when it is that
 * endpoint's own circuit or wait; nothing else of the gate (no counts, codes, other systems), no personal data.
 */
import type { Config } from '../config.js';
import type { GateState, PauseReason } from '../store/delivery-gates.js';
import { writesHeld, type Hold } from './gate-view.js';

type Settings = Pick<Config['sync']['delivery'], 'failureThreshold' | 'probeLeaseMs'>;

/** A pending delivery's hold as a vendor reads it (../api/batch-contract.ts `DeliveryWaiting`). */
export interface DeliveryWaiting {
  reason: PauseReason;
  until: string;
  /** The endpoint (`students:upsert`) whose own circuit or Retry-After holds it; null: the target's, every write. */
  endpoint: string | null;
}

/** A target's gate as read with the database clock (../store/delivery-gates.ts `peek`); undefined: never used. */
export type GateRead = { state: GateState; now: Date } | undefined;

/** What holds writes to `endpoints` at the target whose gate is `gate` now; null: nothing (they go at their pace). */
export function deliveryWaiting(
  gate: GateRead,
  endpoints: readonly string[],
  settings: Settings,
): DeliveryWaiting | null {
  if (!gate) return null;
  const holds = endpoints
    .map((e) => writesHeld(gate.state, gate.now, settings, e))
    .filter((h): h is Hold => h !== null);
  const longest = holds.reduce<Hold | null>((a, h) => (a && a.until >= h.until ? a : h), null);
  if (!longest) return null;
  return { reason: longest.reason, until: longest.until.toISOString(), endpoint: longest.endpoint ?? null };
}
