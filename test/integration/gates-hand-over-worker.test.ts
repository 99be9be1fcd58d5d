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
import { describe, expect, it } from 'vitest';
import { countRows, waitFor } from '../helpers/env.js';
import { useStudentsBatchDown } from '../helpers/students-batch-down.js';
import { queueSets } from '../helpers/push-sets.js';

const STUDENTS = ['GHS0', 'GHS1', 'GHS2'];
const STAFF = ['GHT0', 'GHT1', 'GHT2'];

describe('gates, the hand-over by the worker with only the failing endpoint at work (postgres+redis, hcm-csdl simulator)', () => {
  const w = useStudentsBatchDown();
  const { gate, undelivered } = w;

  it("students alone open the system's circuit; at its probe it becomes students:batch's own, and staff close it", async () => {
    const students = STUDENTS.map((k) => ({ entity: 'students' as const, keys: [k] }));
    await w.start('gates-hand-over', students, '00000000-0000-4000-8000-00000000a470');
    const { sim, config } = w;
    expect(config.sync.delivery.endpointCircuits).toContain('hcm-csdl');

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
    await w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET endpoint_circuits = jsonb_set(endpoint_circuits, '{students:upsert,pausedUntil}',
         to_jsonb((clock_timestamp() + interval '2 minutes')::text)) WHERE system = 'hcm-csdl'`,
    );
    const staff = STAFF.map((k) => ({ entity: 'staff' as const, keys: [k] }));
    await queueSets(w.env.deps.db, staff, '00000000-0000-4000-8000-00000000a471');
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
    expect(await countRows(w.env.deps.db, 'truc.dead_letters')).toBe(0);
  }, 90_000);
});
