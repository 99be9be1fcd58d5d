/**
 * The one reader of process.env and config/<profile>.yaml. Both are merged and validated by one zod
 * schema; every bad or missing setting is reported in one error; the result is frozen.
 *
 * This file is the one door to the configuration: import from it. Its sections live in src/config/
 * (names, service, pcgd, quality, sync, env), which only this file and each other import.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { connectionUrl, deepFreeze } from './config/common.js';
import { applyEnv, envNameOf, type Env } from './config/env.js';
import { issueWords } from './config/issue-words.js';
import { PcgdSchema } from './config/pcgd.js';
import { QualitySchema } from './config/quality.js';
import {
  ApiSchema,
  AuthSchema,
  DatabaseSchema,
  IDLE_IN_TRANSACTION_TIMEOUT_MS,
  JobsSchema,
  MetricsSchema,
  ObservabilitySchema,
  SECRET_OVERLAP_MAX_SECONDS,
  ServerSchema,
  SystemsSchema,
  WebhooksSchema,
} from './config/service.js';
import { type SystemName } from './config/names.js';
import { attemptsProblem, GuardSchema, SyncSchema } from './config/sync.js';

export { IDLE_IN_TRANSACTION_TIMEOUT_MS, SECRET_OVERLAP_MAX_SECONDS };
export {
  countEn,
  ENTITY_NAMES,
  ENTITY_ONE,
  ENTITY_VI,
  entityCountEn,
  entityNounEn,
  PCGD_LEVELS,
  SYSTEM_NAMES,
  SYSTEM_PULLS,
  PULL_SCOPE,
  PULL_SCOPE_WORDS,
  pullProblem,
  type EntityName,
  type PcgdLevelName,
  type SystemName,
  type UnitLevel,
} from './config/names.js';
export { parseDifficultCommunes } from './config/env.js';
export { TYPE_WORDS, typeWords, withArticle, type TypeWords } from './config/type-words.js';
export type { PcgdConfig } from './config/pcgd.js';
export { DEFAULT_QUALITY_SETTINGS, type QualitySettings } from './config/quality.js';
export type { PullScheduleConfig, QualityScheduleConfig, ScheduleConfig, SyncConfig } from './config/sync.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const ConfigSchema = z
  .object({
    profile: z.string().min(1),
    server: ServerSchema.prefault({}),
    database: DatabaseSchema.prefault({}),
    /** Redis URL for BullMQ; unset = queues on BullMQ's PostgreSQL backend in the same database. */
    redisUrl: connectionUrl(['redis', 'rediss'], 'redis://redis.internal:6379').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    auth: AuthSchema.prefault({}),
    api: ApiSchema.prefault({}),
    jobs: JobsSchema.prefault({}),
    systems: SystemsSchema.prefault({}),
    webhooks: WebhooksSchema.prefault({}),
    pcgd: PcgdSchema.prefault({}),
    observability: ObservabilitySchema.prefault({}),
    metrics: MetricsSchema.prefault({}),
    quality: QualitySchema.prefault({}),
    sync: SyncSchema.prefault({}),
    guard: GuardSchema,
  })
  .strict()
  // Settings of two sections that must agree (each section's own rules are in its schema).
  .superRefine((c, ctx) => {
    const problem = attemptsProblem(c.jobs.attempts, c.sync.delivery.failureThreshold);
    if (problem) ctx.addIssue({ code: 'custom', path: ['jobs', 'attempts'], message: problem });
  });

export type Config = z.infer<typeof ConfigSchema>;

/**
 * Whether truc is configured for `system` (its URL and credentials given; README Configuration: "unset = not
 * used"): the one rule. Truc builds its adapter and push target only then (src/jobs/adapters.ts), a pull from it is
 * requested only then (src/jobs/requests.ts `checkSystemConfigured`), and a configured target is not forgotten.
 */
export function systemConfigured(config: Config, system: SystemName): boolean {
  const s = config.systems;
  switch (system) {
    case 'hcm-csdl':
    case 'moet-pcgd':
      return Boolean(s[system].baseUrl && s[system].clientId && s[system].clientSecret);
    case 'smas':
      return Boolean(s.smas.baseUrl && s.smas.apiKey);
    case 'vnedu':
      return Boolean(s.vnedu.baseUrl && s.vnedu.token);
  }
}

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

export interface LoadOptions {
  env?: Env;
  /** Folder holding `<profile>.yaml`; defaults to `TRUC_CONFIG_DIR`, then `<project>/config`. */
  configDir?: string;
}

/** Reads profile YAML + environment, validates, freezes. Throws {@link ConfigError} listing every problem. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const profile = env.TRUC_PROFILE?.trim() || 'default';
  const configDir = opts.configDir ?? (env.TRUC_CONFIG_DIR?.trim() || join(PROJECT_ROOT, 'config'));
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
  applyEnv(raw, env, problems);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const envName = envNameOf(path);
      problems.push(`${path || '(root)'}${envName ? ` (${envName})` : ''}: ${issueWords(issue)}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = parsed.data!;
  if (!isAbsolute(config.database.dataDir)) config.database.dataDir = resolve(config.database.dataDir);
  return deepFreeze(config);
}

/** Secrets never printed: used by `truc config` style output and logs. */
/**
 * Config keys whose string values are secrets or may carry one (a URL's password): any key naming a secret,
 * password, passphrase, private key, API key, token or credential (review28 F1: `auth.jwtKeys[].privateKey`, a
 * PEM signing key, was logged at every start), and URLs.
 */
const SECRET_KEY = /secret|password|passphrase|private_?key|api_?key|token|credential|^url$|url$/i;

/** The config as it may be logged: every secret-bearing string replaced (see {@link SECRET_KEY}). */
export function redactConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (k, v: unknown) =>
      SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : v,
    ),
  );
}
