/**
 * buildApp(deps): the fastify instance with every plugin and route. It never listens: `startApi`
 * (`roles.ts`) does, and tests use `app.inject()` or listen on port 0 themselves.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createAuditChainer } from './audit/chainer.js';
import type { Config } from './config.js';
import type { QueueFactory } from './jobs/queues.js';
import type { Metrics } from './observability/metrics.js';
import type { Db } from './store/db.js';
import { createHandOver } from './jobs/hand-over.js';
import { createOutboxWaker } from './store/outbox.js';
import type { TokenSettings } from './api/auth/tokens.js';
import authPlugin from './api/plugins/auth.js';
import { OTHER_BODY_LIMIT } from './api/body-limits.js';
import { waitRefusal } from './api/retry-later.js';
import errorsPlugin, { sendProblem } from './api/plugins/errors.js';
import { AppError } from './errors.js';
import formBodyPlugin from './api/plugins/form-body.js';
import inputPlugin, { passingKnownBodies } from './api/plugins/input.js';
import { namedRedisStore } from './api/rate-limit-store.js';
import {
  clientErrorHandler,
  connectRefusal,
  MISSING_HOST_DETAIL,
  missingHost,
} from './api/socket-problem.js';
import queryTextPlugin from './api/plugins/query-text.js';
import { connectAllow, gatherRouteMethods, type RouteMethods } from './api/route-methods.js';
import { dbThrottle, redisThrottle } from './api/auth/throttle.js';
import batchRoutes from './api/routes/batches.js';
import healthRoutes, { type HealthRouteOptions } from './api/routes/health.js';
import guardRoutes from './api/routes/guard.js';
import oauthRoutes, { ALL_SCOPES } from './api/routes/oauth.js';
import syncRoutes from './api/routes/syncs.js';
import qualityRoutes from './api/routes/quality.js';
import scheduleRoutes from './api/routes/schedules.js';
import schoolSystemRoutes from './api/routes/school-systems.js';
import deadLetterRoutes from './api/routes/dead-letters.js';
import clientRoutes from './api/routes/clients.js';
import meRoutes from './api/routes/me.js';
import contractPlugin, { completeDocument } from './api/plugins/contract.js';
import { withRecordSchemas } from './api/record-schemas.js';
import { withWebhooks } from './api/webhook-events.js';
import readRoutes from './api/routes/records.js';
import webhookRoutes from './api/routes/webhooks.js';
import dashboardRoutes from './api/routes/dashboard.js';
import opsRoutes from './api/routes/ops.js';
import auditRoutes from './api/routes/audit.js';
import pcgdRoutes from './api/routes/pcgd.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  metrics: Metrics;
  queues: QueueFactory;
  tokens: TokenSettings;
  /** The clock (audit entries, judging, deadlines): deps.now. */
  now: () => Date;
  /** Shared API state (login throttle, rate limits) lives in Redis when given, else in the database. */
  redis?: Redis | undefined;
}

/** What the process serving the app tells it (src/roles.ts `startApi`). */
export interface AppOptions {
  /** True once the process is told to stop: /readyz answers 503 while requests are still served. */
  draining?: () => boolean;
}

const API_VERSION = '1.0.0';
/** How often the api process looks for audit events left to chain (besides after each accepted batch). */
const AUDIT_CHAIN_EVERY_MS = 1000;

/**
 * Builds the app in named steps, in this order: the instance, its compilers and request hooks, the API
 * document, protection (errors, security headers, rate limits, authentication), then the routes.
 */
export async function buildApp(deps: AppDeps, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = createInstance(deps);
  const routeMethods = gatherRouteMethods(app as unknown as FastifyInstance);
  app.server.on('connect', connectRefusal(connectAllow(routeMethods)));
  keepAnsweringHalfClosed(app.server);
  await addCompilersAndHooks(app, deps, opts);
  await registerDocument(app);
  await registerProtection(app, deps, routeMethods);
  await registerRoutes(app, deps, opts);
  return app as unknown as FastifyInstance;
}

type App = ReturnType<typeof createInstance>;

/**
 * A client that shuts its sending half once its request is written (FIN after the body: `nc -N`, some proxies and
 * scripts) still gets the answer (review12): Node's server by default aborted the request on the FIN and ended the
 * connection, so a push that took a while was stored and its 202 never sent. With this the answer is written, then
 * the connection ended; a FIN with no request pending still ends it at once.
 */
function keepAnsweringHalfClosed(server: Server): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

/** RFC 9112 §3.2: a request of HTTP/1.1 without a Host header is a 400 (./api/socket-problem.ts missingHost). */
const MISSING_HOST = () => new AppError('ERR_BAD_REQUEST', MISSING_HOST_DETAIL);

/** The fastify instance: body and header limits, timeouts, correlation ids, router-level refusals. */
function createInstance(deps: AppDeps) {
  return Fastify({
    loggerInstance: deps.logger,
    bodyLimit: Math.min(deps.config.server.bodyLimitBytes, OTHER_BODY_LIMIT),
    genReqId: (req) => {
      const given = req.headers['x-correlation-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // One log line per request, written by the onResponse hook below (ids and route only).
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 200 },
    connectionTimeout: 30_000,
    // A request of HTTP/1.1 without Host is refused by the hook requireHost below, with a problem document: Node's own
    // refusal (requireHostHeader) was a bare 400 with no body (review10).
    http: { maxHeaderSize: deps.config.api.maxHeaderBytes, requireHostHeader: false },
    trustProxy: deps.config.api.trustProxy,
    clientErrorHandler,
    requestTimeout: 60_000,
    keepAliveTimeout: 72_000,
    ajv: { customOptions: { removeAdditional: false } },
    // Router-level refusals (a path parameter over maxParamLength, a malformed URL) get the same
    // problem+json answer as everything else, without echoing the URL.
    frameworkErrors: function frameworkError(error, request, reply) {
      const tooLong = (error as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH';
      void sendProblem(request, reply, tooLong ? 'ERR_URI_TOO_LONG' : 'ERR_VALIDATION');
    },
  }).withTypeProvider<ZodTypeProvider>();
}

/** zod validation and serialisation, input limits, form bodies, the correlation header and the request log line. */
async function addCompilersAndHooks(app: App, deps: AppDeps, opts: AppOptions): Promise<void> {
  app.setValidatorCompiler(passingKnownBodies(validatorCompiler));
  const limits = {
    maxDepth: deps.config.api.maxJsonDepth,
    maxNestedArrayItems: deps.config.api.maxNestedArrayItems,
  };
  await app.register(inputPlugin, limits);
  await app.register(formBodyPlugin, limits);
  await app.register(queryTextPlugin);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onRequest', function correlation(request, reply, done) {
    void reply.header('x-correlation-id', request.id);
    done();
  });
  app.addHook('onRequest', async function requireHost(request) {
    if (missingHost(request.raw)) throw MISSING_HOST();
  });
  // While draining, every answer says Connection: close, so that a keep-alive client moves to another process
  // before this one closes; on an open connection its next request would meet fastify's own English 503 once the
  // close began (review33a F4).
  app.addHook('onSend', function closeWhileDraining(_request, reply, payload, done) {
    if (opts.draining?.() === true) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', function observe(request, reply, done) {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequestDuration.observe(
      { method: request.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
    // A 503 while draining is the planned answer of a process told to stop (/readyz's shutting_down, polled by
    // the load balancer), not a failure: logged at info (review33a F5: five error lines a deploy).
    const planned = reply.statusCode === 503 && opts.draining?.() === true;
    const level = reply.statusCode >= 500 && !planned ? 'error' : 'info';
    request.log[level](
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });
}

/** The OpenAPI document (`/openapi.json`, generated from the route schemas) and its viewer at `/docs`. */
async function registerDocument(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'truc — Trục dữ liệu giáo dục API',
        version: API_VERSION,
        description:
          'API cho nhà cung cấp phần mềm quản lý trường học và cán bộ PCGD-XMC. / API for school-management vendors and PCGD-XMC officers. ' +
          'Lỗi theo RFC 9457 (application/problem+json), song ngữ. / Errors are RFC 9457 problem details, in Vietnamese and English.',
      },
      components: {
        securitySchemes: {
          // completed by completeDocument (src/api/plugins/contract.ts) with every scope
          oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } } },
        },
      },
      tags: [
        { name: 'auth', description: 'Xác thực / Authentication' },
        { name: 'batches', description: 'Gửi và theo dõi lô dữ liệu / Push and track batches' },
        { name: 'syncs', description: 'Kéo dữ liệu từ hệ thống ngoài / Pulls from external systems' },
        { name: 'pcgd', description: 'Báo cáo PCGD-XMC / PCGD-XMC reports (issue 10)' },
        { name: 'operations', description: 'Vận hành / Health and metrics' },
        { name: 'records', description: 'Đọc bản ghi và luồng thay đổi / Records and the change feed' },
        { name: 'admin', description: 'Quản trị ứng dụng / API client administration' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) =>
      withWebhooks(
        completeDocument(withRecordSchemas(jsonSchemaTransformObject(documentObject)), ALL_SCOPES),
      ),
  });
  await app.register(contractPlugin);
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, function openapi(_request, reply) {
    void reply.send(app.swagger());
  });
}

/** Problem details, security headers, per-client rate limits and authentication. */
async function registerProtection(app: App, deps: AppDeps, routeMethods: RouteMethods): Promise<void> {
  await app.register(errorsPlugin, { routeMethods });
  // Security headers on every answer (HSTS, nosniff, frame and referrer policies, a strict CSP).
  await app.register(helmet, { global: true });
  // Per-client request limits on /v1 (issue 9), counted after authentication and before the body is
  // read; shared through Redis when configured, else per process.
  await app.register(rateLimit, {
    global: true,
    hook: 'preParsing',
    max: deps.config.api.rateLimit.max,
    timeWindow: deps.config.api.rateLimit.windowMs,
    ...(deps.redis
      ? { store: namedRedisStore(deps.redis, `${deps.config.jobs.queuePrefix}:rate-limit:`) }
      : {}),
    skipOnError: true,
    enableDraftSpec: true,
    keyGenerator: (request) => `requests:${request.principal?.clientId ?? `address:${request.ip}`}`,
    // The route the request reached, not its raw URL: /%761/changes reaches /v1/changes (review26b F9).
    allowList: (request) => !(request.routeOptions.url ?? request.url).startsWith('/v1/'),
    // The plugin's Retry-After is the same ceil(ttl / 1000) (its ttlInSeconds): the detail names that wait.
    errorResponseBuilder: (_request, context) => waitRefusal('ERR_RATE_LIMITED', context.ttl / 1000),
  });
  await app.register(authPlugin, {
    tokens: deps.tokens,
    db: deps.db,
    metrics: deps.metrics,
    clientStateTtlMs: deps.config.auth.clientStateTtlMs,
    now: deps.now,
    failedAuthLimit: deps.config.api.failedAuthLimit,
  });
}

/** How long a login beyond the attempts its address may have in flight waits for them (src/api/auth/throttle.ts). */
const LOGIN_HOLD_MS = 5000;

/** The health routes' options: /readyz 503 once draining, /metrics behind its token. */
function healthOptions(deps: AppDeps, opts: AppOptions): HealthRouteOptions {
  return {
    ...(opts.draining ? { draining: opts.draining } : {}),
    db: deps.db,
    queues: deps.queues,
    metrics: deps.metrics,
    maxOutboxLagSeconds: 300,
    metricsToken: deps.config.metrics.token,
    failedAuthLimit: deps.config.api.failedAuthLimit,
  };
}

/** The token endpoint's options: failed logins throttled through Redis when configured, else the database. */
function oauthOptions(deps: AppDeps) {
  const throttleSettings = {
    clientFree: deps.config.auth.maxFailedLogins,
    addressFree: deps.config.auth.maxFailedLoginsPerAddress,
    baseDelayMs: deps.config.auth.failedLoginDelayMs,
    maxDelayMs: deps.config.auth.lockoutSeconds * 1000,
    windowSeconds: deps.config.auth.failedLoginWindowSeconds,
    prefix: deps.config.jobs.queuePrefix,
    holdMs: LOGIN_HOLD_MS,
  };
  return {
    db: deps.db,
    now: deps.now,
    tokens: deps.tokens,
    metrics: deps.metrics,
    throttle: deps.redis
      ? redisThrottle(deps.redis, throttleSettings)
      : dbThrottle(deps.db, throttleSettings),
    publicUrl: deps.config.server.publicUrl,
    configuredIssuer: deps.config.auth.issuer ?? deps.config.server.publicUrl,
    maxTokensPerMinute: deps.config.auth.maxTokensPerMinute,
  };
}

/** Every route group; the audit chainer and outbox waker that accepted batches kick. */
async function registerRoutes(app: App, deps: AppDeps, opts: AppOptions): Promise<void> {
  await app.register(healthRoutes, healthOptions(deps, opts));
  await app.register(oauthRoutes, oauthOptions(deps));
  // Accepted batches' audit events are chained off their transaction (src/audit/chainer.ts), and the
  // outbox relay is woken after their commit (store/outbox.ts): no global lock in an intake commit.
  const auditChainer = createAuditChainer(deps.db, { everyMs: AUDIT_CHAIN_EVERY_MS, logger: deps.logger });
  app.addHook('onReady', async function startAuditChainer() {
    auditChainer.start();
  });
  app.addHook('onClose', async function stopAuditChainer() {
    await auditChainer.stop();
  });
  const relay = createOutboxWaker(deps.db);
  // An accepted batch's ingest job is added to its queue right after the commit (./jobs/hand-over.ts).
  const handOver = createHandOver(deps);
  app.addHook('onClose', async function closeHandOver() {
    await handOver.close();
  });
  await app.register(batchRoutes, {
    db: deps.db,
    limits: { delta: deps.config.server.maxBatchRecords, snapshot: deps.config.server.maxSnapshotRecords },
    bodyLimits: {
      delta: deps.config.server.bodyLimitBytes,
      snapshot: deps.config.server.snapshotBodyLimitBytes,
    },
    judge: { now: deps.now, config: deps.config },
    delivery: deps.config.sync.delivery,
    idempotencyRetentionHours: deps.config.api.idempotencyRetentionHours,
    repeats: { now: deps.now, config: deps.config, metrics: deps.metrics },
    handOver: (row) => handOver.add(row),
    onAccepted(handedOver) {
      if (!handedOver) relay.wake();
      auditChainer.kick();
    },
  });
  await app.register(qualityRoutes, {
    db: deps.db,
    bands: deps.config.quality.colourBands,
    deadlines: deps.config.quality.deadlines,
  });
  const { db, now } = deps;
  await app.register(syncRoutes, { db, config: deps.config, now });
  await app.register(scheduleRoutes, { db, config: deps.config, queues: deps.queues, now });
  await app.register(guardRoutes, { db, now });
  await app.register(deadLetterRoutes, { db, now });
  await app.register(clientRoutes, { db, now, secretOverlapSeconds: deps.config.auth.secretOverlapSeconds });
  await app.register(meRoutes, { db });
  await app.register(schoolSystemRoutes, { db, now });
  await app.register(readRoutes, { db: deps.db });
  await app.register(webhookRoutes, {
    db: deps.db,
    policy: deps.config.webhooks,
    maxSubscriptions: deps.config.webhooks.maxSubscriptions,
    now,
  });
  // Operations (issue 11): read-only routes for the dashboard, and the dashboard itself.
  await app.register(opsRoutes, { db: deps.db, metrics: deps.metrics, config: deps.config });
  await app.register(auditRoutes, { db: deps.db });
  await app.register(dashboardRoutes);
  await app.register(pcgdRoutes, { db, config: deps.config, now });
}
