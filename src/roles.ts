/**
 * The roles a truc process can run — api, worker (with the outbox relay), or all of them — built
 * from one Deps. Each returns a stop function; the CLI (`src/cli/commands/serve.ts`) wires
 * them to signals.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Deps } from './deps.js';
import { createWorkerContext } from './jobs/context.js';
import { createRelay } from './jobs/outbox-relay.js';
import { jobsFor } from './jobs/registry.js';
import { startWorkers } from './jobs/worker.js';

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

/** Workers for every registered job (one per queue) and the outbox relay that feeds them. */
export function startWorkerRole(deps: Deps): Running {
  const ctx = createWorkerContext(deps);
  const workers = startWorkers(deps, ctx, jobsFor(ctx));
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
