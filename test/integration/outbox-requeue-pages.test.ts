/**
 * sched28 item 2 (issue 7: "Redis flushed ... mid-run: the run completes from the outbox with nothing lost"): the
 * outbox reconciler (src/jobs/outbox-relay.ts `requeueLost`) re-queues, in one pass, every open row whose job
 * Redis lost, however many there are, reading them in bounded pages (keyset by id). It read only the 500 oldest
 * open rows: with more, the rest waited for later passes, and for good when those 500 still had their jobs. Real
 * PostgreSQL and Redis (this test's own key prefix); no worker, so the jobs wait in the queue.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay, RECONCILE_PAGE } from '../../src/jobs/outbox-relay.js';
import type { Db } from '../../src/store/db.js';
import { jobIdOf, readInstallId } from '../../src/store/outbox.js';
import { makeDeps, REDIS_TEST_URL, type TestEnv } from '../helpers/env.js';
import { deleteRedisKeys } from '../helpers/redis.js';

const ROWS = 2 * RECONCILE_PAGE + 200;

describe('the outbox reconciler after a Redis flush, more open rows than one page (sched28)', () => {
  let env: TestEnv;
  /** The rows each page of the reconciler's walk read. */
  const pages: number[] = [];
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 60_000);
  afterAll(async () => {
    await env?.cleanup();
  });

  /** The database as the relay uses it, noting the size of each page of stale open rows it reads. */
  const counted = (db: Db): Db =>
    new Proxy(db, {
      get(target, prop) {
        if (prop === 'query')
          return async (...args: Parameters<Db['query']>) => {
            const res = await target.query(...args);
            if (/enqueued_at < now\(\)/.test(String(args[0]))) pages.push(res.rows.length);
            return res;
          };
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });

  it('re-queues every row whose job is missing in one pass, in pages of at most RECONCILE_PAGE rows', async () => {
    await env.deps.db.query(
      `INSERT INTO truc.outbox (queue, job_name, payload)
       SELECT 'ingest', 'ingest-batch', jsonb_build_object('batchId', $1::text || g) FROM generate_series(1, $2) g`,
      [randomUUID(), ROWS],
    );
    const ids = (await env.deps.db.query<{ id: number }>('SELECT id FROM truc.outbox ORDER BY id')).rows.map(
      (r) => Number(r.id),
    );
    expect(ids).toHaveLength(ROWS);
    const installId = await readInstallId(env.deps.db);
    const relay = createRelay(
      { ...env.deps, db: counted(env.deps.db) },
      { pollMs: 60_000, batch: 500, reconcileAfterSeconds: 0 },
    );
    const relayAll = async (): Promise<void> => {
      while ((await relay.relayOnce()) > 0);
    };
    try {
      await relayAll();
      await new Promise((r) => setTimeout(r, 50));
      expect(await relay.reconcileOnce()).toBe(0); // every job is there

      // Redis loses the jobs of the rows after the first page and a half: the oldest ones still have theirs.
      const kept = new Set(
        ids.slice(0, RECONCILE_PAGE + RECONCILE_PAGE / 2).map((id) => jobIdOf(installId, id)),
      );
      const lost = await deleteRedisKeys(REDIS_TEST_URL, env.redisPrefix!, (key) => {
        const m = /:ingest:(ob-.+)$/.exec(key);
        return m !== null && !kept.has(m[1]!);
      });
      expect(lost).toBe(ROWS - kept.size);
      pages.length = 0;
      // Was: 0, for good (the 500 oldest open rows read, each with its job).
      expect(await relay.reconcileOnce()).toBe(ROWS - kept.size);
      expect(Math.max(...pages)).toBeLessThanOrEqual(RECONCILE_PAGE);
      expect(pages.length).toBeGreaterThanOrEqual(3);

      // Queued again; then Redis is flushed: every open row is re-queued in one pass (was: the 500 oldest).
      await relayAll();
      await new Promise((r) => setTimeout(r, 50));
      expect(await deleteRedisKeys(REDIS_TEST_URL, env.redisPrefix!)).toBeGreaterThan(0);
      expect(await relay.reconcileOnce()).toBe(ROWS);
      const open = await env.deps.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM truc.outbox WHERE enqueued_at IS NULL AND done_at IS NULL',
      );
      expect(open.rows[0]!.n).toBe(ROWS);
    } finally {
      await relay.stop();
    }
  }, 120_000);
});
