/**
 * A worker's heartbeat of the systems it is configured for (review26a F8; review30 F6: every system, the ones it
 * pulls from as well as the push targets it delivers to): on start and every {@link SERVED_HEARTBEAT_MS} it records
 * the systems its configuration has (../store/served-targets.ts), and deletes its rows when it stops cleanly.
 * `truc targets forget` and an admin's pull (../jobs/request-checks.ts `checkSystemConfigured`: `truc sync run`,
 * `truc schedules run` beside a running truc) ask this besides the asking process's own environment: a system a
 * worker served within the last {@link SERVED_WINDOW_SECONDS} is configured in the running truc.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SYSTEM_NAMES, systemConfigured, type Config } from '../config.js';
import type { Db } from '../store/db.js';
import { clearServedTargets, recordServedTargets } from '../store/served-targets.js';

/** How often a worker says which targets it serves. */
export const SERVED_HEARTBEAT_MS = 30_000;
/** How long after a worker's last heartbeat its targets count as served (a worker that died: 2 minutes). */
export const SERVED_WINDOW_SECONDS = 120;

export interface ServedTargets {
  /** The first record is written. */
  readonly recorded: Promise<void>;
  stop(): Promise<void>;
}

export function startServedTargets(deps: { db: Db; config: Config; logger: Logger }): ServedTargets {
  const worker = randomUUID();
  const targets = SYSTEM_NAMES.filter((s) => systemConfigured(deps.config, s));
  const beat = async (): Promise<void> => {
    try {
      await recordServedTargets(deps.db, worker, targets);
    } catch (err) {
      deps.logger.warn({ err }, 'could not record the push targets this worker serves');
    }
  };
  let last = beat();
  const timer = setInterval(() => {
    last = last.then(beat);
  }, SERVED_HEARTBEAT_MS);
  timer.unref();
  return {
    recorded: last,
    async stop() {
      clearInterval(timer);
      await last;
      await clearServedTargets(deps.db, worker).catch((err: unknown) =>
        deps.logger.warn({ err }, 'could not clear the push targets this worker served'),
      );
    },
  };
}
