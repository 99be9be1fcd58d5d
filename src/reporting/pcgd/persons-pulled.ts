/**
 * When a commune's survey persons were last pulled, and whether a pull is under way (fix30a, review29 F6): what a
 * PCGD-XMC officer reads before computing the commune's figures, beside each commune's deadline and on its reports
 * (the figures are computed from the persons already pulled). A province's own row and report carry none: its
 * communes' rows say it, one each.
 */
import type { Db, Queryable } from '../../store/db.js';
import { createDeliveryGatesRepo } from '../../store/delivery-gates.js';
import { createPersonsPullsRepo, type PersonsPulled } from '../../store/persons-pulls.js';

/** The fields a deadline row and a report show. */
export interface PersonsPullState {
  /** When the commune's last complete pull of persons finished (ISO); null when none has, or for a province. */
  personsPulledAt: string | null;
  /** A pull of the commune's persons is queued or running. */
  personsPulling: boolean;
}

/** What a unit with no pull of its own shows (a province; a commune never pulled). */
export const NOT_PULLED: PersonsPullState = { personsPulledAt: null, personsPulling: false };

/** The state shown of a commune's pulls as read. */
export const pullStateOf = (p: PersonsPulled | undefined): PersonsPullState =>
  p ? { personsPulledAt: p.pulledAt?.toISOString() ?? null, personsPulling: p.pulling } : NOT_PULLED;

/** Each commune of `communes` as pulled, by its code (one statement). */
export async function pullStatesOf(
  q: Queryable,
  communes: readonly string[],
): Promise<Map<string, PersonsPullState>> {
  const rows = await createPersonsPullsRepo(q).pulled(communes);
  return new Map(rows.map((r) => [r.communeCode, pullStateOf(r)]));
}

/** A unit's state: a commune's pulls; a province's, {@link NOT_PULLED}. */
export async function unitPullState(q: Queryable, unitCode: string): Promise<PersonsPullState> {
  if (!/^\d{5}$/.test(unitCode)) return NOT_PULLED;
  return (await pullStatesOf(q, [unitCode])).get(unitCode) ?? NOT_PULLED;
}

/** A pull under way that waits for the Ministry's system (review31 F6): the error met, and when the next try is. */
export interface MinistryWait {
  /** ERR_ADAPTER_RATE_LIMITED (the Ministry asked to wait: 429 Retry-After) or the error that opened the circuit. */
  errorCode: string;
  /** When the Ministry's system is asked again (ISO). */
  notBefore: string;
}

/**
 * Whether calls to the Ministry's system (`moet-pcgd`) wait now: its delivery gate paused by a Retry-After (a pull's or
 * a figures submission's) or an open circuit, read from the gate every worker shares (../../jobs/gates.ts). A pull
 * under way waits that long before its next page is asked for; null when the gate is open (or only probing).
 */
export async function ministryWaitOf(db: Db): Promise<MinistryWait | null> {
  const seen = await createDeliveryGatesRepo(db).peek('moet-pcgd');
  if (!seen) return null;
  const { state, now } = seen;
  if (!state.pausedUntil || state.pausedUntil <= now || state.pauseReason === 'probe') return null;
  const errorCode =
    state.lastErrorCode ??
    (state.pauseReason === 'retry-after' ? 'ERR_ADAPTER_RATE_LIMITED' : 'ERR_ADAPTER_UNAVAILABLE');
  return { errorCode, notBefore: state.pausedUntil.toISOString() };
}
