/**
 * BullMQ's PostgreSQL backend (queues in the database, REDIS_URL unset) whose connections never end the process with
 * an 'error' nobody listens to (chaos): each keeps a listener for its life, as truc's own pool's do
 * (../store/db.ts `keepClientErrors`). Its pool hands a connection out without its idle listener (BullMQ's start-up
 * holds one across its schema statements); and its dedicated LISTEN connection is listened to only once its connect
 * has resolved, a turn after the connection's first ReadyForQuery: a FATAL read in the same chunk (the connection
 * ended by the server as it began, under pg_terminate_backend) was thrown out of the socket's handler, and
 * `truc worker` died.
 */
import { createPostgresBackend } from 'bullmq';
import pg from 'pg';
import { keepClientErrors } from '../store/db.js';

/** pg's Client, listened to from its construction on. */
class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    keepClientErrors(this);
  }
}

/** BullMQ's connection as far as it is reached here: its pool, and the pg module it makes its LISTEN client with. */
interface BackendConnection {
  pool: { on(event: 'connect', listener: (client: pg.PoolClient) => void): unknown };
  pgModule?: { Client: typeof pg.Client };
}

/** {@link createPostgresBackend}, each connection of its pool and its LISTEN connection listened to for life. */
export const listenedPostgresBackend: typeof createPostgresBackend = (name, opts, factoryOpts) => {
  const backend = createPostgresBackend(name, opts, factoryOpts);
  // Before any connection is made: the pool connects, and the LISTEN client is made, on first use.
  const connection = backend.connection as unknown as BackendConnection;
  connection.pool.on('connect', keepClientErrors);
  // A private field of BullMQ's (6.7): test/integration/pg-queue-connection-lost.test.ts says when it is gone.
  if (connection.pgModule) connection.pgModule = { Client: ListenedClient };
  return backend;
};
