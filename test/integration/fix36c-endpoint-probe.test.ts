/**
 * fix36c item 4 (fix35f's leftover): a write that is both its endpoint's probe and the system's probe (an endpoint's own
 * circuit open while the system's circuit opened too, both pauses over) and fails, or is told to wait (a 429), left the
 * system's probe lease (`probeLeaseMs`, 30 s) or the endpoint's running: the next probe came only when the lease ran
 * out. Now its failure opens the system's circuit again for its doubled pause, and a 429 holds both circuits for the
 * Retry-After: the next probe comes at the probe interval or the Retry-After. At the gate (src/jobs/gates.ts) on
 * PostgreSQL, as fix35f-endpoint-circuit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { waitFor } from '../helpers/env.js';
import { usePgGates } from '../helpers/pg-gates.js';

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';
const STAFF = 'staff:upsert';
const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch failed: HTTP 503');

describe('fix36c item 4, a probe of both circuits (postgres)', () => {
  const w = usePgGates();
  const settings = () => w.env.config.sync.delivery;

  const row = async () =>
    (
      await w.env.deps.db.query<{
        circuit: string;
        reason: string | null;
        systemLeft: number;
        endpointLeft: number | null;
        endpoint: string | null;
      }>(
        `SELECT circuit, pause_reason AS reason,
                (extract(epoch FROM paused_until - clock_timestamp()) * 1000)::float8 AS "systemLeft",
                (extract(epoch FROM (endpoint_circuits -> $2 ->> 'pausedUntil')::timestamptz - clock_timestamp()) * 1000)::float8
                  AS "endpointLeft",
                endpoint_circuits -> $2 ->> 'circuit' AS endpoint
           FROM truc.delivery_gates WHERE system = $1`,
        [SYSTEM, STUDENTS],
      )
    ).rows[0]!;

  /** students:upsert's own circuit open, then the system's opened by failing reads, both pauses over. */
  async function bothOpenAndDue(): Promise<void> {
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    for (let i = 0; i < 2 * settings().failureThreshold; i += 1) {
      const staff = await w.gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
      await w.gates.succeeded(SYSTEM, staff);
      const students = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
      if (!students.go) break;
      await w.gates.failed(SYSTEM, down, students);
    }
    let opened = false;
    for (let i = 0; i < 2 * settings().failureThreshold && !opened; i += 1) {
      const read = await w.gates.enter(SYSTEM, { pace: false });
      expect(read.go).toBe(true);
      opened = (await w.gates.failed(SYSTEM, down, read)).opened;
    }
    expect(opened).toBe(true);
    expect(await row()).toMatchObject({ circuit: 'open', endpoint: 'open' });
    await w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second',
              endpoint_circuits = jsonb_set(endpoint_circuits, ARRAY[$2::text, 'pausedUntil'],
                to_jsonb((now() - interval '1 second')::text))
        WHERE system = $1`,
      [SYSTEM, STUDENTS],
    );
  }

  it("a failed probe of both opens the system's circuit again for its pause, not the probe's lease", async () => {
    await bothOpenAndDue();
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true, endpointProbe: true });
    const after = await w.gates.failed(SYSTEM, down, probe);
    const { openMs, probeLeaseMs } = settings();
    // Red before: the system stayed half-open, paused for the probe's lease (30 s), reason 'probe'.
    const r = await row();
    expect(r).toMatchObject({ circuit: 'open', reason: 'circuit-open', endpoint: 'open' });
    expect(r.systemLeft).toBeGreaterThan(openMs);
    expect(r.systemLeft).toBeLessThanOrEqual(2 * openMs);
    expect(r.systemLeft).toBeLessThan(probeLeaseMs);
    expect(after).toMatchObject({ reason: 'circuit-open' });
    expect(after.pauseMs).toBeLessThanOrEqual(2 * openMs);
  });

  it('a probe of both told to wait (429, Retry-After: 2) is followed by the next probe after 2 s', async () => {
    await bothOpenAndDue();
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true, endpointProbe: true });
    const busy = new AppError('ERR_ADAPTER_RATE_LIMITED', 'HTTP 429', { retryAfterSeconds: 2 });
    const after = await w.gates.failed(SYSTEM, busy, probe);
    expect(after).toMatchObject({ reason: 'retry-after' });
    expect(after.pauseMs).toBeLessThanOrEqual(2000);
    // Red before: the endpoint's probe lease (30 s) held its writes after the Retry-After was over.
    const r = await row();
    expect(r).toMatchObject({ reason: 'retry-after', endpoint: 'open' });
    expect(r.systemLeft).toBeLessThanOrEqual(2000);
    expect(r.endpointLeft).toBeLessThanOrEqual(2000);
    expect(r.endpointLeft).toBeGreaterThan(0);
  });

  it("an endpoint probe told to wait while the system's circuit is closed is followed by the next after the Retry-After", async () => {
    // The last test's Retry-After (2 s) holds this process's calls to the system until it is over: waited out.
    await waitFor(() => w.gates.heldHere(SYSTEM, STUDENTS) === undefined, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: "the last test's Retry-After to be over in this process",
    });
    await bothOpenAndDue();
    await w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET circuit = 'closed', failures = 0, paused_until = NULL, pause_reason = NULL
        WHERE system = $1`,
      [SYSTEM],
    );
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: false, endpointProbe: true });
    const busy = new AppError('ERR_ADAPTER_RATE_LIMITED', 'HTTP 429', { retryAfterSeconds: 2 });
    await w.gates.failed(SYSTEM, busy, probe);
    const r = await row();
    expect(r).toMatchObject({ circuit: 'closed', endpoint: 'open' });
    expect(r.endpointLeft).toBeLessThanOrEqual(2000);
  });
});
