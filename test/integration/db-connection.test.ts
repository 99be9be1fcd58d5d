/**
 * A PostgreSQL connection that dies under a running transaction (a server restart, an admin's
 * pg_terminate_backend) fails that transaction and nothing else: the process keeps running and the
 * pool hands out fresh connections afterwards. Guards the client 'error' listener in
 * src/store/db.ts: without it, pg emits 'error' on the checked-out client with no listener, which
 * throws out of the socket handler and ends the process (vitest reports it as an unhandled error).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createPgDb, pingDatabase } from '../../src/store/db.js';
import { couldNotConnect, isConnectionLost } from '../../src/store/db-errors.js';
import { openTestStore, type TestStore } from '../helpers/env.js';

describe('a connection killed inside a transaction (PostgreSQL)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres', { migrate: false });
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  async function terminate(pid: number): Promise<void> {
    const admin = new pg.Client({ connectionString: store.location });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
  }

  it('runs without JIT (a short statement is never compiled for ~0.5 s on a stale cost estimate)', async () => {
    expect((await store.db.query<{ jit: string }>('SHOW jit')).rows[0]!.jit).toBe('off');
    expect(await store.db.tx(async (q) => (await q.query<{ jit: string }>('SHOW jit')).rows[0]!.jit)).toBe(
      'off',
    );
  });

  it('fails that transaction only; the process survives and the pool recovers', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await store.db
        .tx(async (q) => {
          const me = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await terminate(me.rows[0]!.pid);
          // Let the socket's end reach the client while no query runs on it.
          await new Promise((r) => setTimeout(r, 300));
          await q.query('SELECT 1');
          return 'committed';
        })
        .catch((err: unknown) => err);
      expect(outcome).toBeInstanceOf(Error);
      // Lost under a statement: not a connection that could not be made (the worker pings to decide).
      expect(isConnectionLost(outcome)).toBe(true);
      expect(couldNotConnect(outcome)).toBe(false);
      expect(uncaught).toEqual([]);
      // Every pooled connection is usable again, including the slot the dead client held.
      await Promise.all(Array.from({ length: 12 }, () => pingDatabase(store.db)));
      expect(await store.db.tx(async (q) => (await q.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n)).toBe(
        2,
      );
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('a connection the server ends during its start-up (a restart, a cut) is one that could not be made', async () => {
    // What truc meets while PostgreSQL restarts behind a proxy: the connection accepted, then ended.
    const ending = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => ending.listen(0, '127.0.0.1', r));
    const url = new URL(store.location);
    url.port = String((ending.address() as AddressInfo).port);
    const db = createPgDb(url.toString(), 'postgres', { max: 1 });
    try {
      const viaQuery = await db.query('SELECT 1').catch((e: unknown) => e);
      const viaTx = await db.tx((q) => q.query('SELECT 1')).catch((e: unknown) => e);
      for (const err of [viaQuery, viaTx]) {
        expect(isConnectionLost(err)).toBe(true);
        expect(couldNotConnect(err)).toBe(true);
      }
      // A wrong statement is neither.
      const wrong = await store.db.query('SELECT nonsense FROM nowhere').catch((e: unknown) => e);
      expect([isConnectionLost(wrong), couldNotConnect(wrong)]).toEqual([false, false]);
      await pingDatabase(store.db);
    } finally {
      await db.close();
      await new Promise<void>((r) => ending.close(() => r()));
    }
  });
  // CI, stop 58: a PostgreSQL restart ended the api process. A transaction sends its BEGIN without waiting for
  // it (pipelined); with the connection lost under it, BEGIN's failure was an unhandled rejection, which ends
  // a Node process. The transaction fails; nothing else may.
  it('a connection lost as a transaction begins fails that transaction, and leaves no unhandled rejection', async () => {
    let armed = false;
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const server = connect(Number(new URL(store.location).port || 5432), '127.0.0.1');
      sockets.push(client, server);
      server.on('data', (d) => client.write(d));
      client.on('data', (d) => (armed ? (client.destroy(), server.destroy()) : server.write(d)));
      client.on('error', () => undefined);
      server.on('error', () => undefined);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = new URL(store.location);
    url.port = String((proxy.address() as AddressInfo).port);
    const db = createPgDb(url.toString(), 'postgres', { max: 1 });
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      await pingDatabase(db); // the pool's one connection, idle
      armed = true; // the transaction's first bytes (BEGIN and its statement) end the connection
      const outcome = await db.tx((q) => q.query('SELECT 1')).catch((e: unknown) => e);
      expect(isConnectionLost(outcome)).toBe(true);
      await new Promise((r) => setTimeout(r, 100)); // an unhandled rejection is reported after a turn
      expect(unhandled).toEqual([]);
      armed = false;
      await pingDatabase(db); // and the pool connects again
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await db.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
