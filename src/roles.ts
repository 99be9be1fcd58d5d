/**
 * The roles a truc process can run — api, worker (with the outbox relay), or all of them — built
 * from one Deps. Each returns a stop function; the CLI (`src/cli/commands/serve.ts`) wires
 * them to signals.
 */
import type { FastifyInstance } from 'fastify';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { createAuditChainer } from './audit/chainer.js';
import type { Deps } from './deps.js';
import { createWorkerContext } from './jobs/context.js';
import { warnRemovedTargets } from './jobs/dead-letters.js';
import { createRelay } from './jobs/outbox-relay.js';
import { jobsFor } from './jobs/registry.js';
import { startWorkers } from './jobs/worker.js';
import { startScheduler } from './jobs/schedules.js';
import { startServedTargets } from './jobs/served-targets.js';
import {
  standaloneFailedAuthCounter,
  tooManyFailures,
  type FailedAuthLimit,
  type FailureCounter,
} from './api/failed-auth.js';
import { notReadyWait } from './api/retry-later.js';
import { connectRefusal, MISSING_HOST_DETAIL, missingHost } from './api/socket-problem.js';
import { listenRefusal } from './listen-refusal.js';
import { failureWithin } from './observability/deadline.js';
import { METRICS_CHALLENGE, METRICS_REFUSED, metricsAuthorized } from './observability/metrics-auth.js';
import { pingDatabase } from './store/db.js';

export interface Running {
  stop(): Promise<void>;
  /**
   * Told to stop, before the grace (server.shutdownGraceMs) and `stop`: the API answers /readyz 503 from now on and
   * goes on serving every request (src/cli/commands/serve.ts).
   */
  drain?(): void;
}

/**
 * Keeps a listening server's later errors from ending the process: a failed accept (EMFILE, the
 * process out of file descriptors) is emitted as 'error' on the server, and an 'error' nobody listens
 * to throws out of the event loop. Node's server goes on listening; the error is logged.
 */
function logServerErrors(server: Server, logger: Logger, what: string): void {
  server.on('error', function serverError(err: Error) {
    logger.error({ err }, `${what} server error; still listening`);
  });
}

export async function startApi(
  deps: Deps,
  opts: { port?: number; host?: string } = {},
): Promise<Running & { app: FastifyInstance; url: string; drain(): void }> {
  let draining = false;
  const app = await buildApp(deps, { draining: () => draining });
  const on = { port: opts.port ?? deps.config.server.port, host: opts.host ?? deps.config.server.host };
  const address = await app.listen(on).catch(async (err: unknown) => {
    await app.close();
    throw listenRefusal(err, { ...on, setting: 'PORT' });
  });
  // fastify listens for 'error' only while it starts listening
  logServerErrors(app.server, deps.logger, 'API');
  const u = new URL(address);
  const url = `http://${u.hostname === '0.0.0.0' ? '127.0.0.1' : u.hostname}:${u.port}`;
  return {
    app,
    url,
    drain() {
      draining = true;
    },
    async stop() {
      await app.close();
    },
  };
}

/** A role's operations port's paths, and its refusals' words (walk6 W6-4: they were English only). */
const OPS_PATHS = ['/metrics', '/healthz', '/readyz'];
const OPS_NOT_FOUND =
  'cổng vận hành của tiến trình không có đường dẫn này; chỉ có /metrics, /healthz, /readyz / ' +
  "no such path on the process's operations port; it has /metrics, /healthz and /readyz";
/** The methods the operations port takes (its 405's `Allow`, a CONNECT's too). */
const OPS_METHODS = ['GET', 'HEAD'];
const OPS_METHOD = 'cổng vận hành chỉ nhận GET và HEAD / the operations port takes GET and HEAD only';
const OPS_METRICS_FAILED =
  'không đọc được số đo lúc này; xem nhật ký của tiến trình / the metrics could not be read now; see the process log';

/** The answer to one request of a role's operations endpoints (see {@link startMetricsServer}). */
function opsEndpoint(
  deps: Pick<Deps, 'db' | 'queues' | 'metrics' | 'logger'>,
  metrics: { token: string | undefined; countFailure: FailureCounter; limit: FailedAuthLimit },
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const path = (req.url ?? '/').split('?')[0];
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  // fix11 F7: the API's rule and words for an HTTP/1.1 request without Host (Node's own answer was a bare 400).
  if (missingHost(req)) return json(400, { status: 'bad request', detail: MISSING_HOST_DETAIL });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', OPS_METHODS.join(', '));
    return json(405, { status: 'method not allowed', detail: OPS_METHOD });
  }
  if (path === '/healthz') return json(200, { status: 'ok' });
  if (path === '/readyz') {
    void (async () => {
      const database = !(await failureWithin(() => pingDatabase(deps.db), 2000));
      const queue = !(await failureWithin(() => deps.queues.ping(), 2000));
      const checks = { database: { ok: database }, queue: { ok: queue, backend: deps.queues.backend } };
      if (database && queue) return json(200, { status: 'ready', checks });
      // Not ready: how long to wait, in Retry-After and in words, as the API's /readyz (words6 item 3).
      const wait = notReadyWait();
      res.setHeader('retry-after', String(wait.retryAfterSeconds));
      json(503, { status: 'not_ready', detail: wait.message, checks });
    })();
    return;
  }
  if (path === '/metrics') {
    if (!metricsAuthorized(req.headers.authorization, metrics.token)) {
      refuseScrape(metrics, req, res).catch((err: unknown) => {
        deps.logger.warn({ err }, 'metrics refusal failed');
        json(401, { status: 'unauthorized', detail: METRICS_REFUSED });
      });
      return;
    }
    deps.metrics.scrape().then(
      (body) => res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(body),
      (err: unknown) => {
        deps.logger.warn({ err }, 'metrics scrape failed');
        json(500, { status: 'metrics unavailable', detail: OPS_METRICS_FAILED });
      },
    );
    return;
  }
  return json(404, { status: 'not found', detail: OPS_NOT_FOUND, endpoints: OPS_PATHS });
}

/**
 * A scrape with a wrong or no token: 401 with a challenge, counted as a failed authentication of its address (the
 * API's count, ./api/failed-auth.ts; sec29 item 2), and past api.failedAuthLimit 429 with Retry-After, in both
 * languages. The port is a private one, reached without a proxy: the address is the connection's.
 */
async function refuseScrape(
  metrics: { countFailure: FailureCounter; limit: FailedAuthLimit },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const r = await metrics.countFailure({ ip: req.socket.remoteAddress });
  res.setHeader('ratelimit-limit', r.max);
  res.setHeader('ratelimit-remaining', r.remaining);
  res.setHeader('ratelimit-reset', r.resetSeconds);
  if (r.exceeded) {
    const refusal = tooManyFailures(r, metrics.limit);
    res.setHeader('retry-after', String(refusal.retryAfterSeconds ?? 1));
    res.writeHead(429, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'too many requests', code: refusal.code, detail: refusal.message }));
    return;
  }
  res.setHeader('www-authenticate', METRICS_CHALLENGE);
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: 'unauthorized', detail: METRICS_REFUSED }));
}

/**
 * The operations endpoints of a role that does not serve the API (worker, scheduler), on a port of
 * its own: `/metrics` (Prometheus), `/healthz` (the process answers) and `/readyz` (database and
 * queue backend answer). Nothing else; /metrics asks for metrics.token when it is set (the rest is open: bind it
 * to a private network).
 */
export async function startMetricsServer(
  deps: Pick<Deps, 'db' | 'queues' | 'metrics' | 'logger' | 'config' | 'redis'>,
  opts: {
    port: number;
    host: string;
    metricsToken?: string | undefined;
    /** The variable that sets the port, named when it cannot be listened on (the worker's unless told). */
    setting?: string;
  },
): Promise<Running & { url: string; server: Server }> {
  const limit = deps.config.api.failedAuthLimit;
  const failures = await standaloneFailedAuthCounter({
    limit,
    redis: deps.redis,
    prefix: deps.config.jobs.queuePrefix,
  });
  const metrics = { token: opts.metricsToken, countFailure: failures.count, limit };
  const server = createServer({ requireHostHeader: false }, function opsRequest(req, res) {
    opsEndpoint(deps, metrics, req, res);
  });
  server.keepAliveTimeout = 72_000;
  server.on(
    'connect',
    connectRefusal(() => OPS_METHODS),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await failures.close();
    throw listenRefusal(err, { ...opts, setting: opts.setting ?? 'TRUC_WORKER_METRICS_PORT' });
  });
  logServerErrors(server, deps.logger, 'operations');
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host}:${port}`,
    server,
    async stop() {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await failures.close();
    },
  };
}

/**
 * Workers for every registered job (one per queue) and the outbox relay that feeds them. The role records the
 * push targets it delivers to while it runs (./jobs/served-targets.ts; `truc targets forget` refuses them):
 * `served` settles once the first record is written.
 */
export function startWorkerRole(deps: Deps): Running & { served: Promise<void> } {
  const ctx = createWorkerContext(deps);
  const workers = startWorkers(deps, ctx, jobsFor(ctx));
  const relay = createRelay(deps, {
    pollMs: deps.config.jobs.outboxPollMs,
    batch: deps.config.jobs.outboxBatch,
    reconcileAfterSeconds: deps.config.sync.reconcile.afterSeconds,
    reconcileEveryMs: deps.config.sync.reconcile.everyMs,
  });
  relay.start();
  // Chains audit events an api process recorded and could not chain (it died or stopped): ./audit.
  const auditChainer = createAuditChainer(deps.db, { everyMs: 5000, logger: deps.logger });
  auditChainer.start();
  // Jobs record their audit events off the chain's lock (an ingested batch): chained once the job is done.
  for (const w of workers.workers) w.on('completed', () => auditChainer.kick());
  // A push target removed from the configuration with undelivered records or open letters: one warning.
  void warnRemovedTargets(deps);
  const served = startServedTargets(deps);
  return {
    served: served.recorded,
    async stop() {
      await relay.stop();
      await workers.close();
      await auditChainer.stop();
      await served.stop();
    },
  };
}

/**
 * The scheduler: keeps a BullMQ job scheduler per configured schedule (sync.schedules). Any number of
 * replicas may run it: a schedule still fires once (the workers' `schedules` queue requests its run).
 */
export function startSchedulerRole(deps: Deps): Running {
  const scheduler = startScheduler(deps);
  return { stop: () => scheduler.stop() };
}
