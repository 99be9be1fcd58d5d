import { AppError, both } from '../errors.js';
import { createPgDb, pingDatabase, type Db } from './db.js';
import { describeUrl } from './db-errors.js';
import { embeddedExists, openEmbedded } from './embedded.js';

export interface OpenedDb {
  db: Db;
  /** Connection options for BullMQ's PostgreSQL backend when queues live in the database. */
  queueConnection: { connectionString: string; schema: string };
  /** Whether this process owns the embedded database (false for PostgreSQL or a second process). */
  embeddedOwner: boolean;
}

/**
 * Opens PostgreSQL (url given) or the embedded PGlite (url unset), and checks it answers. With `existing`, an
 * embedded database that is not there yet is refused (ERR_SCHEMA_PENDING: `truc migrate` creates it) before
 * anything is created.
 */
export async function openDatabase(opts: {
  url?: string | undefined;
  dataDir: string;
  poolMax?: number;
  idleInTransactionTimeoutMs?: number;
  poolIdleTimeoutMs?: number;
  existing?: boolean;
}): Promise<OpenedDb> {
  if (opts.url) {
    const db = createPgDb(opts.url, 'postgres', {
      max: opts.poolMax ?? 10,
      ...(opts.poolIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.poolIdleTimeoutMs }),
      ...(opts.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idleInTransactionTimeoutMs: opts.idleInTransactionTimeoutMs }),
    });
    try {
      await pingDatabase(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw new AppError('ERR_DEPENDENCY_UNAVAILABLE', unreachableWords(opts.url, err), { cause: err });
    }
    return { db, queueConnection: { connectionString: opts.url, schema: 'bullmq' }, embeddedOwner: false };
  }
  if (opts.existing && !embeddedExists(opts.dataDir))
    throw new AppError(
      'ERR_SCHEMA_PENDING',
      both(
        `DATA_DIR (${opts.dataDir}) chưa có cơ sở dữ liệu nhúng; không có gì được tạo: chạy \`truc migrate\` để tạo nó, rồi chạy lại lệnh (hoặc đặt DATA_DIR, DATABASE_URL đúng chỗ)`,
        `DATA_DIR (${opts.dataDir}) holds no embedded database; nothing was created: run \`truc migrate\` to create it, then this command again (or point DATA_DIR or DATABASE_URL at the right one)`,
      ),
    );
  const db = await openEmbedded(opts.dataDir, opts.poolMax === undefined ? {} : { poolMax: opts.poolMax });
  await pingDatabase(db);
  return { db, queueConnection: { connectionString: db.url, schema: 'bullmq' }, embeddedOwner: db.owner };
}

/** The password of a database URL, if it has one (kept out of every line). */
function passwordOf(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The code of a connection failure: pg's SQLSTATE, a socket's errno, or the first of an AggregateError's (IPv4 + IPv6). */
function failureCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  if (Array.isArray(e?.errors))
    for (const inner of e.errors) if (failureCode(inner)) return failureCode(inner);
  return undefined;
}

/**
 * Why PostgreSQL at `url` did not answer, in both languages, with what to do (fix36f, review35a F4): a refused
 * connection (start it), an unknown host, a refused role or password (28P01, 28000), a missing database (3D000), or
 * anything else (the driver's words). The URL is shown without its user and password ({@link describeUrl}); the
 * driver's words name the role at most, never a password.
 */
export function unreachableWords(url: string, err: unknown): string {
  const at = describeUrl(url);
  const said = (err as Error | null)?.message ?? String(err);
  const password = passwordOf(url);
  const why = password ? said.split(password).join('***') : said;
  const code = failureCode(err);
  if (code === 'ECONNREFUSED')
    return both(
      `PostgreSQL tại ${at} từ chối kết nối (${why}): hãy khởi động nó (ví dụ pg_ctlcluster <version> main start), kiểm tra cổng trong DATABASE_URL, hoặc bỏ DATABASE_URL để dùng cơ sở dữ liệu nhúng`,
      `PostgreSQL at ${at} refused the connection (${why}): start it (e.g. pg_ctlcluster <version> main start), check the port in DATABASE_URL, or unset DATABASE_URL to use the embedded database`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return both(
      `không tìm thấy máy chủ PostgreSQL của ${at} (${why}): kiểm tra tên máy trong DATABASE_URL và DNS`,
      `the PostgreSQL host of ${at} is unknown (${why}): check the host name in DATABASE_URL and DNS`,
    );
  if (code === '28P01' || code === '28000')
    return both(
      `PostgreSQL tại ${at} từ chối người dùng hoặc mật khẩu (${why}): kiểm tra người dùng và mật khẩu trong DATABASE_URL (và pg_hba.conf); PostgreSQL đang chạy`,
      `PostgreSQL at ${at} refused the user or password (${why}): check the user and password in DATABASE_URL (and pg_hba.conf); PostgreSQL is running`,
    );
  if (code === '3D000')
    return both(
      `PostgreSQL tại ${at} không có cơ sở dữ liệu này (${why}): tạo nó (createdb) hoặc sửa tên trong DATABASE_URL, rồi chạy truc migrate`,
      `PostgreSQL at ${at} has no such database (${why}): create it (createdb) or fix its name in DATABASE_URL, then run truc migrate`,
    );
  return both(
    `không kết nối được PostgreSQL tại ${at} (${why}): kiểm tra DATABASE_URL, mạng và tường lửa, và PostgreSQL đã chạy chưa`,
    `PostgreSQL at ${at} is not reachable (${why}): check DATABASE_URL, the network and firewall, and that PostgreSQL runs`,
  );
}
