/**
 * The service's own sections of the configuration: server, database, auth, api, jobs, systems, webhooks,
 * observability (src/config.ts assembles them with the pcgd, quality, sync and guard sections).
 */
import { z } from 'zod';
import { connectionUrl, timeZone } from './common.js';
import type { SystemName } from './names.js';

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
 * A school's own system (smas, vnedu): a system, and how far before an incremental listing's start (by
 * the system's clock) its watermark may lie at most (BUG 6: the allowance for the system's record stamps
 * running behind its `Date`; the adapter's default is the same 60).
 */
const SchoolSystemSchema = SystemSchema.extend({
  watermarkOverlapSeconds: z.number().int().min(0).max(86_400).default(60),
}).strict();

/**
 * The Ministry's PCGD-XMC: one value for its call's time, 20 s, whether a profile names it or not (it
 * congests near the October deadline; the other systems keep 10 s).
 */
const MoetSystemSchema = SystemSchema.extend({
  timeoutMs: z.number().int().positive().default(20_000),
}).strict();

/** Defaults of a school system's section. */
const schoolSystemDefaults = {
  timeoutMs: 10_000,
  rateLimit: { max: 20, durationMs: 1000 },
  watermarkOverlapSeconds: 60,
};

/**
 * An ES256 signing key (issue 9): a PKCS#8 PEM P-256 private key, or a secret seed (≥ 32 characters)
 * the key is derived from.
 */
const JwtKeySchema = z
  .object({
    kid: z
      .string()
      .regex(
        /^[A-Za-z0-9._-]{1,64}$/,
        'mã khoá (kid): 1–64 ký tự A–Z a–z 0–9 . _ - / a key id (kid): 1–64 of A–Z a–z 0–9 . _ -',
      ),
    secret: z.string().min(32).optional(),
    privateKey: z.string().includes('PRIVATE KEY').optional(),
  })
  .strict()
  .refine((k) => (k.secret === undefined) !== (k.privateKey === undefined), {
    message: 'give exactly one of secret or privateKey',
  });

export const ServerSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    /** Records of a delta batch (`mode` absent or `delta`). */
    maxBatchRecords: z.number().int().positive().max(10_000).default(1000),
    /**
     * Records of a snapshot batch (`"mode": "snapshot"`: every record of the school, one batch): sized for
     * the largest schools (Ho Chi Minh City's have up to ~4,000 students); at most what bigsnap25 measured, 10,000.
     */
    maxSnapshotRecords: z.number().int().positive().max(10_000).default(5000),
    /**
     * The batch push route's body limit, for a snapshot's (a delta's body is still held to bodyLimitBytes):
     * 10 MiB takes 10,000 records of up to ~1 KB (vendor formats' students: 370–512 bytes).
     */
    snapshotBodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    publicUrl: z.url().optional(),
    /**
     * On SIGTERM/SIGINT the API answers /readyz 503 at once and goes on serving, in-flight and new requests, this
     * long (ms) so that a load balancer takes it out of rotation first; then it closes (in-flight requests still
     * finish). A second signal ends the wait. 0: it closes at once (the test profile).
     */
    shutdownGraceMs: z.number().int().min(0).max(120_000).default(5000),
  })
  .strict();

/** {@link DatabaseSchema}'s `idleInTransactionTimeoutMs` by default (review27c F3). */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 20_000;

/** {@link DatabaseSchema}'s `poolIdleTimeoutMs` by default: a PostgreSQL connection stays open while idle (perf13a). */
export const POOL_IDLE_TIMEOUT_MS = 0;

export const DatabaseSchema = z
  .object({
    /** PostgreSQL URL; unset = embedded PGlite in dataDir. */
    url: connectionUrl(['postgres', 'postgresql'], 'postgres://truc:secret@db.internal:5432/truc').optional(),
    dataDir: z.string().min(1).default('./data'),
    poolMax: z.number().int().positive().default(10),
    /**
     * A truc session idle inside a transaction this long is ended by PostgreSQL (its locks go): a worker whose
     * host froze or lost its network mid-transaction (no TCP reset reaches the server) no longer holds a school's
     * lock for hours. 0: no limit.
     */
    idleInTransactionTimeoutMs: z.number().int().min(0).default(IDLE_IN_TRANSACTION_TIMEOUT_MS),
    /**
     * A pooled PostgreSQL connection idle this long is closed; 0 (the default): never, so each process keeps up to
     * `poolMax` backends open. A new backend faults in every shared-buffer page and every large block it touches,
     * dear on a host where page faults are (issue 7, perf13a: a changed batch's PostgreSQL CPU ~65 → ~41 ms on
     * backends already used, docs/vendor-push-path.md).
     */
    poolIdleTimeoutMs: z.number().int().min(0).default(POOL_IDLE_TIMEOUT_MS),
  })
  .strict();

/** The longest window a rotated client secret may keep working (30 days): a rotation's `overlapSeconds` at most. */
export const SECRET_OVERLAP_MAX_SECONDS = 2_592_000;

export const AuthSchema = z
  .object({
    /** Signing keys; the first signs, all verify (rotation: add the new key first, drop the old later). */
    jwtKeys: z.array(JwtKeySchema).default([]),
    /** Tokens' issuer (`iss`); default: server.publicUrl when set, else the fixed `truc` (sec9; src/api/auth/tokens.ts). */
    issuer: z.string().min(1).optional(),
    audience: z.string().min(1).default('truc-api'),
    tokenTtlSeconds: z.number().int().positive().max(86_400).default(900),
    /**
     * How far ahead of an API process's clock a token's `iat` may be before the token is refused (sec9): the clocks
     * of the hosts behind one balancer may differ (review35a F7, a minute seen); a token from further ahead would
     * outlive its tokenTtlSeconds by as much. 300 s: Kerberos's usual bound on clock skew.
     */
    clockSkewSeconds: z.number().int().nonnegative().max(3600).default(300),
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
    /**
     * Access tokens issued to one client per minute (POST /oauth/token; each costs a scrypt): past it 429 slow_down
     * with Retry-After, before the secret is checked. Enough for a vendor's replicas; a client reuses its token.
     */
    maxTokensPerMinute: z.number().int().positive().default(60),
    /** How long an API process trusts a client's state (enabled, schools, scopes) before re-reading it. */
    clientStateTtlMs: z.number().int().nonnegative().max(60_000).default(1000),
    /**
     * fix30a (review29 F7): how long the secret a rotation replaces keeps working (and the tokens issued under it),
     * unless the rotation names its own `overlapSeconds` or a city admin ends it early; 0 stops it at once. No law
     * sets it. 24 h: a vendor running several servers moves each to the new secret within a working day, and an old
     * secret is not left working for days; after a leak, rotate with 0 (or end the old secret at once).
     */
    secretOverlapSeconds: z.number().int().nonnegative().max(SECRET_OVERLAP_MAX_SECONDS).default(86_400),
  })
  .strict();

/** issue 9: limits of the HTTP API beyond the body size (server.bodyLimitBytes). */
export const ApiSchema = z
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
    /**
     * Failed authentications at /v1 (no, bad or expired bearer token) per source address per window: past `max`,
     * the failure answers 429 ERR_RATE_LIMITED with Retry-After instead of 401 (api27). Valid tokens are never refused.
     */
    failedAuthLimit: z
      .object({
        max: z.number().int().positive().default(30),
        windowMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .prefault({}),
    /**
     * How long an Idempotency-Key answers its first request's response again (hours). After it the key is expired: its
     * reuse is a new request, and the nightly purge (jobs/change-purge.ts) deletes it. The IETF draft
     * (draft-ietf-httpapi-idempotency-key-header §2.3) lets a resource expire keys and asks it to publish when.
     */
    idempotencyRetentionHours: z.number().int().min(1).max(8760).default(24),
    /**
     * purge29: days a finished batch's body (its records as sent: personal data) is kept; then the nightly purge
     * removes it and keeps the batch's row (../store/batch-purge.ts, which spares a body still needed). No law found
     * sets the period (Decree 13/2023: no longer than needed): the city's data-protection officer sets it. 0: never.
     */
    batchRetentionDays: z.number().int().min(0).max(3650).default(30),
    /**
     * fastify's trustProxy: false, true, or the trusted proxies' addresses/CIDRs (comma-separated). Whether a request's
     * source address (the login throttle's, the failed-authentication and rate limits') is read from X-Forwarded-For:
     * set it behind the city's reverse proxy only; without one, callers could spoof their address (README Configuration).
     */
    trustProxy: z.union([z.boolean(), z.string().min(1)]).default(false),
    /**
     * The change feed (GET /v1/changes) keeps the current school year and the `keepSchoolYears` full
     * school years before it (each from 1 September, Vietnam time; at least one, issue 9); the scheduler
     * role drops older changes at `purgeCron` in `tz` ('' = never: the feed then grows forever).
     */
    changeFeed: z
      .object({
        keepSchoolYears: z.number().int().min(1).max(50).default(1),
        purgeCron: z.string().max(100).default('15 3 * * *'),
        tz: timeZone.default('Asia/Ho_Chi_Minh'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const JobsSchema = z
  .object({
    attempts: z.number().int().positive().default(8),
    backoffMs: z.number().int().positive().default(1000),
    concurrency: z.number().int().positive().default(4),
    /**
     * A vendor batch of more records than this is big (a school's snapshot: up to server.maxSnapshotRecords): big
     * ingests take at most `concurrency` - 1 of a worker's ingest slots at once, so one stays for the small batches of
     * other schools (src/jobs/ingest-slots.ts); 0: no limit.
     */
    bigBatchRecords: z.number().int().nonnegative().default(1000),
    outboxPollMs: z.number().int().positive().default(500),
    outboxBatch: z.number().int().positive().default(200),
    keepCompleted: z.number().int().nonnegative().default(1000),
    keepFailed: z.number().int().nonnegative().default(5000),
    /** Redis key prefix of the queues (several deployments or test runs may share one Redis). */
    queuePrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, '1–32 ký tự A–Z a–z 0–9 _ - / 1–32 of A–Z a–z 0–9 _ -')
      .default('truc'),
  })
  .strict();

export const SystemsSchema = z
  .object({
    'hcm-csdl': SystemSchema.default({ timeoutMs: 10_000, rateLimit: { max: 20, durationMs: 1000 } }),
    'moet-pcgd': MoetSystemSchema.default({ timeoutMs: 20_000, rateLimit: { max: 2, durationMs: 1000 } }),
    smas: SchoolSystemSchema.default(schoolSystemDefaults),
    vnedu: SchoolSystemSchema.default(schoolSystemDefaults),
  } satisfies Record<SystemName, z.ZodType>)
  .strict();

/** issue 9: webhooks to vendors' systems (src/jobs/webhook-deliver.ts). */
export const WebhooksSchema = z
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
  .strict();

/** Who may read /metrics (sec28): every role's /metrics asks for this bearer token when it is set. */
export const MetricsSchema = z
  .object({
    /** `Authorization: Bearer <token>` required at /metrics (TRUC_METRICS_TOKEN; at least 16 characters); unset: open. */
    token: z.string().min(16).max(512).optional(),
  })
  .strict();

/** Operations (issue 11): metrics ports of the roles that do not serve the API, build identity. */
export const ObservabilitySchema = z
  .object({
    /** `truc worker` serves /metrics, /healthz and /readyz on this port (the API role uses PORT). */
    workerMetricsPort: z.number().int().min(0).max(65535).default(9464),
    /** `truc scheduler` serves /metrics, /healthz and /readyz on this port. */
    schedulerMetricsPort: z.number().int().min(0).max(65535).default(9465),
    /**
     * How long a scrape waits for the hooks that refresh stored-state gauges (queue depths, dead letters …)
     * before it answers with their last values.
     */
    scrapeHookTimeoutMs: z.number().int().positive().max(60_000).default(3000),
    /** The commit this build was made from (truc_build_info); set by the image build. */
    buildCommit: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, '1–64 ký tự A–Z a–z 0–9 . _ - / 1–64 of A–Z a–z 0–9 . _ -')
      .default('unknown'),
  })
  .strict();
