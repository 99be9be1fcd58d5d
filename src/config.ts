/**
 * The one reader of process.env and config/<profile>.yaml. Both are merged and validated by one zod
 * schema; every bad or missing setting is reported in one error; the result is frozen.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The external systems truc talks to, by the name used in config, env prefixes, queues and the API. */
export const SYSTEM_NAMES = ['hcm-csdl', 'moet-pcgd', 'smas', 'vnedu'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/**
 * The canonical entities, by the name used in the API, jobs, the store and config, in dependency
 * order (schools before classes before students …). Their schemas are in src/canonical/entities.ts.
 */
export const ENTITY_NAMES = ['schools', 'classes', 'students', 'staff', 'persons'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

const SystemSchema = z
  .object({
    baseUrl: z.url().optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().default(10_000),
    /** Push budget to this system, shared by every worker (BullMQ global limiter). */
    rateLimit: z
      .object({ max: z.number().int().positive(), durationMs: z.number().int().positive() })
      .default({ max: 20, durationMs: 1000 }),
  })
  .strict();

const JwtKeySchema = z.object({ kid: z.string().min(1).max(64), secret: z.string().min(32) }).strict();

export const ConfigSchema = z
  .object({
    profile: z.string().min(1),
    server: z
      .object({
        port: z.number().int().min(0).max(65535).default(8080),
        host: z.string().min(1).default('0.0.0.0'),
        bodyLimitBytes: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
        maxBatchRecords: z.number().int().positive().max(10_000).default(1000),
        publicUrl: z.url().optional(),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        /** PostgreSQL URL; unset = embedded PGlite in dataDir. */
        url: z.string().min(1).optional(),
        dataDir: z.string().min(1).default('./data'),
        poolMax: z.number().int().positive().default(10),
      })
      .strict()
      .prefault({}),
    /** Redis URL for BullMQ; unset = queues on BullMQ's PostgreSQL backend in the same database. */
    redisUrl: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    auth: z
      .object({
        /** Signing keys; the first signs, all verify (rotation: add the new key first, drop the old later). */
        jwtKeys: z.array(JwtKeySchema).default([]),
        issuer: z.string().min(1).default('truc'),
        audience: z.string().min(1).default('truc-api'),
        tokenTtlSeconds: z.number().int().positive().max(86_400).default(900),
        maxFailedLogins: z.number().int().positive().default(5),
        lockoutSeconds: z.number().int().positive().default(900),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        attempts: z.number().int().positive().default(8),
        backoffMs: z.number().int().positive().default(1000),
        concurrency: z.number().int().positive().default(4),
        outboxPollMs: z.number().int().positive().default(500),
        outboxBatch: z.number().int().positive().default(200),
        keepCompleted: z.number().int().nonnegative().default(1000),
        keepFailed: z.number().int().nonnegative().default(5000),
        /** Redis key prefix of the queues (several deployments or test runs may share one Redis). */
        queuePrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}$/)
          .default('truc'),
      })
      .strict()
      .prefault({}),
    systems: z
      .object({
        'hcm-csdl': SystemSchema.default({ timeoutMs: 10_000, rateLimit: { max: 20, durationMs: 1000 } }),
        'moet-pcgd': SystemSchema.default({ timeoutMs: 10_000, rateLimit: { max: 2, durationMs: 1000 } }),
        smas: SystemSchema.default({ timeoutMs: 10_000, rateLimit: { max: 20, durationMs: 1000 } }),
        vnedu: SystemSchema.default({ timeoutMs: 10_000, rateLimit: { max: 20, durationMs: 1000 } }),
      } satisfies Record<SystemName, z.ZodType>)
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

/** A bad configuration: lists every problem, one per line. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `Cấu hình không hợp lệ / invalid configuration (${problems.length}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Environment variable → config path. `config/.env.example` documents each one. */
const ENV_MAP: ReadonlyArray<readonly [string, string, 'string' | 'int' | 'jwtKeys']> = [
  ['PORT', 'server.port', 'int'],
  ['HOST', 'server.host', 'string'],
  ['PUBLIC_URL', 'server.publicUrl', 'string'],
  ['BODY_LIMIT_BYTES', 'server.bodyLimitBytes', 'int'],
  ['DATABASE_URL', 'database.url', 'string'],
  ['DATA_DIR', 'database.dataDir', 'string'],
  ['REDIS_URL', 'redisUrl', 'string'],
  ['LOG_LEVEL', 'logLevel', 'string'],
  ['TRUC_JWT_KEYS', 'auth.jwtKeys', 'jwtKeys'],
  ['TRUC_TOKEN_TTL_SECONDS', 'auth.tokenTtlSeconds', 'int'],
  ['TRUC_WORKER_CONCURRENCY', 'jobs.concurrency', 'int'],
  ['TRUC_QUEUE_PREFIX', 'jobs.queuePrefix', 'string'],
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

export interface LoadOptions {
  env?: Env;
  /** Folder holding `<profile>.yaml`; defaults to `<project>/config`. */
  configDir?: string;
}

/** Reads profile YAML + environment, validates, freezes. Throws {@link ConfigError} listing every problem. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const profile = env.TRUC_PROFILE?.trim() || 'default';
  const configDir = opts.configDir ?? join(PROJECT_ROOT, 'config');
  const raw: Record<string, unknown> = { profile };
  if (!/^[a-z0-9-]+$/.test(profile)) {
    throw new ConfigError([`TRUC_PROFILE: "${profile}" — chỉ gồm a-z, 0-9, - / only a-z, 0-9 and -`]);
  }
  const file = join(configDir, `${profile}.yaml`);
  if (!existsSync(file)) {
    throw new ConfigError([`TRUC_PROFILE: không có tệp ${file} / no such profile file ${file}`]);
  }
  try {
    const doc: unknown = parseYaml(readFileSync(file, 'utf8')) ?? {};
    if (typeof doc !== 'object' || Array.isArray(doc)) problems.push(`${file}: not a mapping`);
    else Object.assign(raw, doc);
  } catch (err) {
    problems.push(`${file}: YAML lỗi / bad YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  raw.profile = profile;
  for (const [name, path, kind] of ENV_MAP) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (kind === 'int') {
      const n = Number(v);
      if (!Number.isInteger(n)) problems.push(`${name}: "${v}" không phải số nguyên / is not an integer`);
      else setPath(raw, path, n);
    } else if (kind === 'jwtKeys') setPath(raw, path, parseJwtKeys(v));
    else setPath(raw, path, v);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const envName = ENV_MAP.find(([, p]) => path === p || path.startsWith(`${p}.`))?.[0];
      problems.push(`${path || '(root)'}${envName ? ` (${envName})` : ''}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = parsed.data!;
  if (!isAbsolute(config.database.dataDir)) config.database.dataDir = resolve(config.database.dataDir);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Secrets never printed: used by `truc config` style output and logs. */
export function redactConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (k, v: unknown) =>
      ['secret', 'clientSecret', 'apiKey', 'token', 'url', 'redisUrl'].includes(k) && typeof v === 'string'
        ? '[redacted]'
        : v,
    ),
  );
}
