/**
 * Queues in the database (REDIS_URL unset): a connection of BullMQ's ended by the server leaves no 'error' nobody
 * listens to (chaos: `truc worker` died within seconds of pg_terminate_backend every 100 ms, "Unhandled 'error'
 * event" on a pg Client, 57P01). pg emits the server's FATAL as 'error' on a connection with no statement running;
 * with nobody listening that throws out of the socket's handler and ends the process. Two of BullMQ's connections were
 * unheard (src/jobs/pg-backend.ts gives each a listener for its life, as truc's own pool does):
 * - its pool's, checked out (its start-up holds one across its schema statements): pg-pool takes its idle listener off;
 * - its LISTEN connection, listened to only once its connect has resolved, a turn after its first ReadyForQuery: a FATAL
 *   read in the same chunk (the connection ended as it began) came first. A proxy here sends the FATAL right behind
 *   the first ReadyForQuery of each new connection, in one write.
 */
import pg from 'pg';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresQueueFactory, type QueueFactory } from '../../src/jobs/queues.js';
import { createTestDatabase, waitFor, type TestDatabase } from '../helpers/env.js';

const DEFAULTS = { attempts: 1, backoffMs: 100, keepCompleted: 10, keepFailed: 10 };

/** A FATAL ErrorResponse as PostgreSQL sends it to a terminated session (57P01). */
function fatal(): Buffer {
  const fields = Buffer.from(
    'SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0',
  );
  const head = Buffer.alloc(5);
  head[0] = 0x45; // 'E'
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/** A proxy to `port` that, once armed, ends each new connection with a FATAL sent with its first ReadyForQuery. */
async function fatalProxy(port: number) {
  const sockets: Socket[] = [];
  const state = { armed: false, sent: 0 };
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.push(client, upstream);
    let first = state.armed;
    upstream.on('data', (d: Buffer) => {
      // ReadyForQuery ('Z', length 5, idle): the connection's start-up is over.
      const at = first ? d.indexOf(Buffer.from([0x5a, 0, 0, 0, 5])) : -1;
      if (at < 0) return void client.write(d);
      first = false;
      state.sent++;
      client.write(Buffer.concat([d.subarray(0, at + 6), fatal()]));
      client.end();
      upstream.destroy();
    });
    client.on('data', (d) => upstream.write(d));
    for (const s of [client, upstream]) s.on('error', () => undefined).on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    state,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('queues in the database: a connection of BullMQ’s ended by the server', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await admin?.end();
    await db?.drop();
  });
  const factory = (url: string): QueueFactory =>
    postgresQueueFactory({ connectionString: url, schema: 'bullmq' }, DEFAULTS, () => Promise.resolve());

  it('a checked-out connection of the pool: no uncaught error, and the queue goes on', async () => {
    uncaught.length = 0;
    const queues = factory(db.url);
    try {
      const queue = queues.queue('q');
      await queue.waitUntilReady();
      // The pool of the queue's BullMQ backend (public in BullMQ's types), a connection checked out as its start-up does.
      const { pool } = (queue as unknown as { backend: { connection: { pool: pg.Pool } } }).backend
        .connection;
      const client = await pool.connect();
      let ended = false;
      client.once('end', () => (ended = true));
      const { pid } = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // Without a listener the FATAL is thrown out of the socket's handler (here to the listener above), before 'end'.
      await waitFor(() => ended || uncaught.length > 0, {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: 'the end',
      });
      client.release(true);
      expect(uncaught).toEqual([]);
      expect((await queue.add('j', {})).id).toBeDefined(); // a fresh connection
    } finally {
      await queues.close();
    }
  });

  it('its LISTEN connection ended as it begins: no uncaught error', async () => {
    uncaught.length = 0;
    const proxy = await fatalProxy(Number(new URL(db.url).port || 5432));
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const queues = factory(url.toString());
    const worker = queues.worker('lq', async () => null, { concurrency: 1 });
    worker.on('error', () => undefined);
    const listening = async () =>
      (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'lq' AND datname = current_database()",
        )
      ).rows[0]?.pid;
    try {
      // The worker waits for jobs on its LISTEN connection; ended, BullMQ makes another: through the armed proxy.
      const pid = await waitFor(listening, {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: 'the LISTEN connection',
      });
      proxy.state.armed = true;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(() => proxy.state.sent > 0, { timeoutMs: 20_000, intervalMs: 50, what: 'a FATAL sent' });
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught).toEqual([]);
    } finally {
      proxy.state.armed = false;
      await worker.close().catch(() => undefined);
      await queues.close();
      await proxy.close();
    }
  });
});
