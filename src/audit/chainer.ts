/**
 * Chains the events hot paths record with `recordAudit` (./chain.ts): one loop per process, woken at
 * once by `kick()` after such a write commits and every `everyMs` (events a crashed process left, or
 * another process's), never two passes at a time in one process; the chain's lock orders processes.
 * Each pass chains up to `batch` events per transaction until none are left. Errors are logged and
 * the next tick tries again: pending events stay in the database until they are chained.
 */
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { auditPending, chainPending } from './chain.js';

export interface AuditChainer {
  /** Chain what is pending now (coalesced with a pass already running). */
  kick(): void;
  start(): void;
  /** Stops the timer, waits for a running pass and chains what is left (best effort). */
  stop(): Promise<void>;
}

export function createAuditChainer(
  db: Db,
  opts: { everyMs: number; batch?: number; logger: Pick<Logger, 'warn'> },
): AuditChainer {
  const batch = opts.batch ?? 1000;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function pass(): Promise<void> {
    do {
      again = false;
      if (!(await auditPending(db))) continue;
      for (let i = 0; i < 10_000 && !stopped; i++) {
        if ((await db.tx((q) => chainPending(q, batch))) < batch) break;
      }
    } while (again && !stopped);
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err: unknown) => {
        opts.logger.warn({ err: (err as Error).message }, 'audit: chaining pending events failed; retrying');
      })
      .finally(() => {
        running = undefined;
      });
  }

  return {
    kick,
    start() {
      if (timer || stopped) return;
      timer = setInterval(kick, opts.everyMs);
      timer.unref();
      kick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      await pass().catch(() => undefined);
      stopped = true;
    },
  };
}
