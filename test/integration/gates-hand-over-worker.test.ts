/**
 * gates (gatefix's leftover: its e2e endpoint-retry-after was not reliably red without the hand-over, the staff's write
 * sometimes came first and probed): a system circuit one endpoint's writes alone opened is handed over to that
 * endpoint's own circuit by the worker (src/jobs/endpoint-circuits.ts `handOver`), with no race of the queue's order.
 * Only student pushes are queued and the hcm-csdl simulator's students:batch refuses writes (503): their failures in a
 * row open the system's circuit (the safety floor, no other endpoint answering), and when its pause is over the only
 * write that can come is a student's. Before gatefix that write was the system's probe, failed, and opened it again,
 * for ever (the students' own circuit never opened); now it opens students:batch's own circuit and waits for it alone,
 * the system's probe left to another caller: the gate names students:upsert as who opened it (opened_by, migration
 * 1432). Then staff pushes are queued (the students' own pause made long, so a student write cannot be the probe
 * meanwhile): a staff write probes the system and its answer closes it; every staff push is delivered while
 * students:batch is still down. Real PostgreSQL and Redis, the worker role in process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { startWorkerRole, type Running } from '../../src/roles.js';
import type { HcmCsdlSimulator } from '../../src/simulators/hcm-csdl/simulator.js';
import { startCitySimulator } from '../helpers/city-sim.js';
import { countRows, makeDeps, waitFor, type TestEnv } from '../helpers/env.js';
import { queueSets } from '../helpers/push-sets.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

const STUDENTS = ['GHS0', 'GHS1', 'GHS2'];
const STAFF = ['GHT0', 'GHT1', 'GHT2'];

describe('gates, the hand-over by the worker with only the failing endpoint at work (postgres+redis, hcm-csdl simulator)', () => {
  let env: TestEnv;
  let worker: Running | undefined;
  let sim: HcmCsdlSimulator | undefined;
  beforeAll(async () => {
    env = await makeDeps({ name: 'postgres+redis', database: 'postgres', queue: 'redis' });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await sim?.close();
    await env?.cleanup();
  });

  const gate = async () =>
    (
      await env.deps.db.query<{
        circuit: string;
        openedBy: string[];
        endpoints: Record<string, { circuit: string }>;
      }>(
        `SELECT circuit, opened_by AS "openedBy", endpoint_circuits AS endpoints
           FROM truc.delivery_gates WHERE system = 'hcm-csdl'`,
      )
    ).rows[0];
  const undelivered = (entity: string) =>
    countRows(env.deps.db, 'truc.push_sets', `entity = '${entity}' AND delivered_at IS NULL`);

  it("students alone open the system's circuit; at its probe it becomes students:batch's own, and staff close it", async () => {
    sim = await startCitySimulator({ seed: 'gates-hand-over' });
    sim.faults.merge({ down: true, paths: ['/v1/students:batch'] });
    const config = structuredClone(env.config) as Mutable<Config>;
    config.systems['hcm-csdl'].baseUrl = sim.url;
    config.sync.delivery = { ...config.sync.delivery, failureThreshold: 3, openMs: 200, maxOpenMs: 800 };
    expect(config.sync.delivery.endpointCircuits).toContain('hcm-csdl');
    const students = STUDENTS.map((k) => ({ entity: 'students' as const, keys: [k] }));
    await queueSets(env.deps.db, students, '00000000-0000-4000-8000-00000000a470');
    worker = startWorkerRole({ ...env.deps, config });

    // Red before gatefix: the students' writes probe the system again and again, their own circuit never opens.
    await waitFor(async () => (await gate())?.endpoints['students:upsert'] !== undefined, {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: "students:batch's own circuit to open at the system's probe (the hand-over)",
    });
    expect(await gate()).toMatchObject({ openedBy: ['students:upsert'] });
    expect((await gate())?.circuit).not.toBe('closed');
    expect(sim.stats().faultsApplied.down).toBeGreaterThanOrEqual(3);

    // The students' own pause made long: what follows does not hang on which write comes first.
    await env.deps.db.query(
      `UPDATE truc.delivery_gates SET endpoint_circuits = jsonb_set(endpoint_circuits, '{students:upsert,pausedUntil}',
         to_jsonb((clock_timestamp() + interval '2 minutes')::text)) WHERE system = 'hcm-csdl'`,
    );
    const staff = STAFF.map((k) => ({ entity: 'staff' as const, keys: [k] }));
    await queueSets(env.deps.db, staff, '00000000-0000-4000-8000-00000000a471');
    await waitFor(async () => (await undelivered('staff')) === 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every staff push to be delivered while students:batch is down',
    });
    for (const k of STAFF) expect(sim.received.has('staff', k)).toBe(true);
    expect(await gate()).toMatchObject({
      circuit: 'closed',
      openedBy: [],
      endpoints: { 'students:upsert': { circuit: 'open' } },
    });
    expect(await undelivered('students')).toBe(STUDENTS.length);
    expect(await countRows(env.deps.db, 'truc.dead_letters')).toBe(0);
  }, 90_000);
});
