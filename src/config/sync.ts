/** The `sync` and `guard` sections of the configuration: schedules, worker timings, delivery gates, the mass-change guard. */
import { z } from 'zod';
import { monthDay, timeZone } from './common.js';
import { ENTITY_NAMES, PULL_SCOPE, PULL_SCOPE_WORDS, SYSTEM_NAMES, pullProblem } from './names.js';

/** When a schedule fires: the times of a cron pattern (in `tz`, Asia/Ho_Chi_Minh unless set), or every `everyMs`. */
const fireTimes = {
  cron: z
    .string()
    .regex(/^\S+( \S+){4,5}$/, 'a cron pattern of 5 or 6 fields, e.g. "0 1 * * *"')
    .optional(),
  everyMs: z.number().int().min(1000).optional(),
  tz: timeZone.default('Asia/Ho_Chi_Minh'),
};

/** A pull schedule (`kind: pull`, the default: `kind` left out): a sync run of its system and entity requested at each fire. */
const PullScheduleSchema = z
  .object({
    kind: z.literal('pull').optional(),
    ...fireTimes,
    system: z.enum(SYSTEM_NAMES),
    entity: z.enum(ENTITY_NAMES),
    /** School (or commune) code; unset = everything the system serves. */
    scope: z.string().regex(PULL_SCOPE, `${PULL_SCOPE_WORDS.vi} / ${PULL_SCOPE_WORDS.en}`).optional(),
    /** A full pull (ignores the watermark): a reconciliation. */
    full: z.boolean().default(false),
  })
  .strict();

/**
 * A quality schedule (`kind: quality`, fix35d): the quality scorecards of every school, commune and province computed
 * at each fire (the run `POST /v1/quality/runs` asks for), none while an earlier one is unfinished.
 */
const QualityScheduleSchema = z.object({ kind: z.literal('quality'), ...fireTimes }).strict();

/**
 * A schedule, fired once across any number of scheduler replicas: a pull (`kind: pull`, the default when `kind` is
 * left out) or the quality run (`kind: quality`), at the times of a cron pattern or every `everyMs` milliseconds.
 */
export const ScheduleSchema = z
  .discriminatedUnion('kind', [PullScheduleSchema, QualityScheduleSchema], {
    error: 'kind: pull (the default) or quality',
  })
  .refine((s) => (s.cron === undefined) !== (s.everyMs === undefined), {
    message: 'exactly one of cron or everyMs',
  })
  // A pull its system cannot make would fail at every fire (review18 R3): refused at start instead.
  .superRefine((s, ctx) => {
    if (s.kind === 'quality') return;
    const problem = pullProblem(s.system, s.entity, s.scope ?? '');
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  });
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;
/** A schedule that pulls (its sync run). */
export type PullScheduleConfig = Exclude<ScheduleConfig, { kind: 'quality' }>;
/** A schedule that computes the quality scorecards. */
export type QualityScheduleConfig = Extract<ScheduleConfig, { kind: 'quality' }>;

/**
 * Sync engine reliability (issue 7): worker lock and stalled-job timings (recovery after a kill -9),
 * the outbox reconciler (recovery after a Redis flush), and the delivery gate of each external system
 * (pacing, Retry-After, circuit breaker) shared by every worker through the database.
 */
export const SyncSchema = z
  .object({
    /** Schedules by id (lower-case letters, digits and -). */
    schedules: z
      .record(
        z
          .string()
          .regex(
            /^[a-z0-9-]{1,64}$/,
            'mã lịch: 1–64 chữ thường, chữ số và - / a schedule id: 1–64 lower-case letters, digits and -',
          ),
        ScheduleSchema,
      )
      .default({}),
    /**
     * A cron schedule's fire due while Redis had lost its job scheduler (restarted empty, flushed) is made up once when
     * the scheduler keeps it again, if it was due at most this long ago (src/jobs/schedule-catch-up.ts); 0: never.
     * A day: the night's pulls are made up the same day, never a day late.
     */
    catchUpWindowMs: z.number().int().nonnegative().default(86_400_000),
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
        /**
         * How long a pull job goes on with its run's next pages in its own process (each page still its
         * own transaction, the next page's outbox row leased to the process for lockMs) before handing
         * the run back to the queue; 0: one page per job.
         */
        chainMs: z.number().int().nonnegative().default(5_000),
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
        /**
         * The systems whose endpoints fail apart (fix35f): one endpoint refusing writes while another answers opens that
         * endpoint's own circuit, and only its writes wait (hcm-csdl's students:batch down, its staff:batch up); the
         * system's circuit still opens when its writes fail across endpoints, or its reads fail. Other systems: one
         * endpoint's failures open the system's circuit (fix34d).
         */
        endpointCircuits: z.array(z.enum(SYSTEM_NAMES)).default(['hcm-csdl']),
        /**
         * The systems whose rate limit is their client's, not each route's (fix37b): a 429 with Retry-After on a call to
         * any of their endpoints holds every call to them, even where their endpoints have circuits of their own. Other
         * systems of `endpointCircuits`: such a Retry-After holds that endpoint alone, a write's (`students:upsert`) or a
         * read's (`students:read`: issue 7 item 4) (hcm-csdl's modelled 429s are per route: its simulator's `status429`
         * fault on `paths`). moet-pcgd's limiter is per client (its
         * simulator's token bucket); it has no endpoint circuits by default.
         */
        systemWideRateLimits: z.array(z.enum(SYSTEM_NAMES)).default(['moet-pcgd']),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type SyncConfig = z.infer<typeof SyncSchema>;

/**
 * Why `jobs.attempts` cannot be below `sync.delivery.failureThreshold` (guard25, issue 7 item 4): the call whose
 * failure opens the circuit hands its job back without spending an attempt, the failures before it each spend
 * one (../jobs/through-gate.ts). A job alone against a target that is down spends `failureThreshold - 1`
 * attempts before the circuit opens; with fewer attempts than that it is dead-lettered first, and the outage
 * burns attempts as if there were no circuit. Refused at start (not quietly raised: the operator chose both).
 * The problem's words (vi / en), or undefined when the two agree.
 */
export function attemptsProblem(attempts: number, failureThreshold: number): string | undefined {
  if (attempts >= failureThreshold) return undefined;
  return (
    `jobs.attempts (${attempts}) nhỏ hơn sync.delivery.failureThreshold (${failureThreshold}): một việc hết lượt ` +
    `thử và vào thư chết trước khi mạch ngắt kịp mở; đặt jobs.attempts ≥ ${failureThreshold} hoặc giảm ` +
    `sync.delivery.failureThreshold / jobs.attempts (${attempts}) is smaller than ` +
    `sync.delivery.failureThreshold (${failureThreshold}): a job would be dead-lettered before the circuit ` +
    `could open; set jobs.attempts >= ${failureThreshold} or lower sync.delivery.failureThreshold`
  );
}

/**
 * The mass-change guard (issue 7, sync-data): shares of a school's live records above which a change is
 * held for a city admin. In the rollover window (MM-DD, inclusive; kết chuyển around 1 September) a student's
 * change of nothing but its school year, grade and class weighs against `rollover.changeRatio`, any other change
 * against `changeRatio` as on any day (../jobs/guard-rollover.ts); deletions stay guarded.
 */
export const GuardSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Schools with fewer live records are not guarded (ratios of tiny schools are noise). */
    minRecords: z.number().int().min(0).default(20),
    /** Share of a school's live records deleted or moved away. */
    deleteRatio: z.number().min(0).max(1).default(0.3),
    /**
     * A student snapshot's deletions are weighed within each grade too (../jobs/grade-guard.ts), but only in a grade
     * of at least this many live students; a smaller grade's are weighed against the school alone. OURS, not a
     * legal number: under 7, two students leaving one grade in one snapshot (siblings moving away) are over
     * `deleteRatio`'s 30% of it (2 of 6 is 33%; 1 of 3 at a small school or a continuing-education centre), and the
     * snapshot would wait for a city admin; from 7 it takes 3 and over 30% of the grade. 0: every grade.
     */
    minGradeStudents: z.number().int().min(0).default(7),
    /**
     * Share of a school's live records changed; deleted records brought back count as changes, against the school
     * with them (restoreguard, ../jobs/guard.ts `evaluate`).
     */
    changeRatio: z.number().min(0).max(1).default(0.5),
    /**
     * A vendor batch is weighed with the changes its school's earlier vendor batches made over this many hours
     * (src/jobs/vendor-window.ts; since the school's last approved hold, if later); 0: each batch alone.
     */
    vendorWindowHours: z.number().int().min(0).max(720).default(24),
    /**
     * A held run's weighed hold (../jobs/run-weigh.ts) keeps, per school and kind (deleted, moved, changed), at most
     * this many codes, or the held page's own if more (review33a F2): its counts stay exact, a school with codes left
     * out says `keysTruncated`. Codes to check, not the list: a city's recoding is 1.7 M codes. A held reconciliation
     * keeps as many (fix34a, ../jobs/run-guard.ts `keptKeys`).
     */
    weighedKeys: z.number().int().min(1).max(10_000).default(50),
    /**
     * A held run's weighing of its next pages (../jobs/run-weigh.ts, fix34e): it goes on page after page to the run's
     * end (its bound is progress: renewed as pages are weighed), at most `maxSeconds` in all (a slow source's night;
     * then the hold says it is partial and how far it got); `boundSeconds`: how long the hold stays undecidable
     * without a widening (a stopped worker's weighing: then decidable with what was weighed, and resumed from there).
     */
    weighing: z
      .object({
        maxSeconds: z.number().int().min(1).max(86_400).default(1800),
        boundSeconds: z.number().int().min(10).max(3600).default(120),
      })
      .strict()
      .prefault({}),
    rollover: z
      .object({
        from: monthDay.default('08-15'),
        to: monthDay.default('09-30'),
        /** Share of a school's live records changed, in the window, when grade and class changes are among them. */
        changeRatio: z.number().min(0).max(1).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});
