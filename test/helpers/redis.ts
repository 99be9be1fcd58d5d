/**
 * Redis isolation for tests: every key a test run makes lives under its own BullMQ prefix
 * (TRUC_QUEUE_PREFIX), and only those keys are listed or deleted.
 */
import { Redis } from 'ioredis';

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

/**
 * Jobs of `<prefix>:<queue>` that BullMQ found stalled (their lock lapsed: a worker frozen, killed or
 * starved past its lock) and handed back to be run again, by job id: the `stalled` entries of the
 * queue's event stream.
 */
export async function stalledJobIds(url: string, prefix: string, queue: string): Promise<string[]> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const entries = await r.xrange(`${prefix}:${queue}:events`, '-', '+');
    const ids: string[] = [];
    for (const [, fields] of entries) {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      if (f.get('event') === 'stalled') ids.push(f.get('jobId') ?? '');
    }
    return ids;
  } finally {
    r.disconnect();
  }
}
