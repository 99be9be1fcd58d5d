/**
 * A probe that does not go out (words6 item 5a): a call the gate's row let through as a circuit's probe (the system's,
 * or its endpoint's own: the circuit half-open, the probe's lease of `probeLeaseMs` taken, `probeBy` recorded) and that
 * this process then holds back, before the call, for a Retry-After it met that the row did not hold yet (./gates.ts
 * `enter`'s last look, ./through-gate.ts). Left so, the circuit stayed half-open with nobody probing, every other caller
 * held back for the probe's outcome until its lease ran out. It is the probe told to wait as long as the hold: the rules
 * of a probe answered 429 (./gate-failure.ts `decideFailure`: the circuit open for the wait, nobody probing; one
 * endpoint's probe, that endpoint's circuit).
 */
import type { SystemName } from '../config.js';
import type { DeliveryGatesRepo } from '../store/delivery-gates.js';
import { decideFailure, type CallFailure } from './gate-failure.js';
import type { Held } from './gate-local.js';
import type { DeliverySettings, Pass } from './gate-rules.js';

/** The failure a probe held back by `held` before its call stands for; undefined when the pass was no probe. */
export function probeToldToWait(pass: Pass, held: Held): CallFailure | undefined {
  if (!pass.go || !(pass.probe || pass.endpointProbe === true)) return undefined;
  return {
    code: 'ERR_ADAPTER_RATE_LIMITED',
    transient: true,
    retryAfterSeconds: held.waitMs / 1000,
    probe: pass.probe,
    ...(pass.paced === true ? { write: true } : {}),
    ...(pass.endpoint !== undefined ? { endpoint: pass.endpoint } : {}),
    ...(pass.endpointProbe === true ? { endpointProbe: true } : {}),
  };
}

/**
 * A probe held back before its call, told to wait on the gate's row; nothing for a pass that was no probe. Nothing
 * failed (no call went out): the row's last error, its code and time, stays the last call's that did (review6 R6-9).
 */
export const giveBack =
  (repo: DeliveryGatesRepo, settings: DeliverySettings) =>
  async (system: SystemName, pass: Pass, held: Held): Promise<void> => {
    const failure = probeToldToWait(pass, held);
    if (!failure) return;
    await repo.update(system, (state, now) => {
      const told = decideFailure(state, now, failure, settings);
      const { lastErrorCode: _code, lastErrorAt: _at, ...change } = told.change;
      return { ...told, change };
    });
  };
