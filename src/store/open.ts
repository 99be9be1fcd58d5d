import { AppError } from '../errors.js';
import { createPgDb, describeUrl, pingDatabase, type Db } from './db.js';
import { openEmbedded } from './embedded.js';

export interface OpenedDb {
  db: Db;
  /** Connection options for BullMQ's PostgreSQL backend when queues live in the database. */
  queueConnection: { connectionString: string; schema: string };
  /** Whether this process owns the embedded database (false for PostgreSQL or a second process). */
  embeddedOwner: boolean;
}

/** Opens PostgreSQL (url given) or the embedded PGlite (url unset), and checks it answers. */
export async function openDatabase(opts: {
  url?: string | undefined;
  dataDir: string;
  poolMax?: number;
  idleInTransactionTimeoutMs?: number;
}): Promise<OpenedDb> {
  if (opts.url) {
    const db = createPgDb(opts.url, 'postgres', {
      max: opts.poolMax ?? 10,
      ...(opts.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idleInTransactionTimeoutMs: opts.idleInTransactionTimeoutMs }),
    });
    try {
      await pingDatabase(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw new AppError(
        'ERR_DEPENDENCY_UNAVAILABLE',
        `không kết nối được PostgreSQL tại ${describeUrl(opts.url)} (${(err as Error).message}): hãy khởi động nó (ví dụ pg_ctlcluster <version> main start) ` +
          `hoặc bỏ DATABASE_URL để dùng cơ sở dữ liệu nhúng / ` +
          `PostgreSQL at ${describeUrl(opts.url)} is not reachable (${(err as Error).message}). ` +
          `Start it (e.g. pg_ctlcluster <version> main start) or unset DATABASE_URL to use the embedded database.`,
        { cause: err },
      );
    }
    return { db, queueConnection: { connectionString: opts.url, schema: 'bullmq' }, embeddedOwner: false };
  }
  const db = await openEmbedded(opts.dataDir, opts.poolMax === undefined ? {} : { poolMax: opts.poolMax });
  await pingDatabase(db);
  return { db, queueConnection: { connectionString: db.url, schema: 'bullmq' }, embeddedOwner: db.owner };
}
