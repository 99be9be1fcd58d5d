/**
 * review32 F1, the pull side (fix32g): a pull that meets its source's probe waits for the probe's outcome, as a
 * push does (test/integration/review32-outage.test.ts). It waited a second at most (src/jobs/pull-ahead.ts
 * `Math.min(pass.waitMs, 1000)`): against a source that does not answer (every call times out after `timeoutMs`)
 * each probe is out for `timeoutMs`, and a waiting pull was started again about once a second all that time, each
 * start counted against `sync.worker.maxStarts`: a nightly pull against a hung hcm-csdl dead-lettered after ~5,000
 * starts (~1.4 h). Now the pull is delayed until the probe's lease ends, and promoted as soon as a process closes
 * the circuit (src/jobs/probe-wake.ts; across processes: test/integration/pull-wake-replicas.test.ts).
 * Here two pulls of hcm-csdl (students, staff) against a city database that takes every request and never answers:
 * both calls time out (8 s) and open the circuit (failureThreshold 1); one pull's next call is the probe, the other
 * meets it and waits. Through that one 8-s probe the waiting pull is handed back once (red before: ~8 times,
 * truc_jobs_deferred_total{queue="pull",reason="probe"}). Then the city database answers: the probe's success wakes
 * the waiting pull, long before the probe's lease (10 min) ends (red without the wake: the runs not done in 30 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { createSyncRunsRepo } from '../../src/store/sync-runs.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import {
  handBacksThroughOneProbe,
  hangingSource,
  hungHcmCsdlConfig,
  type HangingServer,
} from '../helpers/hanging-server.js';

describe('review32 F1, a pull against a source that does not answer (postgres+redis)', () => {
  let env: TestEnv;
  let worker: Running | undefined;
  let city: HcmCsdlSimulator | undefined;
  let source: HangingServer | undefined;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await source?.close();
    await city?.close();
    await env?.cleanup();
  });

  it('a pull that meets the probe waits for its outcome, not a second at a time, and resumes when it closes the circuit', async () => {
    city = await startCitySimulator({ seed: 32 });
    source = await hangingSource(city.url);
    const config = hungHcmCsdlConfig(env, source.url);
    worker = startWorkerRole({ ...env.deps, config });
    const ids = await Promise.all(
      (['students', 'staff'] as const).map((entity) =>
        env.deps.db.tx((q) =>
          requestSync(q, { system: 'hcm-csdl', entity, full: true, requestedBy: 'test', at: new Date() }),
        ),
      ),
    );
    // The first calls time out and open the circuit; then one probe goes out and times out too.
    const during = await handBacksThroughOneProbe(env, 'pull');
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
