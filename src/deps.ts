/**
 * createDeps(config): the one place that builds the database, queues, logger, metrics and token
 * settings. Roles (api, worker, scheduler) take what they need from it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppDeps } from './app.js';
import type { Config } from './config.js';
import { ConfigError, PROJECT_ROOT } from './config.js';
import { DEFAULT_ISSUER, signingKeyFrom, type TokenSettings } from './api/auth/tokens.js';
import {
  assertRedisReachable,
  postgresQueueFactory,
  redisOutageLog,
  redisQueueFactory,
  reportOutages,
} from './jobs/queues.js';
import { registerStateMetrics } from './jobs/state-metrics.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import type { OutageLog } from './observability/outage.js';
import { pingDatabase } from './store/db.js';
import { aheadWords, migrate, migrationsAhead } from './store/migrate.js';
import { makeFolder } from './store/folders.js';
import { openDatabase } from './store/open.js';
import { policyProblems } from './quality/index.js';

/** Reads a property String.prototype does not have, through `probe` (see {@link keepStringMethodsFast}). */
function readThrough(probe: Record<string, unknown>): unknown {
  return probe['truc:probe'];
}

/**
 * Puts String.prototype back in V8's fast mode (issue 7). ioredis declares `class VerbatimString extends String`
 * when it loads, which leaves String.prototype a dictionary-mode object, and V8 makes a prototype fast again only
 * when a property is read through an object that inherits from it: the reads of a primitive string's methods
 * (`s.charCodeAt(i)`) never do. Until then every string method call in optimised code looks the method up in
 * the dictionary instead of being inlined: the record JSON writer (store/json-bytes.ts) ran at half speed, and
 * the input step, text scans and mappings slower (a changed 1000-student batch cost truc 22.0 ms of CPU, 17.6 ms
 * with it fast; a P4 batch 19.9 and 15.4). Reads through an object made on String.prototype make it fast, and it
 * stays so (a later `extends String` leaves it fast). Run here, once ioredis has loaded (a module's body runs
 * after its imports), where every role builds its dependencies; test/unit/deps-strings.test.ts checks it.
 */
function keepStringMethodsFast(): void {
  const probe = Object.create(String.prototype) as Record<string, unknown>;
  // V8 gives a function its feedback after a few calls, and its load runs the prototype's fix-up after that
  // (16 calls did it on Node 20): 100 leave a margin.
  for (let i = 0; i < 100; i++) readThrough(probe);
}
keepStringMethodsFast();

/** What the API needs (see buildApp), and what the other roles add. */
export interface Deps extends AppDeps {
  now: () => Date;
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  logger?: Logger;
  /** Run migrations at start (default true). */
  migrate?: boolean;
}

/**
 * Signing keys: from config when given. Without them, only the embedded single-machine setup may
 * generate one (kept in DATA_DIR so tokens survive a restart); with PostgreSQL every replica must
 * share the key, so it must be configured.
 */
function tokenSettings(config: Config): TokenSettings {
  let keys: Array<{ kid: string; secret?: string | undefined; privateKey?: string | undefined }> = [
    ...config.auth.jwtKeys,
  ];
  if (keys.length === 0) {
    if (config.database.url) {
      throw new ConfigError([
        'auth.jwtKeys (TRUC_JWT_KEYS): bắt buộc khi dùng DATABASE_URL / required with DATABASE_URL, e.g. TRUC_JWT_KEYS=k1:<32+ random chars>',
      ]);
    }
    const dir = join(config.database.dataDir, 'secrets');
    const file = join(dir, 'jwt-keys.json');
    if (!existsSync(file)) {
      makeFolder(dir, { named: 'DATA_DIR', code: 'ERR_CONFIG_INVALID' }, 0o700);
      const generated = [
        { kid: `local-${randomBytes(3).toString('hex')}`, secret: randomBytes(48).toString('base64url') },
      ];
      writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
    }
    keys = JSON.parse(readFileSync(file, 'utf8')) as typeof keys;
  }
  return {
    keys: keys.map(signingKeyFrom),
    issuer: config.auth.issuer ?? config.server.publicUrl ?? DEFAULT_ISSUER,
    audience: config.auth.audience,
    ttlSeconds: config.auth.tokenTtlSeconds,
    clockSkewSeconds: config.auth.clockSkewSeconds,
  };
}

/** The package's version (truc_build_info). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The Redis client of the API's rate limits and login throttle. Its connection errors are logged
 * through pino: without an 'error' listener ioredis prints each one unstructured on stderr (and an
 * EventEmitter with none throws). ioredis emits one per reconnection attempt, so an outage is logged
 * once, when it begins, and its end once more; `outage` is the process's one Redis outage log (shared
 * with the queues' connections, so an outage they all see is written once). Only the error's name,
 * code and message are written: never the commands (their keys name clients and addresses).
 */
export function sharedRedis(url: string, logger: Logger, outage: OutageLog = redisOutageLog(logger)): Redis {
  return reportOutages(
    new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true }),
    outage,
    'rate limits, login throttle',
    logger,
  );
}

export async function createDeps(config: Config, opts: CreateDepsOptions = {}): Promise<Deps> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const tokens = tokenSettings(config);
  const policy = policyProblems(config.quality.policy);
  if (policy.length > 0) throw new ConfigError(policy);
  if (config.redisUrl) await assertRedisReachable(config.redisUrl);
  const opened = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolMax: config.database.poolMax,
    idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
    poolIdleTimeoutMs: config.database.poolIdleTimeoutMs,
  });
  const db = opened.db;
  try {
    if (opts.migrate !== false) {
      await migrate(db);
      const ahead = await migrationsAhead(db);
      if (ahead.length > 0) logger.warn({ migrationsAhead: ahead }, aheadWords(ahead));
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  const jobDefaults = config.jobs;
  const redisOutage = redisOutageLog(logger);
  const queues = config.redisUrl
    ? redisQueueFactory(config.redisUrl, jobDefaults, logger, redisOutage)
    : postgresQueueFactory(
        opened.queueConnection,
        jobDefaults,
        () => pingDatabase(db),
        db.kind === 'pglite' ? 0.25 : 2,
        // No NOTIFY from the embedded database: an idle worker polls, never waits for a far delayed job (walk3 W3-5)
        db.kind === 'pglite' ? 0.25 : undefined,
      );
  const metrics = createMetrics({
    build: { version: packageVersion(), commit: config.observability.buildCommit },
    scrapeHookTimeoutMs: config.observability.scrapeHookTimeoutMs,
    qualityBands: config.quality.colourBands,
  });
  const now = (): Date => new Date();
  registerStateMetrics({ config, db, queues, metrics, logger, now });
  const redis = config.redisUrl ? sharedRedis(config.redisUrl, logger, redisOutage) : undefined;
  return {
    config,
    db,
    logger,
    metrics,
    queues,
    tokens,
    redis,
    now,
    async close() {
      redis?.disconnect();
      await queues.close();
      await db.close();
    },
  };
}
