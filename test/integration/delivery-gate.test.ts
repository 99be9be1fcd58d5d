/**
 * The delivery gate end to end (issue 7), with real PostgreSQL and Redis, the worker role, and the
 * hcm-csdl simulator or a scripted stand-in as the target:
 * - a target down for a while (seconds here; the mechanism is the one a five-minute outage meets):
 *   the circuit opens, jobs go back to their queue without spending attempts, nothing is
 *   dead-lettered, everything is delivered once the target is back, and the circuit closes;
 * - a 429 storm: no call leaves for the target while a Retry-After runs (only one already on its way
 *   may still arrive), and calls are paced (never a burst) at the configured rate;
 * - two workers: a Retry-After that one worker's read met holds the other worker's pushes as well.
 * Timings are shortened through configuration; the assertions are on the recorded history, measured
 * from when the target answered (a loaded machine delays everything after that, not the wait).
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
import { queueStudentSets } from '../helpers/push-sets.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

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
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('a target down for a while: the circuit opens and closes, no attempt burnt, no dead letter, all delivered', async () => {
    const sim: HcmCsdlSimulator = await startCitySimulator({ seed: 7 });
    try {
      sim.faults.set({ down: true });
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
      worker = startWorkerRole({ ...env.deps, config });
      await waitFor(async () => (await openOutbox()) === 0, {
        timeoutMs: 40_000,
        intervalMs: 100,
        what: 'every push to be delivered',
      });
      const puts = [...fake.puts].sort((a, b) => a.at - b.at);
      expect(puts.filter((p) => p.status === 200)).toHaveLength(keys.length);
      expect(puts.filter((p) => p.status === 429)).toHaveLength(2);
      expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
      // Retry-After: 1 → the limited set is sent again a second after its 429 at the earliest, and
      // nothing else is sent in that second: the only call that may still arrive is one already on its
      // way when the 429 came back (the other running job's, its slot granted before truc had the 429:
      // a call cannot be recalled, and on a loaded machine it can reach the target well after the 429
      // was answered), at most one per other job running at once, and nothing after it.
      const othersRunning = Math.min(config.jobs.concurrency, 2) - 1;
      for (const limited of puts.filter((p) => p.status === 429)) {
        const again = puts.find((p) => p.key === limited.key && p.at > limited.at);
        expect(again!.at - limited.answeredAt, `the set limited at ${limited.at}`).toBeGreaterThanOrEqual(
          1000,
        );
        const during = puts.filter((p) => p.at > limited.answeredAt && p.at < limited.answeredAt + 1000);
        expect(during.length, `calls within 1 s of a 429 at ${limited.at}`).toBeLessThanOrEqual(
          othersRunning,
        );
        expect(during.filter((p) => p.key === limited.key)).toEqual([]);
      }
      // Paced: consecutive calls start a quarter-second apart (4/s); a burst would put them
      // milliseconds apart. Half the interval is left for scheduling jitter on a busy machine.
      const gaps = puts.slice(1).map((p, i) => p.at - puts[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / max / 2);
      // Hence never more than `max` (+1 for jitter at the edges) in any one second.
      for (const p of puts)
        expect(puts.filter((o) => o.at >= p.at && o.at < p.at + 1000).length).toBeLessThanOrEqual(max + 1);
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
      worker = startWorkerRole({ ...env.deps, config });
      second = startWorkerRole({ ...other, config });
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
      // The page is read again a second after the 429 at the earliest (by whichever worker) …
      expect(after.length).toBeGreaterThan(0);
      expect(after[0]!.at - limited!.answeredAt).toBeGreaterThanOrEqual(1000);
      // … and neither worker pushes in that second: a Retry-After is the system's, for every caller.
      // (A call on its way when the 429 was answered could still arrive, from either worker: at most
      // one, as the 429 lands between two paced calls.)
      const during = fake.puts.filter((p) => p.at > limited!.answeredAt && p.at < limited!.answeredAt + 1000);
      expect(during.length, `pushes within 1 s of the 429: ${during.length}`).toBeLessThanOrEqual(1);
    } finally {
      await second?.stop();
      await other.close();
      await worker?.stop();
      worker = undefined;
      await fake.close();
    }
  });
});
