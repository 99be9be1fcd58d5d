/**
 * A PostgreSQL wire-protocol server over one PGlite instance, so that `pg` clients — truc's own pool
 * and BullMQ's PostgreSQL backend — share the embedded database.
 *
 * Why not `@electric-sql/pglite-socket`: its multiplexer schedules single protocol messages, so the
 * Parse/Bind/Execute/Sync sequences of two connections interleave on PGlite's one session and one
 * connection binds against the other's unnamed statement (pglite issue #1046, "bind message supplies
 * 2 parameters, but prepared statement requires 4" here under the demo's load). This server runs
 * each connection's messages up to a synchronisation point (Sync, a simple Query, CopyDone/CopyFail)
 * as ONE unit, and while a unit leaves PGlite inside a transaction only that connection's units run
 * until the transaction ends. A connection that closes mid-transaction is rolled back. A failing
 * unit never stops the queue.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { sleep } from '../observability/deadline.js';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Message types after which the backend answers ReadyForQuery: the end of a unit. */
const UNIT_END = new Set([
  0x53 /* S Sync */, 0x51 /* Q Query */, 0x63 /* c CopyDone */, 0x66 /* f CopyFail */,
]);
const TERMINATE = 0x58; // X

interface Unit {
  conn: Connection;
  bytes: Uint8Array;
}

interface Connection {
  socket: Socket;
  buffer: Buffer;
  started: boolean;
  pending: Buffer[];
  closed: boolean;
}

export interface PgliteServer {
  readonly port: number;
  stop(): Promise<void>;
  stats(): { connections: number; queued: number };
}

/**
 * Runs units on PGlite one at a time, in arrival order, except that while a unit leaves PGlite inside
 * a transaction only that connection's units run until the transaction ends.
 */
function createUnitQueue(db: PGlite) {
  const queue: Unit[] = [];
  let txOwner: Connection | undefined;
  let running = false;

  function pickNext(): Unit | undefined {
    if (!txOwner) return queue.shift();
    const i = queue.findIndex((u) => u.conn === txOwner);
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  }

  async function run({ conn, bytes }: Unit): Promise<void> {
    try {
      await db.runExclusive(() =>
        db.execProtocolRawStream(bytes, {
          onRawData: (chunk: Uint8Array) => {
            if (!conn.closed && conn.socket.writable) conn.socket.write(Buffer.from(chunk));
          },
        }),
      );
    } catch (err) {
      // PGlite threw instead of answering with an ErrorResponse: end that connection, keep serving.
      conn.socket.destroy(err instanceof Error ? err : undefined);
    }
    txOwner = db.isInTransaction() ? conn : undefined;
  }

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let unit = pickNext(); unit; unit = pickNext()) if (!unit.conn.closed) await run(unit);
    } finally {
      running = false;
    }
  }

  return {
    get length(): number {
      return queue.length;
    },
    get running(): boolean {
      return running;
    },
    enqueue(conn: Connection, bytes: Uint8Array): void {
      queue.push({ conn, bytes });
      void drain();
    },
    /** Drops a closed connection's queued units and rolls back the transaction it left open. */
    async release(conn: Connection): Promise<void> {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.conn === conn) queue.splice(i, 1);
      if (txOwner === conn) {
        await db.runExclusive(() => db.exec('ROLLBACK')).catch(() => undefined);
        txOwner = undefined;
      }
      void drain();
    },
  };
}

type UnitQueue = ReturnType<typeof createUnitQueue>;

/**
 * Takes the startup-phase message at the head of `conn.buffer` (SSL/GSSENC request, cancel request
 * or StartupMessage). Returns false when more bytes are needed or the connection is done.
 */
function takeStartupMessage(conn: Connection, units: UnitQueue): boolean {
  if (conn.buffer.length < 8) return false;
  const len = conn.buffer.readInt32BE(0);
  if (conn.buffer.length < len) return false;
  const code = conn.buffer.readInt32BE(4);
  const msg = conn.buffer.subarray(0, len);
  conn.buffer = conn.buffer.subarray(len);
  if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
    conn.socket.write('N'); // no encryption on loopback; the client goes on in plain text
    return true;
  }
  if (code === CANCEL_REQUEST) {
    conn.socket.end();
    return false;
  }
  if (code !== PROTOCOL_3) {
    conn.socket.destroy();
    return false;
  }
  conn.started = true;
  units.enqueue(conn, new Uint8Array(msg));
  return true;
}

/**
 * Takes the message at the head of `conn.buffer`; at a synchronisation point the pending messages
 * become one unit. Returns false when more bytes are needed or the connection terminated.
 */
function takeMessage(conn: Connection, units: UnitQueue, release: (c: Connection) => void): boolean {
  if (conn.buffer.length < 5) return false;
  const type = conn.buffer[0]!;
  const len = conn.buffer.readInt32BE(1) + 1;
  if (conn.buffer.length < len) return false;
  const msg = conn.buffer.subarray(0, len);
  conn.buffer = conn.buffer.subarray(len);
  if (type === TERMINATE) {
    conn.socket.end();
    release(conn);
    return false;
  }
  conn.pending.push(msg);
  if (UNIT_END.has(type)) {
    const unit = Buffer.concat(conn.pending);
    conn.pending = [];
    units.enqueue(conn, new Uint8Array(unit));
  }
  return true;
}

/** Listens on `host:port` (0: any free port) and resolves with the port; later errors are heard (see below). */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Listening, a failed accept (EMFILE: out of file descriptors) is emitted as 'error' on the server, and
  // an 'error' nobody listens to ends the process. The server goes on listening; the client whose
  // connection was not accepted fails to connect (the pool's error), so there is nothing more to do here.
  server.on('error', () => undefined);
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

export async function startPgliteServer(
  db: PGlite,
  opts: { host?: string; port?: number; maxConnections?: number } = {},
): Promise<PgliteServer> {
  const maxConnections = opts.maxConnections ?? 100;
  const units = createUnitQueue(db);
  const conns = new Set<Connection>();

  const release = (conn: Connection): void => {
    if (conn.closed) return;
    conn.closed = true;
    conns.delete(conn);
    void units.release(conn);
  };

  const onData = (conn: Connection, data: Buffer): void => {
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, data]) : data;
    const take = (): boolean =>
      conn.started ? takeMessage(conn, units, release) : takeStartupMessage(conn, units);
    while (take());
  };

  const server: Server = createServer((socket) => {
    if (conns.size >= maxConnections) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: Connection = { socket, buffer: Buffer.alloc(0), started: false, pending: [], closed: false };
    conns.add(conn);
    socket.on('data', (d: Buffer) => onData(conn, d));
    socket.on('error', () => release(conn));
    socket.on('close', () => release(conn));
  });
  server.maxConnections = maxConnections;
  const port = await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0);
  return {
    port,
    stats: () => ({ connections: conns.size, queued: units.length }),
    async stop() {
      for (const c of conns) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The unit in flight finishes on its own (its socket is gone); wait for it, at most 30 s.
      for (let i = 0; units.running && i < 3000; i++) await sleep(10);
    },
  };
}
