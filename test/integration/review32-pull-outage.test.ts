/**
 * review32 F1, the pull side (fix32g): a pull that meets its source's probe waits for the probe's outcome, as a
 * push does (test/integration/review32-outage.test.ts). It waited a second at most (src/jobs/pull-ahead.ts
 * `Math.min(pass.waitMs, 1000)`): against a source that does not answer (every call times out after `timeoutMs`)
 * each probe is out for `timeoutMs`, and a waiting pull was started again about once a second all that time, each
 * start counted against `sync.worker.maxStarts`: a nightly pull against a hung hcm-csdl dead-lettered after ~5,000
 * starts (~1.4 h). Now the pull is delayed until the probe's lease ends, and promoted as soon as this process closes
 * the circuit (src/jobs/probe-waiters.ts).
 * Here two pulls of hcm-csdl (students, staff) against a city database that takes every request and never answers:
 * both calls time out (8 s) and open the circuit (failureThreshold 1); one pull's next call is the probe, the other
 * meets it and waits. Through that one 8-s probe the waiting pull is handed back once (red before: ~8 times,
 * truc_jobs_deferred_total{queue="pull",reason="probe"}). Then the city database answers: the probe's success wakes
 * the waiting pull, long before the probe's lease (10 min) ends (red without the wake: the runs not done in 30 s).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** The city database in front of `upstream`: while `hang` is set it takes every request and never answers it. */
async function hangingSource(upstream: string) {
  const held: ServerResponse[] = [];
  const state = { hang: true };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.hang) return void held.push(res);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && !['host', 'connection'].includes(e[0]),
        ),
      );
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${upstream}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body ? { body } : {}),
      })
        .then(async (r) => {
          const out = Buffer.from(await r.arrayBuffer());
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(out);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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

describe('review32 F1, a pull against a source that does not answer (postgres+redis)', () => {
  let env: TestEnv;
  let worker: Running | undefined;
  let city: HcmCsdlSimulator | undefined;
  let source: Awaited<ReturnType<typeof hangingSource>> | undefined;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await source?.close();
    await city?.close();
    await env?.cleanup();
  });

  const openings = async () =>
    (
      await env.deps.db.query<{ openings: number }>(
        `SELECT openings FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
      )
    ).rows[0]?.openings ?? 0;

  /** Hand-backs of the pull jobs because the circuit's probe was out (truc_jobs_deferred_total). */
  const probeHandBacks = async (): Promise<number> => {
    const text = await env.deps.metrics.registry.getSingleMetricAsString('truc_jobs_deferred_total');
    const m = /truc_jobs_deferred_total\{[^}]*queue="pull"[^}]*reason="probe"[^}]*\} (\d+)/.exec(text);
    return Number(m?.[1] ?? 0);
  };

  it('a pull that meets the probe waits for its outcome, not a second at a time, and resumes when it closes the circuit', async () => {
    city = await startCitySimulator({ seed: 32 });
    source = await hangingSource(city.url);
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = source.url;
    config.systems['hcm-csdl'].timeoutMs = 8_000;
    // A probe's lease far beyond this test: the pull waiting for a probe runs once the probe closes the circuit
    // (src/jobs/probe-waiters.ts), not when its lease runs out.
    config.sync.delivery = {
      ...config.sync.delivery,
      failureThreshold: 1,
      openMs: 200,
      maxOpenMs: 200,
      probeLeaseMs: 600_000,
    };
    worker = startWorkerRole({ ...env.deps, config });
    const ids = await Promise.all(
      (['students', 'staff'] as const).map((entity) =>
        env.deps.db.tx((q) =>
          requestSync(q, { system: 'hcm-csdl', entity, full: true, requestedBy: 'test', at: new Date() }),
        ),
      ),
    );
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
    source.answerAgain();
    const runs = createSyncRunsRepo(env.deps.db);
    await waitFor(
      async () => {
        const done = await Promise.all(ids.map(async (id) => (await runs.get(id))?.status));
        expect(done).not.toContain('failed');
        return done.every((s) => s === 'done');
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'both pulls to be done' },
    );
    // The other pull waited through one 8-second probe: a hand-back or two, not one a second.
    expect(during, 'hand-backs of the waiting pull during one probe').toBeLessThanOrEqual(2);
  }, 90_000);
});
