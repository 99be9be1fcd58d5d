/**
 * A 429 storm across worker processes (issue 7: "delivery stays within the configured rate and waits
 * as Retry-After asks"; a Retry-After is the system's, for every caller, where its rate limit is its client's:
 * `sync.delivery.systemWideRateLimits`): two `truc worker` processes
 * push students to the hcm-csdl simulator; a pull of its schools meets a 429 with a Retry-After while
 * the pushes go on (it holds both processes' pushes: only the gate's row tells the other process, as
 * the pull queue is not the push queue), then the next pushes are answered 429 in a row. Real
 * PostgreSQL and Redis.
 *
 * Judged by what each worker traced inside truc (src/jobs/gates.ts, debug level, process clock), not
 * by when calls reached the simulator (a loaded machine delays each process's calls by its own
 * scheduling, and that is not the gate's doing):
 * - `gate passed`: the call's paced slot (database clock), when the read of the gate's row that let it
 *   through began, and when it went out;
 * - `gate paused`: when a 429's answer was met, and when the gate's row recorded its Retry-After.
 * Asserted: no call of the process that met a Retry-After passes inside it; no call of another process
 * whose gate read began after the row recorded it passes inside it (a call let through before that
 * was on its way before truc knew); pushes' slots are at least durationMs / max apart, so no window of
 * durationMs holds more than max; no push goes before its slot. Every set is delivered, none
 * dead-lettered, the pull is done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { requestSync } from '../../src/jobs/contracts.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { opsUp, spawnTruc, trucEnvOn } from '../helpers/faults.js';
import { freePort, killAll, type Spawned } from '../helpers/proc.js';
import { testProfileDir } from '../helpers/profile.js';
import { queueStudentSets } from '../helpers/push-sets.js';
import { insideRetryAfters, pacingOf, tracesOf } from '../helpers/gate-trace.js';

const MAX = 4;
const DURATION_MS = 1000;
const INTERVAL_MS = DURATION_MS / MAX;
const RETRY_AFTER_SECONDS = 2;
/** The pushes answered 429 in a row after the pull's. */
const PUSH_429S = 2;
/** Enough sets for pushes to go on through the pull's wait and the storm (4 a second). */
const KEYS = Array.from({ length: 40 }, (_, i) => `STORM${i + 1}`);
/** Milliseconds a Node timer may fire early, and the database clock's rounding to a millisecond. */
const CLOCK_SLACK_MS = 2;

describe('a 429 storm with two worker processes', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let profile: ReturnType<typeof testProfileDir> | undefined;
  const workers: Spawned[] = [];

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 'storm' });
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    profile = testProfileDir((p) => {
      const systems = p.systems as Record<string, Record<string, unknown>>;
      systems['hcm-csdl']!.rateLimit = { max: MAX, durationMs: DURATION_MS };
      // Its limiter the client's, as moet-pcgd's: every 429 holds every call (a read's or a write's endpoint would be
      // held alone where hcm-csdl limits each route apart: fix37b, issue 7 item 4, test/e2e/endpoint-retry-after.test.ts).
      p.sync = { delivery: { systemWideRateLimits: ['hcm-csdl'] } };
    });
  }, 120_000);
  afterAll(async () => {
    await killAll(workers);
    await env?.cleanup();
    await sim?.close();
    profile?.remove();
  });

  it('no call passes the gate inside a Retry-After another process met, and calls keep the rate', async () => {
    const ports = [await freePort(), await freePort()];
    for (const port of ports)
      workers.push(
        spawnTruc('worker', {
          ...trucEnvOn(env),
          HCM_CSDL_BASE_URL: sim.url,
          TRUC_CONFIG_DIR: profile!.dir,
          TRUC_WORKER_METRICS_PORT: String(port),
          LOG_LEVEL: 'debug',
        }),
      );
    await Promise.all(ports.map((p) => opsUp(p, 170_000)));
    const traces = () => workers.map((w, i) => tracesOf(i, w.stdout()));
    const all = () => {
      const t = traces();
      return { passed: t.flatMap((x) => x.passed), paused: t.flatMap((x) => x.paused) };
    };

    await queueStudentSets(
      env.deps.db,
      KEYS.map((k) => [k]),
    );
    const retryAfter = (count: number, paths: string[]) =>
      sim.faults.merge({ status429: { count, retryAfterSeconds: RETRY_AFTER_SECONDS }, paths });
    const met429 = () => sim.stats().faultsApplied.status429 ?? 0;
    // Once pushes are under way: the pull's first read is answered 429 …
    await waitFor(() => all().passed.length >= 3, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'pushes going out',
    });
    retryAfter(1, ['/v1/schools']);
    const runId = await env.deps.db.tx((q) =>
      requestSync(q, {
        system: 'hcm-csdl',
        entity: 'schools',
        full: false,
        requestedBy: 'test',
        at: new Date(),
      }),
    );
    await waitFor(() => met429() === 1, { timeoutMs: 60_000, intervalMs: 20, what: "the pull's 429" });
    // … then the next pushes, one after the other.
    retryAfter(PUSH_429S, ['/v1/students:batch']);
    await waitFor(
      async () =>
        (await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NOT NULL')) === KEYS.length &&
        (await countRows(env.deps.db, 'truc.sync_runs', `id = ${runId} AND status = 'done'`)) === 1,
      { timeoutMs: 120_000, intervalMs: 200, what: 'every set delivered and the pull done' },
    );
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
    for (const k of KEYS) expect(sim.received.has('students', k)).toBe(true);
    expect(met429()).toBe(1 + PUSH_429S);

    const { passed, paused } = all();
    // Both processes delivered, every 429 was met and traced, each limited set went again.
    const pushes = passed.filter((p) => p.paced);
    expect(new Set(pushes.map((p) => p.worker))).toEqual(new Set([0, 1]));
    expect(paused).toHaveLength(1 + PUSH_429S);
    expect(pushes.length).toBeGreaterThanOrEqual(KEYS.length + PUSH_429S);
    expect(passed.filter((p) => !p.paced).length).toBeGreaterThanOrEqual(2); // the page, read again

    for (const r of paused) expect(r.retryAfterMs).toBe(RETRY_AFTER_SECONDS * 1000);
    const { breaches, onTheirWay } = insideRetryAfters({ passed, paused });
    expect(breaches, 'calls that passed the gate inside a Retry-After').toEqual([]);

    // Pushes paced across both processes: slots at least the interval apart, none before its slot.
    const { smallestGap, mostInWindow } = pacingOf(pushes, DURATION_MS);
    expect(smallestGap).toBeGreaterThanOrEqual(INTERVAL_MS - CLOCK_SLACK_MS);
    expect(mostInWindow).toBeLessThanOrEqual(MAX);
    for (const p of pushes) expect(p.passedAt).toBeGreaterThanOrEqual(p.slotAt - CLOCK_SLACK_MS);

    console.log(
      `[retry-after-storm] ${pushes.length} pushes (worker 0: ${pushes.filter((p) => p.worker === 0).length}, ` +
        `worker 1: ${pushes.filter((p) => p.worker === 1).length}), ${passed.length - pushes.length} reads, ` +
        `${paused.length} Retry-Afters met (by workers ${paused.map((r) => r.worker).join(', ')}; ` +
        `row recorded ${paused.map((r) => r.recordedAt - r.metAt).join(', ')} ms after the answer); ` +
        `calls already let through: ${onTheirWay.join('; ') || 'none'}; ` +
        `smallest slot gap ${smallestGap} ms`,
    );
  }, 480_000);
});
