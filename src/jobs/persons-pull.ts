/**
 * A PCGD-XMC officer asks for its commune's survey persons to be pulled (fix30a, review29 F6): the same sync run an
 * admin's `POST /v1/syncs` of `moet-pcgd` `persons` makes ({@link requestSync}: the same checks, run, queued first
 * page and `sync.requested` audit entry, under the officer's client id), narrowed to one commune the caller may act
 * on (the API checks the unit first, src/reporting/pcgd/access.ts). While a pull of the commune is unfinished (queued,
 * running, or held for a city admin's decision: the sync runs' one rule, `unfinished`, as a schedule's fire reads it),
 * a request answers that one and queues nothing: an officer's second click does not send a second pull to the
 * Ministry's congested system, nor ask an admin the same decision twice. Producers import it through `./contracts.ts`.
 */
import type { Config } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createPersonsPullsRepo } from '../store/persons-pulls.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { SyncRunStatus } from '../store/sync-run-reads.js';
import { checkScopeHeld, checkSystemConfigured } from './request-checks.js';
import { requestSync } from './requests.js';

/** What an officer's request came to: the pull queued now, or the one already under way. */
export interface PersonsPullRequested {
  syncRunId: number;
  status: SyncRunStatus;
  /** False when a pull of the commune was unfinished already: that one is answered, nothing is queued. */
  queued: boolean;
}

/**
 * Checks `moet-pcgd` is configured (else ERR_SYSTEM_NOT_CONFIGURED, nothing stored), then, in `q`'s transaction,
 * answers the commune's pull already under way, or checks the commune is a current one (ERR_SCOPE_UNKNOWN) and
 * requests a pull of its persons (incremental from its watermark unless `full`; the first one is full).
 */
export async function requestPersonsPull(
  config: Config,
  q: Queryable,
  input: { communeCode: string; full: boolean; requestedBy: string; at: Date },
): Promise<PersonsPullRequested> {
  await checkSystemConfigured(q, config, 'moet-pcgd');
  const scope = input.communeCode;
  const pull = { system: 'moet-pcgd', entity: 'persons', scope } as const;
  const pulls = createPersonsPullsRepo(q);
  await pulls.lockCommune(scope);
  const under = await createSyncRunsRepo(q).unfinished(pull.system, pull.entity, scope);
  if (under !== undefined) {
    const last = await pulls.last(scope); // the unfinished run is the newest
    return { syncRunId: under, status: last?.status ?? 'queued', queued: false };
  }
  await checkScopeHeld(q, pull);
  const syncRunId = await requestSync(q, {
    ...pull,
    full: input.full,
    requestedBy: input.requestedBy,
    at: input.at,
  });
  return { syncRunId, status: 'queued', queued: true };
}
