/**
 * The embedded database: PostgreSQL compiled to WebAssembly (PGlite) in DATA_DIR, served on a
 * loopback socket by our own wire-protocol server (pglite-server.ts), so that `pg` (our one access layer) and BullMQ
 *
 * PGlite belongs to one process. The process that opens it writes `truc.lock` ({pid, port}) into the
 * data directory; a second truc process on the same directory (an operator command beside a live
 * `truc all`) finds the lock, checks the pid is alive, and connects through the owner's socket
 * instead of opening the files a second time.
 */
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { AppError, both } from '../errors.js';
import { createPgDb, type Db } from './db.js';
import { makeFolder } from './folders.js';
import { pidRuns } from './pid-runs.js';
import { startPgliteServer } from './pglite-server.js';

/** Schema BullMQ's PostgreSQL backend uses in the embedded database. */
const QUEUE_SCHEMA = 'bullmq';

interface LockInfo {
  pid: number;
  port: number;
  startedAt: string;
}

function readLock(dataDir: string): LockInfo | undefined {
  const file = join(dataDir, 'truc.lock');
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    if (!pidRuns(info.pid)) return undefined;
    return info.pid === process.pid ? undefined : info;
  } catch {
    return undefined;
  }
}

function urlFor(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

export interface EmbeddedDb extends Db {
  /** True when this process owns the PGlite files; false when it reached another live process. */
  readonly owner: boolean;
}

/** Data directories this process owns, with their socket port: a second open goes through it. */
const ownedHere = new Map<string, number>();

/**
 * Whether `dataDir` holds an embedded database (PGlite's files), without creating anything: a command that does not
 * own the schema refuses on a folder without one (fix11 F4: it created a ~40 MB database, then refused).
 */
export function embeddedExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'pgdata', 'PG_VERSION'));
}

/**
 * The port of the live process that owns `dataDir`'s database (this one or another, by its lock), or undefined.
 * Nothing is made or written: a process that only connects needs no write access to the folder (review12).
 */
function ownersPort(dataDir: string): number | undefined {
  if (!existsSync(dataDir)) return undefined;
  return ownedHere.get(realpathSync(dataDir)) ?? readLock(dataDir)?.port;
}

/** Whether something listens on loopback `port` (a connection opened, then closed at once). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => undefined);
  });
}

/**
 * A lock naming a running process whose port nothing listens on: its owner was killed and its pid is another
 * process's now (review13: it counts as running), or the owner is closing. Never opened a second time (that could be
 * the owner's files still open): the operator is told which file to delete when no truc process uses the folder.
 */
async function ownerReached(dataDir: string, port: number): Promise<void> {
  if (ownedHere.has(realpathSync(dataDir)) || (await listening(port))) return;
  const file = join(realpathSync(dataDir), 'truc.lock');
  const pid = readLock(dataDir)?.pid ?? '?';
  throw new AppError(
    'ERR_CONFIG_INVALID',
    both(
      `DATA_DIR: ${file} ghi tiến trình ${pid} giữ cơ sở dữ liệu nhúng, nhưng cổng ${port} không có ai nghe: nếu không tiến trình truc nào dùng thư mục này, hãy xoá ${file} rồi chạy lại`,
      `DATA_DIR: ${file} names process ${pid} as the embedded database's owner, but nothing listens on its port ${port}: if no truc process uses this folder, delete ${file} and run again`,
    ),
  );
}

export async function openEmbedded(dataDir: string, opts: { poolMax?: number } = {}): Promise<EmbeddedDb> {
  const ownerPort = ownersPort(dataDir);
  if (ownerPort !== undefined) {
    await ownerReached(dataDir, ownerPort);
    const db = createPgDb(urlFor(ownerPort), 'pglite', { max: Math.min(opts.poolMax ?? 4, 4) });
    return Object.assign(db, { owner: false });
  }
  makeFolder(dataDir, { named: 'DATA_DIR', code: 'ERR_CONFIG_INVALID' });
  const key = realpathSync(dataDir);
  const pglite = await PGlite.create(join(dataDir, 'pgdata'));
  // The socket server multiplexes every client onto PGlite's single session, and ignores the
  // search_path startup option BullMQ's backend sends: pin it on the session itself. Our own tables
  // live in schema `truc` and are always schema-qualified.
  await pglite.exec(
    `CREATE SCHEMA IF NOT EXISTS ${QUEUE_SCHEMA}; SET search_path TO ${QUEUE_SCHEMA}, public;`,
  );
  const server = await startPgliteServer(pglite, { host: '127.0.0.1', port: 0, maxConnections: 100 });
  const port = server.port;
  ownedHere.set(key, port);
  const lockFile = join(dataDir, 'truc.lock');
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, port, startedAt: new Date().toISOString() }));
  const db = createPgDb(urlFor(port), 'pglite', {
    max: opts.poolMax ?? 10,
    onClose: async () => {
      ownedHere.delete(key);
      await server.stop();
      await pglite.close();
      rmSync(lockFile, { force: true });
    },
  });
  return Object.assign(db, { owner: true });
}
