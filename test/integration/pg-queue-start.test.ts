/**
 * A queue worker on the PostgreSQL backend (REDIS_URL unset) whose start fails (bull30). BullMQ 6.7 keeps a
 * failed start for good: with an error it does not take for a connection error the worker's main loop then
 * spins on promises only and its process's event loop stops for good (review28's test hung 25 minutes so).
 * Here the database refuses connections when the worker starts (`ALLOW_CONNECTIONS false`: "database … is
 * not currently accepting connections", 55000, what "too many clients already" or "the database system is
 * starting up" do the same way), then takes them. The worker runs in a child process
 * (test/helpers/pg-queue-worker.ts) so a spin stops the child, not this test: it prints a line every 100 ms
 * while its event loop turns. Without src/jobs/pg-worker.ts the child falls silent at its first error and
 * the wait for its next beats times out.
 */
import pg from 'pg';
import { describe, it } from 'vitest';
import { postgresQueueFactory } from '../../src/jobs/queues.js';
import { createTestDatabase, PG_ADMIN_URL } from '../helpers/env.js';
import { ROOT, spawnProcess, trucEnv } from '../helpers/proc.js';

async function allowConnections(database: string, allow: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);
  } finally {
    await admin.end();
  }
}

/** The last `alive <n>` the child printed (0 before its first). */
function lastBeat(stdout: string): number {
  const beats = [...stdout.matchAll(/^alive (\d+)$/gm)];
  return beats.length === 0 ? 0 : Number(beats[beats.length - 1]![1]);
}

describe('a queue worker started while PostgreSQL refuses its connections (queues in the database)', () => {
  it('keeps its process turning, and starts once the database takes connections', async () => {
    const db = await createTestDatabase();
    await allowConnections(db.name, false);
    const child = spawnProcess(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/pg-queue-worker.ts', db.url],
      {
        cwd: ROOT,
        env: trucEnv(),
      },
    );
    const producer = postgresQueueFactory(
      { connectionString: db.url, schema: 'bullmq' },
      {
        attempts: 1,
        backoffMs: 100,
        keepCompleted: 10,
        keepFailed: 10,
      },
      () => Promise.resolve(),
    );
    try {
      await child.waitForLine((line) => line === 'error 55000', 60_000);
      // Its event loop still turns after the failed start: five more beats (half a second).
      const beat = lastBeat(child.stdout());
      await child.waitForLine((line) => line === `alive ${beat + 5}`, 10_000);
      await allowConnections(db.name, true);
      await producer.queue('q').add('probe', {}, { jobId: 'after-refusal' });
      // It tries again (1 s, doubling to 10 s between tries) and runs the job.
      await child.waitForLine((line) => line === 'done after-refusal', 30_000);
    } finally {
      child.kill();
      await child.exited;
      await producer.close();
      await db.drop();
    }
  });
});
