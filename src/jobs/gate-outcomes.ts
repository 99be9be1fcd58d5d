/**
 * What a call's outcome does to its system's delivery gate (tidy7, out of ./gates.ts, which keeps the gate and the
 * entry to it): a success may close the circuit, a transient failure count toward opening it, and a Retry-After
 * holds the system (or a write's endpoint alone) from the moment this process meets it. The rules are
 * ./gate-rules.ts `decideSuccess` and ./gate-failure.ts `decideFailure`.
 */
import type { Logger } from 'pino';
import type { Config, SystemName } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Db } from '../store/db.js';
import { isAppError } from '../errors.js';
import type { DeliveryGatesRepo, GateState } from '../store/delivery-gates.js';
import { decideFailure, type AfterFailure, type CallFailure } from './gate-failure.js';
import { decideSuccess, type Answered, type DeliverySettings, type Pass } from './gate-rules.js';
import type { GateHolds } from './gate-holds.js';
import { refusedCredentials } from './gate-openers.js';
import { endpointsApart } from './endpoint-circuits.js';
import { endpointWaits } from './endpoint-retry-after.js';
import { endpointKey, type LocalPauses } from './gate-local.js';
import { answerSaid, endpointOpened, type Listeners } from './gate-listeners.js';

/** What a call's outcome tells its gate (part of ./gates.ts `DeliveryGates`). */
export interface GateOutcomes {
  /**
   * The call got an answer (even a refusal of the data): the system is up. `entered`: the pass the call
   * went out with; when it found the gate clean, the success changes nothing and the gate is not read
   * again (issue 7: a pull's every page read it twice). A failure another worker counted meanwhile came
   * from a call that overlapped this one: it stays counted, as if this answer had come first.
   */
  succeeded(system: SystemName, entered?: Pass): Promise<void>;
  /**
   * The call failed with `err`. A transient failure counts toward the breaker and may pause the gate
   * (its Retry-After, or an opened circuit); anything else means the system answered. `entered`: the pass
   * the call went out with (whether it was the probe; when absent, a failure while a probe is out is
   * taken as the probe's).
   */
  failed(system: SystemName, err: unknown, entered?: Pass): Promise<AfterFailure>;
}

export interface GateDeps {
  db: Db;
  config: Config;
  logger: Logger;
  metrics: Pick<Metrics, 'circuitOpen' | 'endpointCircuitOpen'>;
}

/**
 * The failure as the gate sees it: transient or not, its Retry-After, and whether it was the probe. Refused
 * credentials (`ERR_ADAPTER_AUTH`: a 401, the token endpoint refusing the client) are the system's, not the
 * call's: they open the circuit at once (gate-failure.ts `decideFailure`), so the work waits for the fixed secret
 * without spending attempts. A 403 (`ERR_ADAPTER_FORBIDDEN`: this school or record is not truc's to write) is the
 * call's own and is not retried.
 */
function callFailureOf(err: unknown, entered: Pass | undefined): CallFailure {
  const probe = entered?.go
    ? {
        probe: entered.probe,
        ...(entered.paced ? { write: true } : {}),
        // A read's endpoint too (`students:read`): its 429 may hold that endpoint alone (issue 7 item 4).
        ...(entered.endpoint !== undefined ? { endpoint: entered.endpoint } : {}),
        ...(entered.endpointProbe ? { endpointProbe: true } : {}),
      }
    : {};
  if (isAppError(err)) {
    const credentials = refusedCredentials(err.code);
    return {
      code: err.code,
      transient: err.retryable || credentials,
      ...(credentials ? { credentials } : {}),
      ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
      ...probe,
    };
  }
  return { code: 'ERR_INTERNAL', transient: false, ...probe };
}

/**
 * What an answered call was to its gate (./gate-rules.ts `decideSuccess`): a read's answer does not set back the
 * writes' failures (review33a F6); a call of unknown kind (no pass) is taken as a write.
 */
function answeredCall(
  system: SystemName,
  entered: Pass | undefined,
  settings: DeliverySettings,
): Answered | undefined {
  if (!entered?.go || entered.paced === undefined) return undefined;
  const { failureThreshold, openMs, maxOpenMs } = settings;
  // A system whose endpoints fail apart (fix35f): its endpoints' circuits close and open with its answers.
  const apart = endpointsApart(system, settings) ? { apart: { openMs, maxOpenMs } } : {};
  return entered.paced
    ? { failureThreshold, probe: entered.probe, write: true, endpoint: entered.endpoint, ...apart }
    : { failureThreshold, probe: entered.probe, endpoint: entered.endpoint, ...apart }; // a read's (students:read)
}

/**
 * A failure's Retry-After (capped), noted in this process at once: for the system, or for the write's endpoint alone
 * (fix37b, ./endpoint-retry-after.ts). Its capped wait (undefined: none asked) and where it applies.
 */
function noteRetryAfter(
  local: LocalPauses,
  system: SystemName,
  failure: CallFailure,
  settings: DeliverySettings,
): { retryAfterMs: number | undefined; where: { system: SystemName; endpoint?: string } } {
  if (failure.retryAfterSeconds === undefined) return { retryAfterMs: undefined, where: { system } };
  const retryAfterMs = Math.min(failure.retryAfterSeconds, settings.maxRetryAfterSeconds) * 1000;
  const endpoint = endpointWaits(system, failure, settings);
  local.note(endpoint === undefined ? system : endpointKey(system, endpoint), retryAfterMs / 1000);
  return { retryAfterMs, where: endpoint === undefined ? { system } : { system, endpoint } };
}

/** What a call's outcome does to its gate: a success may close the circuit, a failure open it. */
export function gateOutcomes(
  repo: DeliveryGatesRepo,
  deps: GateDeps,
  local: LocalPauses,
  holds: GateHolds,
  listeners: Listeners,
): GateOutcomes {
  const settings = deps.config.sync.delivery;
  const outcomes: GateOutcomes = {
    async succeeded(system, entered) {
      // A read let through while the writes are held back (fix34d) does not end their pause.
      if (!(entered?.go && entered.pastWrites)) holds.answered(system);
      if (entered?.go && entered.clean) return;
      const call = answeredCall(system, entered, settings);
      const decide = (state: GateState, now: Date) => decideSuccess(state, now, call);
      // A success on a closed gate without failures or a probe changes nothing (decideSuccess): no lock.
      const seen = await repo.peek(system);
      if (seen && decide(seen.state, seen.now).change === undefined) return;
      const said = await repo.update(system, (state, now) => {
        const { change, result, ...endpoints } = decide(state, now);
        // The probe's lease ended by this answer (not a read's that passed while a write is the probe: fix34d).
        const probeOver = state.pauseReason === 'probe' && change?.pauseReason === null;
        return { change, result: { closed: result, probeOver, ...endpoints } };
      });
      answerSaid(deps, listeners, system, said);
    },
    async failed(system, err, entered) {
      const failure = callFailureOf(err, entered);
      if (!failure.transient) {
        await outcomes.succeeded(system, entered);
        return { pauseMs: 0, reason: undefined, opened: false };
      }
      // Known here at once; the row (below) makes every worker wait.
      const metAt = Date.now();
      const { retryAfterMs, where } = noteRetryAfter(local, system, failure, settings);
      const after = await repo.update(system, (state, now) => decideFailure(state, now, failure, settings));
      if (retryAfterMs !== undefined) {
        const trace = { ...where, metAt, recordedAt: Date.now(), retryAfterMs, pauseMs: after.pauseMs };
        deps.logger.debug(trace, 'gate paused');
      }
      if (after.endpointOpened && after.endpoint !== undefined) endpointOpened(deps, system, after.endpoint);
      if (after.opened) {
        deps.metrics.circuitOpen.set({ system }, 1);
        deps.logger.warn(
          { system, code: failure.code, pauseMs: after.pauseMs },
          failure.credentials
            ? "circuit opened: the system refused truc's credentials (check them in the configuration); calls paused"
            : 'circuit opened: calls paused',
        );
      }
      // The failed call's job is handed back too (./through-gate.ts, ./pull-ahead.ts); the system is not paused when
      // only its endpoint is (fix35f).
      if (after.pauseMs > 0 && after.endpoint === undefined)
        holds.held(system, after.reason ?? 'retry-after', after.pauseMs);
      return after;
    },
  };
  return outcomes;
}
