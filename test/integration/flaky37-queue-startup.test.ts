/**
 * flaky37: the operations overview listed only some queues on a loaded machine (ops-routes 'the overview needs an
 * admin token', red in full runs: change-purge, ingest, pcgd listed, no pull or push.hcm-csdl). The overview waits
 * up to 20 s for the stored-state gauges, but the gauges' queue pool bounded each call at 5 s, the queue's start-up
 * included; on PostgreSQL the queues start one at a time (BullMQ's migration check under its advisory lock), so
 * under load the later ones passed 5 s, were dropped, and were missing from the gauge and the overview. Now a
 * queue's first call in that refresh is given as long as the overview waits.
 * Here the queues' start-up is really held: this test holds BullMQ's migration lock past the pool's 5 s call bound,
 * then lets it go. Every queue is then in the gauge (before: the refresh failed at 5 s with none of them).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownQueues } from '../../src/jobs/state-metrics.js';
import { waitFor, usePostgresEnv } from '../helpers/env.js';
import { useQueueDb } from '../helpers/queue-db.js';

/** BullMQ's migration lock (bullmq/dist/cjs/postgres/migrator.js MIGRATION_ADVISORY_LOCK_KEY 0x42554c4c, per schema). */
const BULLMQ_MIGRATION_LOCK = `SELECT pg_advisory_lock(${0x42554c4c}, hashtext($1))`;
/** The queue pool's bound on a call of a started queue (src/jobs/queues.ts queuePool's default). */
const CALL_BOUND_MS = 5000;

describe('the stored-state gauges wait for a slow queue start-up as long as the overview waits', () => {
  const env = usePostgresEnv();
  const queues = useQueueDb();
  let holder: pg.Client;

  beforeAll(async () => {
    holder = new pg.Client({ connectionString: queues().db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
  });

  it('queues whose start-up takes longer than a call bound are all counted', async () => {
    const { metrics, refresh } = queues().gauges(env());
    await holder.query(BULLMQ_MIGRATION_LOCK, ['bullmq']);
    const started = Date.now();
    const refreshed = refresh().then(
      () => 'refreshed',
      (err: Error) => err.message,
    );
    // Every queue's start-up is waiting for the lock (a real wait, seen in pg_locks) …
    await waitFor(
      async () => {
        const { rows } = await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
            WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted`,
        );
        return rows[0]!.n >= knownQueues().length;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'every queue start-up waiting for the migration lock' },
    );
    // … and is held past the bound of a started queue's call, as a loaded machine held it.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, CALL_BOUND_MS + 500 - (Date.now() - started))),
    );
    await holder.query('SELECT pg_advisory_unlock_all()');

    expect(await refreshed).toBe('refreshed');
    const listed = new Set((await metrics.queueJobs.get()).values.map((v) => String(v.labels.queue)));
    expect([...listed].sort()).toEqual(knownQueues().sort());
  }, 60_000);
});
