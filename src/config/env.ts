/** The environment variables truc reads, and how each one lands in the configuration. */
import { SYSTEM_NAMES } from './names.js';

export type Env = Record<string, string | undefined>;

/** Environment variable → config path. `config/.env.example` documents each one. */
const ENV_MAP: ReadonlyArray<readonly [string, string, 'string' | 'int' | 'jwtKeys' | 'difficultCommunes']> =
  [
    ['PORT', 'server.port', 'int'],
    ['HOST', 'server.host', 'string'],
    ['PUBLIC_URL', 'server.publicUrl', 'string'],
    ['TRUC_SHUTDOWN_GRACE_MS', 'server.shutdownGraceMs', 'int'],
    ['BODY_LIMIT_BYTES', 'server.bodyLimitBytes', 'int'],
    ['SNAPSHOT_BODY_LIMIT_BYTES', 'server.snapshotBodyLimitBytes', 'int'],
    ['MAX_SNAPSHOT_RECORDS', 'server.maxSnapshotRecords', 'int'],
    ['DATABASE_URL', 'database.url', 'string'],
    ['DATA_DIR', 'database.dataDir', 'string'],
    ['TRUC_DB_IDLE_TX_TIMEOUT_MS', 'database.idleInTransactionTimeoutMs', 'int'],
    ['TRUC_DB_POOL_IDLE_MS', 'database.poolIdleTimeoutMs', 'int'],
    ['REDIS_URL', 'redisUrl', 'string'],
    ['LOG_LEVEL', 'logLevel', 'string'],
    ['TRUC_JWT_KEYS', 'auth.jwtKeys', 'jwtKeys'],
    ['TRUC_TOKEN_TTL_SECONDS', 'auth.tokenTtlSeconds', 'int'],
    ['TRUC_API_RATE_LIMIT_MAX', 'api.rateLimit.max', 'int'],
    ['TRUC_API_RATE_LIMIT_WINDOW_MS', 'api.rateLimit.windowMs', 'int'],
    ['TRUC_WORKER_CONCURRENCY', 'jobs.concurrency', 'int'],
    ['TRUC_QUEUE_PREFIX', 'jobs.queuePrefix', 'string'],
    // issue 7: worker lock and stalled-check timings (recovery after a kill -9)
    ['TRUC_WORKER_LOCK_MS', 'sync.worker.lockMs', 'int'],
    ['TRUC_WORKER_STALLED_INTERVAL_MS', 'sync.worker.stalledIntervalMs', 'int'],
    ['TRUC_PULL_CHAIN_MS', 'sync.worker.chainMs', 'int'],
    ['TRUC_PCGD_DIFFICULT_COMMUNES', 'pcgd.difficultCommunes', 'difficultCommunes'],
    ['TRUC_PCGD_P12_PASSWORD', 'pcgd.signing.pkcs12Password', 'string'],
    // Operations (issue 11)
    ['TRUC_WORKER_METRICS_PORT', 'observability.workerMetricsPort', 'int'],
    ['TRUC_SCHEDULER_METRICS_PORT', 'observability.schedulerMetricsPort', 'int'],
    ['TRUC_BUILD_COMMIT', 'observability.buildCommit', 'string'],
    ['TRUC_METRICS_TOKEN', 'metrics.token', 'string'],
    ...SYSTEM_NAMES.flatMap((s) => {
      const p = s.toUpperCase().replace('-', '_');
      return [
        [`${p}_BASE_URL`, `systems.${s}.baseUrl`, 'string'],
        [`${p}_CLIENT_ID`, `systems.${s}.clientId`, 'string'],
        [`${p}_CLIENT_SECRET`, `systems.${s}.clientSecret`, 'string'],
        [`${p}_API_KEY`, `systems.${s}.apiKey`, 'string'],
        [`${p}_TOKEN`, `systems.${s}.token`, 'string'],
      ] as const;
    }),
  ];

/** Every environment variable of {@link ENV_MAP} (README's Configuration names each one: test/unit/config-readme-keys.test.ts). */
export const ENV_NAMES: readonly string[] = ENV_MAP.map(([name]) => name);

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/**
 * `2026:27676,27664;2027:27676` → { "2026": ["27676", "27664"], "2027": ["27676"] }. A malformed part
 * is kept as is, so the schema reports it against the variable.
 */
export function parseDifficultCommunes(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of raw.split(';')) {
    if (part.trim() === '') continue;
    const i = part.indexOf(':');
    const year = (i < 0 ? part : part.slice(0, i)).trim();
    const codes =
      i < 0
        ? ['']
        : part
            .slice(i + 1)
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== '');
    out[year] = [...(out[year] ?? []), ...codes];
  }
  return out;
}

/** `kid1:secret1,kid2:secret2` → [{kid, secret}]. */
function parseJwtKeys(raw: string): unknown {
  return raw
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((entry) => {
      const i = entry.indexOf(':');
      return i < 0
        ? { kid: '', secret: entry }
        : { kid: entry.slice(0, i).trim(), secret: entry.slice(i + 1).trim() };
    });
}

/**
 * Sets every variable of `env` that is set (and not empty) at its path in `raw`; a value that cannot be
 * read (a non-integer) is added to `problems` instead.
 */
export function applyEnv(raw: Record<string, unknown>, env: Env, problems: string[]): void {
  for (const [name, path, kind] of ENV_MAP) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (kind === 'int') {
      const n = Number(v);
      if (!Number.isInteger(n)) problems.push(`${name}: "${v}" không phải số nguyên / is not an integer`);
      else setPath(raw, path, n);
    } else if (kind === 'jwtKeys') setPath(raw, path, parseJwtKeys(v));
    else if (kind === 'difficultCommunes') setPath(raw, path, parseDifficultCommunes(v));
    else setPath(raw, path, v);
  }
}

/** The environment variable that sets a config path (or one of its parents), if any. */
export function envNameOf(path: string): string | undefined {
  return ENV_MAP.find(([, p]) => path === p || path.startsWith(`${p}.`))?.[0];
}
