/**
 * fix34d (issue 7 item 4, left after fix33e): a circuit the writes opened (a system taking no writes while its reads
 * answer, review33a F6) held the reads back too for as long as its pause ran, and while a write was out as its probe:
 * a night's pull of a city database in read-only maintenance stopped because its write endpoint was down. Reads pass
 * such a circuit now, its pause and its write probe alike, without probing it and without ending the write probe's
 * lease; a circuit the reads' failures opened (the system down altogether) still stops both.
 * Here at the gate (src/jobs/gates.ts) on PostgreSQL, as review33a-write-outage.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { usePgGates } from '../helpers/pg-gates.js';

const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'write failed: HTTP 503');

describe('fix34d, reads of a system whose writes opened its circuit (postgres)', () => {
  const w = usePgGates();

  const row = async (system: string) =>
    (
      await w.env.deps.db.query<{ circuit: string; pause_reason: string | null; paused: boolean }>(
        `SELECT circuit, pause_reason, paused_until > clock_timestamp() AS paused
           FROM truc.delivery_gates WHERE system = $1`,
        [system],
      )
    ).rows[0];
  const pauseOver = (system: string) =>
    w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [system],
    );

  it('item 1: reads pass the pause and the write probe of a circuit the writes opened', async () => {
    const system = 'hcm-csdl';
    let opened = false;
    while (!opened) {
      // A page of the night's pull, answered; then a push's attempt, failed.
      const read = await w.gates.enter(system, { pace: false });
      expect(read.go).toBe(true);
      await w.gates.succeeded(system, read);
      const write = await w.gates.enter(system, { pace: true });
      expect(write.go).toBe(true);
      opened = (await w.gates.failed(system, down, write)).opened;
    }
    expect(await row(system)).toMatchObject({ circuit: 'open', pause_reason: 'circuit-open', paused: true });
    // Red before: { go: false, reason: 'circuit-open' } for the whole pause (openMs, up to maxOpenMs).
    const during = await w.gates.enter(system, { pace: false });
    expect(during).toMatchObject({ go: true, probe: false });
    await w.gates.succeeded(system, during);
    // The writes still wait.
    expect(await w.gates.enter(system, { pace: true })).toMatchObject({ go: false, reason: 'circuit-open' });
    await pauseOver(system);
    const probe = await w.gates.enter(system, { pace: true });
    expect(probe).toMatchObject({ go: true, probe: true });
    // While the write is out as the probe, reads go on; their answers leave its lease as it is.
    const woken: string[] = [];
    const unsubscribe = w.gates.onClosed((s) => woken.push(s));
    const meanwhile = await w.gates.enter(system, { pace: false });
    expect(meanwhile).toMatchObject({ go: true, probe: false });
    await w.gates.succeeded(system, meanwhile);
    expect(await row(system)).toMatchObject({ circuit: 'half-open', pause_reason: 'probe', paused: true });
    expect(woken).toEqual([]);
    // One write probe at a time.
    expect(await w.gates.enter(system, { pace: true })).toMatchObject({ go: false, reason: 'probe' });
    // A read failing meanwhile is retried as usual: it is not handed back for the writes' pause.
    const failing = await w.gates.enter(system, { pace: false });
    expect(failing.go).toBe(true);
    expect(await w.gates.failed(system, down, failing)).toMatchObject({ pauseMs: 0, opened: false });
    await w.gates.succeeded(system, probe);
    unsubscribe();
    expect(await row(system)).toMatchObject({ circuit: 'closed' });
  });

  it('item 1: a circuit the reads opened still stops reads and writes', async () => {
    const system = 'smas';
    let opened = false;
    while (!opened) {
      const read = await w.gates.enter(system, { pace: false });
      expect(read.go).toBe(true);
      opened = (await w.gates.failed(system, down, read)).opened;
    }
    expect(await w.gates.enter(system, { pace: false })).toMatchObject({ go: false, reason: 'circuit-open' });
    expect(await w.gates.enter(system, { pace: true })).toMatchObject({ go: false, reason: 'circuit-open' });
  });
  it('item 2: one endpoint taking no writes opens the circuit although another answers in between', async () => {
    const system = 'moet-pcgd';
    const threshold = w.env.config.sync.delivery.failureThreshold;
    const studentsDown = new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch failed: HTTP 503');
    let failed = 0;
    let waited = false;
    for (let i = 0; i < 2 * threshold && !waited; i += 1) {
      // A staff push, answered.
      const staff = await w.gates.enter(system, { pace: true, endpoint: 'staff:upsert' });
      if (!staff.go) break;
      await w.gates.succeeded(system, staff);
      // A student push, failed: students:batch is down.
      const students = await w.gates.enter(system, { pace: true, endpoint: 'students:upsert' });
      if (!students.go) break;
      failed += 1;
      waited = (await w.gates.failed(system, studentsDown, students)).pauseMs > 0;
    }
    // Red before: 10 student pushes failed, each staff answer setting the writes' run back; never a pause.
    expect(failed).toBe(threshold);
    expect(await row(system)).toMatchObject({ circuit: 'open', pause_reason: 'circuit-open', paused: true });
    // A staff write that probes it is answered: students:batch is not proven, the circuit stays open, and the
    // queues waiting for the probe look again (a write probes next).
    await pauseOver(system);
    const woken: string[] = [];
    const unsubscribe = w.gates.onClosed((s) => woken.push(s));
    const staff = await w.gates.enter(system, { pace: true, endpoint: 'staff:upsert' });
    expect(staff).toMatchObject({ go: true, probe: true });
    await w.gates.succeeded(system, staff);
    expect(woken).toEqual([system]);
    expect(await row(system)).toMatchObject({ circuit: 'open' });
    // A student write probes next; its answer closes the circuit.
    const students = await w.gates.enter(system, { pace: true, endpoint: 'students:upsert' });
    expect(students).toMatchObject({ go: true, probe: true });
    await w.gates.succeeded(system, students);
    unsubscribe();
    expect(await row(system)).toMatchObject({ circuit: 'closed' });
  });
});
