/**
 * Test environments: every test FILE gets storage of its own, and cleans it up.
 * - PostgreSQL: a fresh database `truc_t_<random>` created through the `test` database, dropped after;
 *   migrated ones are copies of a template database (`truc_tpl_<migrations key>`, see migratedTemplate).
 * - PGlite: a fresh temp DATA_DIR (mkdtemp) holding a copy of a template cluster (pglite-template.ts), removed after.
 * - Redis: a unique BullMQ key prefix; only keys under it are deleted after (never FLUSHALL).
 *
 * Local services (overridable): PostgreSQL `postgres://postgres@127.0.0.1:5432/test` (trust), Redis
 * `redis://127.0.0.1:6379`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createPgDb, type Db } from '../../src/store/db.js';
import { openEmbedded } from '../../src/store/embedded.js';
import { migrate } from '../../src/store/migrate.js';
import { migrationsKey, seedPgliteDir } from './pglite-template.js';
import { deleteRedisKeys } from './redis.js';

export const PG_ADMIN_URL = process.env.TRUC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_TEST_URL = process.env.TRUC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type BackendName = 'pglite+pg-queue' | 'postgres+redis' | 'postgres+pg-queue';

/** One storage + queue combination the integration suite runs on. */
export interface Backend {
  name: BackendName;
  database: 'pglite' | 'postgres';
  queue: 'postgres' | 'redis';
}

/** Every combination: embedded PGlite with queues in it, PostgreSQL with Redis, PostgreSQL alone. */
export function backends(): Backend[] {
  return [
    { name: 'pglite+pg-queue', database: 'pglite', queue: 'postgres' },
    { name: 'postgres+redis', database: 'postgres', queue: 'redis' },
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
  ];
}

/** A short random suffix for database names, prefixes and directories. */
export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** `url` with its database name replaced. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs `fn` on a fresh connection to the local PostgreSQL's `test` database (or `adminUrl`'s), then closes it. */
async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>, adminUrl = PG_ADMIN_URL): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

let template: Promise<string> | undefined;

/**
 * The name of a database holding every migration, applied by truc's own `migrate()`: built once per
 * set of migrations (their checksums, `migrationsKey`) on the local PostgreSQL and kept there, so test
 * databases are copies of it (`CREATE DATABASE … TEMPLATE`, a file copy) instead of each running the
 * 200-odd migrations. Processes building it at once each build their own and rename it into place: the
 * first rename wins, the others drop theirs. Nothing ever connects to it once it has its name (a
 * template with a session on it cannot be copied).
 */
export function migratedTemplate(): Promise<string> {
  template ??= buildTemplate().catch((err: unknown) => {
    template = undefined;
    throw err;
  });
  return template;
}

async function buildTemplate(): Promise<string> {
  const name = `truc_tpl_${migrationsKey()}`;
  const exists = await withAdmin((a) => a.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  if (exists.rowCount) return name;
  const draft = await createTestDatabase();
  const db = createPgDb(draft.url, 'postgres', { max: 2 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  try {
    await withAdmin((a) => a.query(`ALTER DATABASE ${draft.name} RENAME TO ${name}`));
  } catch (err) {
    await draft.drop();
    if ((err as { code?: string }).code !== '42P04') throw err; // 42P04: another process's is in place
  }
  return name;
}

/**
 * Creates a PostgreSQL database for one test file, empty or (`migrated`) a copy of
 * {@link migratedTemplate}; `drop()` removes it (closing stray sessions). On a server of the test's own
 * (`adminUrl`, e.g. test/helpers/faults.ts startOwnPostgres) a migrated one is migrated in place (no template there).
 */
export async function createTestDatabase(
  opts: { migrated?: boolean; adminUrl?: string | undefined } = {},
): Promise<TestDatabase> {
  const name = `truc_t_${randomSuffix()}`;
  const adminUrl = opts.adminUrl ?? PG_ADMIN_URL;
  const copied = opts.migrated && opts.adminUrl === undefined;
  const from = copied ? ` TEMPLATE ${await migratedTemplate()}` : '';
  await withAdmin((a) => a.query(`CREATE DATABASE ${name}${from}`), adminUrl);
  const url = withDatabase(adminUrl, name);
  if (opts.migrated && !copied) {
    const db = createPgDb(url, 'postgres', { max: 2 });
    await migrate(db).finally(() => db.close());
  }
  return {
    name,
    url,
    async drop() {
      await withAdmin((a) => a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), adminUrl);
    },
  };
}

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix = 'truc-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface TestStore {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Where the store lives: the PGlite data directory or the PostgreSQL URL. */
  location: string;
  cleanup(): Promise<void>;
}

/**
 * A bare database (no queues) of the given kind, migrated (a copy of the migrated template) unless
 * `migrate: false` (empty). For storage and audit tests; `cleanup()` closes it and removes its data.
 */
export async function openTestStore(
  kind: 'pglite' | 'postgres',
  opts: { migrate?: boolean } = {},
): Promise<TestStore> {
  let store: TestStore;
  const migrated = opts.migrate !== false;
  if (kind === 'pglite') {
    const dir = await makeTempDir('truc-pglite-');
    await seedPgliteDir(join(dir.path, 'pgdata'), migrated ? 'migrated' : 'pristine');
    const db = await openEmbedded(dir.path, { poolMax: 10 });
    store = {
      kind,
      db,
      location: dir.path,
      async cleanup() {
        await db.close().catch(() => undefined);
        await dir.remove();
      },
    };
  } else {
    const database = await createTestDatabase({ migrated });
    const db = createPgDb(database.url, 'postgres', { max: 12 });
    store = {
      kind,
      db,
      location: database.url,
      async cleanup() {
        await db.close().catch(() => undefined);
        await database.drop();
      },
    };
  }
  if (migrated) await migrate(store.db); // nothing to apply on a copy of the template: checks its checksums
  return store;
}

export interface TestEnv {
  backend: Backend;
  config: Config;
  deps: Deps;
  dataDir: string;
  databaseUrl: string | undefined;
  /** BullMQ key prefix of the Redis combination (undefined for queues in the database). */
  redisPrefix: string | undefined;
  cleanup(): Promise<void>;
}

export interface MakeDepsOptions {
  /** Extra environment (e.g. HCM_CSDL_BASE_URL), on top of the test profile. */
  env?: Record<string, string>;
  /** Changes to the loaded configuration, for settings no environment variable reaches. */
  configure?: (config: Config) => Config;
  /** A PostgreSQL server of the test's own (its admin URL) instead of the local one: the database is made there. */
  pgAdminUrl?: string | undefined;
  /** The clock of the deps (deps.now; the process's own clock when absent): a test moves it instead of sleeping. */
  now?: () => Date;
}

/**
 * Config + deps for one backend combination, as `truc` builds them (`loadConfig` with the `test`
 * profile, then `createDeps`), on storage of its own.
 *
 * The Redis combination gets a key prefix of its own (TRUC_QUEUE_PREFIX), removed by cleanup(), so
 * runs sharing the local Redis never see each other's jobs.
 */
export async function makeDeps(backend: Backend, opts: MakeDepsOptions = {}): Promise<TestEnv> {
  const dir = await makeTempDir('truc-data-');
  if (backend.database === 'pglite') await seedPgliteDir(join(dir.path, 'pgdata'), 'migrated');
  const database =
    backend.database === 'postgres'
      ? await createTestDatabase({ migrated: true, adminUrl: opts.pgAdminUrl })
      : undefined;
  const redisPrefix = backend.queue === 'redis' ? `truc-t-${randomSuffix()}` : undefined;
  const env: Record<string, string> = {
    TRUC_PROFILE: 'test',
    ...(redisPrefix ? { TRUC_QUEUE_PREFIX: redisPrefix } : {}),
    DATA_DIR: dir.path,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(backend.queue === 'redis' ? { REDIS_URL: REDIS_TEST_URL } : {}),
    ...opts.env,
  };
  const cleanupStorage = async (): Promise<void> => {
    await database?.drop().catch(() => undefined);
    await dir.remove();
  };
  let base: Deps;
  const loaded = loadConfig({ env });
  const config = opts.configure ? opts.configure(loaded) : loaded;
  try {
    base = await createDeps(config);
  } catch (err) {
    await cleanupStorage();
    throw err;
  }
  const deps = opts.now ? { ...base, now: opts.now } : base;
  return {
    backend,
    config,
    deps,
    dataDir: dir.path,
    databaseUrl: database?.url,
    redisPrefix,
    async cleanup() {
      await deps.close().catch(() => undefined);
      if (redisPrefix) await deleteRedisKeys(REDIS_TEST_URL, redisPrefix).catch(() => undefined);
      await cleanupStorage();
    },
  };
}

/** PostgreSQL with the queues in it: the combination of the files that need one database and no Redis. */
export const PG_QUEUE: Backend = { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' };

/**
 * A {@link PG_QUEUE} environment for the enclosing suite (or file): made by a `beforeAll` hook, cleaned up by an
 * `afterAll` one (after the suite's own, which may close what they built on it). The getter returns it; call it in
 * tests and later hooks.
 */
export function usePostgresEnv(opts: MakeDepsOptions = {}): () => TestEnv {
  let env: TestEnv | undefined;
  beforeAll(async () => {
    env = await makeDeps(PG_QUEUE, opts);
  });
  afterAll(async () => {
    await env?.cleanup();
  });
  return () => {
    if (!env) throw new Error('usePostgresEnv: no environment yet (its beforeAll has not run, or failed)');
    return env;
  };
}

/** Polls `probe` every `intervalMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; Date.now() < deadline && i < 100_000; i++) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (last: ${String(last)})`,
  );
}

/** Counts rows of a truc table (schema-qualified name). */
export async function countRows(db: Db, table: string, where = 'true'): Promise<number> {
  const res = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`);
  return res.rows[0]?.n ?? 0;
}
