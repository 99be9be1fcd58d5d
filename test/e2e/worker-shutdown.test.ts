/**
 * `truc worker` stops on SIGTERM with Redis away (src/jobs/worker-close.ts): BullMQ's worker close
 * waited for good on a connection reconnecting to Redis, and the worker exited 1 at its 25 s shutdown
 * deadline. A private redis-server (never the shared one) is killed under a running worker.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { opsUp, spawnTruc, startOwnRedis, trucEnvOn, type OwnRedis } from '../helpers/faults.js';
import { freePort, type Spawned } from '../helpers/proc.js';
import { trucClient } from '../helpers/truc-client.js';

describe('truc worker and a Redis outage', () => {
  let env: TestEnv | undefined;
  let redis: OwnRedis | undefined;
  let worker: Spawned | undefined;
  afterAll(async () => {
    worker?.kill();
    await redis?.stop();
    await env?.cleanup();
  });

  it('exits 0 on SIGTERM while Redis is down', async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    redis = await startOwnRedis();
    const port = await freePort();
    worker = spawnTruc('worker', {
      ...trucEnvOn(env),
      REDIS_URL: redis.url,
      TRUC_WORKER_METRICS_PORT: String(port),
    });
    await opsUp(port, 90_000);
    const { api } = trucClient(`http://127.0.0.1:${port}`);
    await redis.kill();
    await waitFor(async () => (await api.GET('/readyz')).response.status === 503, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the worker to find its queue backend down',
    });
    // A few reconnection attempts of every connection (each waits up to 2 s between them).
    await new Promise((r) => setTimeout(r, 3000));
    const sent = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    console.log(`[shutdown] truc worker exited ${exit.code} ${Date.now() - sent} ms after SIGTERM`);
    expect(exit.stdout).toContain('SIGTERM received, shutting down');
    expect(exit.stderr).not.toContain('shutdown took longer');
    expect(exit.code, exit.stderr.slice(-2000)).toBe(0);
  });
});
