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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import {
  handBacksThroughOneProbe,
  hangingServer,
  hungHcmCsdlConfig,
  type HangingServer,
} from '../helpers/hanging-server.js';
import { queueStudentSets } from '../helpers/push-sets.js';

/** A city database that takes every request and never answers it until told to (then it takes the pushes). */
function hangingTarget(): Promise<HangingServer> {
  let puts = 0;
  return hangingServer((req, body, res) => {
    const send = (status: number, out: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    if (req.method === 'POST' && req.url === '/oauth/token')
      return send(200, { access_token: 't', token_type: 'Bearer', expires_in: 3600 });
    if (req.method === 'PUT' && /^\/v1\/students:batch$/.test(req.url ?? '')) {
      puts++;
      const n = (JSON.parse(body.toString('utf8')) as { data: unknown[] }).data.length;
      return send(200, { receiptId: `r-${puts}`, accepted: n, rejected: [] });
    }
    send(404, { error: { code: 'NOT_FOUND', message: 'no such path' } });
  });
}

describe('review32, a target that does not answer (postgres+redis)', () => {
  let env: TestEnv;
  let worker: Running | undefined;
  let target: HangingServer | undefined;

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await target?.close();
    await env?.cleanup();
  });

  it('review32 F1: while a probe waits on a target that does not answer, a waiting push is not started again every second', async () => {
    target = await hangingTarget();
    const config = hungHcmCsdlConfig(env, target.url);
    worker = startWorkerRole({ ...env.deps, config });
    await queueStudentSets(env.deps.db, [['R32F1A'], ['R32F1B'], ['R32F1C']]);
    // The first calls time out and open the circuit; then one probe goes out and times out too.
    const during = await handBacksThroughOneProbe(env, 'push.hcm-csdl');
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
