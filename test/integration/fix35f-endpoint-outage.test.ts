/**
 * fix35f (issue 7 item 4): a per-endpoint outage end to end, at the hcm-csdl simulator. Its students:batch refuses
 * writes (503, the simulator's `down` fault on that path alone) while its staff:batch takes them. Student and staff
 * pushes are queued side by side; the worker role (real Redis and PostgreSQL) delivers them. The staff pushes are
 * delivered while students:batch is down (before fix35f the system's circuit opened and they waited with the students'),
 * the students' endpoint has a circuit of its own (the gauge truc_endpoint_circuit_open names it) while the system's
 * stays closed; once students:batch takes writes again, the students are delivered, the endpoint's circuit closes, and
 * nothing was dead-lettered. Nothing here is timed: the outage lasts until the staff are delivered.
 */
import { describe, expect, it } from 'vitest';
import { countRows, waitFor } from '../helpers/env.js';
import { useStudentsBatchDown } from '../helpers/students-batch-down.js';

const STUDENTS = Array.from({ length: 6 }, (_, i) => `EPS${i}`);
const STAFF = Array.from({ length: 6 }, (_, i) => `EPT${i}`);

describe('fix35f, students:batch down while staff:batch answers (postgres+redis, hcm-csdl simulator)', () => {
  const w = useStudentsBatchDown();
  const { gate, undelivered } = w;
  const gauge = async () =>
    (await w.env.deps.metrics.endpointCircuitOpen.get()).values.find(
      (v) => v.labels.system === 'hcm-csdl' && v.labels.endpoint === 'students:upsert',
    )?.value;

  it('staff delivered while students:batch is down, students after it returns, no dead letter; its own circuit opened and closed', async () => {
    const sets = STUDENTS.flatMap((s, i) => [
      { entity: 'students' as const, keys: [s] },
      { entity: 'staff' as const, keys: [STAFF[i]!] },
    ]);
    await w.start('fix35f', sets, '00000000-0000-4000-8000-0000000035f0');
    const { sim, config } = w;

    await waitFor(async () => (await undelivered('staff')) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'every staff push to be delivered while students:batch is down',
    });
    for (const k of STAFF) expect(sim.received.has('staff', k)).toBe(true);
    expect(await undelivered('students')).toBe(STUDENTS.length);
    expect(sim.stats().faultsApplied.down).toBeGreaterThanOrEqual(config.sync.delivery.failureThreshold);
    await waitFor(async () => (await gate())?.endpoints['students:upsert'] !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: "students:batch's own circuit to be open",
    });
    // Red before: the system's circuit opened for every write (and the staff waited with the students).
    expect(await gate()).toMatchObject({ circuit: 'closed' });
    expect(await gauge()).toBe(1);
    expect(await countRows(w.env.deps.db, 'truc.dead_letters')).toBe(0);

    sim.faults.clear();
    await waitFor(async () => (await undelivered('students')) === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'every student push to be delivered once students:batch takes writes again',
    });
    for (const k of STUDENTS) expect(sim.received.has('students', k)).toBe(true);
    expect(await countRows(w.env.deps.db, 'truc.dead_letters')).toBe(0);
    const closed = await gate();
    expect(closed).toMatchObject({ circuit: 'closed' });
    expect(closed?.endpoints, "students:batch's circuit gone once it closed").toEqual({});
    expect(await gauge()).toBe(0);
  }, 150_000);
});
