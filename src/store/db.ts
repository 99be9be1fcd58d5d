/**
 * The one database access layer. Everything talks `pg` (node-postgres): to PostgreSQL when
 * DATABASE_URL is set, and otherwise to the embedded PGlite that this process (or another live truc
 * process on the same data directory) serves over a loopback socket. Same SQL, same migrations.
 */
import pg from 'pg';

export interface QueryResultLite<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs SQL: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResultLite<R>>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Connection string other components (BullMQ's PostgreSQL backend) use to reach the same database. */
  readonly url: string;
  /** Runs fn in one transaction on one connection; rolls back on throw. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated client for session-level work (advisory locks). Release it. */
  connect(): Promise<pg.PoolClient>;
  close(): Promise<void>;
}

// Keep bigint (int8) and numeric as strings only where precision matters: counts fit in JS numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

/** A checked-out connection as a Queryable: its statements run on that connection (in its transaction). */
export function onConnection(client: pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      const res = await client.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
  };
}

/** One pooled connection at a time: its statement's result, the connection back to the pool. */
function pooledQuery(checkout: () => Promise<pg.PoolClient>): Queryable['query'] {
  return async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResultLite<R>> => {
    const client = await checkout();
    try {
      const res = await client.query(sql, params as unknown[] | undefined);
      client.release();
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    } catch (err) {
      client.release(err as Error); // as pool.query does: a client whose statement failed is not reused
      throw err;
    }
  };
}

export function createPgDb(
  url: string,
  kind: Db['kind'],
  opts: { max?: number; onClose?: () => Promise<void> } = {},
): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'truc',
    // No JIT: truc's statements are short, and a plan's cost estimate on a table without statistics yet
    // (a first load) easily passes jit_above_cost, when compiling it takes ~0.5 s (seen on the ingest's lookups).
    ...(kind === 'postgres' ? { options: '-c jit=off' } : {}),
  });
  // A connection's error (a server restart, an admin's pg_terminate_backend) must not crash the
  // process. The pool listens on idle clients only; this listener stays on every client for its life,
  // so a client checked out (a transaction, a migration) when its connection dies fails its query
  // instead, and the pool discards it on release: the next query gets a fresh connection.
  pool.on('error', () => undefined);
  pool.on('connect', function keepClientErrors(client) {
    client.on('error', () => undefined);
  });
  // A connection the pool could not make says so (see couldNotConnect): the database was unreachable then.
  const checkout = () =>
    pool.connect().catch((err: Error) => {
      throw connectFailed(err);
    });
  const query = pooledQuery(checkout);
  return {
    kind,
    url,
    query,
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await checkout();
      const q = onConnection(client);
      try {
        await client.query('BEGIN');
        const out = await fn(q);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release(); // a client whose connection died is not queryable: the pool drops it
      }
    },
    connect: checkout,
    async close() {
      await pool.end();
      await opts.onClose?.();
    },
  };
}

/** Checks the database answers (readiness, start-up, the PostgreSQL queue backend's ping). */
export async function pingDatabase(q: Queryable): Promise<void> {
  await q.query('SELECT 1');
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

/** Errors of connections that could not be made, as opposed to statements whose connection was lost. */
const CONNECT_FAILURES = new WeakSet<object>();

function connectFailed(err: Error): Error {
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
