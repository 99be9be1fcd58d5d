/**
 * Queues in the database (REDIS_URL unset): a connection of BullMQ's pool ended by the server while it is checked out
 * and idle (chaos: `truc worker` died within a second of pg_terminate_backend every 100 ms). BullMQ's start-up holds
 * one of its pool's connections across its schema statements; pg-pool takes its own 'error' listener off a connection
 * it hands out, and pg emits the server's FATAL (57P01) as 'error' on a connection with no statement running: with
 * nobody listening that throws out of the socket's handler and ends the process. truc's queue factory gives each of
 * BullMQ's connections the listener truc's own pool gives its own (src/store/db.ts `keepClientErrors`).
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { postgresQueueFactory } from '../../src/jobs/queues.js';
import { createTestDatabase, waitFor } from '../helpers/env.js';

const DEFAULTS = { attempts: 1, backoffMs: 100, keepCompleted: 10, keepFailed: 10 };

it('a checked-out connection of the queues’ pool ended by the server leaves no uncaught error; the queue goes on', async () => {
  const db = await createTestDatabase();
  const queues = postgresQueueFactory({ connectionString: db.url, schema: 'bullmq' }, DEFAULTS, () =>
    Promise.resolve(),
  );
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  const admin = new pg.Client({ connectionString: db.url });
  try {
    const queue = queues.queue('q');
    await queue.waitUntilReady();
    // The pool of the queue's BullMQ backend (public in BullMQ's types), a connection checked out as its start-up does.
    const { pool } = (queue as unknown as { backend: { connection: { pool: pg.Pool } } }).backend.connection;
    const client = await pool.connect();
    let ended = false;
    client.once('end', () => (ended = true));
    const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // Without a listener the FATAL is thrown out of the socket's handler (here to the listener above), before 'end'.
    await waitFor(() => ended || uncaught.length > 0, {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'the connection to end',
    });
    client.release(true);
    expect(uncaught).toEqual([]);
    // The pool makes a fresh connection: the queue takes a job.
    expect((await queue.add('j', {})).id).toBeDefined();
  } finally {
    process.off('uncaughtException', onUncaught);
    await admin.end().catch(() => undefined);
    await queues.close();
    await db.drop();
  }
});
