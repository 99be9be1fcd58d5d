/**
 * gatefix (issue 7 item 4, found by endpoint's e2e endpoint-retry-after with a 50 ms retry delay): students:batch's
 * writes failing `failureThreshold` times in a row, no other endpoint answering in between, open the system's circuit
 * (the safety floor); every probe after it was a student write (those jobs first in the queue), each failure opened
 * the system's circuit again, and it never became students:batch's own (that needs another endpoint's write to
 * answer): the staff writes waited with them. Now a write to the endpoint whose writes alone opened it, arriving when
 * the system's probe is due, is not that probe (src/jobs/endpoint-circuits.ts `handOver`): the endpoint's own circuit
 * opens, its writes wait alone, a staff write probes the system and its answer closes it (audited so). With no other
 * work, the endpoint's write probes both after its pause (fix36c item 4). A run with a read's failure in it, or another
 * endpoint's, is the system's, as before: who failed is the gate's `opened_by` (migration 1432), not judged from the
 * counts (which another endpoint's failure inside the run could match). At the gate (src/jobs/gates.ts) on PostgreSQL, as fix35f-endpoint-circuit.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { usePgGates } from '../helpers/pg-gates.js';

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';
const STAFF = 'staff:upsert';
const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch failed: HTTP 503');

describe('gatefix, a system circuit one endpoint opened handed over to it (postgres)', () => {
  const w = usePgGates();
  const settings = () => w.env.config.sync.delivery;

  const row = async () =>
    (
      await w.env.deps.db.query<{
        circuit: string;
        paused: boolean;
        endpoint: { circuit: string; openings: number } | null;
        openedBy: string[];
      }>(
        `SELECT circuit, coalesce(paused_until > clock_timestamp(), false) AS paused,
                endpoint_circuits -> $2 AS endpoint, opened_by AS "openedBy"
           FROM truc.delivery_gates WHERE system = $1`,
        [SYSTEM, STUDENTS],
      )
    ).rows[0]!;
  const entries = async () =>
    (
      await w.env.deps.db.query<{ action: string; details: Record<string, unknown> }>(
        `SELECT action, details FROM (
           SELECT seq::bigint AS n, action, details FROM truc.audit_log WHERE action LIKE 'circuit.%'
           UNION ALL
           SELECT 1e15::bigint + id, action, details FROM truc.audit_pending WHERE action LIKE 'circuit.%'
         ) e ORDER BY n`,
      )
    ).rows.map((e) => `${e.action} ${String(e.details.endpoint)} ${String(e.details.reason)}`);
  const gauge = async () =>
    (await w.env.deps.metrics.endpointCircuitOpen.get()).values.find(
      (v) => v.labels.system === SYSTEM && v.labels.endpoint === STUDENTS,
    )?.value;
  const systemPauseOver = () =>
    w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [SYSTEM],
    );

  /** Fresh gate; a staff write answered; then students:batch's writes fail in a row until the system's opens. */
  async function studentsOpenTheSystem(): Promise<void> {
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    await w.env.deps.db.query(`DELETE FROM truc.audit_pending WHERE action LIKE 'circuit.%'`);
    await w.env.deps.db
      .query(`DELETE FROM truc.audit_log WHERE action LIKE 'circuit.%'`)
      .catch(() => undefined);
    const staff = await w.gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
    await w.gates.succeeded(SYSTEM, staff);
    let opened = false;
    for (let i = 0; i < settings().failureThreshold && !opened; i += 1) {
      const write = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
      expect(write.go).toBe(true);
      opened = (await w.gates.failed(SYSTEM, down, write)).opened;
    }
    expect(opened).toBe(true);
    expect(await row()).toMatchObject({
      circuit: 'open',
      paused: true,
      endpoint: null,
      openedBy: [STUDENTS],
    });
    await systemPauseOver();
  }

  it("a student write when the system's probe is due: students:batch's own circuit opens, a staff write probes and closes the system's", async () => {
    await studentsOpenTheSystem();
    // Red before: { go: true, probe: true } — the student write was the system's probe, and failed again.
    const student = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(student).toMatchObject({ go: false, reason: 'circuit-open', endpoint: STUDENTS });
    if (!student.go) expect(student.waitMs).toBeGreaterThan(settings().openMs - 1_000);
    expect(await row()).toMatchObject({
      circuit: 'open',
      paused: false,
      endpoint: { circuit: 'open', openings: 1 },
    });
    expect(await gauge()).toBe(1);
    // The other student writes wait for it alone; a staff write is the system's probe, its answer closes it.
    expect(await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS })).toMatchObject({
      go: false,
      endpoint: STUDENTS,
    });
    const woken: string[] = [];
    const unsubscribe = w.gates.onClosed((s) => woken.push(s));
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
    expect(probe).toMatchObject({ go: true, probe: true });
    await w.gates.succeeded(SYSTEM, probe);
    unsubscribe();
    expect(woken).toEqual([SYSTEM]);
    expect(await row()).toMatchObject({
      circuit: 'closed',
      paused: false,
      endpoint: { circuit: 'open' },
      openedBy: [],
    });
    for (let i = 0; i < settings().failureThreshold + 1; i += 1) {
      const staff = await w.gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
      expect(staff).toMatchObject({ go: true, probe: false });
      await w.gates.succeeded(SYSTEM, staff);
    }
    expect(await w.gates.enter(SYSTEM, { pace: false })).toMatchObject({ go: true });
    // The audit tells it as it went: the system's opened by the students' failures, students:batch's own opened
    // (its failures' code), the system's closed by the staff write's answer.
    expect(await entries()).toEqual([
      'circuit.opened null ERR_ADAPTER_UNAVAILABLE',
      `circuit.opened ${STUDENTS} ERR_ADAPTER_UNAVAILABLE`,
      'circuit.closed null answered',
    ]);
  });

  it('students:batch alone, its pause over: a write to it probes both; its failure opens both again, for longer', async () => {
    await studentsOpenTheSystem();
    expect(await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS })).toMatchObject({ go: false });
    await w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET endpoint_circuits = jsonb_set(endpoint_circuits, ARRAY[$2::text, 'pausedUntil'],
         to_jsonb((now() - interval '1 second')::text)) WHERE system = $1`,
      [SYSTEM, STUDENTS],
    );
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true, endpointProbe: true });
    const after = await w.gates.failed(SYSTEM, down, probe);
    expect(after.pauseMs).toBeGreaterThan(settings().openMs);
    expect(await row()).toMatchObject({
      circuit: 'open',
      paused: true,
      endpoint: { circuit: 'open', openings: 2 },
    });
  });

  it("a read failed since the last answer: a student write is the system's probe, as before", async () => {
    // A read on its way when the students' writes open the system's circuit fails after: students:read's last call failed too.
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    const read = await w.gates.enter(SYSTEM, { pace: false, endpoint: 'students:read' });
    expect(read.go).toBe(true);
    await studentsOpenTheSystem();
    await w.gates.failed(SYSTEM, down, read);
    expect(await row()).toMatchObject({ openedBy: ['students:read', STUDENTS] });
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true });
    expect(await row()).toMatchObject({ circuit: 'half-open', endpoint: null });
  });

  it("staff:batch's write failed inside the students' run (the counts alone matched): a student write is the system's probe", async () => {
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    const call = async (endpoint: string, ok: boolean) => {
      const write = await w.gates.enter(SYSTEM, { pace: true, endpoint });
      expect(write.go).toBe(true);
      return ok
        ? (await w.gates.succeeded(SYSTEM, write), false)
        : (await w.gates.failed(SYSTEM, down, write)).opened;
    };
    // students, staff answers, students, staff fails, then students until the writes' run is at the threshold: the
    // system's circuit opens with the students' run equal to the writes' run and every call's, staff among them.
    await call(STUDENTS, false);
    await call(STAFF, true);
    await call(STUDENTS, false);
    await call(STAFF, false);
    let opened = false;
    for (let i = 0; i < settings().failureThreshold - 2; i += 1) opened = await call(STUDENTS, false);
    expect(opened).toBe(true);
    expect(await row()).toMatchObject({ circuit: 'open', endpoint: null, openedBy: [STAFF, STUDENTS] });
    await systemPauseOver();
    // Red before (the counts): { go: false, endpoint: students:upsert } — handed over as if students alone had failed.
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true });
    expect(await row()).toMatchObject({ circuit: 'half-open', endpoint: null });
  });
});
