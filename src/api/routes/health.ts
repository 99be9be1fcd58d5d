import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { QueueFactory } from '../../jobs/queues.js';
import { failureWithin } from '../../observability/deadline.js';
import type { Metrics } from '../../observability/metrics.js';
import { METRICS_CHALLENGE, METRICS_REFUSED, metricsAuthorized } from '../../observability/metrics-auth.js';
import { pingDatabase, type Db } from '../../store/db.js';
import { AppError } from '../../errors.js';
import { failedAuthCounter, tooManyFailures, type FailedAuthLimit } from '../failed-auth.js';
import { notReadyWait } from '../retry-later.js';
import { createOutboxRepo } from '../../store/outbox.js';

export interface HealthRouteOptions {
  db: Db;
  queues: QueueFactory;
  metrics: Metrics;
  /**
   * Outbox rows older than this are reported (`checks.outbox.ok: false`): workers behind, TrucOutboxLagHigh's
   * bound. They never make the API unready: it serves its requests all the same (the outbox keeps the work).
   */
  maxOutboxLagSeconds: number;
  /** The bearer token /metrics asks for (metrics.token); undefined: open. */
  metricsToken: string | undefined;
  /** Wrong /metrics tokens per address, counted with /v1's failed authentications (api.failedAuthLimit). */
  failedAuthLimit: FailedAuthLimit;
  /** True once the process is shutting down (src/roles.ts `startApi`): /readyz answers 503 {@link ShuttingDown}. */
  draining?: () => boolean;
}

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() });
const Ready = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    detail: z.string().optional().meta({
      description:
        'not_ready: vì sao và khi nào hỏi lại, số giây Retry-After mang / why, and when to ask again: the seconds Retry-After carries',
    }),
    checks: z.object({
      database: Check,
      queue: Check.extend({ backend: z.enum(['redis', 'postgres']) }),
      outbox: Check.extend({ pending: z.number().int(), lagSeconds: z.number() }),
    }),
  })
  .meta({ id: 'Readiness' });

/**
 * /readyz of an API process told to stop (SIGTERM/SIGINT): it still serves every request for server.shutdownGraceMs,
 * so that the load balancer, seeing 503 here, stops sending it new ones before it closes (fix32b).
 */
const ShuttingDown = z
  .object({ status: z.literal('shutting_down'), detail: z.string() })
  .meta({ id: 'ShuttingDown' });
const SHUTTING_DOWN =
  'Tiến trình đang dừng: vẫn phục vụ các yêu cầu trong thời gian chờ rồi đóng; hãy gửi yêu cầu tới tiến trình khác / ' +
  'the process is shutting down: it serves requests for its grace period, then closes; send requests elsewhere';

/** `checks.outbox.detail` when the workers are behind (both languages, as every message of the API). */
const outboxBehind = (seconds: number): string =>
  `Công việc chờ trong outbox quá ${seconds} giây: worker chậm hoặc không chạy (cảnh báo TrucOutboxLagHigh); ` +
  `API vẫn sẵn sàng / work waits in the outbox longer than ${seconds} s: workers are behind or not running ` +
  `(alert TrucOutboxLagHigh); the API stays ready`;

async function check(fn: () => Promise<void>): Promise<{ ok: boolean; detail?: string }> {
  const err = await failureWithin(fn, 2000);
  return err ? { ok: false, detail: err.message.slice(0, 200) } : { ok: true };
}

/**
 * `/metrics` (Prometheus); with metrics.token set, only for `Authorization: Bearer <token>` (else 401). A wrong token
 * counts as a failed authentication of its address (sec29 item 2: guesses were never slowed); past api.failedAuthLimit
 * it is 429 ERR_RATE_LIMITED with Retry-After. The right token is never counted nor refused.
 */
function metricsRoute(app: HealthApp, opts: HealthRouteOptions): void {
  const countFailure = failedAuthCounter(app, opts.failedAuthLimit);
  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } },
    async function metrics(request, reply) {
      if (!metricsAuthorized(request.headers.authorization, opts.metricsToken)) {
        const r = await countFailure(request);
        void reply
          .header('ratelimit-limit', r.max)
          .header('ratelimit-remaining', r.remaining)
          .header('ratelimit-reset', r.resetSeconds);
        if (r.exceeded) throw tooManyFailures(r, opts.failedAuthLimit);
        void reply.header('www-authenticate', METRICS_CHALLENGE);
        throw new AppError('ERR_UNAUTHENTICATED', METRICS_REFUSED);
      }
      const body = await opts.metrics.scrape();
      return reply.type(opts.metrics.registry.contentType).send(body);
    },
  );
}

type HealthApp = Parameters<FastifyPluginAsyncZod<HealthRouteOptions>>[0];

const healthRoutes: FastifyPluginAsyncZod<HealthRouteOptions> = async function healthRoutes(app, opts) {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async function healthz() {
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary:
          'Readiness: database and queue backend (the outbox lag reported, not judged); 503 shutting_down once told to stop',
        response: { 200: Ready, 503: z.union([Ready, ShuttingDown]) },
      },
    },
    async function readyz(_request, reply) {
      // Told to stop: not ready at once, without asking the database or the queue backend.
      if (opts.draining?.() === true)
        return reply.code(503).send({ status: 'shutting_down' as const, detail: SHUTTING_DOWN });
      const database = await check(() => pingDatabase(opts.db));
      const queue = { ...(await check(() => opts.queues.ping())), backend: opts.queues.backend };
      let outbox = { ok: false, pending: 0, lagSeconds: 0, detail: 'database unavailable' } as {
        ok: boolean;
        pending: number;
        lagSeconds: number;
        detail?: string;
      };
      if (database.ok) {
        const lag = await createOutboxRepo(opts.db).lag();
        opts.metrics.outboxPending.set(lag.pending);
        opts.metrics.outboxLag.set(lag.oldestSeconds);
        const behind = lag.oldestSeconds > opts.maxOutboxLagSeconds;
        outbox = {
          ok: !behind,
          pending: lag.pending,
          lagSeconds: lag.oldestSeconds,
          ...(behind ? { detail: outboxBehind(opts.maxOutboxLagSeconds) } : {}),
        };
      }
      // A load balancer's question: can this process serve requests? Workers behind is an alert, not that.
      const checks = { database, queue, outbox };
      if (database.ok && queue.ok) return reply.code(200).send({ status: 'ready', checks });
      // Not ready: how long to wait, in Retry-After and in words (words6 item 3).
      const wait = notReadyWait();
      void reply.header('retry-after', String(wait.retryAfterSeconds));
      return reply.code(503).send({ status: 'not_ready', detail: wait.message, checks });
    },
  );

  metricsRoute(app, opts);
};
export default healthRoutes;
