/**
 * gates5 item 1: the delivery gate records who probes a system's circuit (delivery_gates.probe_by, migration 1436) when
 * the probe is taken and clears it when the probe ends; GET /v1/ops/overview shows it (systems[].probeBy, and
 * ifProbeFails.probeBy) and foresees from it what a failed probe does, the hand-over included (ifProbeFails outcome
 * handed-over), which the gate then does. Before, nothing recorded which caller or process probed, so the overview
 * could only infer. The gate driven through src/jobs/gates.ts; real PostgreSQL, the API in process.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createDeliveryGates } from '../../src/jobs/gates.js';
import { createLogger } from '../../src/observability/logger.js';
import { CONFIGURED_SYSTEMS_ENV, useApiHarness } from '../helpers/api.js';

const SYSTEM = 'hcm-csdl';
const STUDENTS = 'students:upsert';
const THIS_PROCESS = `${hostname()}:${process.pid}`;
const down = () => new AppError('ERR_ADAPTER_UNAVAILABLE', 'PUT /v1/students:batch: HTTP 503');

describe('gates5: who probes a circuit, recorded and shown (postgres)', () => {
  const h = useApiHarness(
    { name: 'postgres+pg-queue', database: 'postgres', queue: 'postgres' },
    { env: CONFIGURED_SYSTEMS_ENV },
  );
  const gates = () =>
    createDeliveryGates({
      db: h.env.deps.db,
      config: h.env.config,
      logger: createLogger('silent'),
      metrics: h.env.deps.metrics,
    });
  const system = async () => {
    const res = await h.get('/v1/ops/overview', h.tokens.admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ systems: Array<Record<string, unknown>> }>().systems.find((s) => s.system === SYSTEM);
  };
  const row = async () =>
    (
      await h.env.deps.db.query<{ probe_by: unknown; circuit: string }>(
        'SELECT probe_by, circuit FROM truc.delivery_gates WHERE system = $1',
        [SYSTEM],
      )
    ).rows[0];
  const pauseOver = () =>
    h.env.deps.db.query(
      `UPDATE truc.delivery_gates SET paused_until = now() - interval '1 second' WHERE system = $1`,
      [SYSTEM],
    );

  it('a read probes: recorded with this process, shown, cleared when it fails', async () => {
    const g = gates();
    await h.env.deps.db.query('DELETE FROM truc.delivery_gates WHERE system = $1', [SYSTEM]);
    let opened = false;
    while (!opened) {
      const write = await g.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
      opened = (await g.failed(SYSTEM, down(), write)).opened;
    }
    expect(await system()).toMatchObject({ circuit: 'open', probeBy: null });
    await pauseOver();
    const probe = await g.enter(SYSTEM, { pace: false });
    expect(probe).toMatchObject({ go: true, probe: true });
    const by = { caller: 'reads', process: THIS_PROCESS };
    // Red before: no probe_by column, no probeBy in the overview.
    expect(await row()).toEqual({ probe_by: by, circuit: 'half-open' });
    expect(await system()).toMatchObject({
      circuit: 'half-open',
      probeBy: by,
      ifProbeFails: { outcome: 'retried', probeBy: by, handsOverTo: null },
    });
    await g.failed(SYSTEM, down(), probe);
    expect(await row()).toEqual({ probe_by: null, circuit: 'open' });
    expect(await system()).toMatchObject({ circuit: 'open', probeBy: null, ifProbeFails: null });
  });

  it('foreseen hand-over: the failed probe hands the circuit to its endpoint, and another caller probes next', async () => {
    const g = gates();
    const threshold = h.env.config.sync.delivery.failureThreshold;
    // A circuit open before migration 1432 (no openers kept), students:upsert's run one short of the threshold.
    await h.env.deps.db.query('DELETE FROM truc.delivery_gates WHERE system = $1', [SYSTEM]);
    await h.env.deps.db.query(
      `INSERT INTO truc.delivery_gates (system, circuit, failures, write_failures, endpoint_failures, openings,
                                        paused_until, pause_reason, opened_at, opened_for, opened_by)
       VALUES ($1, 'open', $2, $2, $3::jsonb, 1, now() - interval '1 second', 'circuit-open', now(), 'outage', '[]')`,
      [SYSTEM, threshold, JSON.stringify({ [STUDENTS]: threshold - 1 })],
    );
    const probe = await g.enter(SYSTEM, { pace: true, endpoint: STUDENTS });
    expect(probe).toMatchObject({ go: true, probe: true });
    const seen = await system();
    expect(seen).toMatchObject({
      probeBy: { caller: STUDENTS, process: THIS_PROCESS },
      ifProbeFails: { outcome: 'handed-over', handsOverTo: STUDENTS },
    });
    const { message } = seen!.ifProbeFails as { message: { en: string } };
    expect(message.en).toMatch(
      new RegExp(
        `^If the probe fails, the circuit opens again for \\d+ s; then ${STUDENTS}'s writes wait on a circuit`,
      ),
    );
    await g.failed(SYSTEM, down(), probe);
    await pauseOver();
    // What it foresaw: students:upsert's next write is held on its own circuit, another endpoint's write probes.
    expect(await g.enter(SYSTEM, { pace: true, endpoint: STUDENTS })).toMatchObject({
      go: false,
      endpoint: STUDENTS,
      endpointOpened: true,
    });
    expect(await g.enter(SYSTEM, { pace: true, endpoint: 'staff:upsert' })).toMatchObject({
      go: true,
      probe: true,
    });
    expect(await system()).toMatchObject({
      probeBy: { caller: 'staff:upsert', process: THIS_PROCESS },
      ifProbeFails: { outcome: 'retried', handsOverTo: null },
    });
  });
});
