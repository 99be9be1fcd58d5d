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
  id: number;
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

export async function startPgliteServer(
  db: PGlite,
  opts: { host?: string; port?: number; maxConnections?: number } = {},
): Promise<PgliteServer> {
  const queue: Unit[] = [];
  const conns = new Set<Connection>();
  let txOwner: Connection | undefined;
  let running = false;
  let nextId = 1;

  function pickNext(): Unit | undefined {
    if (txOwner) {
      const i = queue.findIndex((u) => u.conn === txOwner);
      return i < 0 ? undefined : queue.splice(i, 1)[0];
    }
    return queue.shift();
  }

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (let unit = pickNext(); unit; unit = pickNext()) {
        const { conn, bytes } = unit;
        if (conn.closed) continue;
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
    } finally {
      running = false;
    }
  }

  function enqueue(conn: Connection, bytes: Uint8Array): void {
    queue.push({ conn, bytes });
    void drain();
  }

  async function release(conn: Connection): Promise<void> {
    if (conn.closed) return;
    conn.closed = true;
    conns.delete(conn);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.conn === conn) queue.splice(i, 1);
    if (txOwner === conn) {
      await db.runExclusive(() => db.exec('ROLLBACK')).catch(() => undefined);
      txOwner = undefined;
    }
    void drain();
  }

  function onData(conn: Connection, data: Buffer): void {
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, data]) : data;
    for (;;) {
      if (!conn.started) {
        if (conn.buffer.length < 8) return;
        const len = conn.buffer.readInt32BE(0);
        if (conn.buffer.length < len) return;
        const code = conn.buffer.readInt32BE(4);
        const msg = conn.buffer.subarray(0, len);
        conn.buffer = conn.buffer.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          conn.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          conn.socket.end();
          return;
        }
        if (code !== PROTOCOL_3) {
          conn.socket.destroy();
          return;
        }
        conn.started = true;
        enqueue(conn, new Uint8Array(msg));
        continue;
      }
      if (conn.buffer.length < 5) return;
      const type = conn.buffer[0]!;
      const len = conn.buffer.readInt32BE(1) + 1;
      if (conn.buffer.length < len) return;
      const msg = conn.buffer.subarray(0, len);
      conn.buffer = conn.buffer.subarray(len);
      if (type === TERMINATE) {
        conn.socket.end();
        void release(conn);
        return;
      }
      conn.pending.push(msg);
      if (UNIT_END.has(type)) {
        const unit = Buffer.concat(conn.pending);
        conn.pending = [];
        enqueue(conn, new Uint8Array(unit));
      }
    }
  }

  const server: Server = createServer((socket) => {
    if (conns.size >= (opts.maxConnections ?? 100)) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: Connection = {
      id: nextId++,
      socket,
      buffer: Buffer.alloc(0),
      started: false,
      pending: [],
      closed: false,
    };
    conns.add(conn);
    socket.on('data', (d: Buffer) => onData(conn, d));
    socket.on('error', () => void release(conn));
    socket.on('close', () => void release(conn));
  });
  server.maxConnections = opts.maxConnections ?? 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    stats: () => ({ connections: conns.size, queued: queue.length }),
    async stop() {
      for (const c of conns) c.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      while (running) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
