/**
 * A BullMQ worker on the PostgreSQL backend (queues in the database, REDIS_URL unset) that survives a failed
 * start. BullMQ 6.7's PostgresConnection memoizes its readiness (connect, then its schema migration) with the
 * failure, and every query of the worker awaits it: a worker whose start failed fails every call at once,
 * for good. When the failure is not one BullMQ takes for a connection error (PostgreSQL's "too many clients
 * already", "the database system is starting up", a database not accepting connections…), its main loop asks
 * for a job, the call fails at once, the failure is emitted and dropped, and it asks again: promises only,
 * never a timer or a socket, so the process's event loop stops (100 % CPU; no request, timer or shutdown is
 * ever served; review28's test spun 25 minutes so in a parallel run). With a connection error (ECONNREFUSED)
 * it retries every 15 s instead, failing each time, even once the database is back.
 *
 * Here the worker fetches only once its backend is ready. A failed start is reported (`'error'`) and, after
 * a pause (1 s, doubling up to 10 s), the worker builds a fresh backend (new pool and LISTEN connection) and
 * tries again, until it starts or is closed. Once started BullMQ recovers by itself (a pool connection lost
 * is replaced, the LISTEN connection rebuilt), but it asks for the next job again at once after a failed
 * fetch: while PostgreSQL refused connections (restarting, too many clients) a worker tried ~160 a second,
 * each failure logged. A failed fetch now waits 1 s first.
 *
 * An idle worker's wait for a job is still tried again every 100 ms, each refusal emitted: its process logs
 * them as one outage (src/jobs/worker.ts, queues.ts `postgresQueueOutageLog`), whose end it hears from the
 * `'ready'` a worker emits at its first fetch that goes through after an error (or a renewed start); an
 * idle worker fetches again a drainDelay after an error, not BullMQ's hour.
 */
import { Worker } from 'bullmq';
import type {
  Job,
  JobProgress,
  PostgresConnectionOptions,
  PostgresQueueBackend,
  Processor,
  WorkerListener,
  WorkerOptions,
} from 'bullmq';
import { listenedPostgresBackend } from './pg-backend.js';

type Listener = WorkerListener<unknown, unknown, string, JobProgress>;

export interface StartRetry {
  /** The pause after the first failed start; doubled after each, up to `lastMs`. */
  firstMs: number;
  lastMs: number;
}

const START_RETRY: StartRetry = { firstMs: 1_000, lastMs: 10_000 };

export interface BlockLimit {
  /**
   * The longest an idle worker waits before it fetches again (seconds), however far its next delayed job is. BullMQ's
   * PostgreSQL backend waits until that job (up to an hour) and counts on NOTIFY to hear of any job added meanwhile;
   * the embedded database's socket relays none (walk3 W3-5: a schedule's fire added after the worker began waiting
   * for tomorrow's ran 38 minutes late on the demo). Unset: BullMQ's own.
   */
  maxBlockSeconds?: number;
}

/** The pause after a failed fetch of the next job, before BullMQ asks again. */
const FETCH_RETRY_MS = 1_000;

export class PostgresWorker extends Worker<
  unknown,
  unknown,
  string,
  PostgresQueueBackend,
  JobProgress,
  PostgresConnectionOptions
> {
  /** Settles once the worker runs, or once it was closed before it could. */
  readonly started: Promise<void>;
  /** An error was emitted since the last fetch that went through: the next one emits `'ready'`. */
  private failedSinceFetch = false;

  constructor(
    name: string,
    processor: Processor,
    opts: WorkerOptions<PostgresConnectionOptions>,
    retry: StartRetry = START_RETRY,
    private readonly limit: BlockLimit = {},
  ) {
    super(name, processor, { ...opts, autorun: false }, listenedPostgresBackend);
    this.started = this.startWhenReady(opts.autorun ?? true, retry);
  }

  private async startWhenReady(autorun: boolean, retry: StartRetry): Promise<void> {
    let pauseMs = retry.firstMs;
    for (let renewed = false; ; renewed = true) {
      try {
        await this.waitUntilReady();
        if (renewed) this.emit('ready');
        break;
      } catch (err) {
        if (this.closing) return;
        this.emit('error', err as Error);
        await this.pauseUnlessClosed(pauseMs);
        if (this.closing) return;
        pauseMs = Math.min(pauseMs * 2, retry.lastMs);
        this.renewBackend();
      }
    }
    if (autorun && !this.closing) this.run().catch((err: unknown) => this.emit('error', err as Error));
  }

  /** Marks an error emitted (a refused wait, fetch or completion among them), for {@link moveToActive}. */
  override emit<U extends keyof Listener>(event: U, ...args: Parameters<Listener[U]>): boolean {
    if (event === 'error') this.failedSinceFetch = true;
    return super.emit(event, ...args);
  }

  protected override async moveToActive(
    token: string,
    name?: string,
  ): Promise<Job<unknown, unknown, string, JobProgress>> {
    try {
      const job = await super.moveToActive(token, name);
      if (this.failedSinceFetch) {
        this.failedSinceFetch = false;
        this.emit('ready');
      }
      return job;
    } catch (err) {
      if (!this.closing) await this.pauseUnlessClosed(FETCH_RETRY_MS);
      throw err;
    }
  }

  /**
   * No longer than `maxBlockSeconds` ({@link BlockLimit}) when set.
   * After an error an idle worker's next wait is BullMQ's longest (an hour on this backend, woken by a job
   * added): it fetches again after its drainDelay instead, so a worker back from an outage says so.
   */
  protected override getBlockTimeout(blockUntil: number): number {
    const timeout = super.getBlockTimeout(blockUntil);
    if (timeout <= 0) return timeout;
    const max = this.limit.maxBlockSeconds;
    const capped = max === undefined ? timeout : Math.min(timeout, max);
    return this.failedSinceFetch ? Math.min(capped, this.opts.drainDelay ?? 5) : capped;
  }

  /** Waits `ms`, or less when the worker starts closing meanwhile. */
  private pauseUnlessClosed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('closing', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.on('closing', done);
    });
  }

  /** Replaces the backend whose start failed (its readiness stays failed) with a fresh one. */
  private renewBackend(): void {
    const failed = this.backend;
    this.createBackend();
    this.backend.on('error', (err: Error) => this.emit('error', err));
    failed.close().catch(() => undefined);
  }
}
