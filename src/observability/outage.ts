/**
 * An outage heard once: a dependency that fails at every retry (a Redis client's reconnection attempts,
 * the outbox relay's passes at its poll) is logged when it starts failing (warn) and when it answers
 * again (info, with how long it was away), not at each failure.
 */
import type { Logger } from 'pino';
import { safeMessage } from './error-words.js';

/**
 * What a log line may say of an error: its name and code, and its message with a PostgreSQL server error's
 * quoted values blanked (./error-words.ts). Never the error itself: a driver's error carries its command
 * or statement.
 */
export function errorKind(err: unknown): { type: string; code?: string; message?: string } {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as Error & { code?: unknown }).code;
  return {
    type: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: safeMessage(err),
  };
}

export interface OutageLog {
  /**
   * A failure of `who` (one of several connections to the same server; one alone by default): logged
   * (warn) if nothing was failing.
   */
  failed(err: unknown, who?: string): void;
  /** `who` answered: once every one that failed has, logs the outage's end (info). */
  ok(who?: string): void;
  readonly down: boolean;
}

/** The two lines' messages: when the failures start, and when they end. */
export interface OutageMessages {
  failing: string;
  back: string;
}

/**
 * An outage of one dependency, seen by one caller or by several connections (then named by `who`): it
 * starts when the first fails and ends when every one that failed has answered again.
 */
export function outageLog(
  logger: Pick<Logger, 'warn' | 'info'>,
  say: OutageMessages,
  now: () => number = Date.now,
): OutageLog {
  const failing = new Set<string>();
  let since = 0;
  let failures = 0;
  return {
    failed(err, who = '') {
      failures += 1;
      const first = failing.size === 0;
      failing.add(who);
      if (!first) return;
      since = now();
      logger.warn({ err: errorKind(err), ...(who ? { connection: who } : {}) }, say.failing);
    },
    ok(who = '') {
      if (!failing.delete(who) || failing.size > 0) return;
      const downSeconds = Math.round((now() - since) / 100) / 10;
      logger.info({ downSeconds, failures }, say.back);
      failures = 0;
    },
    get down() {
      return failing.size > 0;
    },
  };
}
