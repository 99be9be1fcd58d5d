/**
 * fix35f (issue 7 item 4, left by fix34d): circuits per endpoint. One endpoint refusing writes (hcm-csdl's
 * students:batch) while another answers (staff:batch) opened the whole system's circuit: the staff pushes waited while
 * only students:batch was down. For a system whose endpoints fail apart (`sync.delivery.endpointCircuits`, hcm-csdl by
 * default) the failing endpoint's own circuit opens: its writes are held back (`endpoint` named: their jobs wait alone),
 * the other endpoint's writes go on, a write to it probes it after its pause and its answer closes it (the workers told,
 * to wake the jobs that waited for it). Writes failing across endpoints still open the system's circuit; a system circuit
 * one endpoint's writes opened becomes that endpoint's once another endpoint's write answers. Here at the gate
 * (src/jobs/gates.ts) on PostgreSQL, as fix34d-write-circuit.test.ts; end to end with the simulator in
 * test/e2e/fix35f-endpoint-outage.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { DeliveryGates } from '../../src/jobs/gates.js';
import { usePgGates } from '../helpers/pg-gates.js';

const studentsDown = new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch failed: HTTP 503');
const STUDENTS = 'students:upsert';
const STAFF = 'staff:upsert';

describe('fix35f, circuits per endpoint (postgres)', () => {
  const w = usePgGates();

  const row = async (system: string) =>
    (
      await w.env.deps.db.query<{
        circuit: string;
        paused: boolean;
        endpoints: Record<string, { circuit: string }>;
      }>(
        `SELECT circuit, coalesce(paused_until > clock_timestamp(), false) AS paused, endpoint_circuits AS endpoints
           FROM truc.delivery_gates WHERE system = $1`,
        [system],
      )
    ).rows[0];
  const endpointPauseOver = (system: string, endpoint: string) =>
    w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET endpoint_circuits = jsonb_set(endpoint_circuits, ARRAY[$2::text, 'pausedUntil'],
         to_jsonb((now() - interval '1 second')::text)) WHERE system = $1`,
      [system, endpoint],
    );
  const gauge = async (system: string, endpoint: string) =>
    (await w.env.deps.metrics.endpointCircuitOpen.get()).values.find(
      (v) => v.labels.system === system && v.labels.endpoint === endpoint,
    )?.value;

  it("item 1: students:batch refusing writes opens its own circuit; staff goes on; a student write's answer closes it", async () => {
    const system = 'hcm-csdl';
    const threshold = w.env.config.sync.delivery.failureThreshold;
    let held: Awaited<ReturnType<DeliveryGates['enter']>> | undefined;
    let failed = 0;
    for (let i = 0; i < 2 * threshold && !held; i += 1) {
      const staff = await w.gates.enter(system, { pace: true, endpoint: STAFF });
      expect(staff.go).toBe(true);
      await w.gates.succeeded(system, staff);
      const students = await w.gates.enter(system, { pace: true, endpoint: STUDENTS });
      if (!students.go) {
        held = students;
        break;
      }
      failed += 1;
      const after = await w.gates.failed(system, studentsDown, students);
      if (after.pauseMs > 0)
        expect(after).toMatchObject({ endpoint: STUDENTS, endpointOpened: true, opened: false });
    }
    expect(failed).toBe(threshold);
    // Red before: the system's circuit opened (fix34d) and the staff writes waited with the students'.
    expect(await row(system)).toMatchObject({
      circuit: 'closed',
      paused: false,
      endpoints: { [STUDENTS]: { circuit: 'open' } },
    });
    expect(held).toMatchObject({ go: false, reason: 'circuit-open', endpoint: STUDENTS });
    expect(await gauge(system, STUDENTS)).toBe(1);
    // Staff goes on at its pace while students:batch is down; reads too.
    for (let i = 0; i < 3; i += 1) {
      const staff = await w.gates.enter(system, { pace: true, endpoint: STAFF });
      expect(staff).toMatchObject({ go: true, probe: false });
      await w.gates.succeeded(system, staff);
    }
    expect(await w.gates.enter(system, { pace: false })).toMatchObject({ go: true });
    expect(await w.gates.endpointHeld(system, STUDENTS)).toBe(true);
    // After its pause a student write is its probe; another waits for the probe's outcome.
    await endpointPauseOver(system, STUDENTS);
    const probe = await w.gates.enter(system, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, endpointProbe: true });
    expect(await w.gates.enter(system, { pace: true, endpoint: STUDENTS })).toMatchObject({
      go: false,
      reason: 'probe',
      endpoint: STUDENTS,
    });
    // The probe fails: open again, for longer.
    const again = await w.gates.failed(system, studentsDown, probe);
    expect(again).toMatchObject({ endpoint: STUDENTS, reason: 'circuit-open', opened: false });
    expect(again.pauseMs).toBeGreaterThan(w.env.config.sync.delivery.openMs);
    expect(await row(system)).toMatchObject({
      circuit: 'closed',
      endpoints: { [STUDENTS]: { circuit: 'open' } },
    });
    // Back: the next probe's answer closes it and tells the workers which endpoint.
    await endpointPauseOver(system, STUDENTS);
    const woken: string[] = [];
    const unsubscribe = w.gates.onEndpointClosed((s, endpoint) => woken.push(`${s} ${endpoint}`));
    const back = await w.gates.enter(system, { pace: true, endpoint: STUDENTS });
    expect(back).toMatchObject({ go: true, endpointProbe: true });
    await w.gates.succeeded(system, back);
    unsubscribe();
    expect(woken).toEqual([`${system} ${STUDENTS}`]);
    // Its circuit closed is gone from the row, not left behind (closed or not): no endpoint holds a circuit.
    const closed = await row(system);
    expect(closed).toMatchObject({ circuit: 'closed' });
    expect(closed?.endpoints).toEqual({});
    expect(await gauge(system, STUDENTS)).toBe(0);
    expect(await w.gates.endpointHeld(system, STUDENTS)).toBe(false);
  });

  it('item 1: writes failing across endpoints still open the whole circuit', async () => {
    const system = 'hcm-csdl';
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [system]);
    const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'HTTP 503');
    let opened = false;
    for (let i = 0; i < 10 && !opened; i += 1) {
      const endpoint = i % 2 === 0 ? STUDENTS : STAFF;
      const write = await w.gates.enter(system, { pace: true, endpoint });
      expect(write.go).toBe(true);
      opened = (await w.gates.failed(system, down, write)).opened;
    }
    expect(opened).toBe(true);
    // The system's circuit, not an endpoint's: neither endpoint got a circuit of its own.
    const open = await row(system);
    expect(open).toMatchObject({ circuit: 'open', paused: true });
    expect(open?.endpoints).toEqual({});
    expect(await w.gates.enter(system, { pace: true, endpoint: STAFF })).toMatchObject({
      go: false,
      reason: 'circuit-open',
    });
  });

  it("item 1: a system circuit students:batch's writes alone opened becomes its own once a staff write answers", async () => {
    const system = 'hcm-csdl';
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [system]);
    let opened = false;
    for (let i = 0; i < 10 && !opened; i += 1) {
      const write = await w.gates.enter(system, { pace: true, endpoint: STUDENTS });
      expect(write.go).toBe(true);
      opened = (await w.gates.failed(system, studentsDown, write)).opened;
    }
    // No other endpoint answered: the safety floor, the system's circuit.
    expect(await row(system)).toMatchObject({ circuit: 'open', paused: true });
    await w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [system],
    );
    const woken: string[] = [];
    const unsubscribe = w.gates.onClosed((s) => woken.push(s));
    const staff = await w.gates.enter(system, { pace: true, endpoint: STAFF });
    expect(staff).toMatchObject({ go: true, probe: true });
    await w.gates.succeeded(system, staff);
    unsubscribe();
    // Red before: the circuit stayed open for every write (a student write probes next).
    expect(woken).toEqual([system]);
    expect(await row(system)).toMatchObject({
      circuit: 'closed',
      endpoints: { [STUDENTS]: { circuit: 'open' } },
    });
    expect(await w.gates.enter(system, { pace: true, endpoint: STAFF })).toMatchObject({ go: true });
    expect(await w.gates.enter(system, { pace: true, endpoint: STUDENTS })).toMatchObject({
      go: false,
      endpoint: STUDENTS,
    });
  });
});
