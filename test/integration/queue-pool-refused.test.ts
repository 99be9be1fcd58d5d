/**
 * A long-lived producer's queue objects after its queue backend refused it (lead30): BullMQ 6.7 keeps a queue's
 * failed start-up for good (on PostgreSQL every later call fails at once with the first error; on Redis its
 * calls may never settle), so a queue object made while the backend was down stayed broken until the process
 * restarted. The relay already rebuilt its queues; the metrics' queue-depth reader, the API's schedule reader
 * and the scheduler role kept theirs. Every long-lived producer now goes through one pool (src/jobs/queues.ts
 * `queuePool`): each call bounded, a queue whose call failed or timed out built anew at its next use.
 * Here the queues live in a database of their own that refuses connections when they are first used
 * (`ALLOW_CONNECTIONS false`), then takes them: the stored-state gauges' refresh works again without a restart.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_ADMIN_URL, waitFor, usePostgresEnv } from '../helpers/env.js';
import { useQueueDb } from '../helpers/queue-db.js';

async function allowConnections(database: string, allow: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);
  } finally {
    await admin.end();
  }
}

describe('queue objects made while the queue backend refused them (queues in the database)', () => {
  const env = usePostgresEnv();
  const queues = useQueueDb();

  it('the queue-depth gauges come back once the backend takes connections, without a restart', async () => {
    const { metrics, refresh } = queues().gauges(env());
    await allowConnections(queues().db.name, false);
    await expect(refresh()).rejects.toThrow();

    await allowConnections(queues().db.name, true);
    await waitFor(
      () =>
        refresh().then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 20_000,
        intervalMs: 500,
        what: 'the stored-state gauges to refresh again',
      },
    );
    const depths = (await metrics.queueJobs.get()).values;
    expect(depths.find((v) => v.labels.queue === 'ingest' && v.labels.state === 'waiting')?.value).toBe(0);
  }, 60_000);
});
