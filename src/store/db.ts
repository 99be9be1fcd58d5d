/**
 * The one database access layer. Everything talks `pg` (node-postgres): to PostgreSQL when
 * DATABASE_URL is set, and otherwise to the embedded PGlite that this process (or another live truc
 * process on the same data directory) serves over a loopback socket. Same SQL, same migrations.
 */
import pg from 'pg';
import { connectFailed } from './db-errors.js';
import { copyQuery, statement } from './db-wire.js';
import { localSettings } from './db-settings.js';
import { IDLE_IN_TRANSACTION_TIMEOUT_MS } from '../config.js';

export interface QueryResultLite<R> {
  rows: R[];
  rowCount: number;
}

/** How a statement is sent. */
export interface QueryOptions {
  /**
   * Prepared once per connection, under a name made from its text, then only bound and run (issue 7:
   * PostgreSQL parses and plans a large statement every time otherwise: ~1.2 ms of CPU for an unchanged
   * page's read or its closing statement, about a third of each). For hot statements whose text is one
   * of a few; at most `MAX_PREPARED` (./db-wire.ts) texts a process (further ones are sent as usual). PostgreSQL
   * only: the embedded database serves every connection from one session, where names would collide.
   */
  prepared?: boolean;
  /**
   * Planner settings a write recorded by a combined writes recorder (./combined.ts) is to run under: the one
   * statement it sends runs under every recorded write's ({@link withLocalSettings}). Only there: a statement
   * sent on its own runs its settings through withLocalSettings itself.
   */
  settings?: Readonly<Record<string, string>>;
}

/** Anything that runs SQL: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResultLite<R>>;
  /**
   * Runs `sql`, a `COPY … FROM STDIN`, with `data` as its whole input (sent right behind it, no round trip
   * of its own); the rows it wrote. Only on a PostgreSQL transaction's connection ({@link Db.tx}): the
   * embedded database's socket takes no COPY, and there (and on the pool) it is absent, so callers that
   * can COPY write otherwise where it is.
   */
  copyIn?(sql: string, data: Buffer): Promise<{ rowCount: number }>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Connection string other components (BullMQ's PostgreSQL backend) use to reach the same database. */
  readonly url: string;
  /**
   * Runs fn in one transaction on one connection; rolls back on throw. Its statements are sent in order
   * without waiting for earlier answers (pipelined on PostgreSQL; see {@link sendWrite}).
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated client for session-level work (advisory locks). Release it. */
  connect(): Promise<pg.PoolClient>;
  close(): Promise<void>;
}

// Keep bigint (int8) and numeric as strings only where precision matters: counts fit in JS numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * A connection (checked out of a pool, or a client of its own) as a Queryable: its statements run on that
 * connection (in its transaction). `prepare`: statements asked to be prepared are (PostgreSQL; see
 * {@link QueryOptions}). A bare pg client is not a Queryable: it reads a third argument as a callback.
 */
export function onConnection(client: pg.ClientBase, prepare = false): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[], opts?: QueryOptions) {
      const res = await client.query(statement(sql, params, prepare && opts?.prepared === true));
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
  };
}

/** One pooled connection at a time: its statement's result, the connection back to the pool. */
function pooledQuery(checkout: () => Promise<pg.PoolClient>, prepare: boolean): Queryable['query'] {
  return async <R>(
    sql: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<QueryResultLite<R>> => {
    const client = await checkout();
    try {
      const res = await client.query(statement(sql, params, prepare && opts?.prepared === true));
      client.release();
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    } catch (err) {
      client.release(err as Error); // as pool.query does: a client whose statement failed is not reused
      throw err;
    }
  };
}

/**
 * A transaction's statements on its connection, sent in the order they are made (issue 7: a first-sync
 * page spent a round trip on each of its eight statements). A statement is sent at once, without waiting
 * for the answers of the statements before it (pipeline mode: PostgreSQL runs them in order; on a
 * connection that is not pipelined, each is sent once the one before it is answered), and its answer
 * resolves only once theirs did: it fails with the first failure among them. So a write whose answer
 * nobody reads need not be waited for ({@link sendWrite}): the next statement waited for, or the
 * transaction's COMMIT, sent right behind it, fails with its failure.
 */
function inOrder(client: pg.PoolClient, prepare: boolean, copy: boolean): InOrder {
  /** Answered once every statement sent (and every write handed over) so far is; fails with the first failure. */
  let answered: Promise<unknown> = Promise.resolve();
  /** The last statement sent (not pipelined: the next is sent once it is answered). */
  let last: Promise<unknown> = Promise.resolve();
  /** Sends a statement (`send`) behind every statement sent so far; its own answer (not the earlier failures'). */
  const sendOwn = <T>(send: () => Promise<T>): Promise<T> => {
    const own = client.pipeline ? send() : last.then(send, send);
    last = own;
    own.catch(() => undefined); // an earlier failure is the one reported
    return own;
  };
  const sendQuery = (sql: string, params?: readonly unknown[], opts?: QueryOptions) =>
    sendOwn(() => client.query(statement(sql, params, prepare && opts?.prepared === true)));
  let released = false;
  // Nothing once released (review8 R8-1): a branch still running sent its SET LOCAL in the next owner's transaction.
  const local = localSettings((sql) => {
    if (!released) void ordered.after(sendQuery(sql));
  });
  const ordered: InOrder = {
    query<R>(sql: string, params?: readonly unknown[], opts?: QueryOptions) {
      // The connection may already serve someone else (autocommit, or another transaction).
      if (released) return Promise.reject(new Error(AFTER_RELEASE));
      if (sql !== 'COMMIT') local.resetDone();
      const res = ordered.after(sendQuery(sql, params, opts));
      const out = res.then((r) => ({ rows: r.rows as R[], rowCount: r.rowCount ?? 0 }));
      // A statement not waited for (the transaction's BEGIN) fails the next one waited for, or COMMIT: never
      // an unhandled rejection. Its connection lost (a server restart) had crashed the process (CI, stop 58).
      out.catch(() => undefined);
      return out;
    },
    ...(copy
      ? {
          copyIn(sql: string, data: Buffer) {
            if (released) return Promise.reject(new Error(AFTER_RELEASE));
            return ordered.after(sendOwn(() => copyQuery(client, sql, data)));
          },
        }
      : {}),
    setLocal: local.setLocal,
    doneWith: local.doneWith,
    async rollback() {
      await sendQuery('ROLLBACK');
    },
    release() {
      released = true;
    },
    after<T>(p: Promise<T>): Promise<T> {
      const res = answered.then(() => p);
      answered = res;
      // Seen by whoever waits for it, a later statement, or COMMIT: never an unhandled rejection.
      res.catch(() => undefined);
      return res;
    },
  };
  IN_ORDER.add(ordered);
  return ordered;
}

interface InOrder extends Queryable {
  /** `p` (a write handed over, {@link sendWrite}) among what later statements and COMMIT wait for. */
  after<T>(p: Promise<T>): Promise<T>;
  /**
   * `settings` (`SET LOCAL`) in force for the statements sent next, each sent behind the statements before it
   * without a round trip of its own; one already in force (its reset still to send) is not sent again.
   */
  setLocal(settings: Readonly<Record<string, string>>): void;
  /**
   * The statements that needed `settings` are sent: each goes back to its default (`SET LOCAL … TO DEFAULT`)
   * right before the next statement sent, unless that is COMMIT (which ends them) or they are set again first.
   */
  doneWith(settings: Readonly<Record<string, string>>): void;
  /**
   * ROLLBACK, sent behind every statement sent so far; settles once ROLLBACK itself is answered (and
   * so every statement before it), whatever failed earlier: only then may the connection serve anyone else.
   */
  rollback(): Promise<void>;
  /**
   * The transaction is over and its connection goes back to the pool: a statement made after this (a
   * branch of the work still running after another failed) is refused, never sent (review F3).
   */
  release(): void;
}

const AFTER_RELEASE = 'a statement made after its transaction ended (db.tx gave its connection back)';

const IN_ORDER = new WeakSet<Queryable>();

/**
 * Sends a write whose answer nobody reads (issue 7). On a transaction's connection ({@link Db.tx}) it is
 * not waited for: its statements go out at once, in order with the ones made after it, and the next
 * statement waited for, or the transaction's COMMIT, fails if it failed (before or at PostgreSQL). So it
 * must make every statement at once, before its first `await` (see {@link queryAll}); a statement it
 * makes later fails it. Anywhere else (the pool, a combined writes recorder) it is waited for as usual.
 */
export async function sendWrite(q: Queryable, write: (q: Queryable) => Promise<unknown>): Promise<void> {
  if (!IN_ORDER.has(q)) {
    await write(q);
    return;
  }
  let atOnce = true;
  const notAtOnce = () => new Error('sendWrite: a write must make its statements at once');
  const sending: Queryable = {
    query<R>(sql: string, params?: readonly unknown[], opts?: QueryOptions) {
      if (!atOnce) throw notAtOnce();
      return q.query<R>(sql, params, opts);
    },
    ...(q.copyIn
      ? {
          copyIn(sql: string, data: Buffer) {
            if (!atOnce) throw notAtOnce();
            return q.copyIn!(sql, data);
          },
        }
      : {}),
  };
  const sent = (async () => write(sending))();
  atOnce = false;
  // Its failure is also its own statements': the chain may not reach `sent` to see it (never unhandled).
  sent.catch(() => undefined);
  void (q as InOrder).after(sent);
}

/**
 * Per-row probes (a lateral or a subquery run once per row of a batch) as index scans, whatever the tables'
 * statistics (issue 7): on a table never analysed (a fresh load; the benches' server runs without autovacuum)
 * PostgreSQL plans such a probe as a bitmap heap scan, which builds and reads a bitmap per row: twice the CPU
 * (the quality facts' 1,000 personal-ID probes, the closing statement's 1,000 verdict probes).
 */
export const INDEX_PROBES: Readonly<Record<string, string>> = { enable_bitmapscan: 'off' };

/**
 * Runs `fn` with `settings` (planner settings, e.g. {@link INDEX_PROBES}) in force for the statements it
 * sends on a transaction's connection ({@link Db.tx}), then back to the connection's defaults for every later
 * statement: `SET LOCAL` before, `SET LOCAL … TO DEFAULT` right before the next statement, each sent behind the
 * statements before it without a round trip of its own. None is sent before COMMIT, which ends them (issue 7,
 * perf7g: a changed batch's closing statement is its last; a `SET` cost 0.2–0.5 ms of a backend at load).
 * Elsewhere (the pool: every statement a transaction of its own) `fn` runs as it is.
 */
export async function withLocalSettings<T>(
  q: Queryable,
  settings: Readonly<Record<string, string>>,
  fn: () => Promise<T>,
): Promise<T> {
  if (!IN_ORDER.has(q)) return fn();
  const ordered = q as InOrder;
  ordered.setLocal(settings);
  try {
    return await fn();
  } finally {
    ordered.doneWith(settings);
  }
}

/**
 * Runs `statements` in order: on a transaction's connection all sent at once (pipelined, see
 * {@link sendWrite}), elsewhere one after the other. Fails with the first failure.
 */
export async function queryAll(
  q: Queryable,
  statements: Iterable<readonly [string, readonly unknown[]]>,
): Promise<void> {
  if (IN_ORDER.has(q)) {
    await Promise.all([...statements].map(([sql, params]) => q.query(sql, params)));
    return;
  }
  for (const [sql, params] of statements) await q.query(sql, params);
}

/**
 * A pool's new connection keeps an 'error' listener for its life (every pool of this process: ours, and BullMQ's when
 * queues live in the database). A connection's error (a server restart, an admin's pg_terminate_backend) must not crash
 * the process: pg-pool listens on idle clients only and takes its listener off a client it hands out, and pg emits the
 * server's FATAL as 'error' on a client with no statement running (between a transaction's statements, or a migration's),
 * which with nobody listening throws out of the socket's handler. With this listener such a client fails its next query
 * instead, and the pool discards it on release: the next query gets a fresh connection.
 */
export function keepClientErrors(client: pg.ClientBase): void {
  client.on('error', () => undefined);
}

/** {@link createPgDb}'s pool: its size, what closing it also does, and its two idle limits (ms). */
interface PgDbOptions {
  max?: number;
  onClose?: () => Promise<void>;
  idleInTransactionTimeoutMs?: number;
  /** A pooled connection idle this long is closed; 0: never (truc's processes: config database.poolIdleTimeoutMs). */
  idleTimeoutMs?: number;
}

export function createPgDb(url: string, kind: Db['kind'], opts: PgDbOptions = {}): Db {
  const idleTx = opts.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // A transaction's statements are sent without waiting for the answer of the one before (see inOrder):
    // PostgreSQL answers them in order. PGlite's socket takes one statement at a time: there inOrder waits.
    pipeline: kind === 'postgres',
    // PostgreSQL: 10 s, then the database counts as unreachable. PGlite runs one transaction at a
    // time (pglite-server.ts), so a new connection's start-up waits behind a transaction in progress
    // by design; on a busy machine that passed 10 s (a pull job failed in a test, load 14), so the
    // embedded engine waits up to 60 s.
    connectionTimeoutMillis: kind === 'postgres' ? 10_000 : 60_000,
    // truc's processes keep their connections open while idle (config database.poolIdleTimeoutMs, 0): a new backend
    // faults in every shared-buffer page it touches (issue 7, perf13a). Idle connections do not keep a process alive.
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
    allowExitOnIdle: true,
    application_name: 'truc',
    // No JIT: truc's statements are short, and a plan's cost estimate on a table without statistics yet
    // (a first load) easily passes jit_above_cost, when compiling it takes ~0.5 s (seen on the ingest's lookups).
    // A session idle inside a transaction past idleTx is ended by the server, its locks with it: a worker whose
    // host froze (or lost its network: no TCP reset reaches the server) mid-transaction holding a school's lock
    // would otherwise stall that school for as long as the server keeps the dead session (hours; review27c F3).
    // TCP keepalive finds such a connection from this side too.
    ...(kind === 'postgres'
      ? { options: `-c jit=off -c idle_in_transaction_session_timeout=${idleTx}` }
      : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  pool.on('error', () => undefined);
  pool.on('connect', keepClientErrors);
  // A connection the pool could not make says so (see ./db-errors.ts couldNotConnect): the database was unreachable then.
  const checkout = () =>
    pool.connect().catch((err: Error) => {
      throw connectFailed(err);
    });
  const prepare = kind === 'postgres';
  const query = pooledQuery(checkout, prepare);
  return {
    kind,
    url,
    query,
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await checkout();
      // COPY on PostgreSQL only: the embedded database's socket (pglite-server.ts) takes no COPY.
      const q = inOrder(client, prepare, kind === 'postgres');
      try {
        // Sent with the first statement (pipelined): the transaction's first round trip is its first statement's.
        void q.query('BEGIN');
        const out = await fn(q);
        // Sent behind the last statements fn did not wait for; answered once they all were (or fails with the first failure).
        await q.query('COMMIT');
        return out;
      } catch (err) {
        // Behind whatever is still in flight, and waited for itself (review F3): `q.query` would settle
        // with the earlier failure at once, and on a connection that is not pipelined (PGlite) the
        // connection would go back to the pool before ROLLBACK was even sent; the next query on it
        // would then run inside this transaction (a spurious 25P02, or a write the ROLLBACK undoes).
        await q.rollback().catch(() => undefined);
        throw err;
      } finally {
        q.release();
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

/**
 * The database's clock minus `clock`'s, in seconds (fix36f): PostgreSQL's `now()` against the middle of the query's
 * round trip, so the network's time is not counted as skew.
 */
export async function clockSkewSeconds(q: Queryable, clock: () => number = Date.now): Promise<number> {
  const before = clock();
  const res = await q.query<{ at: number }>('SELECT extract(epoch FROM clock_timestamp())::float8 AS at');
  const after = clock();
  return Number(res.rows[0]!.at) - (before + after) / 2000;
}
