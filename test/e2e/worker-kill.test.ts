/**
 * A `truc worker` killed with SIGKILL in the middle of a delivery (issue 7): another worker takes the
 * job over after about lock + 2 × stalled interval (shortened here through TRUC_WORKER_LOCK_MS and
 * TRUC_WORKER_STALLED_INTERVAL_MS), delivers it with the same idempotency key, and the set is
 * delivered once. Real PostgreSQL and Redis, worker processes, a loopback target that holds the first
 * call open (the moment of the kill).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, pushSet } from '../../src/jobs/contracts.js';
import { createPushSetsRepo } from '../../src/store/push-sets.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { SCHOOL, student } from '../factories/records.js';
import { countRows, makeDeps, REDIS_TEST_URL, waitFor, type TestEnv } from '../helpers/env.js';
import { spawnTruc } from '../helpers/faults.js';
import { freePort, type Spawned } from '../helpers/proc.js';

const K1 = student('K1');

describe('kill -9 of a worker in the middle of a delivery', () => {
  let env: TestEnv;
  const workers: Spawned[] = [];
  const puts: Array<{ key: string | undefined; answered: boolean }> = [];
  const held: ServerResponse[] = [];
  const target = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      for await (const _ of req) void _;
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && req.url === '/oauth/token')
        return send(200, { access_token: 't', token_type: 'Bearer', expires_in: 3600 });
      if (req.method === 'PUT' && /^\/v1\/students:batch$/.test(req.url ?? '')) {
        const key = req.headers['idempotency-key'];
        const first = puts.length === 0;
        puts.push({ key: typeof key === 'string' ? key : undefined, answered: !first });
        if (first) return void held.push(res); // the worker is killed while this call is open
        return send(200, { receiptId: `r-${puts.length}`, accepted: 1, rejected: [] });
      }
      send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    })();
  });

  function startWorker(targetUrl: string, metricsPort: number): Spawned {
    const w = spawnTruc('worker', {
      DATA_DIR: env.dataDir,
      DATABASE_URL: env.databaseUrl!,
      REDIS_URL: REDIS_TEST_URL,
      TRUC_QUEUE_PREFIX: env.redisPrefix!,
      HCM_CSDL_BASE_URL: targetUrl,
      TRUC_WORKER_METRICS_PORT: String(metricsPort),
      TRUC_WORKER_LOCK_MS: '2000',
      TRUC_WORKER_STALLED_INTERVAL_MS: '1000',
    });
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) w.kill();
    for (const r of held) r.destroy();
    target.closeAllConnections();
    await new Promise<void>((r) => target.close(() => r()));
    await env?.cleanup();
  });

  it('another worker resumes the job and the set is delivered once', async () => {
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const pushSetId = await env.deps.db.tx(async (q) => {
      await createRecordsRepo(q).upsert(
        'students',
        [{ key: 'K1', scope: SCHOOL, data: K1, fingerprint: fingerprint(K1) }],
        { system: 'vendor:test', mappingVersion: 'canonical@1' },
      );
      const id = await createPushSetsRepo(q).create({
        system: 'hcm-csdl',
        entity: 'students',
        keys: ['K1'],
        batchId: '00000000-0000-4000-8000-000000000001',
      });
      await enqueue(q, pushSet('hcm-csdl'), { pushSetId: id });
      return id;
    });
    const first = startWorker(url, await freePort());
    await waitFor(() => puts.length >= 1, {
      timeoutMs: 90_000,
      intervalMs: 100,
      what: 'the first delivery call',
    });
    first.child.kill('SIGKILL');
    await first.exited;

    startWorker(url, await freePort());
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.push_sets', `id = ${pushSetId} AND delivered_at IS NOT NULL`)) ===
        1,
      { timeoutMs: 90_000, intervalMs: 200, what: 'the set to be delivered by the second worker' },
    );
    expect(puts.filter((p) => p.answered)).toHaveLength(1); // one effect at the target
    expect(new Set(puts.map((p) => p.key))).toEqual(new Set([`truc-push-${pushSetId}`])); // same idempotency key
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
  });
});
