/**
 * gates3 item 1: the kind of failure that opened a system's circuit is kept on its gate (migration 1435, `opened_for`):
 * 'credentials' (truc's credentials refused, a 401) or 'outage', set when it opens or a failed probe reopens it, null
 * once it closes. The hand-over of a system circuit to the one endpoint whose writes opened it (src/jobs/endpoint-
 * circuits.ts `handOver`) reads it; it read the last error's code, which a call on its way failing otherwise rewrote:
 * a circuit refused credentials opened was then handed over as an outage is, and another endpoint's probe, refused too,
 * reopened it (gates2). At the gate (src/jobs/gates.ts) on PostgreSQL, as gatefix-hand-over.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { usePgGates } from '../helpers/pg-gates.js';

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';
const STAFF = 'staff:upsert';
const refused = new AppError('ERR_ADAPTER_AUTH', 'POST /oauth/token refused the client: HTTP 401');
const slow = new AppError('ERR_ADAPTER_TIMEOUT', 'PUT /v1/students:batch timed out');
const down = new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch failed: HTTP 503');

describe('gates3 item 1, the kind of failure that opened a circuit kept on its gate (postgres)', () => {
  const w = usePgGates();
  const threshold = () => w.env.config.sync.delivery.failureThreshold;
  const row = async () =>
    (
      await w.env.deps.db.query<{
        circuit: string;
        openedFor: string | null;
        code: string;
        endpoint: unknown;
      }>(
        `SELECT circuit, opened_for AS "openedFor", last_error_code AS code, endpoint_circuits -> $2 AS endpoint
           FROM truc.delivery_gates WHERE system = $1`,
        [SYSTEM, STUDENTS],
      )
    ).rows[0]!;
  const pauseOver = () =>
    w.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [SYSTEM],
    );

  /** Fresh gate, a staff write answered; students' writes fail with `err` (then each as the system's probe) to the threshold. */
  async function studentsFail(err: AppError) {
    await w.env.deps.db.query(`DELETE FROM truc.delivery_gates WHERE system = $1`, [SYSTEM]);
    const staff = await w.gates.enter(SYSTEM, { pace: true, endpoint: STAFF });
    await w.gates.succeeded(SYSTEM, staff);
    const onItsWay = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(onItsWay).toMatchObject({ go: true, probe: false });
    for (let i = 0; i < threshold(); i += 1) {
      const write = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
      expect(write.go).toBe(true);
      await w.gates.failed(SYSTEM, err, write);
      await pauseOver();
    }
    return onItsWay;
  }

  it('refused credentials opened it: a student write on its way timing out after does not make it handed over', async () => {
    const onItsWay = await studentsFail(refused);
    expect(await row()).toMatchObject({
      circuit: 'open',
      openedFor: 'credentials',
      code: 'ERR_ADAPTER_AUTH',
    });
    await w.gates.failed(SYSTEM, slow, onItsWay);
    expect(await row()).toMatchObject({
      circuit: 'open',
      openedFor: 'credentials',
      code: 'ERR_ADAPTER_TIMEOUT',
    });
    // Red before (the last error's code): { go: false, endpoint: students:upsert }, its own circuit opened.
    const probe = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true });
    expect(await row()).toMatchObject({ circuit: 'half-open', openedFor: 'credentials', endpoint: null });
    await w.gates.succeeded(SYSTEM, probe);
    expect(await row()).toMatchObject({ circuit: 'closed', openedFor: null });
  });

  it("an outage of the students' writes alone: kept as an outage, handed over at the system's probe", async () => {
    await studentsFail(down);
    expect(await row()).toMatchObject({ circuit: 'open', openedFor: 'outage' });
    const student = await w.gates.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(student).toMatchObject({ go: false, endpoint: STUDENTS });
    expect(await row()).toMatchObject({
      circuit: 'open',
      openedFor: 'outage',
      endpoint: { circuit: 'open' },
    });
  });
});
