/**
 * A `truc worker` killed with SIGKILL in the middle of a delivery (issue 7): a second worker, already
 * running, takes the job over after about lockMs + 1–2 × stalledIntervalMs (the default timings, 10 s
 * and 5 s), delivers it with the same idempotency key, and the set is delivered once. Real PostgreSQL
 * and Redis, two worker processes, each calling the loopback target on its own port (so the test knows
 * which one holds the job); the target holds the first call open, and that worker is killed then. The
 * work resumes within {@link RESUME_BOUND_MS} of the kill (issue 7: "about 30 s"; at most 20 s by the
 * timings, slack for a loaded machine): a functional bound, not a speed measurement. The takeover time
 * (kill to the surviving worker's call, and to the set delivered) is printed as `[worker-kill] …`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { opsUp, spawnTruc, trucEnvOn } from '../helpers/faults.js';
import { freePort, type Spawned } from '../helpers/proc.js';
import { queueStudentSets } from '../helpers/push-sets.js';

/** Issue 7: work resumes within about 30 s of a worker's kill -9 (the same bound as test/e2e/faults.test.ts). */
const RESUME_BOUND_MS = 45_000;

describe('kill -9 of a worker in the middle of a delivery', () => {
  let env: TestEnv;
  const workers: Spawned[] = [];
  /** Delivery calls: idempotency key, answered or held, when, and the target port the worker called. */
  const puts: Array<{ key: string | undefined; answered: boolean; at: number; port: number }> = [];
  const held: ServerResponse[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      for await (const _ of req) void _;
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && req.url === '/oauth/token')
        return send(200, { access_token: 't', token_type: 'Bearer', expires_in: 3600 });
      if (req.method === 'PUT' && /^\/v1\/students:batch$/.test(req.url ?? '')) {
        const key = req.headers['idempotency-key'];
        const first = puts.length === 0;
        puts.push({
          key: typeof key === 'string' ? key : undefined,
          answered: !first,
          at: Date.now(),
          port: req.socket.localPort ?? 0,
        });
        if (first) return void held.push(res); // the worker is killed while this call is open
        return send(200, { receiptId: `r-${puts.length}`, accepted: 1, rejected: [] });
      }
      send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    })();
  };
  /** The target, listening twice: one port per worker. */
  const targets = [createServer(handle), createServer(handle)];
  const urlOf = (i: number) => `http://127.0.0.1:${(targets[i]!.address() as AddressInfo).port}`;

  /** A `truc worker` process (default lock and stalled timings) with its metrics port. */
  function startWorker(targetUrl: string, metricsPort: number): Spawned {
    const w = spawnTruc('worker', {
      ...trucEnvOn(env),
      HCM_CSDL_BASE_URL: targetUrl,
      TRUC_WORKER_METRICS_PORT: String(metricsPort),
    });
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    for (const t of targets) await new Promise<void>((r) => t.listen(0, '127.0.0.1', r));
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) w.kill();
    for (const r of held) r.destroy();
    for (const t of targets) {
      t.closeAllConnections();
      await new Promise<void>((r) => t.close(() => r()));
    }
    await env?.cleanup();
  });

  it('the surviving worker takes the job over and the set is delivered once', async () => {
    // Two workers, both up before the job exists.
    const ports = [await freePort(), await freePort()];
    const running = [startWorker(urlOf(0), ports[0]!), startWorker(urlOf(1), ports[1]!)];
    await Promise.all(ports.map((p) => opsUp(p, 170_000)));
    const [pushSetId] = await queueStudentSets(env.deps.db, [['K1']]);
    // One of them takes the job; its call is held open, and that worker is killed.
    await waitFor(() => puts.length >= 1, {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: 'the first delivery call',
    });
    const victim = puts[0]!.port === (targets[0]!.address() as AddressInfo).port ? 0 : 1;
    const first = running[victim]!;
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.push_sets', `id = ${pushSetId} AND delivered_at IS NOT NULL`)) ===
        1,
      { timeoutMs: 120_000, intervalMs: 200, what: 'the set to be delivered by the surviving worker' },
    );
    const deliveredMs = Date.now() - killedAt;
    const { lockMs, stalledIntervalMs } = env.config.sync.worker;
    console.log(
      `[worker-kill] kill -9 with a second worker running (lockMs ${lockMs}, stalledIntervalMs ` +
        `${stalledIntervalMs}): its call ${puts[1]!.at - killedAt} ms after the kill, the set delivered ` +
        `${deliveredMs} ms after the kill`,
    );
    // The surviving worker took the job over within the bound and delivered it.
    expect(puts[1]!.at - killedAt).toBeLessThanOrEqual(RESUME_BOUND_MS);
    expect(puts[1]!.port).toBe((targets[1 - victim]!.address() as AddressInfo).port);
    expect(puts.filter((p) => p.answered)).toHaveLength(1); // one effect at the target
    expect(new Set(puts.map((p) => p.key))).toEqual(new Set([`truc-push-${pushSetId}`])); // same idempotency key
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
  }, 480_000);
});
