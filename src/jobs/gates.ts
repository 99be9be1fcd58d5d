/**
 * The delivery gate of each external system: every call truc makes to a system (pushes and pulls)
 * passes it first. It keeps, for all workers at once (the state is a database row, see
 * src/store/delivery-gates.ts):
 * - **pacing** of pushes: calls start at least `durationMs / max` apart (the system's `rateLimit`),
 *   so no window of `durationMs` ever holds more than `max` calls — no bursts at window edges;
 * - **Retry-After**: when a system asks to wait (429, or a 503 with Retry-After), nobody calls it
 *   before that time, reads and writes alike;
 * - a **circuit breaker**: after `failureThreshold` consecutive transient failures the circuit opens (of any
 *   calls, or of writes alone: an answered read does not set back the writes' run, review33a F6; or of one endpoint's
 *   writes: another endpoint's answer does not set back its run, fix34d)
 *   and calls pause for `openMs` (doubling per failed probe, up to `maxOpenMs`); then one call is let
 *   through as a probe: its success closes the circuit, its failure opens it again. Failures of other
 *   calls while it is open or probing (on their way from before it opened) are counted, nothing more: their
 *   jobs wait out the pause as the calls held back at the gate do (while a probe is out, for its outcome).
 * While a gate is paused, jobs are handed back to their queue without spending an attempt (see
 * `DeferJob` in ./define.ts), so an outage delays delivery instead of dead-lettering it; the pause is logged
 * once per process, not per hand-back (./gate-holds.ts). The rules are
 * ./gate-rules.ts and ./gate-failure.ts; this module keeps the row and the process's own view of it (what a call's
 * outcome does to it: ./gate-outcomes.ts).
 *
 * A Retry-After is also known in the process that met it from the moment its answer arrives, before the
 * row records it for every worker: a caller of this process that got its slot meanwhile checks it last,
 * just before its call ({@link DeliveryGates.heldHere}), so it does not call in the time the row's
 * transaction takes (issue 7: under load that was longer than the pacing interval, and a paced call went
 * out inside a 429's Retry-After). A call another worker started before the row recorded the wait can
 * still reach the system after the 429: it was on its way before truc knew.
 *
 * Each pass and each Retry-After met is traced at debug level on the process clock (`gate passed`:
 * the slot, when the shared state that let the call through was read, when it went; `gate paused`:
 * when the answer was met and when the row recorded it), no personal data: what the 429-storm proof
 * across worker processes (test/e2e/retry-after-storm.test.ts) judges by, free of the time a loaded
 * machine takes to carry a call to the system.
 */
import { hostname } from 'node:os';
import type { Config, SystemName } from '../config.js';
import { createDeliveryGatesRepo, type DeliveryGatesRepo, type GateState } from '../store/delivery-gates.js';
import { decideEnter, ms, type Pass } from './gate-rules.js';
import { gateHolds, type GateHolds } from './gate-holds.js';
import { gateOutcomes, type GateDeps, type GateOutcomes } from './gate-outcomes.js';
import { failedLast } from './gate-openers.js';
import { auditCircuits } from './circuit-audit.js';
import { endpointsApart } from './endpoint-circuits.js';
import { endpointWaitLeft, enterRead } from './endpoint-retry-after.js';
import { leftHere, localPauses, type Held, type LocalPauses } from './gate-local.js';
import { giveBack } from './gate-give-back.js';
import { endpointOpened, gateListeners } from './gate-listeners.js';

export { localPauses, type Held };

export interface DeliveryGates extends GateOutcomes {
  /**
   * May a call to `system` start? Pushes are paced (`pace: true`); reads only respect pauses. `endpoint`: a write's
   * (`students:upsert`), whose failures are also counted apart (fix34d), or a read's (`students:read`), whose own
   * Retry-After holds it alone (issue 7 item 4).
   */
  enter(system: SystemName, opts: { pace: boolean; endpoint?: string | undefined }): Promise<Pass>;
  /**
   * A Retry-After of `system` this process met that is still running (known before the gate's row has
   * it), or undefined: checked synchronously just before a call goes out. `endpoint`: a write's, which a Retry-After
   * of its endpoint alone holds too (fix37b: then `endpoint` is said, the job waits alone).
   */
  heldHere(system: SystemName, endpoint?: string): Held | undefined;
  /**
   * A call goes out now, past the gate (called with nothing awaited between it and the call): traced
   * with its slot, whether it was paced (a write's endpoint too: fix37b), and when the read of the gate's row that let it through began
   * (`readAt`, process clock).
   */
  passed(
    system: SystemName,
    seen: { slotAt: Date; readAt: number; paced: boolean; endpoint?: string | undefined },
  ): void;
  /**
   * Whether the gate paused since `enter` (a paced caller checks again after waiting for its slot, so
   * a Retry-After that came in meanwhile is honoured): the pause left, or undefined.
   */
  paused(system: SystemName, endpoint?: string): Promise<Held | undefined>;
  /** A probe's pass whose call is held back (`held`) before it goes out: told to wait so long (./gate-give-back.ts). */
  probeHeldBack(system: SystemName, pass: Pass, held: Held): Promise<void>;
  /** Whether a probe of `system` is out now (its lease running): one look at the gate's row. */
  probing(system: SystemName): Promise<boolean>;
  /**
   * Calls `listener` each time this process closes a system's circuit (its probe, or any call, got an answer), or
   * its probe got an answer that leaves it open (a read's, the writes' failures at the threshold: review33a F6):
   * the workers wake the queues waiting for the probe (review32 F1). Returns the unsubscribe.
   */
  onClosed(listener: (system: SystemName) => void): () => void;
  /**
   * Calls `listener` each time this process closes an endpoint's own circuit (fix35f, ./endpoint-circuits.ts): the
   * workers promote the jobs delayed for that endpoint alone. Returns the unsubscribe.
   */
  onEndpointClosed(listener: (system: SystemName, endpoint: string) => void): () => void;
  /** Whether `endpoint`'s own circuit of `system` (open, or its probe out), or its Retry-After, holds its writes now. */
  endpointHeld(system: SystemName, endpoint: string): Promise<boolean>;
}

/** This process, as a probe it takes is recorded (`probeBy`, gates5): host and pid, no personal data. */
const THIS_PROCESS = `${hostname()}:${process.pid}`;

/** Whether a call to `system` may start now (./gate-rules.ts `decideEnter`), paced at its `rateLimit` or not. */
function enterDecision(
  config: Config,
  system: SystemName,
  opts: { pace: boolean; endpoint?: string | undefined },
  state: GateState,
  now: Date,
) {
  const { max, durationMs } = config.systems[system].rateLimit;
  const { probeLeaseMs, failureThreshold, openMs, maxOpenMs } = config.sync.delivery;
  return decideEnter(state, now, {
    intervalMs: opts.pace ? Math.ceil(durationMs / max) : 0,
    probeLeaseMs,
    failureThreshold,
    process: THIS_PROCESS,
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    // A system whose endpoints fail apart (fix35f): a write to the endpoint whose writes alone opened the system's
    // circuit does not probe it (gatefix, ./endpoint-circuits.ts `handOver`).
    ...(endpointsApart(system, config.sync.delivery)
      ? { apart: { failureThreshold, openMs, maxOpenMs } }
      : {}),
  });
}

/** A call at the gate's row (./gate-rules.ts `decideEnter`): a read that changes nothing takes one unlocked look. */
function rowEntry(repo: DeliveryGatesRepo, config: Config) {
  type Opts = { pace: boolean; endpoint?: string | undefined };
  const decide = (system: SystemName, opts: Opts, state: GateState, now: Date) =>
    enterDecision(config, system, opts, state, now);
  return async (system: SystemName, opts: Opts): Promise<Pass> => {
    if (!opts.pace) {
      // A read of a closed gate that is not paused changes nothing: one unlocked look (a pull's
      // every page passes here; the locked read-modify-write is for everything else).
      const seen = await repo.peek(system);
      const clear = seen && (opts.endpoint === undefined || !enterRead(seen.state, seen.now, opts.endpoint));
      if (clear && seen.state.circuit === 'closed' && seen.state.pausedUntil === null) {
        // Clean: no failure counted, nor was this read's own last call a failure (./gate-openers.ts).
        const clean = seen.state.failures === 0 && !failedLast(seen.state, { endpoint: opts.endpoint });
        return { go: true, waitMs: 0, probe: false, startAt: seen.now, clean };
      }
      // A read let through a circuit the writes opened changes nothing either (fix34d): every page of a pull
      // passes it while the writes wait.
      const passes = seen && decide(system, opts, seen.state, seen.now);
      if (passes?.result.go && passes.change === undefined) return passes.result;
    }
    return repo.update(system, (state, now) => decide(system, opts, state, now));
  };
}

/** Passing a gate (paced or not) and reading its pause. */
function gateEntry(
  repo: DeliveryGatesRepo,
  deps: GateDeps,
  local: LocalPauses,
  holds: GateHolds,
): Pick<DeliveryGates, 'enter' | 'paused' | 'heldHere' | 'passed' | 'probeHeldBack'> {
  const probeHeldBack = giveBack(repo, deps.config.sync.delivery);
  const enterRow = rowEntry(repo, deps.config);
  // Every answer below that holds a call back hands its job back to its queue: the pause is logged once (./gate-holds.ts).
  const heldBack = <T extends Held | undefined>(system: SystemName, held: T): T => {
    if (held && held.endpoint === undefined) holds.held(system, held.reason, held.waitMs);
    return held;
  };
  return {
    async enter(system, opts) {
      const readAt = Date.now();
      const pass = await enterRow(system, opts);
      // A write held back by its endpoint's own circuit (fix35f), a call by its endpoint's Retry-After: the system is not
      // paused.
      if (!pass.go && pass.endpointOpened && pass.endpoint !== undefined)
        endpointOpened(deps, system, pass.endpoint); // it alone had opened the system's circuit (gatefix)
      if (!pass.go) return pass.endpoint !== undefined ? pass : heldBack(system, pass);
      // Checked after the row's answer: a Retry-After met meanwhile in this process counts.
      const out = {
        ...pass,
        readAt,
        paced: opts.pace,
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      };
      const held = leftHere(local, system, opts.endpoint);
      if (!held) return out;
      await probeHeldBack(system, out, held); // a probe that does not go out is told to wait (words6 item 5a)
      return heldBack(system, { go: false as const, ...held });
    },
    heldHere: (system, endpoint) => heldBack(system, leftHere(local, system, endpoint)),
    probeHeldBack,
    passed(system, { slotAt, readAt, paced, endpoint }) {
      const where = endpoint === undefined ? { system } : { system, endpoint };
      const trace = { ...where, paced, slotAt: slotAt.getTime(), readAt, passedAt: Date.now() };
      deps.logger.debug(trace, 'gate passed');
    },
    async paused(system, endpoint) {
      const seen = await repo.peek(system);
      const held = leftHere(local, system, endpoint);
      if (held) return heldBack(system, held);
      if (!seen) return undefined;
      const { state, now } = seen;
      if (!state.pausedUntil || state.pausedUntil <= now || state.pauseReason === 'probe') {
        // A Retry-After of the write's endpoint alone (fix37b), recorded meanwhile by another worker.
        const waitMs = endpoint === undefined ? 0 : endpointWaitLeft(state, now, endpoint);
        return waitMs > 0 ? { waitMs, reason: 'retry-after' as const, endpoint } : undefined;
      }
      return heldBack(system, {
        waitMs: ms(state.pausedUntil, now),
        reason: state.pauseReason ?? 'retry-after',
      });
    },
  };
}

export function createDeliveryGates(deps: GateDeps): DeliveryGates {
  const repo = createDeliveryGatesRepo(deps.db, { changed: auditCircuits });
  const local = localPauses();
  const holds = gateHolds(deps.logger);
  const listeners = gateListeners();
  return {
    ...gateEntry(repo, deps, local, holds),
    ...gateOutcomes(repo, deps, local, holds, listeners),
    async probing(system) {
      const seen = await repo.peek(system);
      const until = seen?.state.pauseReason === 'probe' ? seen.state.pausedUntil : null;
      return until !== null && seen !== undefined && until > seen.now;
    },
    onClosed(listener) {
      listeners.system.add(listener);
      return () => listeners.system.delete(listener);
    },
    onEndpointClosed(listener) {
      listeners.endpoint.add(listener);
      return () => listeners.endpoint.delete(listener);
    },
    async endpointHeld(system, endpoint) {
      const seen = await repo.peek(system);
      if (!seen) return false;
      const circuit = seen.state.endpointCircuits?.[endpoint];
      // Its Retry-After too (fix37b): a job delayed for it waits it out, not woken at once to meet it again.
      if (endpointWaitLeft(seen.state, seen.now, endpoint) > 0) return true;
      return circuit !== undefined && Date.parse(circuit.pausedUntil) > seen.now.getTime();
    },
  };
}
