/**
 * truc on one backend combination, built the way `truc all` builds it (production `default` profile
 * + environment, `createDeps`, `startApi`, `startWorkerRole`), on storage of its own:
 *   - postgres+redis: a fresh database `truc_bench_<random>` on the local PostgreSQL (dropped after)
 *     and a unique BullMQ key prefix on the local Redis (only its keys deleted after; never FLUSHALL);
 *   - pglite+pg-queue: the embedded PGlite in a temp DATA_DIR, queues in it.
 * The prefix goes in as TRUC_QUEUE_PREFIX (`jobs.queuePrefix`). TRUC_BENCH_DB_PREFIX names the database
 * `<prefix>_<random>` instead (an engineer's own databases, e.g. `truc_<branch>`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig, type Config } from '../../../src/config.js';
import { createDeps, type Deps } from '../../../src/deps.js';
import { createLogger } from '../../../src/observability/logger.js';
import { addClient } from '../../../src/ops.js';
import { startApi, startWorkerRole, type Running } from '../../../src/roles.js';
import { Redis } from 'ioredis';

export const PG_ADMIN_URL = process.env.TRUC_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TRUC_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type Combination = 'postgres+redis' | 'pglite+pg-queue';

export interface Vendor {
  token: string;
  schools: string[];
}

export interface TrucEnv {
  combination: Combination;
  deps: Deps;
  /** Database URL of the bench database (postgres only): for baselines on their own connection. */
  databaseUrl: string | undefined;
  /**
   * The environment truc's configuration was loaded from (profile folder, database, queues, JWT keys, bench settings):
   * a `truc api` or `truc worker` child process started with it alone runs on the same configuration (./truc-procs.ts).
   */
  trucEnvironment: Record<string, string>;
  startApi(): Promise<{ url: string; stop(): Promise<void> }>;
  startWorker(): Running;
  /** Registers a vendor client for `schools` and fetches its access token through `apiUrl`. */
  vendor(apiUrl: string, schools: string[]): Promise<Vendor>;
  cleanup(): Promise<void>;
}

/** The bench databases' name: `<DB_PREFIX>_<random>`. */
const DB_PREFIX = process.env.TRUC_BENCH_DB_PREFIX ?? 'truc_bench';
const suffix = (): string => randomBytes(5).toString('hex');
/**
 * A bench vendor's client name: letters only. A client name that holds what reads as a personal ID or a phone number
 * is refused (fix34f), and a random hex suffix is digits alone now and then (the ingest bench failed so, 1 run in ~10).
 */
export const benchClientName = (): string =>
  `bench vendor ${suffix().replace(/\d/g, (d) => 'ghijklmnop'.charAt(Number(d)))}`;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `sql` on the PostgreSQL server as the bench's admin (CREATE/DROP DATABASE). */
export async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** An access token of an API client from truc's token endpoint at `apiUrl` (client credentials). */
export async function clientToken(
  apiUrl: string,
  client: { clientId: string; clientSecret: string },
): Promise<string> {
  const res = await fetch(`${apiUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }),
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Deletes the keys under `<keyPrefix>:` (bounded SCAN) — only bench-made prefixes, nothing else. */
export async function deleteKeysUnder(keyPrefix: string): Promise<void> {
  if (!/(^|:)(truc-bench|bench-probe)-[0-9a-f]{10}$/.test(keyPrefix)) {
    throw new Error(`refusing to delete keys under "${keyPrefix}"`);
  }
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await r.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    r.disconnect();
  }
}

/** Request logs are written at info (their cost is part of the API) to /dev/null; warnings to stderr. */
function benchLogger() {
  const level = process.env.BENCH_LOG_LEVEL ?? 'info';
  return createLogger(
    level,
    pino.multistream([
      { level: 'info', stream: pino.destination({ dest: '/dev/null', sync: false }) },
      { level: 'warn', stream: process.stderr },
    ]),
  );
}

/** What a bench may set beyond the `default` profile. */
export interface TrucEnvOptions {
  /** Mass-change guard settings over the profile's (e.g. a bench that changes every record of a school). */
  guard?: Partial<Config['guard']>;
  /** Environment over the bench's own (e.g. the simulator's URL and credentials: HCM_CSDL_*). */
  env?: Record<string, string>;
}

/**
 * TRUC_BENCH_ENV='NAME=value;…': truc's own environment settings (src/config/env.ts) over the `default` profile, in
 * every bench and tool that opens truc here, e.g. `TRUC_WORKER_CONCURRENCY=8`: two settings alternate on one tree.
 */
function benchEnv(): Record<string, string> {
  const pairs = (process.env.TRUC_BENCH_ENV ?? '').split(';').filter((x) => x.includes('='));
  return Object.fromEntries(
    pairs.map((x) => [x.slice(0, x.indexOf('=')).trim(), x.slice(x.indexOf('=') + 1)]),
  );
}

const CONFIG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'config');

/**
 * The profile folder truc loads: the project's, or with `guard` a copy of its `default.yaml` in `dir` with the guard's
 * settings over the profile's, so a child process (./truc-procs.ts) reads the same configuration as this one.
 */
async function profileDir(dir: string, guard: TrucEnvOptions['guard']): Promise<string> {
  if (!guard) return CONFIG_DIR;
  const text = await readFile(join(CONFIG_DIR, 'default.yaml'), 'utf8');
  const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
  doc.guard = { ...(doc.guard as object | undefined), ...guard };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'default.yaml'), stringifyYaml(doc));
  return dir;
}

/** Opens truc on `combination` (see the file comment). */
export async function openTrucEnv(combination: Combination, opts: TrucEnvOptions = {}): Promise<TrucEnv> {
  const dataDir = await mkdtemp(join(tmpdir(), 'truc-bench-data-'));
  const dbName = combination === 'postgres+redis' ? `${DB_PREFIX}_${suffix()}` : undefined;
  if (dbName) await adminQuery(`CREATE DATABASE ${dbName}`);
  const databaseUrl = dbName ? withDatabase(PG_ADMIN_URL, dbName) : undefined;
  const prefix = combination === 'postgres+redis' ? `truc-bench-${suffix()}` : undefined;
  const dropStorage = async (): Promise<void> => {
    if (dbName) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    if (prefix) await deleteKeysUnder(prefix).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };
  const trucEnvironment: Record<string, string> = {
    TRUC_PROFILE: 'default',
    TRUC_CONFIG_DIR: await profileDir(join(dataDir, 'profile'), opts.guard),
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    TRUC_JWT_KEYS: `bench:${randomBytes(32).toString('base64url')}`,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(prefix ? { REDIS_URL, TRUC_QUEUE_PREFIX: prefix } : {}),
    ...{ ...benchEnv(), ...opts.env },
  };
  let base: Deps;
  try {
    const config: Config = loadConfig({ env: trucEnvironment });
    base = await createDeps(config, { logger: benchLogger() });
  } catch (err) {
    await dropStorage();
    throw err;
  }
  const deps: Deps = base;
  // TRUC_BENCH_SQL: statements run on the bench's PostgreSQL database once truc migrated it (a candidate schema change,
  // e.g. `ALTER TABLE truc.students SET (fillfactor = 55)`), so two shapes alternate on one tree.
  for (const sql of (dbName ? (process.env.TRUC_BENCH_SQL ?? '') : '').split(';').filter((x) => x.trim()))
    await deps.db.query(sql);
  const running: Running[] = [];
  return {
    combination,
    deps,
    databaseUrl,
    trucEnvironment,
    async startApi() {
      const api = await startApi(deps, { port: 0, host: '127.0.0.1' });
      running.push(api);
      return api;
    },
    startWorker() {
      const worker = startWorkerRole(deps);
      running.push(worker);
      return worker;
    },
    async vendor(apiUrl, schools) {
      const client = await addClient(deps.db, { name: benchClientName(), role: 'vendor', schools });
      return { token: await clientToken(apiUrl, client), schools };
    },
    async cleanup() {
      for (const r of running.reverse()) await r.stop().catch(() => undefined);
      await deps.close().catch(() => undefined);
      await dropStorage();
    },
  };
}

/** The longest and shortest pause between two polls of {@link waitForBatches}, ms. */
const POLL_MS = { most: 100, least: 5 } as const;

/**
 * The pause before the next poll of {@link waitForBatches}: half the time the batches `left` should take at the pace
 * seen so far (`done` batches in `ms` since the first poll), between {@link POLL_MS}'s bounds; the longest until one
 * is done. A fixed 100 ms pause saw the last batch done up to 100 ms late (~50 on average; perf11c): ~0.7 % of a quiet
 * changed re-push (~7.5 s), timed until the poll that sees it done.
 */
export function pollPause(left: number, done: number, ms: number): number {
  if (done <= 0) return POLL_MS.most;
  return Math.min(POLL_MS.most, Math.max(POLL_MS.least, ((left * ms) / done) * 0.5));
}

/** Polls until every batch in the database is done (or one failed); returns seconds waited. */
export async function waitForBatches(deps: Deps, expected: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let first: number | undefined;
  for (let i = 0; performance.now() - started < timeoutMs && i < 1_000_000; i++) {
    const res = await deps.db.query<{ done: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
              count(*) FILTER (WHERE status = 'failed')::int AS failed FROM truc.batches`,
    );
    const { done, failed } = res.rows[0]!;
    if (failed > 0) throw new Error(`${failed} batch(es) failed during the ingest bench`);
    if (done >= expected) return (performance.now() - started) / 1000;
    // The pace is read from the batches done since the first poll (earlier stages' batches count in `done`).
    first ??= done;
    const pause = pollPause(expected - done, done - first, performance.now() - started);
    await new Promise((r) => setTimeout(r, pause));
  }
  throw new Error(`ingest bench: batches not done within ${timeoutMs} ms`);
}
