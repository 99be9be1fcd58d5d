/**
 * The delivery gate end to end (issue 7), with real PostgreSQL and Redis, the worker role, and the
 * hcm-csdl simulator or a scripted stand-in as the target:
 * - a target down for a while (seconds here; the mechanism is the one a five-minute outage meets):
 *   the circuit opens, jobs go back to their queue without spending attempts, nothing is
 *   dead-lettered, everything is delivered once the target is back, and the circuit closes;
 * - a 429 storm: no call leaves for the target while a Retry-After runs (only one already on its way
 *   may still arrive), and calls are paced (never a burst) at the configured rate;
 * - two workers: a Retry-After that one worker's read met holds the other worker's pushes as well.
 * Timings are shortened through configuration. Retry-After and pacing are judged by the gate's own
 * trace (debug `gate passed` / `gate paused` lines, process clock: test/helpers/gate-trace.ts), as the
 * storm across worker processes is (test/e2e/retry-after-storm.test.ts), not by when calls reached the
 * target: a loaded machine delays each call on its way by its own scheduling, not the gate's doing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import type { Config } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { startFakeHcmCsdl } from '../helpers/fake-hcm-csdl.js';
import { insideRetryAfters, pacingOf, traceLogger, tracesOf } from '../helpers/gate-trace.js';
import { queueStudentSets } from '../helpers/push-sets.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** Milliseconds a Node timer may fire early, and the database clock's rounding to a millisecond. */
const CLOCK_SLACK_MS = 2;

describe('delivery gate on postgres+redis', () => {
  let env: TestEnv;
  let worker: Running | undefined;

  /** The test profile with a target URL and the given changes (config is frozen: a changed copy). */
  const configWith = (baseUrl: string, change: (c: Mutable<Config>) => void): Config => {
    const c = structuredClone(env.config) as Mutable<Config>;
    c.systems['hcm-csdl'].baseUrl = baseUrl;
    change(c);
    return c;
  };

  /** One push set per key, as ingest would queue them. */
  const queueSets = (keys: string[]) =>
    queueStudentSets(
      env.deps.db,
      keys.map((k) => [k]),
    );
  const openOutbox = () => countRows(env.deps.db, 'truc.outbox', 'done_at IS NULL AND dead_at IS NULL');
  const gate = async () =>
    (
      await env.deps.db.query<{ circuit: string; openings: number; closed_at: Date | null }>(
        `SELECT circuit, openings, closed_at FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
      )
    ).rows[0];

  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await env.deps.db.query('DELETE FROM truc.delivery_gates');
    await env.deps.db.query('DELETE FROM truc.dead_letters');
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('a target down for a while: the circuit opens and closes, no attempt burnt, no dead letter, all delivered', async () => {
    const sim: HcmCsdlSimulator = await startCitySimulator({ seed: 7 });
    try {
      sim.faults.merge({ down: true });
      const config = configWith(sim.url, (c) => {
        // Four attempts 50 ms apart (the test profile) would all be spent in well under a second.
        c.sync.delivery = { ...c.sync.delivery, failureThreshold: 2, openMs: 200, maxOpenMs: 800 };
      });
      const keys = ['O1', 'O2', 'O3'];
      await queueSets(keys);
      worker = startWorkerRole({ ...env.deps, config });
      // Several failed probes: the outage has outlasted every job's attempts many times over.
      await waitFor(async () => ((await gate())?.openings ?? 0) >= 4, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'the circuit to open and fail four probes',
      });
      expect(await gate()).toMatchObject({ circuit: expect.stringMatching(/open/) });
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      // Only probes reached the target: far fewer calls than retries alone would have made.
      expect(sim.stats().faultsApplied.down).toBeLessThan(keys.length * config.jobs.attempts);

      sim.faults.clear();
      await waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'every push to be delivered',
      });
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      for (const k of keys) expect(sim.received.has('students', k)).toBe(true);
      expect(await gate()).toMatchObject({ circuit: 'closed', openings: 0, closed_at: expect.any(Date) });
    } finally {
      await worker?.stop();
      worker = undefined;
      await sim.close();
    }
  });

  it('a 429 storm: nothing new is sent while a Retry-After runs, and calls are paced at the configured rate', async () => {
    const fake = await startFakeHcmCsdl({
      script: [{ status: 429, retryAfter: 1 }, 200, 200, { status: 429, retryAfter: 1 }],
      fallback: 200,
    });
    try {
      const max = 4;
      const config = configWith(fake.url, (c) => {
        c.systems['hcm-csdl'].rateLimit = { max, durationMs: 1000 };
      });
      const keys = ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8'];
      await queueSets(keys);
      const trace = traceLogger();
      worker = startWorkerRole({ ...env.deps, config, logger: trace.logger });
      await waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs: 40_000,
        intervalMs: 100,
        what: 'every push to be delivered',
      });
      expect(fake.puts.filter((p) => p.status === 200)).toHaveLength(keys.length);
      expect(fake.puts.filter((p) => p.status === 429)).toHaveLength(2);
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      const traces = tracesOf(0, trace.text());
      expect(traces.paused.map((r) => r.retryAfterMs)).toEqual([1000, 1000]);
      expect(traces.passed.filter((p) => p.paced)).toHaveLength(keys.length + 2);
      // Retry-After: 1 → nothing passes the gate in the second after a 429 was met (the limited set
      // goes again a second later at the earliest): one process knows at once. A call that passed
      // before the 429 came back may still reach the target after it; that is not counted here.
      expect(insideRetryAfters(traces).breaches, 'calls that passed inside a Retry-After').toEqual([]);
      // Paced: consecutive slots a quarter-second apart (4/s), so never more than `max` in a second
      // (a burst would put them milliseconds apart), and no call before its slot.
      const { smallestGap, mostInWindow } = pacingOf(traces.passed, 1000);
      expect(smallestGap).toBeGreaterThanOrEqual(1000 / max - CLOCK_SLACK_MS);
      expect(mostInWindow).toBeLessThanOrEqual(max);
      for (const p of traces.passed) expect(p.passedAt).toBeGreaterThanOrEqual(p.slotAt - CLOCK_SLACK_MS);
    } finally {
      await worker?.stop();
      worker = undefined;
      await fake.close();
    }
  });
  it('credentials refused (a secret rotated at the target): the circuit opens at once, nothing is dead-lettered, all delivered once they are taken again', async () => {
    // Each refused call is tried twice (the token refreshed once on a 401): five calls refused.
    const fake = await startFakeHcmCsdl({ script: Array<number>(10).fill(401), fallback: 200 });
    try {
      const config = configWith(fake.url, (c) => {
        c.sync.delivery = { ...c.sync.delivery, failureThreshold: 5, openMs: 200, maxOpenMs: 400 };
      });
      const keys = ['C1', 'C2', 'C3'];
      await queueSets(keys);
      worker = startWorkerRole({ ...env.deps, config });
      await waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs: 40_000,
        intervalMs: 100,
        what: 'every push to be delivered',
      });
      expect(fake.puts.filter((p) => p.status === 401)).toHaveLength(10);
      expect(fake.puts.filter((p) => p.status === 200)).toHaveLength(keys.length);
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      // Opened at the first refusal (not after five), then probed until the credentials were taken.
      expect(
        (
          await env.deps.db.query<{ circuit: string; last_error_code: string; closed_at: Date | null }>(
            `SELECT circuit, last_error_code, closed_at FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
          )
        ).rows[0],
      ).toMatchObject({
        circuit: 'closed',
        last_error_code: 'ERR_ADAPTER_AUTH',
        closed_at: expect.any(Date),
      });
    } finally {
      await worker?.stop();
      worker = undefined;
      await fake.close();
    }
  });
  it("a 403 (this write is not allowed) is the push's own: dead-lettered ERR_ADAPTER_FORBIDDEN, the circuit stays closed", async () => {
    const fake = await startFakeHcmCsdl({ script: [403], fallback: 200 });
    try {
      worker = startWorkerRole({ ...env.deps, config: configWith(fake.url, () => undefined) });
      await queueSets(['F1', 'F2']);
      await waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'both pushes to be done or dead-lettered',
      });
      const letters = await env.deps.db.query<{ error_code: string }>(
        'SELECT error_code FROM truc.dead_letters',
      );
      expect(letters.rows).toEqual([{ error_code: 'ERR_ADAPTER_FORBIDDEN' }]);
      expect(fake.puts.filter((p) => p.status === 200)).toHaveLength(1);
      expect(await gate()).toMatchObject({ circuit: 'closed', openings: 0 });
    } finally {
      await worker?.stop();
      worker = undefined;
      await fake.close();
    }
  });
  it("two workers: a Retry-After one worker's read met holds the other worker's pushes too", async () => {
    // The 429 answers a pull's page (hcm-csdl is source and target), just after a push call is
    // answered: both workers' pushes are then between two paced slots, the next one 250 ms away.
    const fake = await startFakeHcmCsdl({ readScript: [{ status: 429, retryAfter: 1 }], fallback: 200 });
    // A second worker: its own database pool, Redis connections and gate (the same database and queues).
    const other = await createDeps(env.config);
    let second: Running | undefined;
    try {
      const config = configWith(fake.url, (c) => {
        c.systems['hcm-csdl'].rateLimit = { max: 4, durationMs: 1000 };
      });
      const keys = Array.from({ length: 16 }, (_, i) => `W${i + 1}`);
      await queueSets(keys);
      const trace = [traceLogger(), traceLogger()];
      worker = startWorkerRole({ ...env.deps, config, logger: trace[0]!.logger });
      second = startWorkerRole({ ...other, config, logger: trace[1]!.logger });
      await waitFor(() => fake.puts.length >= 2, {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: 'pushes going out',
      });
      const runId = await env.deps.db.tx((q) =>
        requestSync(q, {
          system: 'hcm-csdl',
          entity: 'students',
          full: false,
          requestedBy: 'test',
          at: new Date(),
        }),
      );
      await waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'every push and the pull to be done',
      });
      expect(
        (
          await env.deps.db.query<{ status: string }>('SELECT status FROM truc.sync_runs WHERE id = $1', [
            runId,
          ])
        ).rows[0]?.status,
      ).toBe('done');
      expect(fake.puts.filter((p) => p.status === 200)).toHaveLength(keys.length);
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      const [limited, ...after] = fake.reads;
      expect(limited).toMatchObject({ status: 429 });
      expect(after.length).toBeGreaterThan(0);
      const each = trace.map((t, i) => tracesOf(i, t.text()));
      const traces = { passed: each.flatMap((t) => t.passed), paused: each.flatMap((t) => t.paused) };
      expect(traces.paused.map((r) => r.retryAfterMs)).toEqual([1000]);
      expect(traces.passed.filter((p) => !p.paced).length).toBeGreaterThanOrEqual(2); // the page, read again
      // Neither worker lets a call through in the second after the 429 (the page is read again a
      // second later at the earliest, by whichever worker): a Retry-After is the system's, for every
      // caller. The worker that met it knows at once; the other from the gate's row: a call it let
      // through on a read of the row begun before the row recorded the wait was on its way already.
      expect(insideRetryAfters(traces).breaches, 'calls that passed inside a Retry-After').toEqual([]);
    } finally {
      await second?.stop();
      await other.close();
      await worker?.stop();
      worker = undefined;
      await fake.close();
    }
  });
});
