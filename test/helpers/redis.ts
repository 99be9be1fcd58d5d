/**
 * Redis isolation for tests. `src/jobs/queues.ts` `redisQueueFactory` cannot take a BullMQ key
 * prefix yet, so this is the same factory (same connection options, same default job options) with
 * one: every key a test makes lives under `<prefix>:`, and only those keys are deleted afterwards.
 * Replace with the core factory once it accepts `{ prefix }`.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { defaultJobOptions, type JobDefaults, type QueueFactory } from '../../src/jobs/queues.js';

/** {@link redisQueueFactory} with a BullMQ key prefix. */
export function prefixedRedisQueueFactory(url: string, defaults: JobDefaults, prefix: string): QueueFactory {
  const producer = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  producer.on('error', () => undefined);
  const queues: Queue[] = [];
  const conns: Redis[] = [producer];
  return {
    backend: 'redis',
    queue(name) {
      const q = new Queue(name, {
        connection: producer,
        prefix,
        defaultJobOptions: defaultJobOptions(defaults),
      });
      q.on('error', () => undefined);
      queues.push(q);
      return q;
    },
    worker(name, processor, opts) {
      const conn = new Redis(url, { maxRetriesPerRequest: null });
      conn.on('error', () => undefined);
      conns.push(conn);
      return new Worker(name, processor, { ...opts, prefix, connection: conn });
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

/** Keys under `<prefix>:` (bounded SCAN). */
export async function listRedisKeys(url: string, prefix: string): Promise<string[]> {
  if (!/^[A-Za-z0-9._-]{4,}$/.test(prefix)) throw new Error(`refusing to scan for unsafe prefix "${prefix}"`);
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    for (let i = 0; i < 10_000; i++) {
      const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    return keys;
  } finally {
    r.disconnect();
  }
}

/** Deletes every key under `<prefix>:` and nothing else; returns how many. */
export async function deleteRedisKeys(
  url: string,
  prefix: string,
  match: (key: string) => boolean = () => true,
): Promise<number> {
  const keys = (await listRedisKeys(url, prefix)).filter(match);
  if (keys.length === 0) return 0;
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let n = 0;
    for (let i = 0; i < keys.length; i += 500) n += await r.del(...keys.slice(i, i + 500));
    return n;
  } finally {
    r.disconnect();
  }
}
