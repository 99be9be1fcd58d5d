/**
 * A Redis outage as a process with queues hears it (src/jobs/queues.ts `redisOutageLog`): the queue
 * producer's connection dropped its errors unheard, and every worker logged each reconnection attempt
 * of its two connections at error level (`worker error on <queue>`, ~4 lines a second a queue). Now
 * every connection of the process (the producer, each worker's, the API's rate limits) reports to one
 * log: one warn when the first fails, one info when every one is back, nothing on stderr. A private
 * redis-server (never the shared one) is killed and started again.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { sharedRedis } from '../../src/deps.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { redisOutageLog, redisQueueFactory, reportOutages } from '../../src/jobs/queues.js';
import type { RegisteredJob } from '../../src/jobs/registry.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { Db } from '../../src/store/db.js';
import { waitFor } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { startOwnRedis, type OwnRedis } from '../helpers/faults.js';

describe('queues: a Redis outage', () => {
  let own: OwnRedis;
  beforeAll(async () => {
    own = await startOwnRedis();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await own?.stop();
  });

  it('is logged once by all of a process’s connections (producer, workers, rate limits), and its end once', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { logger, lines } = captureLog();
    const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    const outage = redisOutageLog(logger);
    const queues = redisQueueFactory(
      own.url,
      { attempts: 1, backoffMs: 10, keepCompleted: 10, keepFailed: 10, queuePrefix: 'truc-errors' },
      logger,
      outage,
    );
    const api = sharedRedis(own.url, logger, outage);
    // A worker that never gets a job (the producer adds to another queue): only its connections matter.
    const job = {
      queue: 'outage-work',
      name: 'note',
      concurrency: 1,
      run: async () => undefined,
    } as unknown as RegisteredJob;
    const ctx = { config } as unknown as WorkerContext;
    const workers = startWorkers(
      { db: {} as Db, logger, metrics: createMetrics(), queues, now: () => new Date() },
      ctx,
      [job],
    );
    // Counted through 'reconnecting' (one per failed attempt), not a listener of our own on 'error'.
    let attempts = 0;
    let killed = false;
    try {
      await Promise.all(workers.workers.map((w) => w.waitUntilReady()));
      expect(await api.ping()).toBe('PONG');
      const q = queues.queue('outage-produce');
      await q.add('note', { n: 'before' });
      api.on('reconnecting', () => attempts++);

      await own.kill();
      killed = true;
      await waitFor(() => attempts >= 3, { timeoutMs: 30_000, what: 'three reconnection attempts' });
      await expect(q.add('note', { n: 'during' })).rejects.toThrow();
      const warned = lines.filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]!.msg).toMatch(/^Redis connection error/);
      expect(warned[0]!.err).toMatchObject({ code: expect.stringMatching(/^ECONN(REFUSED|RESET)$/) });
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(stderr).not.toHaveBeenCalled();

      await own.start();
      killed = false;
      await waitFor(() => lines.some((l) => l.level === 'info'), {
        timeoutMs: 30_000,
        what: 'the end of the outage logged',
      });
      await q.add('note', { n: 'after' });
      expect(lines.filter((l) => l.level === 'info')).toEqual([
        expect.objectContaining({
          msg: expect.stringMatching(/^Redis connection back/),
          downSeconds: expect.any(Number),
        }),
      ]);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      api.disconnect();
      if (killed) await own.start();
      // Bounded: a BullMQ worker closed soon after a Redis restart may not close for minutes otherwise.
      await workers.close();
      await queues.close();
    }
  });

  it('an error that is not a connection failure is logged as it comes and does not hold an outage open', () => {
    const { logger, lines } = captureLog();
    const outage = redisOutageLog(logger);
    const conn = reportOutages(new Redis(own.url, { lazyConnect: true }), outage, 'test', logger);
    conn.emit('error', new Error('ERR unknown command'));
    expect(outage.down).toBe(false);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['warn', 'Redis client error']]);
    conn.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(outage.down).toBe(true);
    conn.emit('ready');
    expect(outage.down).toBe(false);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'info']);
    conn.disconnect();
  });
});
