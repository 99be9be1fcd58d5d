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

/**
 * An ES256 signing key (issue 9): a PKCS#8 PEM P-256 private key, or a secret seed (≥ 32 characters)
 * the key is derived from.
 */
const JwtKeySchema = z
  .object({
    kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    secret: z.string().min(32).optional(),
    privateKey: z.string().includes('PRIVATE KEY').optional(),
  })
  .strict()
  .refine((k) => (k.secret === undefined) !== (k.privateKey === undefined), {
    message: 'give exactly one of secret or privateKey',
  });

/** Level names of the PCGD-XMC rule set (PCGD-RULES.md §3); province shares are set per level. */
export const PCGD_LEVELS = [
  'preschool5',
  'primary_level1',
  'primary_level2',
  'primary_level3',
  'literacy_level1',
  'literacy_level2',
  'lower_secondary_level1',
  'lower_secondary_level2',
  'lower_secondary_level3',
] as const;
export type PcgdLevelName = (typeof PCGD_LEVELS)[number];
/** The units PCGD-XMC figures are made for: a commune or a province (no districts after 1 July 2025). */
export type UnitLevel = 'commune' | 'province';

const percent = z.number().min(0).max(100).multipleOf(0.01);
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD');
const communeCodes = z.array(z.string().regex(/^\d{5}$/, 'a 5-digit commune code'));

/**
 * PCGD-XMC reporting (issue 10). Every setting marked OURS in PCGD-RULES.md is here, with the rule
 * set's default; `src/reporting/pcgd/rule-set.ts` says which ones are unverified.
 */
const PcgdSchema = z
  .object({
    /** Version of the counting rules (PCGD-RULES.md). */
    ruleSet: z.literal('pcgd-2014.1').default('pcgd-2014.1'),
    /** OURS: age = report year − birth year (`birth-year`), or the age reached on `ageOnDate` (MM-DD) of the report year. */
    ageRule: z.enum(['birth-year', 'on-date']).default('birth-year'),
    ageOnDate: z
      .string()
      .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD')
      .default('12-31'),
    /** OURS, unverified: remove persons with a disability from every numerator and denominator. */
    excludeDisabledFromDenominators: z.boolean().default(false),
    /** Unverified (Decree 20/2014 Đ15 not read): lower-secondary level 2 diploma thresholds. */
    lowerSecondaryLevel2: z
      .object({ normal: percent.default(90), difficult: percent.default(80) })
      .strict()
      .prefault({}),
    /** OURS: the decree's province rule (share of districts) applied to communes, per level. */
    provinceShares: z
      .object(
        Object.fromEntries(PCGD_LEVELS.map((l) => [l, percent.optional()])) as Record<
          PcgdLevelName,
          z.ZodOptional<typeof percent>
        >,
      )
      .strict()
      .prefault({}),
    /** Especially difficult (ĐBKK) communes per report year (Prime Minister's decisions). */
    difficultCommunes: z.record(z.string().regex(/^\d{4}$/, 'a year'), communeCodes).default({}),
    /** Validation rules on the figures (severities in src/reporting/pcgd/validate.ts). */
    validation: z
      .object({
        /** Cohort of age a this year vs age a−1 last year: relative difference that raises a warning. */
        cohortTolerancePercent: z.number().positive().max(100).default(15),
        /** … only when the difference is at least this many persons. */
        cohortMinPersons: z.number().int().nonnegative().default(10),
        /** Ages compared (school ages). */
        cohortAges: z.tuple([z.number().int().min(1), z.number().int().max(120)]).default([1, 18]),
        /** A rate moving more than this many percentage points from last year raises a warning. */
        swingPercentagePoints: z.number().positive().max(100).default(10),
      })
      .strict()
      .prefault({}),
    /** Signing of the evidence package: a generated self-signed certificate per unit (demo), or a PKCS#12 file per unit. */
    signing: z
      .object({
        mode: z.enum(['self-signed', 'pkcs12']).default('self-signed'),
        /** Folder of `<unitCode>.p12` (pkcs12) or of the generated keys (self-signed); default `<dataDir>/pcgd-keys`. */
        dir: z.string().min(1).optional(),
        /** Password of the PKCS#12 files (TRUC_PCGD_P12_PASSWORD). */
        pkcs12Password: z.string().optional(),
        /** Organisation named in generated certificates. */
        organisation: z.string().min(1).default('Sở Giáo dục và Đào tạo (demo)'),
      })
      .strict()
      .prefault({}),
    /**
     * The Ministry's calendar (Asia/Ho_Chi_Minh dates, MM-DD): the working year opens on `opensOn`
     * (Công văn 4862/BGDĐT-KHTC); communes submit before `communeSubmitBefore`, provinces before
     * `provinceSubmitBefore` (Circular 19/2020/TT-BGDĐT); a unit not yet submitted this many days
     * before its deadline is at risk (the deadline view).
     */
    calendar: z
      .object({
        opensOn: monthDay.default('09-01'),
        communeSubmitBefore: monthDay.default('10-03'),
        provinceSubmitBefore: monthDay.default('10-10'),
        atRiskDays: z.number().int().nonnegative().max(60).default(3),
      })
      .strict()
      .prefault({}),
    /** Delivery to the Ministry: how long a closed window that should be open is waited for, and attempts at most. */
    delivery: z
      .object({
        closedWindowRetrySeconds: z.number().int().positive().default(600),
        maxAttempts: z.number().int().positive().max(10_000).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type PcgdConfig = z.infer<typeof PcgdSchema>;

// ---- quality (issue 8): the data-quality engine's settings (src/quality reads them) ----
const ENTITY_OR_ALL = z.enum([...ENTITY_NAMES, '*']);
const RULE_CODE = z
  .string()
  .regex(/^(DUNG|DU|SACH|SONG)_[A-Z0-9_]+$/, 'a rule code (DUNG_…, DU_…, SACH_…, SONG_…)');
const MM_DD = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD');
const ISO_DATE = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'YYYY-MM-DD');
const fieldSpecs = z.partialRecord(
  z.enum(ENTITY_NAMES),
  z.array(z.string().regex(/^[a-zA-Z]+(\|[a-zA-Z]+)*$/, 'field or a|b')),
);
const DEFAULT_PLACEHOLDERS = [
  'x',
  'xx',
  'xxx',
  'xxxx',
  'khong',
  'khongco',
  'kco',
  'ko',
  'chuaco',
  'chuacapnhat',
  'khongro',
  'na',
  'null',
  'none',
  'undefined',
  'test',
  'abc',
  'asd',
  'aaa',
  'noname',
  'unknown',
  '0',
  '00',
  '000',
  '0000',
  '00000',
  '',
];

/**
 * The data-quality engine (issue 8). Numbers the city or the law sets are settings here; where no
 * source was found the default is truc's own and the comment says so (config/default.yaml repeats them).
 */
const QualitySchema = z
  .object({
    /**
     * The city's policy: per entity ('*' = all), rule code → severity ('error' rejects the record,
     * 'warning' accepts and flags, 'info', 'off'). Rules not named keep their catalogue severity.
     */
    policy: z
      .partialRecord(ENTITY_OR_ALL, z.record(RULE_CODE, z.enum(['error', 'warning', 'info', 'off'])))
      .default({}),
    /** Scorecard colour bands on the pass ratio, in percent: ≥ green is green, ≥ yellow yellow, below red (a commonly cited band: 90 / 75). */
    colourBands: z
      .object({ green: percent.default(90), yellow: percent.default(75) })
      .strict()
      .refine((b) => b.yellow <= b.green, 'yellow must not be above green')
      .prefault({}),
    /**
     * The year's deadlines: rollover (kết chuyển) and start-of-year master data complete. `rollover` and
     * `masterData` are MM-DD in the school year's first calendar year (2024: 13 and 20 September, set by
     * the city each year); `byYear` pins exact dates for a school year ('2024-2025': { rollover: 2024-09-13 }).
     */
    deadlines: z
      .object({
        rollover: MM_DD.default('09-13'),
        masterData: MM_DD.default('09-20'),
        byYear: z
          .record(
            z.string().regex(/^\d{4}-\d{4}$/, 'a school year YYYY-YYYY'),
            z.object({ rollover: ISO_DATE.optional(), masterData: ISO_DATE.optional() }).strict(),
          )
          .default({}),
      })
      .strict()
      .prefault({}),
    /** Days after which a school's last successful sync from a system is stale (truc's own default). */
    syncMaxAgeDays: z.number().int().positive().max(366).default(7),
    /**
     * Retirement age by sex, whole years. Default: the end of the Labour Code 2019 Art. 169 roadmap
     * (62 men, 60 women) — lenient: nobody is flagged before they are certainly past it; set the year's ages.
     */
    retirementAge: z
      .object({
        male: z.number().int().min(40).max(80).default(62),
        female: z.number().int().min(40).max(80).default(60),
      })
      .strict()
      .prefault({}),
    /** Youngest age of a staff member, years (truc's own default). */
    staffMinAge: z.number().int().min(14).max(30).default(18),
    /**
     * Years a pupil may be younger / older than the grade's nominal age (grade 1 the year the child
     * turns 6). truc's own defaults; "older" is wider for repeaters, late entry, minority and disabled pupils.
     */
    ageTolerance: z
      .object({
        younger: z.number().int().min(0).max(5).default(1),
        older: z.number().int().min(0).max(10).default(3),
      })
      .strict()
      .prefault({}),
    /** E-mail domains of official school addresses (a subdomain counts). */
    officialEmailDomains: z
      .array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, 'a lower-case domain'))
      .min(1)
      .default(['hcm.edu.vn', 'moet.edu.vn', 'tphcm.gov.vn']),
    /** Fields the city requires per entity beyond the schema (`a|b` = at least one of them). */
    requiredFields: fieldSpecs.default({
      students: ['grade', 'residenceCommuneCode', 'fatherName|motherName|guardianName'],
      staff: ['phone|email'],
    }),
    /** Fields complete by the start-of-year master-data deadline, per entity (`a|b` = one of them). */
    masterDataFields: fieldSpecs.default({
      students: ['classCode', 'grade', 'personalId'],
      classes: ['homeroomStaffCode'],
    }),
    /** Values that mean "nothing" (compared without case, diacritics, spaces or punctuation). */
    placeholders: z.array(z.string().max(40)).max(500).default(DEFAULT_PLACEHOLDERS),
    /**
     * The schools' website probe (sống: every school keeps a live website with an RSS feed, a city
     * requirement): when it runs (a cron pattern in `tz`; '' = never), how long one request may take,
     * how many sites at once, the user agent it names itself with, and whether private and loopback
     * addresses may be probed (tests, an intranet). truc's own defaults: nightly at 02:30, 10 s, 4 sites.
     */
    websiteProbe: z
      .object({
        cron: z.string().max(100).default('30 2 * * *'),
        tz: z.string().min(1).default('Asia/Ho_Chi_Minh'),
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        concurrency: z.number().int().min(1).max(32).default(4),
        userAgent: z.string().min(1).max(200).default('truc-website-probe/1 (So GD&DT; data-quality check)'),
        allowPrivateNetworks: z.boolean().default(false),
        /** The longest robots.txt Crawl-delay honoured; a site asking for more is not probed beyond its robots.txt. */
        maxCrawlDelayMs: z.number().int().min(0).max(300_000).default(30_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type QualitySettings = z.infer<typeof QualitySchema>;
/** The quality section's defaults (what `quality: {}` parses to). */
export const DEFAULT_QUALITY_SETTINGS: QualitySettings = deepFreeze(QualitySchema.parse({}));
// ---- end quality ----
/**
 * Sync engine reliability (issue 7): worker lock and stalled-job timings (recovery after a kill -9),
 * the outbox reconciler (recovery after a Redis flush), and the delivery gate of each external system
 * (pacing, Retry-After, circuit breaker) shared by every worker through the database.
 */
/**
 * A schedule: a sync run requested at the times of a cron pattern (in `tz`, Asia/Ho_Chi_Minh unless
 * set) or every `everyMs` milliseconds, fired once across any number of scheduler replicas.
 */
const ScheduleSchema = z
  .object({
    cron: z
      .string()
      .regex(/^\S+( \S+){4,5}$/, 'a cron pattern of 5 or 6 fields, e.g. "0 1 * * *"')
      .optional(),
    everyMs: z.number().int().min(1000).optional(),
    tz: z.string().min(1).default('Asia/Ho_Chi_Minh'),
    system: z.enum(SYSTEM_NAMES),
    entity: z.enum(ENTITY_NAMES),
    /** School (or commune) code; unset = everything the system serves. */
    scope: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/)
      .optional(),
    /** A full pull (ignores the watermark): a reconciliation. */
    full: z.boolean().default(false),
  })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.everyMs === undefined), {
    message: 'exactly one of cron or everyMs',
  });
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;

const SyncSchema = z
  .object({
    /** Schedules by id (lower-case letters, digits and -). */
    schedules: z.record(z.string().regex(/^[a-z0-9-]{1,64}$/), ScheduleSchema).default({}),
    worker: z
      .object({
        /** A job's lock; a killed worker's job is taken over about lockMs + 2 × stalledIntervalMs later. */
        lockMs: z.number().int().min(1000).default(10_000),
        /** How often workers look for jobs whose lock expired. */
        stalledIntervalMs: z.number().int().min(500).default(5_000),
        /**
         * Times a job may be started, counting the starts that were handed back unrun (target paused:
         * open circuit or Retry-After): bounds a job's life when a target never comes back.
         */
        maxStarts: z.number().int().positive().default(5_000),
      })
      .strict()
      .prefault({}),
    reconcile: z
      .object({
        /** An enqueued outbox row open this long has its job looked up (lost in a Redis flush?). */
        afterSeconds: z.number().int().nonnegative().default(10),
        /** How often the reconciler runs. */
        everyMs: z.number().int().positive().default(5_000),
      })
      .strict()
      .prefault({}),
    delivery: z
      .object({
        /** Consecutive transient failures (5xx, timeouts, refused connections) that open a circuit. */
        failureThreshold: z.number().int().positive().default(5),
        /** How long an opened circuit pauses calls before one probe; doubles per failed probe … */
        openMs: z.number().int().positive().default(5_000),
        /** … up to this. */
        maxOpenMs: z.number().int().positive().default(60_000),
        /** A probe that neither succeeds nor fails within this (its worker died) lets another probe. */
        probeLeaseMs: z.number().int().positive().default(30_000),
        /** Longest Retry-After honoured; a longer one is cut to this. */
        maxRetryAfterSeconds: z.number().int().positive().default(3_600),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type SyncConfig = z.infer<typeof SyncSchema>;

/**
 * The mass-change guard (issue 7, sync-data): shares of a school's live records above which a change is
 * held for a city admin. In the rollover window (MM-DD, inclusive; kết chuyển around 1 September) the
 * changed-records threshold is `rollover.changeRatio`; deletions stay guarded.
 */
const GuardSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Schools with fewer live records are not guarded (ratios of tiny schools are noise). */
    minRecords: z.number().int().min(0).default(20),
    /** Share of a school's live records deleted or moved away. */
    deleteRatio: z.number().min(0).max(1).default(0.3),
    /** Share of a school's live records changed. */
    changeRatio: z.number().min(0).max(1).default(0.5),
    rollover: z
      .object({
        from: monthDay.default('08-15'),
        to: monthDay.default('09-30'),
        changeRatio: z.number().min(0).max(1).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

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
        /** Token issuer; default: server.publicUrl when set, else `truc`. */
        issuer: z.string().min(1).optional(),
        audience: z.string().min(1).default('truc-api'),
        tokenTtlSeconds: z.number().int().positive().max(86_400).default(900),
        /** Failed logins of one client id from one source address before delays start (issue 9). */
        maxFailedLogins: z.number().int().positive().default(5),
        /** The longest delay failed logins can impose, in seconds (never a lock: delays only). */
        lockoutSeconds: z.number().int().positive().default(900),
        /** Failed logins from one source address (any client id) before delays start. */
        maxFailedLoginsPerAddress: z.number().int().positive().default(20),
        /** The first delay after the free failures; each further failure doubles it. */
        failedLoginDelayMs: z.number().int().positive().default(1000),
        /** Failures are forgotten this long after the last one. */
        failedLoginWindowSeconds: z.number().int().positive().default(3600),
        /** How long an API process trusts a client's state (enabled, schools, scopes) before re-reading it. */
        clientStateTtlMs: z.number().int().nonnegative().max(60_000).default(1000),
      })
      .strict()
      .prefault({}),
    /** issue 9: limits of the HTTP API beyond the body size (server.bodyLimitBytes). */
    api: z
      .object({
        /** Deepest nesting of objects and arrays in a JSON body (the envelope is level 1). */
        maxJsonDepth: z.number().int().min(4).max(256).default(32),
        /** Longest array inside a record (the records array is bounded by server.maxBatchRecords). */
        maxNestedArrayItems: z.number().int().positive().max(100_000).default(1000),
        /** Node's limit on the size of all request headers together, in bytes. */
        maxHeaderBytes: z.number().int().min(4096).max(65_536).default(16_384),
        /** Requests per client (per address before authentication) to /v1 per window (RateLimit-* headers). */
        rateLimit: z
          .object({
            max: z.number().int().positive().default(1200),
            windowMs: z.number().int().positive().default(60_000),
          })
          .strict()
          .prefault({}),
        /** fastify's trustProxy: false, true, or the trusted proxies' addresses/CIDRs (comma-separated). */
        trustProxy: z.union([z.boolean(), z.string().min(1)]).default(false),
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
    /** issue 9: webhooks to vendors' systems (src/jobs/webhook-deliver.ts). */
    webhooks: z
      .object({
        /** Time for a receiver to answer one delivery. */
        timeoutMs: z.number().int().positive().max(60_000).default(10_000),
        /** Attempts per delivery (exponential backoff from jobs.backoffMs, capped at an hour). */
        maxAttempts: z.number().int().positive().max(50).default(12),
        /** http:// URLs (default: https only). */
        allowHttp: z.boolean().default(false),
        /** Receivers on loopback, private or link-local addresses (default: refused, against SSRF). */
        allowPrivateNetworks: z.boolean().default(false),
        /** Subscriptions per client. */
        maxSubscriptions: z.number().int().positive().max(100).default(10),
      })
      .strict()
      .prefault({}),
    pcgd: PcgdSchema.prefault({}),
    // Operations (issue 11): metrics ports of the roles that do not serve the API, build identity.
    observability: z
      .object({
        /** `truc worker` serves /metrics, /healthz and /readyz on this port (the API role uses PORT). */
        workerMetricsPort: z.number().int().min(0).max(65535).default(9464),
        /** `truc scheduler` serves /metrics, /healthz and /readyz on this port. */
        schedulerMetricsPort: z.number().int().min(0).max(65535).default(9465),
        /** The commit this build was made from (truc_build_info); set by the image build. */
        buildCommit: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/)
          .default('unknown'),
      })
      .strict()
      .prefault({}),
    quality: QualitySchema.prefault({}),
    sync: SyncSchema.prefault({}),
    guard: GuardSchema,
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
const ENV_MAP: ReadonlyArray<readonly [string, string, 'string' | 'int' | 'jwtKeys' | 'difficultCommunes']> =
  [
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
    ['TRUC_API_RATE_LIMIT_MAX', 'api.rateLimit.max', 'int'],
    ['TRUC_API_RATE_LIMIT_WINDOW_MS', 'api.rateLimit.windowMs', 'int'],
    ['TRUC_WORKER_CONCURRENCY', 'jobs.concurrency', 'int'],
    ['TRUC_QUEUE_PREFIX', 'jobs.queuePrefix', 'string'],
    // issue 7: worker lock and stalled-check timings (recovery after a kill -9)
    ['TRUC_WORKER_LOCK_MS', 'sync.worker.lockMs', 'int'],
    ['TRUC_WORKER_STALLED_INTERVAL_MS', 'sync.worker.stalledIntervalMs', 'int'],
    ['TRUC_PCGD_DIFFICULT_COMMUNES', 'pcgd.difficultCommunes', 'difficultCommunes'],
    ['TRUC_PCGD_P12_PASSWORD', 'pcgd.signing.pkcs12Password', 'string'],
    // Operations (issue 11)
    ['TRUC_WORKER_METRICS_PORT', 'observability.workerMetricsPort', 'int'],
    ['TRUC_SCHEDULER_METRICS_PORT', 'observability.schedulerMetricsPort', 'int'],
    ['TRUC_BUILD_COMMIT', 'observability.buildCommit', 'string'],
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
      ['secret', 'clientSecret', 'apiKey', 'token', 'url', 'redisUrl', 'pkcs12Password'].includes(k) &&
      typeof v === 'string'
        ? '[redacted]'
        : v,
    ),
  );
}
