/**
 * fix33a (issue 7 items 4 and 7): a pull delayed for its source's probe by one `truc worker` process is woken when
 * another process closes the circuit. Stop 52 (review32 F1) kept the waiting pulls in the memory of the process
 * that delayed them (src/jobs/probe-waiters.ts, removed: "a job delayed by another process is not known here: it runs when
 * the probe's lease ends"): with several replicas, a pull waited out the whole lease after its source came back
 * whenever another replica's call closed the circuit. Now the process that closes it promotes the delayed pulls of
 * the system's runs from the shared pull queue (src/jobs/probe-wake.ts), on the one signal that wakes the push
 * queues (src/jobs/worker.ts `wakeOnClose`).
 * Here two worker processes (each its own context, gates and workers) and two pulls of hcm-csdl against a city
 * database that never answers (review32-pull-outage's set-up): the first process's calls time out and open the
 * circuit, one pull goes out as the probe and the other is delayed for it (lease 10 min). The first process stops
 * (its probe times out meanwhile); the city database answers again and a second process starts: its probe closes
 * the circuit and must wake the pull the first process delayed (red without: the runs not done in 30 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import {
  hangingSource,
  hcmCsdlOpenings,
  hungHcmCsdlConfig,
  probeHandBacks,
  type HangingServer,
} from '../helpers/hanging-server.js';

describe('a pull delayed for the probe by one worker process, the circuit closed by another (postgres+redis)', () => {
  let env: TestEnv;
  let first: Running | undefined;
  let second: Running | undefined;
  let city: HcmCsdlSimulator | undefined;
  let source: HangingServer | undefined;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await source?.close();
    await city?.close();
    await env?.cleanup();
  });

  it('is woken when the other process closes the circuit, not at the end of the probe lease', async () => {
    city = await startCitySimulator({ seed: 33 });
    source = await hangingSource(city.url);
    const config = hungHcmCsdlConfig(env, source.url);
    first = startWorkerRole({ ...env.deps, config });
    const ids = await Promise.all(
      (['students', 'staff'] as const).map((entity) =>
        env.deps.db.tx((q) =>
          requestSync(q, { system: 'hcm-csdl', entity, full: true, requestedBy: 'test', at: new Date() }),
        ),
      ),
    );
    await waitFor(async () => (await hcmCsdlOpenings(env)) >= 1, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'the circuit to open',
    });
    await waitFor(async () => (await probeHandBacks(env, 'pull')) >= 1, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'a pull to be delayed for the probe',
    });
    // The first process stops once its probe has timed out (handed back: the circuit open again for 200 ms).
    await first.stop();
    first = undefined;
    source.answerAgain();
    second = startWorkerRole({ ...env.deps, config });
    const runs = createSyncRunsRepo(env.deps.db);
    await waitFor(
      async () => {
        const done = await Promise.all(ids.map(async (id) => (await runs.get(id))?.status));
        expect(done).not.toContain('failed');
        return done.every((s) => s === 'done');
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'both pulls to be done' },
    );
  }, 120_000);
});
