/**
 * What a database error says (the one place that reads SQLSTATEs and socket errors for it): a key stored already, a
 * connection lost or never made, a database refusing the work; and a connection URL told without its credentials.
 */

/** True when `err` is a unique violation (SQLSTATE 23505): a row with the same key is stored already. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '23505';
}

/** SQLSTATE classes and codes of a lost or refused connection: 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now). */
const CONNECTION_STATES = /^(08...|57P0[123])$/;
/** Socket errors of a database connection that is gone or cannot be made. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * True when `err` says the database connection was lost or could not be made (a server restart, a
 * network cut, an exhausted connect timeout), not that the statement was wrong: the work should wait
 * for the database and run again, without counting against its attempts.
 */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (CONNECTION_STATES.test(e.code) || CONNECTION_ERRNOS.has(e.code)))
    return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    message,
  );
}

/**
 * True when the database answers but refuses to do the work for a reason of its own, not of the statement
 * (review35a F6): SQLSTATE class 53, insufficient resources (53100 its disk full, 53200 out of memory, 53300 too
 * many connections, 53400 a configured limit), and 25006, a read-only transaction (a standby after a failover, or
 * `default_transaction_read_only` set). Like a lost connection, the work should wait and run again: the API
 * answers 503 with Retry-After (was 500 ERR_INTERNAL), a job waits without spending an attempt (was: dead-lettered
 * after its attempts, each refused alike).
 */
export function isDatabaseRefusing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(53...|25006)$/.test(code);
}

/** Errors of connections that could not be made, as opposed to statements whose connection was lost. */
const CONNECT_FAILURES = new WeakSet<object>();

export function connectFailed(err: Error): Error {
  CONNECT_FAILURES.add(err);
  return err;
}

/**
 * True when `err` is the failure to make a connection (refused, ended during its start-up, timed out),
 * before any statement ran: the database was unreachable at that moment, whatever the job was going to do.
 */
export function couldNotConnect(err: unknown): boolean {
  return typeof err === 'object' && err !== null && CONNECT_FAILURES.has(err);
}

/** Host and port of a connection URL, for messages that must not print credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
