/**
 * An outage heard once: a dependency that fails at every retry (a Redis client's reconnection attempts,
 * the outbox relay's passes at its poll) is logged when it starts failing (warn) and when it answers
 * again (info, with how long it was away), not at each failure.
 */
import type { Logger } from 'pino';

/**
 * What a log line may say of an error: its name and code, and its message unless it is a PostgreSQL
 * server error (those may quote the values of a statement; their SQLSTATE code says what happened).
 * Never the error itself: a driver's error carries its command or statement.
 */
export function errorKind(err: unknown): { type: string; code?: string; message?: string } {
  if (!(err instanceof Error)) return { type: typeof err };
  const e = err as Error & { code?: unknown; severity?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const fromServer = e.severity !== undefined && code !== undefined && /^[0-9A-Z]{5}$/.test(code);
  return {
    type: e.name,
    ...(code === undefined ? {} : { code }),
    ...(fromServer ? {} : { message: e.message }),
  };
}

export interface OutageLog {
  /** A failure: logged (warn) if it is the first since the dependency last answered. */
  failed(err: unknown): void;
  /** The dependency answered: logs the outage's end (info) if one was under way. */
  ok(): void;
  readonly down: boolean;
}

/** The two lines' messages: when the failures start, and when they end. */
export interface OutageMessages {
  failing: string;
  back: string;
}

export function outageLog(logger: Logger, say: OutageMessages, now: () => number = Date.now): OutageLog {
  let since: number | undefined;
  let failures = 0;
  return {
    failed(err) {
      failures += 1;
      if (since !== undefined) return;
      since = now();
      logger.warn({ err: errorKind(err) }, say.failing);
    },
    ok() {
      if (since === undefined) return;
      const downSeconds = Math.round((now() - since) / 100) / 10;
      logger.info({ downSeconds, failures }, say.back);
      since = undefined;
      failures = 0;
    },
    get down() {
      return since !== undefined;
    },
  };
}
