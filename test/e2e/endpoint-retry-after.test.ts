/**
 * One endpoint held alone by its own circuit, then by its own Retry-After, end to end through the simulator's faults
 * (issue 7 item 4; fix35f's endpoint circuits, fix37b's per-endpoint Retry-After). A `truc api` and a `truc worker`
 * process (real PostgreSQL and Redis) deliver students and staff to the hcm-csdl simulator side by side; its
 * `students:batch` route alone (the faults' `paths`) answers 503 until that endpoint's own circuit opens, then 429 with
 * `Retry-After` once. Asserted: the staff keep arriving at the simulator while the students' endpoint is held (its
 * circuit open, then its Retry-After), and the system's circuit stays closed; the students' endpoint's circuit opened
 * and closed (the overview through the api, the audit); no students write reached the simulator inside the wait the 429
 * asked for (the simulator's counts per route, read every few milliseconds); nothing dead-lettered; every record
 * delivered once. Small: six students, and a staff member queued every 200 ms (paced at 10 calls a second) from
 * start to end, so the staff are flowing whenever the students are held; done in about 15 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClient } from '../../src/ops.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { opsUp, spawnTruc, trucEnvOn } from '../helpers/faults.js';
import { freePort, killAll, type Spawned } from '../helpers/proc.js';
import { testProfileDir } from '../helpers/profile.js';
import { queueSets } from '../helpers/push-sets.js';
import { clientAs } from '../helpers/truc-client.js';

const SYSTEM = 'hcm-csdl';
const ENDPOINT = 'students:upsert';
const ROUTE = '/v1/students:batch';
const RETRY_AFTER_S = 4;
/** The simulator's counts are read this often; a call's arrival is known this late at most, and a timer may fire early. */
const TICK_MS = 10;
const SLACK_MS = 250;
const STUDENTS = Array.from({ length: 6 }, (_, i) => `E2S${i}`);
/** A staff member's set is queued this often all through (5 a second; delivery is paced at 10): staff flowing. */
const STAFF_EVERY_MS = 200;
const BATCH = '00000000-0000-4000-8000-00000000e2e0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one endpoint held alone: its circuit, then its Retry-After (api and worker processes, hcm-csdl simulator)', () => {
  let env: TestEnv;
  let sim: HcmCsdlSimulator;
  let profile: ReturnType<typeof testProfileDir> | undefined;
  const procs: Spawned[] = [];
  /** Staff sets are being queued (stopped by the test, or after it failed). */
  let feeding = false;

  beforeAll(async () => {
    sim = await startCitySimulator({ seed: 'endpoint-e2e' });
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
    profile = testProfileDir((p) => {
      const systems = p.systems as Record<string, Record<string, unknown>>;
      systems[SYSTEM]!.rateLimit = { max: 10, durationMs: 1000 };
      // The test profile's retry delay (50 ms): a student's failures may come in a row, no staff answer in between, and
      // open the system's circuit (fix35f's safety floor); a student write arriving when its probe is due then opens
      // students:batch's own circuit instead of probing it, and a staff write probes it (gatefix: before, every probe
      // was a student's write, the system's circuit never closed and the staff waited 60 s).
      p.sync = { delivery: { failureThreshold: 3, openMs: 1000, maxOpenMs: 4000 } };
    });
  }, 120_000);
  afterAll(async () => {
    feeding = false;
    await killAll(procs);
    await env?.cleanup();
    await sim?.close();
    profile?.remove();
  });

  const studentWrites = () =>
    Object.values(sim.stats().byRoute[`PUT ${ROUTE}`] ?? {}).reduce((a, b) => a + b, 0);
  const gate = async () =>
    (
      await env.deps.db.query<{ circuit: string; endpoints: Record<string, unknown> }>(
        `SELECT circuit, endpoint_circuits AS endpoints FROM truc.delivery_gates WHERE system = $1`,
        [SYSTEM],
      )
    ).rows[0];
  const audited = async (action: string) =>
    (
      await env.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT details FROM truc.audit_pending WHERE action = $1
           UNION ALL SELECT details FROM truc.audit_log WHERE action = $1) a
          WHERE details->>'endpoint' = $2`,
        [action, ENDPOINT],
      )
    ).rows[0]!.n;
  /** How many times each key reached the simulator. */
  const timesReceived = (entity: string) => {
    const times = new Map<string, number>();
    for (const r of sim.recorder.items(entity) as Array<{ maDinhDanh: string }>)
      times.set(r.maDinhDanh, (times.get(r.maDinhDanh) ?? 0) + 1);
    return times;
  };

  it("staff delivered all through the students' hold; the students wait as Retry-After asks; each record once", async () => {
    sim.faults.merge({ status503Burst: 100_000, paths: [ROUTE] });
    const base = { ...trucEnvOn(env), HCM_CSDL_BASE_URL: sim.url, TRUC_CONFIG_DIR: profile!.dir };
    const [apiPort, opsPort] = [await freePort(), await freePort()];
    procs.push(spawnTruc('api', { ...base, PORT: String(apiPort) }));
    procs.push(spawnTruc('worker', { ...base, TRUC_WORKER_METRICS_PORT: String(opsPort) }));
    await Promise.all([opsUp(apiPort, 90_000), opsUp(opsPort, 90_000)]);
    const admin = clientAs(
      `http://127.0.0.1:${apiPort}`,
      await addClient(env.deps.db, { name: 'Endpoint admin', role: 'city-admin' }),
    );
    const overview = async () => {
      const { data } = await admin.api.GET('/v1/ops/overview');
      return data!.systems.find((s) => s.system === SYSTEM)!;
    };
    // Staff deliveries flowing: a set queued every STAFF_EVERY_MS until the end, as ingest would queue them.
    const staff: string[] = [];
    feeding = true;
    const fed = (async () => {
      while (feeding) {
        const key = `E2T${staff.length}`;
        await queueSets(env.deps.db, [{ entity: 'staff', keys: [key] }], BATCH);
        staff.push(key);
        await sleep(STAFF_EVERY_MS);
      }
    })();
    fed.catch(() => undefined); // awaited below; a failure after the test failed is not another
    // The students come once the staff are flowing.
    await waitFor(() => sim.recorder.count('staff') >= 3, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'staff deliveries flowing',
    });
    const queueStudents = (keys: readonly string[]) =>
      queueSets(
        env.deps.db,
        keys.map((k) => ({ entity: 'students' as const, keys: [k] })),
        BATCH,
      );
    // Three at once: their first writes fail in a row, no staff answer in between (the system's circuit opens).
    await queueStudents(STUDENTS.slice(0, 3));

    // students:batch answers 503 until its own circuit opens (the staff answered meanwhile, or the system's circuit its
    // failures in a row opened is handed over to it: gatefix) and the system's is closed …
    await waitFor(
      async () => {
        const g = await gate();
        return g?.endpoints[ENDPOINT] !== undefined && g.circuit === 'closed';
      },
      { timeoutMs: 20_000, intervalMs: 20, what: "students:batch's own circuit open, the system's closed" },
    );
    const staffAtOpen = sim.recorder.count('staff');
    // More students meanwhile: held by the endpoint's circuit with the first.
    await queueStudents(STUDENTS.slice(3));
    // … then 429 with Retry-After, on that path only: its next write (the endpoint's probe) is told to wait.
    sim.faults.merge({ status503Burst: 0, status429: { count: 1, retryAfterSeconds: RETRY_AFTER_S } });
    await waitFor(() => (sim.stats().faultsApplied.status429 ?? 0) === 1, {
      timeoutMs: 30_000,
      intervalMs: TICK_MS,
      what: 'the 429 of students:batch',
    });
    const toldAt = Date.now();
    const writesAtTold = studentWrites();
    const staffAtTold = sim.recorder.count('staff');
    // Read while held, beside the counting below: awaited first, the read took the whole wait under CI's load and not
    // one count was taken inside it (`Math.max()` of none: -Infinity).
    const shownRead = overview();
    shownRead.catch(() => undefined); // awaited below
    // Inside the wait (less the slack either side): no write to students:batch reaches the simulator.
    const writesInside: number[] = [];
    while (Date.now() < toldAt + RETRY_AFTER_S * 1000 - SLACK_MS) {
      writesInside.push(studentWrites() - writesAtTold);
      await sleep(TICK_MS);
    }
    const shown = await shownRead;
    const staffInside = sim.recorder.count('staff') - staffAtTold;

    await waitFor(() => studentWrites() > writesAtTold, {
      timeoutMs: 30_000,
      intervalMs: TICK_MS,
      what: 'students:batch written after the wait',
    });
    feeding = false;
    await fed;
    await waitFor(
      async () => (await countRows(env.deps.db, 'truc.push_sets', 'delivered_at IS NULL')) === 0,
      {
        timeoutMs: 90_000,
        intervalMs: 100,
        what: 'every set delivered',
      },
    );
    const firstAfter = studentWrites() - writesAtTold;
    console.log(
      `[endpoint-retry-after] staff received ${staffAtTold - staffAtOpen} while the circuit was open before the 429, ` +
        `${staffInside} in the ${RETRY_AFTER_S} s wait; students:batch written ${Math.max(...writesInside)} times inside ` +
        `the wait, ${firstAfter} after it; ${sim.stats().faultsApplied.status503Burst ?? 0} 503s`,
    );
    // Shown while held: the endpoint's circuit and its Retry-After, the system's calls free.
    expect(shown).toMatchObject({
      circuit: 'closed',
      pausedUntil: null,
      reads: null,
      endpointCircuits: [{ endpoint: ENDPOINT }],
      endpointRetryAfter: [{ endpoint: ENDPOINT }],
    });
    // The staff kept arriving through the hold (red with the rule off: the 429 held every write of the system).
    expect(staffInside).toBeGreaterThanOrEqual(5);
    expect(writesInside.length, 'counts taken inside the Retry-After').toBeGreaterThan(0);
    expect(Math.max(...writesInside), 'students:batch writes inside the Retry-After').toBe(0);
    expect(firstAfter).toBeGreaterThanOrEqual(1);
    // The endpoint's circuit opened and closed; the Retry-After was audited at the endpoint; nothing left held.
    expect(await audited('circuit.opened')).toBeGreaterThanOrEqual(1);
    expect(await audited('circuit.closed')).toBeGreaterThanOrEqual(1);
    expect(await audited('gate.retry-after')).toBe(1);
    // toEqual: toMatchObject's `endpoints: {}` matched any endpoints at all. No wait needed: the probe's answer closed
    // the endpoint's circuit (through-gate's `succeeded`, awaited) before its set was marked delivered.
    expect(await gate()).toEqual({ circuit: 'closed', endpoints: {} });
    expect(await overview()).toMatchObject({ endpointCircuits: [], endpointRetryAfter: [] });
    // Nothing dead-lettered; each record delivered once.
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
    for (const [entity, keys] of [
      ['students', STUDENTS],
      ['staff', staff],
    ] as const) {
      const times = timesReceived(entity);
      expect(
        keys.filter((k) => times.get(k) !== 1),
        `${entity} not received exactly once`,
      ).toEqual([]);
    }
  }, 150_000);
});
