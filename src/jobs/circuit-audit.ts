/**
 * The audit entries of the delivery gates' circuits (fix36c item 2): each time a system's circuit or an endpoint's own
 * (./endpoint-circuits.ts) opens or closes, one `circuit.opened` / `circuit.closed` entry, written in the gate row's
 * transaction (src/store/delivery-gates.ts `changed`) under its row lock, so a transition is audited once whatever
 * number of workers meet it. Through src/audit's one path for hot paths (`recordAudit`: no chain lock under the
 * row's). Details: system, endpoint (null: the system's circuit), from, to and the reason code (the failure's error
 * code for an opening, `answered` for a close), and for an opening who opened it (gates3 item 2: `openedBy`, the
 * callers whose last call failed, as the gate's `opened_by` and the overview's `systems[].openedBy` say; an endpoint's
 * own circuit: that endpoint); never a record or personal data. And each Retry-After pause that
 * starts, where it applies (fix37b: `gate.retry-after`, the system's or one endpoint's).
 */
import { recordAudit } from '../audit/chain.js';
import type { AuditEvent } from '../store/audit-log.js';
import type { Circuit, GateChange, GateChanged, GateState } from '../store/delivery-gates.js';

/** Who writes these entries. */
const ACTOR = 'system:gate';

function event(
  system: string,
  endpoint: string | null,
  from: Circuit,
  to: Circuit,
  why: { reason: string; openedBy: string[] },
): AuditEvent {
  const closing = to === 'closed';
  return {
    actor: ACTOR,
    action: closing ? 'circuit.closed' : 'circuit.opened',
    subject: endpoint === null ? `circuit:${system}` : `circuit:${system}:${endpoint}`,
    details: {
      system,
      endpoint,
      from,
      to,
      reason: why.reason,
      ...(closing ? {} : { openedBy: why.openedBy }),
    },
  };
}

/** Whether a circuit going `from` → `to` opened or closed (a probe's lease and a reopening are neither). */
const transition = (from: Circuit, to: Circuit): boolean => (from === 'closed') !== (to === 'closed');

/** The openings and closings a gate's change makes, system's first, then its endpoints' by name. */
export function circuitTransitions(before: GateState, change: GateChange): AuditEvent[] {
  const opening = change.lastErrorCode ?? before.lastErrorCode ?? 'unknown';
  // Who opened it: the system's, the callers whose last call failed (its row's openedBy after the change); an
  // endpoint's own, that endpoint's writes.
  const why = (to: Circuit, openedBy: string[]) =>
    to === 'closed' ? { reason: 'answered', openedBy: [] } : { reason: opening, openedBy };
  const events: AuditEvent[] = [];
  const to = change.circuit ?? before.circuit;
  const openers = change.openedBy ?? before.openedBy ?? [];
  if (transition(before.circuit, to))
    events.push(event(before.system, null, before.circuit, to, why(to, openers)));
  if (change.endpointCircuits === undefined) return events;
  const was = before.endpointCircuits ?? {};
  const now = change.endpointCircuits;
  for (const endpoint of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort()) {
    const from: Circuit = was[endpoint]?.circuit ?? 'closed';
    const next: Circuit = now[endpoint]?.circuit ?? 'closed';
    if (transition(from, next))
      events.push(event(before.system, endpoint, from, next, why(next, [endpoint])));
  }
  return events;
}

/**
 * The Retry-After pauses a gate's change starts (fix37b): one `gate.retry-after` entry when a wait begins where none
 * ran, the system's (every call held; endpoint null) or one endpoint's alone (its calls held, a write's endpoint or a read's,
 * the system's other calls go on: ./endpoint-retry-after.ts), with when it ends; a wait made longer while it runs is not a new one.
 */
export function retryAfterStarts(before: GateState, change: GateChange, now: Date): AuditEvent[] {
  const events: AuditEvent[] = [];
  const running = (until: Date | string | null | undefined) =>
    until !== null && until !== undefined && new Date(until).getTime() > now.getTime();
  const started = (endpoint: string | null, until: Date | string) => ({
    actor: ACTOR,
    action: 'gate.retry-after' as const,
    subject: endpoint === null ? `circuit:${before.system}` : `circuit:${before.system}:${endpoint}`,
    details: { system: before.system, endpoint, until: new Date(until).toISOString() },
  });
  if (running(change.retryAfterUntil) && !running(before.retryAfterUntil))
    events.push(started(null, change.retryAfterUntil!));
  for (const [endpoint, until] of Object.entries(change.endpointRetryAfter ?? {}).sort()) {
    if (running(until) && !running(before.endpointRetryAfter?.[endpoint]))
      events.push(started(endpoint, until));
  }
  return events;
}

/** The gate repository's `changed` hook: the change's transitions and pauses recorded in its transaction. */
export const auditCircuits: GateChanged = (q, before, change, now) =>
  recordAudit(q, [...circuitTransitions(before, change), ...retryAfterStarts(before, change, now)], now);
