/**
 * Queue workers on the PostgreSQL backend (REDIS_URL unset) while the database refuses them (bull30).
 *
 * A worker whose start fails. BullMQ 6.7 keeps a
 * failed start for good: with an error it does not take for a connection error the worker's main loop then
 * spins on promises only and its process's event loop stops for good (review28's test hung 25 minutes so).
 * Here the database refuses connections when the worker starts (`ALLOW_CONNECTIONS false`: "database … is
 * not currently accepting connections", 55000, what "too many clients already" or "the database system is
 * starting up" do the same way), then takes them. The worker runs in a child process
 * (test/helpers/pg-queue-worker.ts) so a spin stops the child, not this test: it prints a line every 100 ms
 * while its event loop turns. Without src/jobs/pg-worker.ts the child falls silent at its first error and
 * the wait for its next beats times out.
 *
 * A running worker whose fetch of the next job fails: BullMQ asked again at once (anything but ECONNREFUSED),
 * a new connection tried and refused each time, hundreds a second, each failure an error logged. Here the
 * database refuses connections while a job runs; over the next 3 s the worker reports a handful of refusals
 * (the job's completion, its failure, one fetch a second), not hundreds.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresQueueFactory } from '../../src/jobs/queues.js';
import { createTestDatabase, PG_ADMIN_URL, waitFor } from '../helpers/env.js';
import { ROOT, spawnProcess, trucEnv } from '../helpers/proc.js';

const DEFAULTS = { attempts: 1, backoffMs: 100, keepCompleted: 10, keepFailed: 10 };

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

function allowConnections(database: string, allow: boolean): Promise<void> {
  return asAdmin(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${allow}`);
}

/** The last `alive <n>` the child printed (0 before its first). */
function lastBeat(stdout: string): number {
  const beats = [...stdout.matchAll(/^alive (\d+)$/gm)];
  return beats.length === 0 ? 0 : Number(beats[beats.length - 1]![1]);
}

describe('queue workers while PostgreSQL refuses their connections (queues in the database)', () => {
  it('a worker whose start is refused keeps its process turning, and starts once the database takes connections', async () => {
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
    const producer = postgresQueueFactory({ connectionString: db.url, schema: 'bullmq' }, DEFAULTS, () =>
      Promise.resolve(),
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

  it('a running worker asks for its next job at most once a second while the database refuses it', async () => {
    const db = await createTestDatabase();
    const factory = postgresQueueFactory(
      { connectionString: db.url, schema: 'bullmq' },
      DEFAULTS,
      () => Promise.resolve(),
      0.5,
    );
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const ran: string[] = [];
    const worker = factory.worker(
      'q',
      async function runJob(job) {
        ran.push(job.id!);
        if (job.id === 'held') await held;
        return null;
      },
      { concurrency: 1 },
    );
    const refusals: number[] = [];
    worker.on('error', function countRefusals(err: Error & { code?: string }) {
      if (err.code === '55000') refusals.push(Date.now());
    });
    const queue = factory.queue('q');
    try {
      await queue.add('probe', {}, { jobId: 'held' });
      await waitFor(() => ran.includes('held'), { timeoutMs: 30_000, what: 'the held job to run' });
      await allowConnections(db.name, false);
      await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`);
      release();
      const from = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const seen = refusals.filter((t) => t >= from).length;
      // The job's completion and its failure, then about one fetch a second; without the pause, hundreds.
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThanOrEqual(10);
      await allowConnections(db.name, true);
      await queue.add('probe', {}, { jobId: 'after' });
      await waitFor(() => ran.includes('after'), {
        timeoutMs: 30_000,
        what: 'a job once the database is back',
      });
    } finally {
      release();
      await worker.close();
      await queue.close();
      await factory.close();
      await db.drop();
    }
  });
});
