/**
 * review32 (session 32, issue 7 walked as a city IT admin's night): a target that does not answer. Findings are
 * described in /work/briefs/review32-findings.md (same numbering). An `it.fails` is an open finding; it passes once
 * the finding is fixed, and then becomes an `it`. Real PostgreSQL and Redis, the worker role.
 *
 * F1: while the circuit's probe is out, every waiting push job is handed back for at most a second
 * (src/jobs/through-gate.ts: `Math.min(pass.waitMs, 1000)`, "it usually comes at once") and started again, each
 * start counted against `sync.worker.maxStarts`. A target that fails fast (connection refused: what
 * test/e2e/target-outage.test.ts proves) ends each probe at once; a target that does not answer (a hung server, a
 * firewall dropping packets: every call times out after `timeoutMs`) keeps each probe out for `timeoutMs`, and every
 * waiting job is started about once a second all that time. Measured on `truc all` at the production timings
 * (timeoutMs 10 s, openMs 5 s → 60 s): each of 26 waiting push jobs was started ~8 times per probe, one probe about
 * every 70 s, ~7 starts a minute: `maxStarts` (5,000) is used up in ~12 hours and every waiting push is
 * dead-lettered `ERR_JOB_STARTS_EXHAUSTED` (with 5 waiting jobs, ~20 starts a probe: ~5 hours), and the gate's row
 * is read for each of those starts (26 jobs: ~20 reads a second through each probe).
 * Here one probe of a target that does not answer for 8 s (failureThreshold 1, openMs 200 ms): three push sets wait;
 * one call is the probe, the others wait for its answer. Waiting for the probe's answer (its lease, or the call's
 * timeout), the queue needs to hand a job back about once; today a waiting job is handed back (and started again)
 * about once a second through the probe (8 times: truc_jobs_deferred_total{reason="probe"}; its `attemptsStarted`
 * 1 → 9). Then the target answers again: everything is delivered, nothing dead-lettered (as today).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { queueStudentSets } from '../helpers/push-sets.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** A city database that, while `hang` is set, takes every request and never answers it. */
async function hangingTarget() {
  const held: ServerResponse[] = [];
  const state = { hang: true, puts: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.hang) return void held.push(res);
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && req.url === '/oauth/token')
        return send(200, { access_token: 't', token_type: 'Bearer', expires_in: 3600 });
      if (req.method === 'PUT' && /^\/v1\/students:batch$/.test(req.url ?? '')) {
        state.puts++;
        const n = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: unknown[] }).data.length;
        return send(200, { receiptId: `r-${state.puts}`, accepted: n, rejected: [] });
      }
      send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    answerAgain() {
      state.hang = false;
      for (const r of held.splice(0)) r.destroy();
    },
    async close() {
      for (const r of held.splice(0)) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('review32, a target that does not answer (postgres+redis)', () => {
  let env: TestEnv;
  let worker: Running | undefined;
  let target: Awaited<ReturnType<typeof hangingTarget>> | undefined;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await target?.close();
    await env?.cleanup();
  });

  const openings = async () =>
    (
      await env.deps.db.query<{ openings: number }>(
        `SELECT openings FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
      )
    ).rows[0]?.openings ?? 0;

  /** Hand-backs of the push jobs because the circuit's probe was out (truc_jobs_deferred_total). */
  const probeHandBacks = async (): Promise<number> => {
    const text = await env.deps.metrics.registry.getSingleMetricAsString('truc_jobs_deferred_total');
    const m = /truc_jobs_deferred_total\{[^}]*queue="push\.hcm-csdl"[^}]*reason="probe"[^}]*\} (\d+)/.exec(
      text,
    );
    return Number(m?.[1] ?? 0);
  };

  it('review32 F1: while a probe waits on a target that does not answer, a waiting push is not started again every second', async () => {
    target = await hangingTarget();
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = target.url;
    config.systems['hcm-csdl'].timeoutMs = 8_000;
    // A probe's lease far beyond this test: the pushes waiting for a probe are served once it closes the circuit
    // (the queue woken: src/jobs/worker.ts wakeOnClose), not when its lease runs out (red without the wake).
    config.sync.delivery = {
      ...config.sync.delivery,
      failureThreshold: 1,
      openMs: 200,
      maxOpenMs: 200,
      probeLeaseMs: 600_000,
    };
    worker = startWorkerRole({ ...env.deps, config });
    await queueStudentSets(env.deps.db, [['R32F1A'], ['R32F1B'], ['R32F1C']]);
    // The first calls time out and open the circuit; then one probe goes out and times out too.
    await waitFor(async () => (await openings()) >= 1, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'the circuit to open',
    });
    const before = await probeHandBacks();
    await waitFor(async () => (await openings()) >= 2, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'the probe to time out',
    });
    const during = (await probeHandBacks()) - before;
    target.answerAgain();
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NULL AND failed_at IS NULL')) === 0,
      { timeoutMs: 30_000, intervalMs: 100, what: 'every push set to be delivered or dead-lettered' },
    );
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
    expect(await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NOT NULL')).toBe(3);
    // The others waited through one 8-second probe: a hand-back or two, not one a second.
    expect(during, 'hand-backs of the waiting pushes during one probe').toBeLessThanOrEqual(3);
  }, 90_000);
});
