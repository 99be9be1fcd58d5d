/**
 * Which callers a system's circuit was opened by (migration 1432): the callers whose last call to the system failed
 * (counted toward its runs), kept on the gate's row as `openedBy`. A caller is a call's endpoint (`students:upsert`,
 * a read's `students:read`), or `writes` / `reads` for a call without one. A transient failure counted puts its caller
 * in; its answer takes it out (a call of unknown kind answered empties it, as it sets back every run); the circuit
 * closing empties it. So while the circuit is open it names exactly who opened it and who failed since (a stray call
 * on its way, a failed probe): a system circuit one endpoint alone opened is handed over to that endpoint's own
 * (./endpoint-circuits.ts `handOver`), and the operations overview says who opened it. Pure.
 */
import type { GateChange, GateState } from '../store/delivery-gates.js';

/** A call as these rules see it: its endpoint, and whether it was a write. */
interface Caller {
  endpoint?: string | undefined;
  write?: boolean | undefined;
}

/** A call's name in `openedBy`. */
export const callerOf = (call: Caller): string => call.endpoint ?? (call.write === true ? 'writes' : 'reads');

const openersOf = (state: Pick<GateState, 'openedBy'>): string[] => state.openedBy ?? [];

/** The change a counted failure of `call` makes: its caller put in (none when it is in already). */
export function failedBy(state: Pick<GateState, 'openedBy'>, call: Caller): Pick<GateChange, 'openedBy'> {
  const caller = callerOf(call);
  const was = openersOf(state);
  return was.includes(caller) ? {} : { openedBy: [...was, caller].sort() };
}

/**
 * The change an answer makes: the circuit closing (`closing`) or a call of unknown kind (`call` undefined) empties it;
 * a known call's answer takes its own caller out.
 */
export function answeredBy(
  state: Pick<GateState, 'openedBy'>,
  call: Caller | undefined,
  closing: boolean,
): Pick<GateChange, 'openedBy'> {
  const was = openersOf(state);
  const kept = closing || call === undefined ? [] : was.filter((c) => c !== callerOf(call));
  return kept.length === was.length ? {} : { openedBy: kept };
}

/** Whether `call`'s caller's last call failed (its answer changes the gate's row). */
export const failedLast = (state: Pick<GateState, 'openedBy'>, call: Caller): boolean =>
  openersOf(state).includes(callerOf(call));

/** Whether `endpoint`'s writes alone failed into the system's circuit (no other caller's last call failed). */
export const openedAlone = (state: Pick<GateState, 'openedBy'>, endpoint: string): boolean => {
  const by = openersOf(state);
  return by.length === 1 && by[0] === endpoint;
};

/**
 * A failure's code saying truc's credentials were refused (`ERR_ADAPTER_AUTH`: a 401, the token endpoint refusing the
 * client): the system's, whichever caller met it (./gates.ts `callFailureOf`), so its circuit is never one endpoint's
 * (./endpoint-circuits.ts `endpointFailure`; `handOver` reads the kind kept from the opening, the gate's `openedFor`).
 */
export const refusedCredentials = (code: string | null | undefined): boolean => code === 'ERR_ADAPTER_AUTH';
