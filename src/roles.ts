/**
 * The roles a truc process can run — api, worker (with the outbox relay), or all of them — built
 * from one Deps. Each returns a stop function; `main.ts` wires them to signals.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { SystemName } from './config.js';
import type { Deps } from './deps.js';
import { INGEST_JOB, PUSH_JOB, processIngest } from './jobs/ingest.js';
import { createRelay } from './jobs/outbox-relay.js';
import { processPush } from './jobs/push.js';
import { QUEUES } from './jobs/queues.js';
import { buildTargets, routingFor } from './jobs/targets.js';
import { buildSources } from './jobs/sources.js';
import { buildAdapters } from './jobs/adapters.js';
import { PULL_JOB, PULL_QUEUE, processPullPage } from './jobs/pull.js';
import { startWorkers, type QueueSpec } from './jobs/worker.js';

export interface Running {
  stop(): Promise<void>;
}

export async function startApi(
  deps: Deps,
  opts: { port?: number; host?: string } = {},
): Promise<Running & { app: FastifyInstance; url: string }> {
  const app = await buildApp(deps);
  const address = await app.listen({
    port: opts.port ?? deps.config.server.port,
    host: opts.host ?? deps.config.server.host,
  });
  const u = new URL(address);
  const url = `http://${u.hostname === '0.0.0.0' ? '127.0.0.1' : u.hostname}:${u.port}`;
  return {
    app,
    url,
    async stop() {
      await app.close();
    },
  };
}

export function startWorkerRole(deps: Deps): Running {
  const adapters = buildAdapters(deps.config, deps);
  const targets = buildTargets(adapters, deps);
  const targetsFor = routingFor(targets);
  const specs: QueueSpec[] = [
    {
      queue: QUEUES.ingest,
      concurrency: deps.config.jobs.concurrency,
      handlers: {
        [INGEST_JOB]: (data) =>
          processIngest(
            { ...deps, targetsFor },
            { outboxId: Number(data.outboxId), batchId: String(data.batchId) },
          ),
      },
    },
  ];
  const sources = buildSources(adapters);
  specs.push({
    queue: PULL_QUEUE,
    concurrency: 2,
    handlers: {
      [PULL_JOB]: (data) =>
        processPullPage(
          { ...deps, sources },
          { outboxId: Number(data.outboxId), syncRunId: Number(data.syncRunId), page: Number(data.page) },
        ),
    },
  });
  for (const system of Object.keys(targets) as SystemName[]) {
    const rl = deps.config.systems[system].rateLimit;
    specs.push({
      queue: QUEUES.push(system),
      concurrency: Math.min(deps.config.jobs.concurrency, 2),
      limiter: { max: rl.max, duration: rl.durationMs },
      handlers: {
        [PUSH_JOB]: (data) =>
          processPush(
            { ...deps, targets },
            { outboxId: Number(data.outboxId), pushSetId: Number(data.pushSetId) },
          ),
      },
    });
  }
  const workers = startWorkers(deps, specs);
  const relay = createRelay(deps, {
    pollMs: deps.config.jobs.outboxPollMs,
    batch: deps.config.jobs.outboxBatch,
  });
  relay.start();
  return {
    async stop() {
      await relay.stop();
      await workers.close();
    },
  };
}
