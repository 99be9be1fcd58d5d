/**
 * A role's ports are listened on before its worker takes a job or its scheduler fires (ops14 left: with the worker
 * started first, a metrics port in use refused the start while jobs the worker had already taken were in flight; they
 * were taken again only once their lock ran out). src/cli/commands/serve.ts startServing.
 */
import { describe, expect, it } from 'vitest';
import { startServing, type Role } from '../../../src/cli/commands/serve.js';
import { ConfigError } from '../../../src/config.js';
import type { Deps } from '../../../src/deps.js';

const deps = {
  db: { kind: 'pg' },
  queues: { backend: 'redis' },
  config: {
    server: { host: '127.0.0.1' },
    metrics: { token: undefined },
    database: { dataDir: '/tmp/x' },
    observability: { workerMetricsPort: 9464, schedulerMetricsPort: 9465 },
  },
} as unknown as Deps;

function starters(calls: string[], refuse: 'metrics' | 'api' | undefined) {
  const running = (name: string) => ({ stop: async () => undefined, url: `http://${name}` });
  return {
    startMetricsServer: async () => {
      calls.push('metrics');
      if (refuse === 'metrics') throw new ConfigError(['TRUC_WORKER_METRICS_PORT=9464 in use']);
      return running('metrics');
    },
    startApi: async () => {
      calls.push('api');
      if (refuse === 'api') throw new ConfigError(['PORT=8080 in use']);
      return { ...running('api'), drain: () => undefined };
    },
    startWorkerRole: () => {
      calls.push('worker');
      return running('worker');
    },
    startSchedulerRole: () => {
      calls.push('scheduler');
      return running('scheduler');
    },
  } as unknown as Parameters<typeof startServing>[2];
}

describe('truc <role> listens before it works (startServing)', () => {
  it.each<[Role, 'metrics' | 'api']>([
    ['worker', 'metrics'],
    ['scheduler', 'metrics'],
    ['all', 'api'],
  ])('%s with its port refused: nothing taken, nothing fired', async (role, refuse) => {
    const calls: string[] = [];
    await expect(startServing(role, deps, starters(calls, refuse))).rejects.toBeInstanceOf(ConfigError);
    expect(calls).toEqual([refuse]);
  });

  it.each<[Role, string[]]>([
    ['worker', ['metrics', 'worker']],
    ['scheduler', ['metrics', 'scheduler']],
    ['api', ['api']],
    ['all', ['api', 'worker', 'scheduler']],
  ])('%s started: ports first, then the work; the API stops first', async (role, order) => {
    const calls: string[] = [];
    const { roles, en } = await startServing(role, deps, starters(calls, undefined));
    expect(calls).toEqual(order);
    expect(roles).toHaveLength(order.length);
    if (role === 'all' || role === 'api') expect((roles[0] as { url?: string }).url).toBe('http://api');
    expect(en.join(', ')).toMatch(/^PostgreSQL, queues on redis/);
  });
});
