/**
 * Default job options and the one factory that builds BullMQ classes on either backend:
 * Redis when REDIS_URL is set, otherwise BullMQ 6's PostgreSQL backend in truc's own database. Job
 * code never knows which.
 */
import { Queue as RedisQueue, Worker as RedisWorker, withBackend } from 'bullmq';
import type { JobsOptions, Processor, Queue, Worker, WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError, both } from '../errors.js';
import { errorKind, outageLog, type OutageLog } from '../observability/outage.js';
import { isConnectionLost } from '../store/db-errors.js';
import { listenedPostgresBackend } from './pg-backend.js';
import { PostgresWorker } from './pg-worker.js';

export interface JobDefaults {
  /** Redis key prefix (ignored by the PostgreSQL backend, which uses its schema). */
  queuePrefix?: string;
  attempts: number;
  backoffMs: number;
  keepCompleted: number;
  keepFailed: number;
}

function defaultJobOptions(d: JobDefaults): JobsOptions {
  return {
    attempts: d.attempts,
    backoff: { type: 'exponential', delay: d.backoffMs, jitter: 0.5 },
    removeOnComplete: { count: d.keepCompleted, age: 24 * 3600 },
    removeOnFail: { count: d.keepFailed, age: 7 * 24 * 3600 },
  };
}

export interface QueueFactory {
  readonly backend: 'redis' | 'postgres';
  queue(name: string): Queue;
  worker(name: string, processor: Processor, opts: Omit<WorkerOptions, 'connection'>): Worker;
  /** Checks the backend answers (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Queue objects built on first use, one per name, for a producer that talks to many queues. Every call on
 * one goes through {@link QueuePool.on}: it runs within the pool's time limit, and a queue whose call failed
 * or timed out is dropped (closed) so the next call builds a new one. A BullMQ queue made while its backend
 * was down may keep its failed start-up for good: on Redis its calls may never settle, on PostgreSQL they
 * fail at once (BullMQ 6.7 memoizes the failed readiness), until the process restarts.
 */
export interface QueuePool {
  readonly on: <T>(name: string, fn: (q: Queue) => Promise<T>) => Promise<T>;
  /** Closes every queue the pool holds. */
  closeAll(): Promise<void>;
}

/** A call on a queue that got no answer within its time limit, in both languages (walk8 W8-7: English only). */
export class QueueTimeout extends Error {
  constructor(
    readonly queue: string,
    readonly ms: number,
  ) {
    super(
      both(
        `hàng đợi ${queue} không trả lời trong ${ms} ms`,
        `no answer from the queue ${queue} within ${ms} ms`,
      ),
    );
  }
}

/** `p`, or a {@link QueueTimeout} after `ms`: a call on a queue that lost its start-up never settles. */
function within<T>(p: Promise<T>, ms: number, queue: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueTimeout(queue, ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A {@link QueuePool}; `timeoutMs`: the longest a call on a queue may take (default 5000); `startupMs`: the longest
 * its first call may take, the queue's start-up with it (BullMQ's connection and, on PostgreSQL, its migration check,
 * one queue at a time under BullMQ's advisory lock), `timeoutMs` unless given.
 */
export function queuePool(factory: QueueFactory, timeoutMs = 5000, startupMs = timeoutMs): QueuePool {
  const queues = new Map<string, Queue>();
  const started = new WeakSet<Queue>();
  return {
    on: async (name, fn) => {
      let q = queues.get(name);
      if (!q) queues.set(name, (q = factory.queue(name)));
      try {
        const result = await within(fn(q), started.has(q) ? timeoutMs : startupMs, name);
        started.add(q);
        return result;
      } catch (err) {
        if (queues.get(name) === q) queues.delete(name);
        void q.close().catch(() => undefined);
        throw err;
      }
    },
    async closeAll() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.allSettled(all.map((q) => q.close()));
    },
  };
}

/**
 * A Redis outage as one process hears it: every connection (the queue producer, each worker's, the API's
 * rate limits) reports to one log, so the outage is written once when the first connection fails (warn)
 * and once when every one that failed answers again (info), not at each reconnection attempt of each
 * connection (ioredis emits an 'error' at every one, up to two a second).
 */
export function redisOutageLog(logger: Logger): OutageLog {
  return outageLog(logger, {
    failing: 'Redis connection error; retrying. Logged again when every connection is back',
    back: 'Redis connection back: every connection of this process answers again',
  });
}

/**
 * A PostgreSQL outage as the queue workers of one process hear it (queues in the database, REDIS_URL
 * unset): every worker reports its refused connections to one log (src/jobs/worker.ts), so a restart, a
 * database at max_connections or ALLOW_CONNECTIONS false is written once when the first worker is refused
 * (warn) and once when every refused worker fetches again (info), not at each try (an idle worker's wait
 * is tried again every 100 ms, each refusal emitted).
 */
export function postgresQueueOutageLog(logger: Logger): OutageLog {
  return outageLog(logger, {
    failing:
      "PostgreSQL refuses the queue workers' connections; retrying. Logged again when every worker is back",
    back: 'PostgreSQL takes the queue workers again: every refused worker of this process fetches its jobs',
  });
}

/**
 * Reports `conn`'s connection errors and recoveries to `outage`, as `who`; its listener keeps them
 * non-fatal. Any other error is logged as it comes: it has no 'ready' to end it, and would hold the
 * outage open for good (the next one unheard).
 */
export function reportOutages(conn: Redis, outage: OutageLog, who: string, logger: Logger): Redis {
  conn.on('error', function redisConnectionError(err: Error) {
    if (isConnectionError(err)) outage.failed(err, who);
    else logger.warn({ err: errorKind(err), connection: who }, 'Redis client error');
  });
  conn.on('ready', function redisConnectionReady() {
    outage.ok(who);
  });
  return conn;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL's refusals of a connection (SQLSTATE): class 08 (connection exception), a session ended by a
 * shutdown or pg_terminate_backend (57P01, 57P02), the server starting up or shutting down (57P03), too
 * many clients (53300), and the database not accepting connections (55000, ALLOW_CONNECTIONS false; also
 * the code of a few statement errors, none of which the queue backend's statements raise).
 */
const PG_CONNECTION_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '55000',
]);

/**
 * An error of a connection to Redis or PostgreSQL itself (refused, reset, closed), not of a command:
 * what a BullMQ worker passes on from its connections at every reconnection attempt or fetch, heard by
 * {@link redisOutageLog} or {@link postgresQueueOutageLog}.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return (
    (typeof code === 'string' && (CONNECTION_CODES.has(code) || PG_CONNECTION_CODES.has(code))) ||
    err.name === 'ConnectionClosedError' ||
    err.message === 'Connection is closed.' ||
    // pg's words for a connection lost (chaos: BullMQ's LISTEN connection used after its end, "Client has encountered
    // a connection error and is not queryable", was logged at error level each time under pg_terminate_backend)
    isConnectionLost(err)
  );
}

/**
 * Producers fail fast when Redis is away; workers wait for it (BullMQ going-to-production). The
 * connections' errors are heard through `outage` (one per process: see {@link redisOutageLog}).
 */
export function redisQueueFactory(
  url: string,
  defaults: JobDefaults,
  logger: Logger,
  outage: OutageLog = redisOutageLog(logger),
): QueueFactory {
  const producer = reportOutages(
    new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }),
    outage,
    'queue producer',
    logger,
  );
  const queues: Queue[] = [];
  const conns: Redis[] = [producer];
  return {
    backend: 'redis',
    queue(name) {
      const q = new RedisQueue(name, {
        connection: producer,
        prefix: defaults.queuePrefix ?? 'truc',
        defaultJobOptions: defaultJobOptions(defaults),
      });
      // A queue passes on its connection's errors (heard on the producer); any other is logged.
      q.on('error', function queueError(err: Error) {
        if (!isConnectionError(err)) logger.warn({ err, queue: name }, 'queue error');
      });
      queues.push(q);
      return q;
    },
    worker(name, processor, opts) {
      const conn = reportOutages(
        new Redis(url, { maxRetriesPerRequest: null }),
        outage,
        `worker ${name}`,
        logger,
      );
      conns.push(conn);
      return new RedisWorker(name, processor, {
        ...opts,
        prefix: defaults.queuePrefix ?? 'truc',
        connection: conn,
      });
    },
    async ping() {
      await producer.ping();
    },
    async close() {
      await Promise.allSettled(queues.map((q) => q.close()));
      await Promise.allSettled(conns.map((c) => c.quit()));
    },
  };
}

export function postgresQueueFactory(
  connection: { connectionString: string; schema: string },
  defaults: JobDefaults,
  ping: () => Promise<void>,
  /** Seconds an idle worker waits before polling again; the embedded socket does not relay LISTEN/NOTIFY. */
  drainDelaySeconds = 5,
  /** The longest wait of an idle worker whose next job is delayed (./pg-worker.ts BlockLimit); unset: BullMQ's. */
  maxBlockSeconds?: number,
): QueueFactory {
  const { Queue: PgQueue } = withBackend(listenedPostgresBackend);
  const conn = { ...connection, migrate: true, max: 4 };
  const queues: Queue[] = [];
  return {
    backend: 'postgres',
    queue(name) {
      const q = new PgQueue(name, { connection: conn, defaultJobOptions: defaultJobOptions(defaults) });
      // Its connection's errors: a database outage is heard by the relay and readiness, not per queue.
      q.on('error', () => undefined);
      queues.push(q as unknown as Queue);
      return q as unknown as Queue;
    },
    worker(name, processor, opts) {
      // Not BullMQ's own Worker: one whose failed start is retried, not kept for good (./pg-worker.ts).
      return new PostgresWorker(
        name,
        processor,
        { drainDelay: drainDelaySeconds, ...opts, connection: { ...conn, max: 2 } },
        undefined,
        maxBlockSeconds === undefined ? {} : { maxBlockSeconds },
      ) as unknown as Worker;
    },
    ping,
    async close() {
      await Promise.allSettled(queues.map((q) => q.close()));
    },
  };
}

/** Checks a Redis URL answers within a few seconds; a clear error otherwise. */
export async function assertRedisReachable(url: string): Promise<void> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined); // a one-off probe: its failure is the error thrown below
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    let where = url;
    try {
      const u = new URL(url);
      where = `${u.protocol}//${u.hostname}:${u.port || 6379}`;
    } catch {
      /* keep as is */
    }
    throw new AppError(
      'ERR_DEPENDENCY_UNAVAILABLE',
      `không kết nối được Redis tại ${where} (${(err as Error).message}): hãy khởi động một máy chủ Redis ` +
        `(redis-server --appendonly yes --maxmemory-policy noeviction) hoặc bỏ REDIS_URL để giữ hàng đợi trong cơ sở dữ liệu / ` +
        `Redis at ${where} is not reachable (${(err as Error).message}). Start one ` +
        `(redis-server --appendonly yes --maxmemory-policy noeviction) or unset REDIS_URL to keep queues in the database.`,
      { cause: err },
    );
  } finally {
    r.disconnect();
  }
}
